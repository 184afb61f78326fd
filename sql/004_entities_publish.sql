-- Entities and their immutable versions; publishing an integration (snapshot of the manifest
-- and of the entity versions it pins); the member preview; visibility review and grants.

-- ------------------------------------------------------------------------------ entities

-- A definition depends on another entity through a node {"$ref": "ent_…"} anywhere in it.
-- Only strings of our own id shape count: "$ref" is a common key in JSON documents (JSON
-- Schema uses it for "#/…" pointers), and those are not dependencies.

/**
 * The distinct entity ids a definition refers to through {"$ref": "ent_…"} nodes, at any
 * depth, sorted; empty when there are none.
 */
create function core.entity_refs(definition jsonb) returns text[]
language sql immutable strict parallel safe
as $$
    select coalesce(array_agg(distinct r.id order by r.id), '{}')
    from jsonb_path_query(
             definition,
             'strict $.** ? (@.type() == "object" && exists (@."$ref"))."$ref"
                          ? (@.type() == "string" && @ like_regex "^ent_[0-9a-f]{28}$")') as n,
         lateral (select n #>> '{}' as id) as r
$$;

/**
 * The distinct variable names of the {{name}} placeholders in the string values of doc (at
 * any depth; object keys are not scanned), sorted. A name is [A-Za-z_][A-Za-z0-9_]*,
 * optionally padded with spaces inside the braces ({{ name }}). Installs substitute exactly
 * these.
 */
create function core.json_placeholders(doc jsonb) returns text[]
language sql immutable strict parallel safe
as $$
    select coalesce(array_agg(distinct m[1] order by m[1]), '{}')
    from jsonb_path_query(doc, 'strict $.** ? (@.type() == "string")') as s,
         regexp_matches(s #>> '{}', '\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}', 'g') as m
$$;

-- Slugs are unique among the live entities of a workspace only (partial index below): an
-- install clones entities under the source slug, and a soft-deleted clone must not block the
-- next install from taking it. kind and slug are fixed at creation.
--
-- source_install_member_id: set on clones by installs (the install members table comes with
-- that feature, and its foreign key with it).
create table core.entities (
    id                       text        primary key default core.new_id('ent_')
                                         check (id ~ '^ent_[0-9a-f]{28}$'),
    workspace_id             text        not null,
    kind                     text        not null check (kind ~ '^[a-z][a-z0-9_]{0,31}$'),
    slug                     text        not null check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name                     text        not null,
    current_version_id       text        not null,
    source_install_member_id text,
    created_by               text        not null,
    created_at               timestamptz not null default clock_timestamp(),
    updated_at               timestamptz not null default clock_timestamp(),
    deleted_at               timestamptz
);

-- refs and placeholders are derived from the definition by the database itself, once, when
-- the version is written: whoever writes a version (the entity functions here, installs
-- later) cannot store a definition and a derivation that disagree, and publish, which needs
-- both for every pinned version, never scans definitions (about 40 µs each).
create table core.entity_versions (
    id           text        primary key default core.new_id('entv_')
                             check (id ~ '^entv_[0-9a-f]{28}$'),
    entity_id    text        not null references core.entities,
    definition   jsonb       not null check (jsonb_typeof(definition) = 'object'),
    refs         text[]      not null generated always as (core.entity_refs(definition)) stored,
    placeholders text[]      not null
                             generated always as (core.json_placeholders(definition)) stored,
    created_by   text        not null,
    created_at   timestamptz not null default clock_timestamp(),
    unique (id, entity_id)
);

-- Every entity has a current version, and it is one of its own. Deferred: an entity and its
-- first version reference each other and are inserted in one transaction.
alter table core.entities
    add foreign key (current_version_id, id) references core.entity_versions (id, entity_id)
        deferrable initially deferred;

create unique index entities_workspace_slug_live_idx
    on core.entities (workspace_id, slug) where deleted_at is null;
-- GET /api/entities: the caller's workspaces in the default order (createdAt desc, id desc).
create index entities_workspace_created_at_idx
    on core.entities (workspace_id, created_at desc, id desc);

/**
 * Refuses any change to an entity version: a published integration version pins entity
 * versions by id, so they must stay what they were. Raises restrict_violation (23001):
 * reaching it is a bug in our code, never a caller error.
 */
create function core.entity_versions_immutable() returns trigger
language plpgsql
as $$
begin
    raise exception using
        errcode = 'restrict_violation',
        message = 'Entity versions cannot be changed.';
end
$$;

create trigger entity_versions_immutable
    before update or delete on core.entity_versions
    for each row execute function core.entity_versions_immutable();

create trigger entity_versions_no_truncate
    before truncate on core.entity_versions
    for each statement execute function core.entity_versions_immutable();

/**
 * The API representation of an entity, with the definition of its current version.
 */
create function core.entity_json(e core.entities) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', e.id,
        'workspaceId', e.workspace_id,
        'kind', e.kind,
        'slug', e.slug,
        'name', e.name,
        'definition', (select v.definition from core.entity_versions as v
                       where v.id = e.current_version_id),
        'currentVersionId', e.current_version_id,
        'sourceInstallMemberId', e.source_install_member_id,
        'createdBy', e.created_by,
        'createdAt', core.iso_time(e.created_at),
        'updatedAt', core.iso_time(e.updated_at),
        'deletedAt', core.iso_time(e.deleted_at))
$$;

/**
 * POST /api/entities: creates an entity in body.workspaceId with its first version (the
 * definition), created by the caller. body has been shape-checked by the worker.
 * Returns 201 with the entity.
 * Errors: IN403 the caller is not owner, admin or member of the workspace; IN409 a live
 * entity of the workspace has the slug (detail: errors array at /slug).
 */
create function api.entity_create(caller jsonb, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    entity_id text := core.new_id('ent_');
    version_id text := core.new_id('entv_');
    created timestamptz := clock_timestamp();
    e core.entities;
begin
    if not core.caller_has_role(caller, body ->> 'workspaceId', 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may create entities in it.';
    end if;

    -- ON CONFLICT rather than a lookup first: a concurrent create of the same slug waits for
    -- the other transaction and then lands here too.
    insert into core.entities as t
        (id, workspace_id, kind, slug, name, current_version_id, created_by, created_at, updated_at)
    values
        (entity_id, body ->> 'workspaceId', body ->> 'kind', body ->> 'slug', body ->> 'name',
         version_id, caller ->> 'sub', created, created)
    on conflict (workspace_id, slug) where deleted_at is null do nothing
    returning t.* into e;

    if not found then
        raise exception using
            errcode = 'IN409',
            message = 'A live entity with this slug already exists in the workspace.',
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/slug',
                'message', 'This slug is already used by a live entity of the workspace.'))::text;
    end if;

    insert into core.entity_versions (id, entity_id, definition, created_by, created_at)
    values (version_id, entity_id, body -> 'definition', caller ->> 'sub', created);

    return (201, core.entity_json(e), null)::api.reply;
end
$$;

/**
 * GET /api/entities/{id}: the entity and the definition of its current version. A
 * soft-deleted entity is shown, with deletedAt.
 * Returns 200.
 * Errors: IN404 the entity does not exist or the caller has no role in its workspace.
 */
create function api.entity_get(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    e core.entities;
begin
    select * into e from core.entities as t where t.id = entity_get.id;
    if not found or core.caller_role(caller, e.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Entity not found.';
    end if;
    return (200, core.entity_json(e), null)::api.reply;
end
$$;

/**
 * PATCH /api/entities/{id}: applies name and definition when present in body. A definition
 * that differs from the current one becomes a new entity version (and the current one); an
 * equal one adds nothing. updatedAt changes on every successful call.
 * Returns 200 with the entity.
 * Errors: IN404 no role in the entity's workspace (or no such entity); IN403 a viewer;
 * IN409 the entity is soft-deleted.
 */
create function api.entity_patch(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    e core.entities;
    changed timestamptz := clock_timestamp();
    version_id text;
begin
    -- Locked so that concurrent patches apply one after the other, each on top of the
    -- version the previous one made current.
    select * into e from core.entities as t where t.id = entity_patch.id for update;
    if not found or core.caller_role(caller, e.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Entity not found.';
    end if;
    if not core.caller_has_role(caller, e.workspace_id, 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may change its entities.';
    end if;
    if e.deleted_at is not null then
        raise exception using errcode = 'IN409', message = 'A deleted entity cannot be edited.';
    end if;

    version_id := e.current_version_id;
    if body ? 'definition'
       and body -> 'definition' is distinct from (select v.definition from core.entity_versions as v
                                                  where v.id = e.current_version_id) then
        insert into core.entity_versions (entity_id, definition, created_by, created_at)
        values (e.id, body -> 'definition', caller ->> 'sub', changed)
        returning entity_versions.id into version_id;
    end if;

    update core.entities as t set
        name = case when body ? 'name' then body ->> 'name' else t.name end,
        current_version_id = version_id,
        updated_at = changed
    where t.id = e.id
    returning t.* into e;

    return (200, core.entity_json(e), null)::api.reply;
end
$$;

-- ------------------------------------------------------------------ manifests and closure

/**
 * The members of a manifest in order, with the defaults of absent fields applied: mode
 * clone, default true, config {}. member_index is the 0-based position (as in the JSON
 * pointer /manifest/members/<member_index>). A manifest without a members array has none.
 */
create function core.manifest_members(manifest jsonb)
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
create function core.entity_reach(workspace_id text, roots text[])
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
create function core.manifest_closure(workspace_id text, manifest jsonb, pins jsonb)
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

-- ----------------------------------------------------------------------------- publish

-- The greatest published version of an integration, by SemVer precedence.
create index integration_versions_semver_idx
    on core.integration_versions (integration_id, core.semver_key(version));

-- The member preview of a version, computed by publish. Everything it shows is fixed once the
-- version exists (the manifest snapshot, the pinned entity versions and their refs, the
-- entities' kind and slug), so it is computed once instead of on every read: building it
-- costs about as much as a publish, reading it almost nothing. Null for versions written by
-- anything but publish; the preview then computes it.
alter table core.integration_versions add column members_preview jsonb
    check (jsonb_typeof(members_preview) = 'object');

/**
 * The member preview of manifest: {"members": [...]}, each member (in order, defaults
 * applied) with its entity's kind, the version followed (pins null: the current version of a
 * live entity of workspace_id; else the pinned one) and its closure (every entity reached
 * through $ref, each once, never the member's own entity, ordered by id). An entity that
 * does not resolve shows with entityVersionId, kind and slug null.
 */
create function core.members_preview(workspace_id text, manifest jsonb, pins jsonb) returns jsonb
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
 * The API representation of an integration version.
 */
create function core.integration_version_json(v core.integration_versions) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', v.id,
        'integrationId', v.integration_id,
        'version', v.version,
        'manifestSnapshot', v.manifest_snapshot,
        'variablesSchemaSnapshot', v.variables_schema_snapshot,
        'authConfigSnapshot', v.auth_config_snapshot,
        'memberEntityVersions', v.member_entity_versions,
        'changelog', v.changelog,
        'publishedBy', v.published_by,
        'publishedAt', core.iso_time(v.published_at))
$$;

/**
 * Raises IN422 naming each member of i's manifest that cannot be pinned: its entity, or one
 * it reaches through $ref, is not a live entity of i's workspace. One errors[] entry per bad
 * member, at /manifest/members/<n>/entityId. Called on publish's failure path only, where
 * the per-member walk is worth its cost.
 */
create function core.integration_raise_unresolved(i core.integrations) returns void
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
 * The variables a {{name}} placeholder may name: the properties of a variables schema, as an
 * object whose keys are the names (for the ? and ?& operators).
 */
create function core.variables_known(variables_schema jsonb) returns jsonb
language sql immutable parallel safe
as $$
    select case when jsonb_typeof(variables_schema -> 'properties') = 'object'
                then variables_schema -> 'properties' else '{}' end
$$;

/**
 * Raises IN422 naming each member whose config, or the pinned definition of an entity it
 * installs (its own or one in its closure), has a {{name}} placeholder that names no property
 * of i's variables schema. pins: entity id → entity version id. Errors are at
 * /manifest/members/<n>/config for the config, /manifest/members/<n>/entityId for
 * definitions. Called on publish's failure path only, where the per-member walk is worth
 * its cost.
 */
create function core.integration_raise_unknown_placeholders(i core.integrations, pins jsonb)
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
create function api.integration_publish(caller jsonb, id text, body jsonb) returns api.reply
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

    return (201, core.integration_version_json(v), null)::api.reply;
end
$$;

/**
 * GET /api/integration-versions/{id}: one published version.
 * Returns 200.
 * Errors: IN404 the version does not exist or its integration is not readable.
 */
create function api.integration_version_get(caller jsonb, id text) returns api.reply
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
    return (200, core.integration_version_json(v), null)::api.reply;
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
create function api.integration_members_preview(caller jsonb, id text) returns api.reply
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
        return (200, core.members_preview(i.workspace_id, i.manifest, null), null)::api.reply;
    end if;
    select * into v
    from core.integration_versions as t
    where t.integration_id = i.id and t.version = i.current_version;
    return (200,
            coalesce(v.members_preview,
                     core.members_preview(i.workspace_id, v.manifest_snapshot, v.member_entity_versions)),
            null)::api.reply;
end
$$;

-- ------------------------------------------------------------------ visibility and grants

/**
 * The state of an integration's listing: {"id", "visibility", "reviewState"} (reviewState
 * pending, rejected or null).
 */
create function core.integration_review_json(i core.integrations) returns jsonb
language sql immutable parallel safe
as $$
    select jsonb_build_object('id', i.id, 'visibility', i.visibility, 'reviewState', i.review_state)
$$;

/**
 * POST /api/integrations/{id}/visibility: private and unlisted apply at once (and withdraw a
 * pending or rejected request to list publicly); public asks for review, leaving the
 * visibility as it is until a platform reviewer approves. Asking for public while public
 * changes nothing. updatedAt changes when the visibility does.
 * Returns 200 with the integration and its ETag (private, unlisted, already public), or 202
 * {"id", "visibility", "reviewState": "pending"}.
 * Errors: IN404 not readable; IN403 not owner/admin of the source workspace; IN409
 * soft-deleted.
 */
create function api.integration_set_visibility(caller jsonb, id text, body jsonb)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
    wanted text := body ->> 'visibility';
    doc jsonb;
begin
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN409',
            message = 'A deleted integration cannot change visibility; restore it first.';
    end if;
    if wanted = 'public' and i.visibility <> 'public' then
        update core.integrations as t set review_state = 'pending'
        where t.id = i.id
        returning t.* into i;
        return (202, core.integration_review_json(i), null)::api.reply;
    end if;

    update core.integrations as t set
        visibility = wanted,
        review_state = null,
        updated_at = case when t.visibility = wanted then t.updated_at else clock_timestamp() end
    where t.id = i.id
    returning t.* into i;
    doc := core.integration_json(i);
    return (200, doc, core.etag(doc))::api.reply;
end
$$;

/**
 * POST /api/integrations/{id}/review: a platform reviewer decides a pending request to list
 * the integration publicly. approve makes it public; reject leaves the visibility and marks
 * the request rejected. Reviewers need no role in the source workspace.
 * Returns 200 {"id", "visibility", "reviewState"}.
 * Errors, in this order: IN404 no such integration, or the caller is not a reviewer and may
 * not read it; IN403 the caller is not a platform_reviewer; IN403 approving an integration
 * the caller created; IN409 soft-deleted or no request pending.
 */
create function api.integration_review(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations;
    approve boolean := body ->> 'decision' = 'approve';
begin
    select * into i from core.integrations as t where t.id = integration_review.id for update;
    if not found
       or not (core.caller_has_platform_role(caller, 'platform_reviewer')
               or core.integration_readable(caller, i)) then
        raise exception using errcode = 'IN404', message = 'Integration not found.';
    end if;
    if not core.caller_has_platform_role(caller, 'platform_reviewer') then
        raise exception using
            errcode = 'IN403', message = 'Only a platform reviewer may review public listings.';
    end if;
    if approve and i.created_by = caller ->> 'sub' then
        raise exception using
            errcode = 'IN403', message = 'An integration''s author cannot approve its listing.';
    end if;
    if i.deleted_at is not null or i.review_state is distinct from 'pending' then
        raise exception using
            errcode = 'IN409', message = 'No request to list this integration publicly is pending.';
    end if;

    update core.integrations as t set
        visibility = case when approve then 'public' else t.visibility end,
        review_state = case when approve then null else 'rejected' end,
        updated_at = case when approve then clock_timestamp() else t.updated_at end
    where t.id = i.id
    returning t.* into i;
    return (200, core.integration_review_json(i), null)::api.reply;
end
$$;

/**
 * The API representation of a grant.
 */
create function core.integration_grant_json(g core.integration_grants) returns jsonb
language sql immutable parallel safe
as $$
    select jsonb_build_object(
        'integrationId', g.integration_id,
        'workspaceId', g.workspace_id,
        'grantedBy', g.granted_by,
        'createdAt', core.iso_time(g.created_at))
$$;

/**
 * POST /api/integrations/{id}/grants: lets the roles of body.workspaceId read (and so
 * install) the integration whatever its visibility.
 * Returns 201 with the grant.
 * Errors: IN404 not readable; IN403 not owner/admin of the source workspace; IN409
 * soft-deleted; IN422 the source workspace itself (it always has access); IN409 already
 * granted.
 */
create function api.integration_grant_create(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
    g core.integration_grants;
begin
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN409',
            message = 'A deleted integration cannot be granted; restore it first.';
    end if;
    if body ->> 'workspaceId' = i.workspace_id then
        raise exception using
            errcode = 'IN422',
            message = 'The integration''s own workspace always has access.',
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/workspaceId',
                'message', 'is the integration''s own workspace'))::text;
    end if;
    insert into core.integration_grants as t (integration_id, workspace_id, granted_by)
    values (i.id, body ->> 'workspaceId', caller ->> 'sub')
    on conflict do nothing
    returning t.* into g;
    if not found then
        raise exception using
            errcode = 'IN409',
            message = 'The integration is already granted to this workspace.',
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/workspaceId', 'message', 'is already granted'))::text;
    end if;
    return (201, core.integration_grant_json(g), null)::api.reply;
end
$$;

/**
 * GET /api/integrations/{id}/grants: the workspaces the integration is granted to, oldest
 * first. Reading grants is for the source workspace (any role): grantees and other readers
 * do not learn of each other.
 * Returns 200 {"data": [...]}.
 * Errors: IN404 not readable; IN403 readable but no role in the source workspace.
 */
create function api.integration_grant_list(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations;
    doc jsonb;
begin
    select * into i from core.integrations as t where t.id = integration_grant_list.id;
    if not found or not core.integration_readable(caller, i) then
        raise exception using errcode = 'IN404', message = 'Integration not found.';
    end if;
    if core.caller_role(caller, i.workspace_id) is null then
        raise exception using
            errcode = 'IN403',
            message = 'Only the integration''s own workspace may see its grants.';
    end if;
    select jsonb_build_object('data', coalesce(jsonb_agg(core.integration_grant_json(g)
                                                         order by g.created_at, g.workspace_id), '[]'))
    into doc
    from core.integration_grants as g
    where g.integration_id = i.id;
    return (200, doc, null)::api.reply;
end
$$;

/**
 * DELETE /api/integrations/{id}/grants/{workspace_id}: withdraws a grant.
 * Returns 200 {"success": true}.
 * Errors: IN404 not readable, or no such grant; IN403 not owner/admin of the source
 * workspace; IN409 soft-deleted.
 */
create function api.integration_grant_delete(caller jsonb, id text, workspace_id text)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
begin
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN409',
            message = 'A deleted integration''s grants cannot change; restore it first.';
    end if;
    delete from core.integration_grants as g
    where g.integration_id = i.id and g.workspace_id = integration_grant_delete.workspace_id;
    if not found then
        raise exception using errcode = 'IN404', message = 'Grant not found.';
    end if;
    return (200, '{"success": true}', null)::api.reply;
end
$$;

revoke execute on function
    api.entity_create(jsonb, jsonb),
    api.entity_get(jsonb, text),
    api.entity_patch(jsonb, text, jsonb),
    api.integration_publish(jsonb, text, jsonb),
    api.integration_version_get(jsonb, text),
    api.integration_members_preview(jsonb, text),
    api.integration_set_visibility(jsonb, text, jsonb),
    api.integration_review(jsonb, text, jsonb),
    api.integration_grant_create(jsonb, text, jsonb),
    api.integration_grant_list(jsonb, text),
    api.integration_grant_delete(jsonb, text, text)
from public;

grant execute on function
    api.entity_create(jsonb, jsonb),
    api.entity_get(jsonb, text),
    api.entity_patch(jsonb, text, jsonb),
    api.integration_publish(jsonb, text, jsonb),
    api.integration_version_get(jsonb, text),
    api.integration_members_preview(jsonb, text),
    api.integration_set_visibility(jsonb, text, jsonb),
    api.integration_review(jsonb, text, jsonb),
    api.integration_grant_create(jsonb, text, jsonb),
    api.integration_grant_list(jsonb, text),
    api.integration_grant_delete(jsonb, text, text)
to integrations_api;
