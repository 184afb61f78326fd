-- Install: installing a published integration version into a workspace (variables checked
-- against its schema, member policy and selection, parent installs), reading installs and
-- their members, detaching members, and uninstalling. What an install writes is decided and
-- written by core.install_reconcile (api/upgrade.sql), the same as for an upgrade.

/**
 * The problems of an install's variables (defaults already filled in) against a version's
 * variables schema, as a JSON array of {"path": "/variables/…", "message"}, ordered by
 * path; empty when they fit. A required variable that is missing is named by its path. A
 * version published before the variables-schema rules may hold more patterns than a schema
 * may now (core.variables_schema_problems): checking them all could cost seconds per
 * install, so none is run and the one problem, at /variables, says why (publishing a new
 * version fixes it).
 */
create or replace function core.install_variables_problems(schema jsonb, variables jsonb) returns jsonb
language sql immutable parallel safe
as $$
    select case
        when jsonb_array_length(jsonb_path_query_array(
                 schema, 'strict $.**.pattern ? (@.type() == "string")')) > 32
            then jsonb_build_array(jsonb_build_object(
                     'path', '/variables',
                     'message', 'cannot be checked: the version''s variables schema holds more '
                                || 'than 32 patterns; a new version must be published'))
        else (select coalesce(jsonb_agg(jsonb_build_object(
                                  'path', e.path,
                                  'message', case when e.message = 'is required'
                                                  then 'is required (the variables schema gives no default)'
                                                  else e.message end)
                              order by e.path, e.message), '[]')
              from core.json_schema_errors(schema, variables, '/variables') as e)
    end
$$;

/**
 * Locks an install for a change (row lock, for update) and returns it when the caller may
 * change it: owner, admin or member of its workspace. Raises IN404 when the caller has no
 * role there (or there is no such install), IN403 for a viewer.
 */
create or replace function core.install_lock_for_writer(caller jsonb, install_id text)
returns core.integration_installs
language plpgsql
as $$
declare
    inst core.integration_installs;
