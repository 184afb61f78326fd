-- Publish: the immutable versions of an integration (a trigger refuses changes except
-- purge's), manifest members and their $ref closure over entity versions, the member preview,
-- and publishing (SemVer order, pinning every entity version a member reaches, placeholder
-- checks), reading a version and the members preview.

/**
 * Refuses any change to a published version, except its deletion by api.integration_purge,
 * which says so with the transaction-local setting integrations.purging = on.
 * Raises restrict_violation (23001): reaching it is a bug in our code, never a caller error.
 */
create or replace function core.integration_versions_immutable() returns trigger
language plpgsql
as $$
begin
    if tg_op = 'DELETE' and current_setting('integrations.purging', true) = 'on' then
        return old;
    end if;
    raise exception using
        errcode = 'restrict_violation',
        message = 'Published integration versions cannot be changed.';
end
$$;

create or replace trigger integration_versions_immutable
    before update or delete on core.integration_versions
    for each row execute function core.integration_versions_immutable();

create or replace trigger integration_versions_no_truncate
    before truncate on core.integration_versions
    for each statement execute function core.integration_versions_immutable();

/**
 * The members of a manifest in order, with the defaults of absent fields applied: mode
 * clone, default true, config {}. member_index is the 0-based position (as in the JSON
 * pointer /manifest/members/<member_index>). A manifest without a members array has none.
 */
create or replace function core.manifest_members(manifest jsonb)
returns table (member_index int, slug text, entity_id text, mode text, is_default boolean,
               config jsonb)
language sql immutable parallel safe
as $$
    select (m.n - 1)::int,
           m.member ->> 'slug',
           m.member ->> 'entityId',
           coalesce(m.member ->> 'mode', 'clone'),
           coalesce((m.member -> 'default')::boolean, true),
           coalesce(m.member -> 'config', '{}')
    from jsonb_array_elements(case when jsonb_typeof(manifest -> 'members') = 'array'
                                   then manifest -> 'members' else '[]' end)
         with ordinality as m (member, n)
$$;

/**
 * The $ref closure of the roots (roots included), each entity once, over the current
 * versions of the live entities of workspace_id, cycles tolerated: each entity with its
 * current version. version_id is null for an id that is not a live entity of the workspace
 * (absent, deleted, or another workspace's), whose references are then not followed; a null
 * root yields one row of nulls. This is the set publish pins, computed as a whole: members
 * that share dependencies cost nothing extra.
 */
create or replace function core.entity_reach(workspace_id text, roots text[])
returns table (entity_id text, version_id text)
language sql stable
-- Not inlined (a SET clause prevents it): planned inline, with a caller's constants, the
-- recursion is estimated at millions of rows and JIT compiles it, which costs far more than
-- the walk itself.
set jit = off
as $$
    -- UNION (not UNION ALL) drops rows already produced: an entity reached again, through
    -- a cycle or a diamond, adds nothing, and the walk ends. The rows are kept narrow (no
    -- refs arrays) because that set of rows is what UNION hashes.
    with recursive reach (entity_id, version_id) as (
        select r.id, e.current_version_id
        from (select distinct unnest(roots) as id) as r
        left join core.entities as e
               on e.id = r.id and e.workspace_id = entity_reach.workspace_id and e.deleted_at is null
      union
        select n.ref, e.current_version_id
        from reach
        join core.entity_versions as v on v.id = reach.version_id
        cross join unnest(v.refs) as n (ref)
        left join core.entities as e
               on e.id = n.ref and e.workspace_id = entity_reach.workspace_id and e.deleted_at is null
    )
    select reach.entity_id, reach.version_id from reach
$$;

/**
 * For each member of manifest (by member_index), its entity (own true) and every entity
 * reached from it through $ref (own false), transitively, each once, cycles tolerated, with
 * the version followed. With pins null that is the current version of each live entity of
 * workspace_id (the draft); otherwise pins (entity id → entity version id: a published
 * version's memberEntityVersions) says which. version_id is null for an entity that does not
 * resolve (draft: not a live entity of the workspace; published: not pinned), whose
 * references are not followed.
 */
create or replace function core.manifest_closure(workspace_id text, manifest jsonb, pins jsonb)
returns table (member_index int, entity_id text, version_id text, own boolean)
language sql stable
-- Not inlined, as core.entity_reach.
set jit = off
as $$
    -- The versions are resolved once for the whole manifest; the per-member walk then only
    -- follows an in-memory edge list, whatever the overlap between members' closures.
    with recursive members as (
        select m.member_index, m.entity_id from core.manifest_members(manifest) as m
    ), resolved as materialized (
        select r.entity_id, r.version_id, v.refs
        from core.entity_reach(workspace_id, array(select members.entity_id from members)) as r
        left join core.entity_versions as v on v.id = r.version_id
        where pins is null
      union all
        select p.key, p.value, v.refs
        from jsonb_each_text(pins) as p
        join core.entity_versions as v on v.id = p.value
    ), edges as materialized (
        select resolved.entity_id, n.ref
        from resolved
        cross join unnest(resolved.refs) as n (ref)
    ), walk (member_index, entity_id) as (
        select members.member_index, members.entity_id from members
      union
        select walk.member_index, edges.ref
        from walk
        join edges on edges.entity_id = walk.entity_id
    )
    select walk.member_index, walk.entity_id, resolved.version_id,
           walk.entity_id is not distinct from members.entity_id
    from walk
    join members on members.member_index = walk.member_index
    left join resolved on resolved.entity_id = walk.entity_id
$$;

/**
 * The member preview of manifest: {"members": [...]}, each member (in order, defaults
 * applied) with its entity's kind, the version followed (pins null: the current version of a
 * live entity of workspace_id; else the pinned one) and its closure (every entity reached
 * through $ref, each once, never the member's own entity, ordered by id). An entity that
 * does not resolve shows with entityVersionId, kind and slug null.
 */
create or replace function core.members_preview(workspace_id text, manifest jsonb, pins jsonb) returns jsonb
language sql stable
as $$
    with closure as (
        select c.member_index, c.entity_id, c.version_id, c.own, e.kind, e.slug
        from core.manifest_closure(workspace_id, manifest, pins) as c
        -- Only resolved entities show kind and slug: an unresolved id may be another
        -- workspace's entity.
        left join core.entities as e on e.id = c.entity_id and c.version_id is not null
    ), dependencies as (
        select c.member_index,
               jsonb_agg(jsonb_build_object('entityId', c.entity_id,
                                            'entityVersionId', c.version_id,
                                            'kind', c.kind, 'slug', c.slug)
                         order by c.entity_id) as entries
        from closure as c
        where not c.own
        group by c.member_index
    )
    select jsonb_build_object('members', coalesce(jsonb_agg(jsonb_build_object(
               'slug', m.slug,
               'kind', own.kind,
               'mode', m.mode,
               'default', m.is_default,
               'config', m.config,
               'entityId', m.entity_id,
               'entityVersionId', own.version_id,
               'closure', coalesce(d.entries, '[]')) order by m.member_index), '[]'))
    from core.manifest_members(manifest) as m
    left join closure as own on own.member_index = m.member_index and own.own
    left join dependencies as d on d.member_index = m.member_index
$$;

/**
 * The variables a {{name}} placeholder may name: the properties of a variables schema, as an
 * object whose keys are the names (for the ? and ?& operators).
 */
create or replace function core.variables_known(variables_schema jsonb) returns jsonb
language sql immutable parallel safe
as $$
    select case when jsonb_typeof(variables_schema -> 'properties') = 'object'
                then variables_schema -> 'properties' else '{}' end
$$;

/**
 * Raises IN422 naming each member of i's manifest that cannot be pinned: its entity, or one
 * it reaches through $ref, is not a live entity of i's workspace. One errors[] entry per bad
 * member, at /manifest/members/<n>/entityId. Called on publish's failure path only, where
 * the per-member walk is worth its cost.
 */
create or replace function core.integration_raise_unresolved(i core.integrations) returns void
language plpgsql stable
as $$
declare
    problems jsonb;
begin
    select jsonb_agg(jsonb_build_object(
               'path', format('/manifest/members/%s/entityId', b.member_index),
               'message', case
                   when b.own then 'is not a live entity of the integration''s workspace'
                   else 'refers through $ref to entities that are not live entities of the '
                        || 'integration''s workspace: ' || b.bad
               end)
           order by b.member_index)
    into problems
    from (select c.member_index,
                 bool_or(c.own) as own,
                 string_agg(coalesce(c.entity_id, 'null'), ', ' order by c.entity_id) as bad
          from core.manifest_closure(i.workspace_id, i.manifest, null) as c
          where c.version_id is null
          group by c.member_index) as b;

    raise exception using
        errcode = 'IN422',
        message = 'The manifest names entities that are not live entities of the integration''s workspace.',
        detail = problems::text;
end
$$;

/**
 * Raises IN422 naming each member whose config, or the pinned definition of an entity it
 * installs (its own or one in its closure), has a {{name}} placeholder that names no property
 * of i's variables schema. pins: entity id → entity version id. Errors are at
 * /manifest/members/<n>/config for the config, /manifest/members/<n>/entityId for
 * definitions. Called on publish's failure path only, where the per-member walk is worth
 * its cost.
 */
create or replace function core.integration_raise_unknown_placeholders(i core.integrations, pins jsonb)
returns void
language plpgsql stable
as $$
declare
    known jsonb := core.variables_known(i.variables_schema);
    problems jsonb;
begin
    select jsonb_agg(jsonb_build_object('path', e.path, 'message', e.message)
                     order by e.member_index, e.path)
    into problems
    from (select m.member_index,
                 format('/manifest/members/%s/config', m.member_index) as path,
                 'uses placeholders that name no property of variablesSchema: '
                 || string_agg('{{' || p.name || '}}', ', ' order by p.name) as message
          from core.manifest_members(i.manifest) as m
          cross join unnest(core.json_placeholders(m.config)) as p (name)
          where not known ? p.name
          group by m.member_index
          union all
          select c.member_index,
                 format('/manifest/members/%s/entityId', c.member_index),
                 'installs definitions with placeholders that name no property of '
                 || 'variablesSchema: '
                 || string_agg(distinct '{{' || p.name || '}} (in ' || c.entity_id || ')', ', ')
          from core.manifest_closure(i.workspace_id, i.manifest, pins) as c
          join core.entity_versions as v on v.id = c.version_id
          cross join unnest(v.placeholders) as p (name)
          where not known ? p.name
          group by c.member_index) as e;

    raise exception using
        errcode = 'IN422',
        message = 'Placeholders name variables that the variables schema does not define.',
        detail = problems::text;
end
$$;

/**
 * POST /api/integrations/{id}/publish: publishes body.version (SemVer 2.0, greater than every
 * published version) with body.changelog (optional). In one transaction it snapshots the
 * manifest, variables schema and auth config, pins for every member and every entity in its
 * $ref closure the entity's current version (memberEntityVersions), stores the version's
 * member preview, and makes the version the integration's currentVersion.
 * Returns 201 with the version.
 * Errors, in this order: IN404 not readable; IN403 not owner/admin of the source workspace;
 * IN409 soft-deleted; IN422 version is not SemVer; INV09 a published version has the same
 * precedence (build metadata is ignored, as SemVer says); IN422 a greater version is
 * published; IN422 a member's entity or one in its closure is not a live entity of the
 * workspace (one errors[] entry per member); IN422 a placeholder names no variable.
 * Concurrent publishes of one integration run one after the other (row lock): of two
 * publishing the same version, the second gets INV09.
 */
create or replace function api.integration_publish(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
    key text := core.semver_key(body ->> 'version');
    latest core.integration_versions;
    pins jsonb;
    unresolved bigint;
    defined boolean;
    v core.integration_versions;
begin
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN409',
            message = 'A deleted integration cannot be published; restore it first.';
    end if;
    if key is null then
        raise exception using
            errcode = 'IN422',
            message = 'The version is not a Semantic Versioning 2.0 version.',
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/version', 'message', 'must be a SemVer 2.0 version'))::text;
    end if;

    select * into latest
    from core.integration_versions as t
    where t.integration_id = i.id
    order by core.semver_key(t.version) desc
    limit 1;
    if core.semver_key(latest.version) = key then
        raise exception using
            errcode = 'INV09',
            message = format('Version %s is already published.', latest.version),
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/version', 'message', 'is already published'))::text;
    end if;
    if core.semver_key(latest.version) > key then
        raise exception using
            errcode = 'IN422',
            message = format('The version must be greater than the latest published version, %s.',
                             latest.version),
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/version',
                'message', format('must be greater than %s', latest.version)))::text;
    end if;

    -- One pass over the pinned set decides the common case; the error paths walk the
    -- members one by one to say which ones are at fault. The definitions' placeholders are
    -- the names stored with each version; the configs are scanned here, all at once.
    select coalesce(jsonb_object_agg(r.entity_id, r.version_id)
                        filter (where r.version_id is not null), '{}'),
           count(*) filter (where r.version_id is null),
           coalesce(bool_and(core.variables_known(i.variables_schema) ?& ev.placeholders), true)
    into pins, unresolved, defined
    from core.entity_reach(i.workspace_id,
                           array(select m.entity_id from core.manifest_members(i.manifest) as m)) as r
    left join core.entity_versions as ev on ev.id = r.version_id;
    if unresolved > 0 then
        perform core.integration_raise_unresolved(i);
    end if;
    if not (defined and core.variables_known(i.variables_schema)
                        ?& core.json_placeholders(jsonb_path_query_array(i.manifest,
                                                                         '$.members[*].config'))) then
        perform core.integration_raise_unknown_placeholders(i, pins);
    end if;

    insert into core.integration_versions as t
        (integration_id, version, manifest_snapshot, variables_schema_snapshot,
         auth_config_snapshot, member_entity_versions, changelog, published_by, members_preview)
    values
        (i.id, body ->> 'version', i.manifest, i.variables_schema, i.auth_config, pins,
         body ->> 'changelog', caller ->> 'sub', core.members_preview(i.workspace_id, i.manifest, pins))
    returning t.* into v;

    update core.integrations as t
    set current_version = v.version, updated_at = clock_timestamp()
    where t.id = i.id;

    return (201, core.integration_version_json(v), null,
            '/api/integration-versions/' || v.id)::api.reply;
