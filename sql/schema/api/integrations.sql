-- Integrations: the lifecycle of an integration, create / get / patch / delete (soft) /
-- restore / purge, with authoring rights and trust tiers. GET by id is core.integration_get,
-- which the workers call directly (it reads the stored representation).

/**
 * Locks the integration for a state change and returns it when the caller may author it
 * (owner or admin of its source workspace). Raises IN404 when the caller may not read it
 * (or it does not exist), IN403 when it may read but not author it.
 */
create or replace function core.integration_lock_for_author(caller jsonb, integration_id text)
returns core.integrations
language plpgsql
as $$
declare
    i core.integrations;
begin
    select * into i from core.integrations as t where t.id = integration_id for update;
    if not found or not core.integration_readable(caller, i) then
        raise exception using errcode = 'IN404', message = 'Integration not found.';
    end if;
    if not core.caller_has_role(caller, i.workspace_id, 'owner', 'admin') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner or admin of the integration''s workspace may change it.';
    end if;
    return i;
end
$$;

/**
 * Raises IN403 unless the caller may give an integration this trust tier: the default,
 * verified_publisher, is anyone's; the others are vouched for by the platform.
 */
create or replace function core.integration_check_trust_tier(caller jsonb, trust_tier text) returns void
language plpgsql
as $$
begin
    if trust_tier <> 'verified_publisher'
       and not core.caller_has_platform_role(caller, 'platform_admin') then
        raise exception using
            errcode = 'IN403',
            message = 'Only a platform administrator may set this trust tier.';
    end if;
end
$$;

/**
 * POST /api/integrations: creates a draft integration in body.workspaceId, created by the
 * caller. body has been shape-checked by the worker. Absent optional fields get the columns'
 * defaults, repeated below because a VALUES item cannot fall back to DEFAULT conditionally.
 * Returns 201 with the integration and its ETag.
 * Errors: IN403 the caller is not owner/admin of the workspace, or sets a trust tier other
 * than verified_publisher without platform_admin; IN409 the slug is taken in the workspace,
 * soft-deleted integrations included (detail: errors array at /slug).
 */