begin
    select * into inst from core.integration_installs as t where t.id = install_id for update;
    if not found or core.caller_role(caller, inst.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Install not found.';
    end if;
    if not core.caller_has_role(caller, inst.workspace_id, 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may change its installs.';
    end if;
    return inst;
end
$$;

/**
 * The version an install or upgrade targets: version_id when given (IN422 at
 * /integrationVersionId unless it is a version of integration i), else i's current
 * version (IN409 when none is published).
 */
create or replace function core.install_target_version(i core.integrations, version_id text)
returns core.integration_versions
language plpgsql stable
as $$
declare
    v core.integration_versions;
begin
    if version_id is not null then
        select * into v from core.integration_versions as t
        where t.id = version_id and t.integration_id = i.id;
        if not found then
            raise exception using
                errcode = 'IN422',
                message = 'The integration version is not a version of this integration.',
                detail = jsonb_build_array(jsonb_build_object(
                    'path', '/integrationVersionId',
                    'message', 'is not a version of this integration'))::text;
        end if;
        return v;
    end if;
    select * into v from core.integration_versions as t
    where t.integration_id = i.id and t.version = i.current_version;
    if not found then
        raise exception using
            errcode = 'IN409', message = 'The integration has no published version yet.';
    end if;
    return v;
end
$$;

/**
 * The checks an upgrade or a rollback of install inst makes after core.install_lock_for_writer,
 * in this order: IN409 the install is uninstalled; IN410 the integration is soft-deleted;
 * IN403 the caller may no longer read the integration; IN403 the install's workspace may no
 * longer read it (core.integration_readable_by_workspace). Locks the integration row (for
 * key share) and returns it.
 */
create or replace function core.install_check_upgradable(caller jsonb, inst core.integration_installs)
returns core.integrations
language plpgsql
as $$
declare
    i core.integrations;
begin
    if inst.deleted_at is not null then
        raise exception using
            errcode = 'IN409', message = 'The install is uninstalled and cannot be upgraded.';
    end if;
    select * into i from core.integrations as t where t.id = inst.integration_id for key share;
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN410', message = 'The integration is deleted; its installs stay as they are.';
    end if;
    if not core.integration_readable(caller, i) then
        raise exception using
            errcode = 'IN403', message = 'The caller may no longer read the integration.';
    end if;
    if not core.integration_readable_by_workspace(i, inst.workspace_id) then
        raise exception using
            errcode = 'IN403',
            message = format('The workspace %s may no longer read this integration (its grant was revoked, '
                             || 'or it is no longer public or unlisted): the install and its clones stay as '
                             || 'they are, but it cannot be upgraded until the workspace may read it again.',
                             inst.workspace_id);
    end if;
    return i;
end
$$;

/**
 * The entities that the live detached clones of an install use through $ref, transitively
 * through the install's own clones: a detached clone is the workspace's own, and what it
 * uses must stay even when upgrades or an uninstall would otherwise remove it.
 */
create or replace function core.install_detached_uses(install_id text) returns table (entity_id text)
language sql stable
as $$
    with recursive uses (entity_id) as (
        select r.ref
        from core.install_members as m
        join core.entities as e on e.id = m.entity_id
        join core.entity_versions as v on v.id = e.current_version_id
        cross join unnest(v.refs) as r (ref)
        where m.install_id = install_detached_uses.install_id and m.detached
          and m.mode = 'clone' and m.removed_at is null
      union
        select r.ref
        from uses
        join core.install_members as m
          on m.install_id = install_detached_uses.install_id and m.entity_id = uses.entity_id
         and m.mode = 'clone' and m.removed_at is null
        join core.entities as e on e.id = m.entity_id
        join core.entity_versions as v on v.id = e.current_version_id
        cross join unnest(v.refs) as r (ref)
    )
    select uses.entity_id from uses
$$;

/**
 * POST /api/integrations/{id}/install: installs the integration into body.workspaceId at
 * body.integrationVersionId, or at its current version, and materializes its members
 * (core.install_reconcile), all in this transaction. body has been shape-checked by the
 * worker (including: selectedMemberSlugs present exactly when memberPolicy is manual).
 * variables get the schema's defaults; a root install (no parentInstallId) gets a new
 * solution id, a child its parent's.
 * Records an `install` operation (core.install_operation_record).
 * Returns 201 with the install.
 * Errors, in this order: IN404 the integration does not exist or the caller could not read
 * it even if it were live; IN403 the caller is not owner, admin or member of the
 * workspace; IN403 the workspace itself may not read the integration
 * (core.integration_readable_by_workspace: a caller who reads it through a grant to one of
 * their workspaces cannot copy it into another); IN410 the integration is soft-deleted;
 * IN422 integrationVersionId is not one of its versions; IN409 no version is published;
 * IN422 with one errors[] entry per problem of: the variables against the version's variables schema (/variables/…), a
 * missing authStateId when the version's auth config type is not none (/authStateId),
 * selectedMemberSlugs naming no member of the version (/selectedMemberSlugs/<n>),
 * parentInstallId not a live install of the workspace (/parentInstallId); INA09 a live root
 * install of the integration exists in the workspace.
 * The integration row is locked (for key share) before deletedAt is read, so a concurrent
 * delete or purge waits for the install, and of two concurrent root installs the second
 * waits for the first and gets INA09.
 */
create or replace function api.integration_install(caller jsonb, integration_id text, body jsonb)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
-- The ON CONFLICT target names columns; the parameter of the same name is always qualified.
#variable_conflict use_column
declare
    workspace text := body ->> 'workspaceId';
    policy text := coalesce(body ->> 'memberPolicy', 'auto_defaults');
    i core.integrations;
    as_live core.integrations;
    v core.integration_versions;
    parent core.integration_installs;
    variables jsonb;
    selection text[];
    problems jsonb;
    inst core.integration_installs;
begin
    select * into i from core.integrations as t
    where t.id = integration_install.integration_id
    for key share;
    as_live := i;
    as_live.deleted_at := null;
    if not found or not core.integration_readable(caller, as_live) then
        raise exception using errcode = 'IN404', message = 'Integration not found.';
    end if;
    if not core.caller_has_role(caller, workspace, 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may install into it.';
    end if;
    if not core.integration_readable_by_workspace(as_live, workspace) then
        raise exception using
            errcode = 'IN403',
            message = format('The workspace %s may not read this integration, so it cannot be installed there: '
                             || 'install it into its source workspace or a workspace it is granted to '
                             || '(any workspace when it is public or unlisted).', workspace);
    end if;
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN410', message = 'The integration is deleted and cannot be installed.';
    end if;
    v := core.install_target_version(i, body ->> 'integrationVersionId');

    variables := core.json_schema_defaults(v.variables_schema_snapshot,
                                           coalesce(body -> 'variables', '{}'));
    problems := core.install_variables_problems(v.variables_schema_snapshot, variables);
    if coalesce(v.auth_config_snapshot ->> 'type', 'none') <> 'none'
       and body ->> 'authStateId' is null then
        problems := problems || jsonb_build_object(
            'path', '/authStateId',
            'message', format('is required: the integration authenticates with type %s',
                              v.auth_config_snapshot ->> 'type'));
    end if;
    if policy = 'manual' then
        selection := array(select distinct s.slug
                           from jsonb_array_elements_text(body -> 'selectedMemberSlugs') as s (slug)
                           order by 1);
        problems := problems || coalesce(
            (select jsonb_agg(jsonb_build_object(
                                  'path', '/selectedMemberSlugs/' || (s.n - 1),
                                  'message', format('names no member of version %s', v.version))
                              order by s.n)
             from jsonb_array_elements_text(body -> 'selectedMemberSlugs') with ordinality as s (slug, n)
             where not exists (select from core.manifest_members(v.manifest_snapshot) as m
                               where m.slug = s.slug)),
            '[]');
    end if;
    if body ->> 'parentInstallId' is not null then
        select * into parent from core.integration_installs as t
        where t.id = body ->> 'parentInstallId'
        for key share;
        if not found or parent.workspace_id <> workspace or parent.deleted_at is not null then
            parent := null;
            problems := problems || jsonb_build_object(
                'path', '/parentInstallId', 'message', 'is not a live install of the workspace');
        end if;
    end if;
    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = 'IN422',
            message = 'The install request does not fit the integration version.',
            detail = problems::text;
    end if;

    insert into core.integration_installs as t
        (integration_id, integration_version_id, workspace_id, variables, auth_state_id,
         member_policy, selected_member_slugs, parent_install_id, solution_id, installed_by)
    values
        (i.id, v.id, workspace, variables, body ->> 'authStateId', policy, selection, parent.id,
         coalesce(parent.solution_id, core.new_id('sol_')), caller ->> 'sub')
    on conflict (workspace_id, integration_id) where deleted_at is null and parent_install_id is null
    do nothing
    returning t.* into inst;
    if not found then
        raise exception using
            errcode = 'INA09',
            message = 'The integration is already installed in the workspace; upgrade that install, or uninstall it first.';
    end if;

    perform core.install_operation_record(
        caller, inst.id, 'install', null, v.id,
        core.install_reconcile(inst, v, variables, caller ->> 'sub', false, 'keep_local', null)
            - 'changes');
    return (201, core.install_json(inst), null,
            '/api/integration-installs/' || inst.id)::api.reply;
end
$$;

/**
 * GET /api/integration-installs/{id}: the install; an uninstalled one too, with deletedAt.
 * Returns 200.
 * Errors: IN404 no such install, or the caller has no role in its workspace.
 */
create or replace function api.install_get(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs;
begin
    select * into inst from core.integration_installs as t where t.id = install_get.id;
    if not found or core.caller_role(caller, inst.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Install not found.';
    end if;
    return (200, core.install_json(inst), null, null)::api.reply;
end
$$;

/**
 * GET /api/integration-installs/{id}/members: every member row of the install, removed ones
 * included (removedAt set): members before dependencies, each by slug.
 * Returns 200 {"members": [...]}.
 * Errors: IN404 no such install, or the caller has no role in its workspace.
 */
create or replace function api.install_member_list(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs;
    doc jsonb;
begin
    select * into inst from core.integration_installs as t where t.id = install_member_list.id;
    if not found or core.caller_role(caller, inst.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Install not found.';
    end if;
    select jsonb_build_object('members', coalesce(jsonb_agg(core.install_member_json(m, e.current_version_id)
                                                            order by m.role desc, m.slug, m.id), '[]'))
    into doc
    from core.install_members as m
    join core.entities as e on e.id = m.entity_id
    where m.install_id = inst.id;
    return (200, doc, null, null)::api.reply;
end
$$;

/**
 * POST /api/integration-members/{id}/detach: body.detached true makes upgrades skip the
 * member (its clone is the workspace's own to change); false attaches it again, and the
 * next upgrade re-applies it if what it would apply differs. Setting the flag it already
 * has is accepted. Runs under the install's row lock, so it never interleaves with an
 * upgrade of the same install. Records a `detach` or `attach` operation (result
 * {"memberId"}), also when the flag does not change.
 * Returns 200 {"success": true}.
 * Errors: IN404 no such member, or the caller has no role in its install's workspace;
 * IN403 a viewer; IN409 the install is uninstalled, or the member was removed by an upgrade.
 */
create or replace function api.install_member_detach(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    install_id text;
    inst core.integration_installs;
begin
    select m.install_id into install_id from core.install_members as m
    where m.id = install_member_detach.id;
    if not found then
        raise exception using errcode = 'IN404', message = 'Install member not found.';
    end if;
    inst := core.install_lock_for_writer(caller, install_id);
    if inst.deleted_at is not null then
        raise exception using
            errcode = 'IN409', message = 'The install is uninstalled; its members cannot change.';
    end if;
    update core.install_members as m set detached = (body ->> 'detached')::boolean
    where m.id = install_member_detach.id and m.removed_at is null;
    if not found then
        raise exception using
            errcode = 'IN409', message = 'The member was removed by an upgrade; it cannot change.';
    end if;
    perform core.install_operation_record(
        caller, inst.id,
        case when (body ->> 'detached')::boolean then 'detach' else 'attach' end,
        inst.integration_version_id, inst.integration_version_id,
        jsonb_build_object('memberId', install_member_detach.id));
    return (200, '{"success": true}', null, null)::api.reply;
end
$$;

/**
 * DELETE /api/integration-installs/{id}: uninstalls: soft-deletes the install and the
 * clones of its attached members. Detached clones stay, the workspace's own from now on,
 * and so do the clones they use (core.install_detached_uses); referenced entities are not
 * the install's and stay too. Member rows are kept. Records an `uninstall` operation.
 * Returns 200 {"success": true}.
 * Errors: IN404 no such install, or no role in its workspace; IN403 a viewer; IN409
 * already uninstalled.
 */
create or replace function api.install_delete(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs := core.install_lock_for_writer(caller, id);
    deleted timestamptz := clock_timestamp();
begin
    if inst.deleted_at is not null then
        raise exception using errcode = 'IN409', message = 'The install is already uninstalled.';
    end if;
    update core.entities as e set deleted_at = deleted, updated_at = deleted
    from core.install_members as m
    where m.install_id = inst.id and m.mode = 'clone' and not m.detached
      and m.removed_at is null and e.id = m.entity_id and e.deleted_at is null
      and e.id not in (select u.entity_id from core.install_detached_uses(inst.id) as u);
    update core.integration_installs as t set deleted_at = deleted where t.id = inst.id;
    perform core.install_operation_record(caller, inst.id, 'uninstall',
                                          inst.integration_version_id, null, '{}');
    return (200, '{"success": true}', null, null)::api.reply;
end
$$;

revoke execute on function
    api.integration_install(jsonb, text, jsonb),
    api.install_get(jsonb, text),
    api.install_member_list(jsonb, text),
    api.install_member_detach(jsonb, text, jsonb),
    api.install_delete(jsonb, text)
from public;

grant execute on function
    api.integration_install(jsonb, text, jsonb),
    api.install_get(jsonb, text),
    api.install_member_list(jsonb, text),
    api.install_member_detach(jsonb, text, jsonb),
    api.install_delete(jsonb, text)
to integrations_api;