end
$$;

/**
 * GET /api/integration-versions/{id}: one published version.
 * Returns 200.
 * Errors: IN404 the version does not exist or its integration is not readable.
 */
create or replace function api.integration_version_get(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    v core.integration_versions;
    i core.integrations;
begin
    select * into v from core.integration_versions as t where t.id = integration_version_get.id;
    if found then
        select * into i from core.integrations as t where t.id = v.integration_id;
    end if;
    if v.id is null or not core.integration_readable(caller, i) then
        raise exception using errcode = 'IN404', message = 'Integration version not found.';
    end if;
    return (200, core.integration_version_json(v), null, null)::api.reply;
end
$$;

/**
 * GET /api/integrations/{id}/members: what an install of the current version materializes
 * (the preview publish stored with it), or, before the first publish, of the draft
 * (computed now, from the current entity versions); see core.members_preview. For the
 * draft, an id that is not a live entity of the integration's workspace shows with
 * entityVersionId, kind and slug null (publish would refuse it; nothing of another
 * workspace is revealed).
 * Returns 200 {"members": [...]}.
 * Errors: IN404 not readable.
 */
create or replace function api.integration_members_preview(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations;
    v core.integration_versions;
begin
    select * into i from core.integrations as t where t.id = integration_members_preview.id;
    if not found or not core.integration_readable(caller, i) then
        raise exception using errcode = 'IN404', message = 'Integration not found.';
    end if;
    if i.current_version is null then
        return (200, core.members_preview(i.workspace_id, i.manifest, null), null, null)::api.reply;
    end if;
    select * into v
    from core.integration_versions as t
    where t.integration_id = i.id and t.version = i.current_version;
    return (200,
            coalesce(v.members_preview,
                     core.members_preview(i.workspace_id, v.manifest_snapshot, v.member_entity_versions)),
            null, null)::api.reply;
end
$$;

revoke execute on function
    api.integration_publish(jsonb, text, jsonb),
    api.integration_version_get(jsonb, text),
    api.integration_members_preview(jsonb, text)
from public;

grant execute on function
    api.integration_publish(jsonb, text, jsonb),
    api.integration_version_get(jsonb, text),
    api.integration_members_preview(jsonb, text)
to integrations_api;