create or replace function api.integration_create(caller jsonb, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    workspace text := body ->> 'workspaceId';
    tier text := coalesce(body ->> 'trustTier', 'verified_publisher');
    created timestamptz := clock_timestamp();
    i core.integrations;
    doc jsonb;
begin
    if not core.caller_has_role(caller, workspace, 'owner', 'admin') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner or admin of the workspace may create integrations in it.';
    end if;
    perform core.integration_check_trust_tier(caller, tier);

    -- ON CONFLICT rather than a lookup first: a concurrent create of the same slug waits for
    -- the other transaction and then lands here too, instead of failing on the constraint.
    insert into core.integrations as t
        (workspace_id, slug, name, description, icon_url, publisher, trust_tier,
         manifest, variables_schema, auth_config, created_by, created_at, updated_at)
    values
        (workspace, body ->> 'slug', body ->> 'name', body ->> 'description',
         body ->> 'iconUrl', body ->> 'publisher', tier,
         coalesce(body -> 'manifest', '{"members": []}'),
         coalesce(body -> 'variablesSchema', '{}'),
         coalesce(body -> 'authConfig', '{"type": "none"}'),
         caller ->> 'sub', created, created)
    on conflict (workspace_id, slug) do nothing
    returning t.* into i;

    if not found then
        raise exception using
            errcode = 'IN409',
            message = 'An integration with this slug already exists in the workspace.',
            detail = jsonb_build_array(jsonb_build_object(
                'path', '/slug',
                'message', 'This slug is already used by an integration of the workspace, possibly a deleted one.'))::text;
    end if;

    doc := core.integration_json(i);
    return (201, doc, core.etag(doc), '/api/integrations/' || i.id)::api.reply;
end
$$;

/**
 * GET /api/integrations/{id}: status 200, the stored representation and its ETag, or no row
 * when the integration does not exist or the caller may not read it (the worker answers 404).
 * SQL and neither strict nor security definer, so that PostgreSQL inlines it into the
 * worker's prepared statement; it runs with the workers' own right to read core.
 */
create or replace function core.integration_get(caller jsonb, id text)
returns table (status int, body text, etag text)
language sql stable
as $$
    select 200, r.body, r.etag
    from core.integrations as i
    join core.integration_representations as r on r.integration_id = i.id
    where i.id = integration_get.id
      and core.integration_readable(integration_get.caller, i)
$$;

/**
 * PATCH /api/integrations/{id}: applies the keys present in body (name, description, iconUrl,
 * trustTier, manifest, variablesSchema, authConfig; other keys are the worker's to refuse).
 * JSON null clears description and iconUrl. if_match is the If-Match header as received
 * (null when absent). updatedAt changes on every successful call.
 * Returns 200 with the new representation and ETag.
 * Errors: IN404 not readable; IN403 not owner/admin of the source workspace, or a trust tier
 * change to other than verified_publisher without platform_admin; IN409 soft-deleted;
 * IN412 if_match does not match the current ETag.
 */
create or replace function api.integration_patch(caller jsonb, id text, body jsonb, if_match text)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
    doc jsonb;
begin
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN409',
            message = 'A deleted integration cannot be edited; restore it first.';
    end if;
    if not core.etag_matches(if_match, core.etag(core.integration_json(i))) then
        raise exception using
            errcode = 'IN412',
            message = 'The integration has changed since it was read (If-Match does not match its ETag).';
    end if;
    if body ? 'trustTier' and body ->> 'trustTier' is distinct from i.trust_tier then
        perform core.integration_check_trust_tier(caller, body ->> 'trustTier');
    end if;

    update core.integrations as t set
        name = case when body ? 'name' then body ->> 'name' else t.name end,
        description = case when body ? 'description' then body ->> 'description' else t.description end,
        icon_url = case when body ? 'iconUrl' then body ->> 'iconUrl' else t.icon_url end,
        trust_tier = case when body ? 'trustTier' then body ->> 'trustTier' else t.trust_tier end,
        manifest = case when body ? 'manifest' then body -> 'manifest' else t.manifest end,
        variables_schema = case when body ? 'variablesSchema' then body -> 'variablesSchema'
                                else t.variables_schema end,
        auth_config = case when body ? 'authConfig' then body -> 'authConfig' else t.auth_config end,
        -- clock_timestamp, not now(): two edits in one transaction still get distinct times.
        updated_at = clock_timestamp()
    where t.id = i.id
    returning t.* into i;

    doc := core.integration_json(i);
    return (200, doc, core.etag(doc), null)::api.reply;
end
$$;

/**
 * DELETE /api/integrations/{id}: soft-deletes the integration. Installs keep working on
 * their pinned versions.
 * Returns 200 {"success": true}.
 * Errors: IN404 not readable; IN403 not owner/admin of the source workspace; IN409 already
 * deleted.
 */
create or replace function api.integration_delete(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
    deleted timestamptz := clock_timestamp();
begin
    if i.deleted_at is not null then
        raise exception using errcode = 'IN409', message = 'The integration is already deleted.';
    end if;
    update core.integrations as t
    set deleted_at = deleted, updated_at = deleted
    where t.id = i.id;
    return (200, '{"success": true}', null, null)::api.reply;
end
$$;

/**
 * POST /api/integrations/{id}/restore: undoes a soft delete.
 * Returns 200 with the integration and its ETag.
 * Errors: IN404 not readable; IN403 not owner/admin of the source workspace; IN409 not
 * deleted.
 */
create or replace function api.integration_restore(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
    doc jsonb;
begin
    if i.deleted_at is null then
        raise exception using errcode = 'IN409', message = 'The integration is not deleted.';
    end if;
    update core.integrations as t
    set deleted_at = null, updated_at = clock_timestamp()
    where t.id = i.id
    returning t.* into i;
    doc := core.integration_json(i);
    return (200, doc, core.etag(doc), null)::api.reply;
end
$$;

/**
 * Whether a live install still depends on the integration: one pins one of its versions, or
 * is the child of one of its installs. Purge, and the retention job, leave such an
 * integration alone.
 */
create or replace function core.integration_has_live_installs(integration_id text) returns boolean
language sql stable
as $$
    -- An install's integration_id always names the integration of its pinned version (the
    -- composite foreign key), so "pins one of its versions" is "is an install of it".
    select exists (select
                   from core.integration_installs as inst
                   where inst.deleted_at is null
                     and (inst.integration_id = integration_has_live_installs.integration_id
                          or inst.parent_install_id in (
                                 select p.id
                                 from core.integration_installs as p
                                 where p.integration_id = integration_has_live_installs.integration_id)))
$$;

/**
 * Removes a soft-deleted integration for good, with its grants, versions and uninstalled
 * installs (and their member rows: their clones stay and lose the link). The caller has
 * locked the row and checked core.integration_has_live_installs.
 */
create or replace function core.integration_remove(integration_id text) returns void
language plpgsql
as $$
begin
    delete from core.integration_grants as g where g.integration_id = integration_remove.integration_id;
    delete from core.install_members as m
    using core.integration_installs as inst
    where m.install_id = inst.id
      and inst.integration_id = integration_remove.integration_id and inst.deleted_at is not null;
    -- Should a live install be here all the same, it is kept and the versions' foreign key
    -- aborts the purge: nothing live is ever lost.
    delete from core.integration_installs as inst
    where inst.integration_id = integration_remove.integration_id and inst.deleted_at is not null;
    perform set_config('integrations.purging', 'on', true);
    delete from core.integration_versions as v where v.integration_id = integration_remove.integration_id;
    perform set_config('integrations.purging', 'off', true);
    delete from core.integrations as t where t.id = integration_remove.integration_id;
end
$$;

/**
 * DELETE /api/integrations/{id}/purge: removes a soft-deleted integration for good, with its
 * versions, grants and uninstalled (soft-deleted) installs.
 * Returns 200 {"success": true}.
 * Errors: IN404 not readable; IN403 not owner/admin of the source workspace; IN409 not
 * deleted; INH09 a live install still pins one of its versions, or is the child of one of
 * its installs.
 */
create or replace function api.integration_purge(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, id);
begin
    if i.deleted_at is null then
        raise exception using
            errcode = 'IN409',
            message = 'Only a deleted integration can be purged; delete it first.';
    end if;
    if core.integration_has_live_installs(i.id) then
        raise exception using
            errcode = 'INH09',
            message = 'The integration still has live installs; uninstall them before purging it.';
    end if;
    perform core.integration_remove(i.id);
    return (200, '{"success": true}', null, null)::api.reply;
end
$$;

revoke execute on function
    api.integration_create(jsonb, jsonb),
    api.integration_patch(jsonb, text, jsonb, text),
    api.integration_delete(jsonb, text),
    api.integration_restore(jsonb, text),
    api.integration_purge(jsonb, text)
from public;

grant execute on function
    api.integration_create(jsonb, jsonb),
    api.integration_patch(jsonb, text, jsonb, text),
    api.integration_delete(jsonb, text),
    api.integration_restore(jsonb, text),
    api.integration_purge(jsonb, text)
to integrations_api;
