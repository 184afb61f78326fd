-- Entities: create / get / patch of entities, whose definitions are kept as immutable
-- entity versions (a new version per changed definition; a trigger refuses any change to a
-- version), and the free slugs of a workspace that installs give their new clones.

/**
 * Refuses any change to an entity version: a published integration version pins entity
 * versions by id, so they must stay what they were. Raises restrict_violation (23001):
 * reaching it is a bug in our code, never a caller error.
 */
create or replace function core.entity_versions_immutable() returns trigger
language plpgsql
as $$
begin
    raise exception using
        errcode = 'restrict_violation',
        message = 'Entity versions cannot be changed.';
end
$$;

create or replace trigger entity_versions_immutable
    before update or delete on core.entity_versions
    for each row execute function core.entity_versions_immutable();

create or replace trigger entity_versions_no_truncate
    before truncate on core.entity_versions
    for each statement execute function core.entity_versions_immutable();

/**
 * POST /api/entities: creates an entity in body.workspaceId with its first version (the
 * definition), created by the caller. body has been shape-checked by the worker.
 * Returns 201 with the entity.
 * Errors: IN403 the caller is not owner, admin or member of the workspace; IN409 a live
 * entity of the workspace has the slug (detail: errors array at /slug).
 */
create or replace function api.entity_create(caller jsonb, body jsonb) returns api.reply
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

    -- Installs pick the slugs of new clones under this lock (core.install_reconcile): taken
    -- here too, a create either commits before an install looks for free slugs (which then
    -- sees it and takes the next suffix) or waits for the install (and then finds its slug
    -- taken: 409), so an install never fails on a slug a create took meanwhile.
    perform pg_advisory_xact_lock(hashtextextended('install slugs ' || (body ->> 'workspaceId'), 0));

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

    return (201, core.entity_json(e), null, '/api/entities/' || e.id)::api.reply;
end
$$;

/**
 * GET /api/entities/{id}: the entity and the definition of its current version. A
 * soft-deleted entity is shown, with deletedAt.
 * Returns 200.
 * Errors: IN404 the entity does not exist or the caller has no role in its workspace.
 */
create or replace function api.entity_get(caller jsonb, id text) returns api.reply
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
    return (200, core.entity_json(e), null, null)::api.reply;
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
create or replace function api.entity_patch(caller jsonb, id text, body jsonb) returns api.reply
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

    return (200, core.entity_json(e), null, null)::api.reply;
end
$$;

/**
 * Slugs for new entities of a workspace: each key (a new entity's id) with its wanted slug
 * (base). A base that no live entity of the workspace has goes to the first key that wants
 * it; the others get base-2, base-3, …, the smallest that are free, in key order. Slugs
 * are at most 63 characters: a suffix replaces the end of a base that is too long for it.
 * Set-based: one pass over the workspace's live slugs, whatever the number of keys.
 */
create or replace function core.entity_free_slugs(workspace_id text, keys text[], bases text[])
returns table (key text, slug text)
language sql stable
as $$
    with wanted as (
        select w.key, w.base, row_number() over (partition by w.base order by w.key) as n
        from unnest(keys, bases) as w (key, base)
    ), plain as materialized (
        select w.key, w.base as slug
        from wanted as w
        where w.n = 1
          and not exists (select from core.entities as e
                          where e.workspace_id = entity_free_slugs.workspace_id
                            and e.slug = w.base and e.deleted_at is null)
    ), suffixed as (
        -- Suffixes go on a stem short enough for any suffix of up to 7 digits.
        select w.key, left(w.base, 55) as stem,
               row_number() over (partition by left(w.base, 55) order by w.key) as n
        from wanted as w
        left join plain as p using (key)
        where p.key is null
    ), used as materialized (
        -- Slugs a suffixed candidate (stem-N) could collide with, by the stem they have.
        select regexp_replace(u.slug, '-[0-9]+$', '') as stem, u.slug
        from (select e.slug from core.entities as e
              where e.workspace_id = entity_free_slugs.workspace_id and e.deleted_at is null
                and e.slug ~ '-[0-9]+$'
              union all
              select p.slug from plain as p where p.slug ~ '-[0-9]+$') as u
    ), stems as (
        select s.stem, count(*) + 1 + coalesce(max(u.used), 0) as last
        from suffixed as s
        left join (select u.stem, count(*) as used from used as u group by u.stem) as u using (stem)
        group by s.stem
    ), candidates as (
        select c.stem, c.slug, row_number() over (partition by c.stem order by c.n) as n
        from (select st.stem, g.n, st.stem || '-' || g.n as slug
              from stems as st
              cross join lateral generate_series(2, st.last) as g (n)) as c
        left join used as u using (slug)
        where u.slug is null
    )
    select p.key, p.slug from plain as p
    union all
    select s.key, c.slug from suffixed as s join candidates as c using (stem, n)
$$;

revoke execute on function
    api.entity_create(jsonb, jsonb),
    api.entity_get(jsonb, text),
    api.entity_patch(jsonb, text, jsonb)
from public;

grant execute on function
    api.entity_create(jsonb, jsonb),
    api.entity_get(jsonb, text),
    api.entity_patch(jsonb, text, jsonb)
to integrations_api;
