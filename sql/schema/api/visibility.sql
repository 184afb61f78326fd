-- Visibility: who may read an integration (core.integration_readable, the by-id read rule;
-- core.integration_readable_by_workspace, which workspaces may install it), changing its
-- visibility, the platform review of a request to list it publicly, and grants of an
-- integration to other workspaces.

/**
 * Whether the caller may read the integration: any role in its source workspace; otherwise,
 * while it is not soft-deleted, when it is public (visibility becomes public only after
 * review), unlisted, or granted to one of the caller's workspaces: the rule is
 * core.integration_in_read_scope (sql/schema/core/read_scopes.sql), over the caller's workspaces.
 * This is the by-id rule. A list must narrow it further: another workspace's unlisted
 * integration appears in a list only when named in ids.
 * PL/pgSQL because it caches its plans: as an SQL function (not inlinable with a row
 * argument) the grant subquery was planned on every call, which made a GET 4× slower.
 */
create or replace function core.integration_readable(caller jsonb, i core.integrations) returns boolean
language plpgsql stable parallel safe
as $$
declare
    workspaces text[];
begin
    -- core.integration_in_read_scope, evaluated lazily, cheapest part first: every read by
    -- id asks. The own scope is asked of the caller json directly (a role in the source
    -- workspace, what core.integration_in_own_scope says of the workspaces array); the
    -- workspaces array and the grants are built only when no cheaper part says yes.
    if core.caller_role(caller, i.workspace_id) is not null
       or core.integration_in_public_scope(i) or core.integration_in_unlisted_scope(i) then
        return true;
    end if;
    workspaces := array(select core.caller_workspaces(caller));
    return core.integration_in_granted_scope(
        i, array(select g from core.integration_grants_to(workspaces) as g));
end
$$;

/**
 * Whether workspace_id itself may read integration i, whoever asks: it is i's source
 * workspace, or i is live and public (after review), unlisted, or granted to workspace_id.
 * What an install copies into a workspace, that workspace must be allowed to read: a
 * caller who reads a private integration through a grant to one of their workspaces may
 * not copy it into another one. The by-workspace form of core.integration_readable: the rule
 * of core.integration_in_read_scope, over workspace_id alone, cheapest part first.
 */
create or replace function core.integration_readable_by_workspace(i core.integrations, workspace_id text)
returns boolean
language plpgsql stable parallel safe
as $$
begin
    -- As core.integration_readable: the cheap parts first (every install and every rollout
    -- job asks); the grants are read only when none says yes. A single expression holding
    -- the sub-select was planned again at every call.
    if core.integration_in_own_scope(i, array[integration_readable_by_workspace.workspace_id])
       or core.integration_in_public_scope(i) or core.integration_in_unlisted_scope(i) then
        return true;
    end if;
    return core.integration_in_granted_scope(
        i, array(select g
                 from core.integration_grants_to(array[integration_readable_by_workspace.workspace_id]) as g));
end
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
create or replace function api.integration_set_visibility(caller jsonb, id text, body jsonb)
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
        return (202, core.integration_review_json(i), null, null)::api.reply;
    end if;

    update core.integrations as t set
        visibility = wanted,
        review_state = null,
        updated_at = case when t.visibility = wanted then t.updated_at else clock_timestamp() end
    where t.id = i.id
    returning t.* into i;
    doc := core.integration_json(i);
    return (200, doc, core.etag(doc), null)::api.reply;
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
create or replace function api.integration_review(caller jsonb, id text, body jsonb) returns api.reply
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
    return (200, core.integration_review_json(i), null, null)::api.reply;
end
$$;

/**
 * POST /api/integrations/{id}/grants: lets the roles of body.workspaceId read (and so
 * install) the integration whatever its visibility.
 * Returns 201 with the grant.
 * Errors: IN404 not readable; IN403 not owner/admin of the source workspace; IN409
 * soft-deleted; IN422 the source workspace itself (it always has access); IN409 already
 * granted.
 */
create or replace function api.integration_grant_create(caller jsonb, id text, body jsonb) returns api.reply
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
    return (201, core.integration_grant_json(g), null,
            '/api/integrations/' || g.integration_id || '/grants/' || g.workspace_id)::api.reply;
end
$$;

/**
 * GET /api/integrations/{id}/grants: the workspaces the integration is granted to, oldest
 * first. Reading grants is for the source workspace (any role): grantees and other readers
 * do not learn of each other.
 * Returns 200 {"data": [...]}.
 * Errors: IN404 not readable; IN403 readable but no role in the source workspace.
 */
create or replace function api.integration_grant_list(caller jsonb, id text) returns api.reply
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
    return (200, doc, null, null)::api.reply;
end
$$;

/**
 * DELETE /api/integrations/{id}/grants/{workspace_id}: withdraws a grant.
 * Returns 200 {"success": true}.
 * Errors: IN404 not readable, or no such grant; IN403 not owner/admin of the source
 * workspace; IN409 soft-deleted.
 */
create or replace function api.integration_grant_delete(caller jsonb, id text, workspace_id text)
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
    return (200, '{"success": true}', null, null)::api.reply;
end
$$;

revoke execute on function
    api.integration_set_visibility(jsonb, text, jsonb),
    api.integration_review(jsonb, text, jsonb),
    api.integration_grant_create(jsonb, text, jsonb),
    api.integration_grant_list(jsonb, text),
    api.integration_grant_delete(jsonb, text, text)
from public;

grant execute on function
    api.integration_set_visibility(jsonb, text, jsonb),
    api.integration_review(jsonb, text, jsonb),
    api.integration_grant_create(jsonb, text, jsonb),
    api.integration_grant_list(jsonb, text),
    api.integration_grant_delete(jsonb, text, text)
to integrations_api;
