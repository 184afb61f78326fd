-- Rollback to any point of an install's history (PRODUCT §13):
-- POST /api/integration-installs/{id}/rollback puts the install back as it was right after
-- one of its operations, from that operation's snapshot (api/install_history.sql).

/**
 * What a rollback of install inst to snapshot snap (core.install_snapshot) does to each of
 * its member rows, as a JSON array of {"action", "memberId", "slug", "mode", "entityId",
 * "sourceEntityId", "appliedEntityVersionId", "config", "baseHash", "definition",
 * "changed"}, the fields being those of the snapshot:
 *   - skip: detached now (whatever the snapshot says), or a clone a live detached clone
 *     uses (core.install_detached_uses) that the rollback would remove;
 *   - remove: live now, removed in the snapshot or added since;
 *   - restore: removed now, live in the snapshot (it comes back);
 *   - update: live in both, and its fields or its clone's definition differ from the
 *     snapshot's ("changed" says whether the clone's definition does);
 *   - keep: live in both, nothing differs.
 * Rows removed now and then (or added and removed since) are not listed. "definition" is
 * the clone's definition as of then (the current version it had then), NULL for references.
 */
create or replace function core.install_rollback_plan(inst core.integration_installs, snap jsonb)
returns jsonb
language sql stable
as $$
    with s as (
        select x.*
        from jsonb_to_recordset(snap -> 'members') as x (
            id text, "sourceEntityId" text, "appliedEntityVersionId" text, "cloneVersionId" text,
            "baseHash" text, config jsonb, removed boolean)
    ), cur as (
        select m.id, m.slug, m.mode, m.entity_id, m.source_entity_id, m.applied_entity_version_id,
               m.config, m.base_hash, m.detached, m.removed_at is not null as removed,
               cv.definition as local, tv.definition as then,
               s.id as s_id, s."sourceEntityId", s."appliedEntityVersionId", s.config as s_config,
               s."baseHash", coalesce(s.removed, true) as s_removed
        from core.install_members as m
        join core.entities as e on e.id = m.entity_id
        left join core.entity_versions as cv on m.mode = 'clone' and cv.id = e.current_version_id
        left join s on s.id = m.id
        left join core.entity_versions as tv on m.mode = 'clone' and tv.id = s."cloneVersionId"
        where m.install_id = inst.id
    ), planned as (
        select c.*,
               case when c.detached and not c.removed then 'skip'
                    when c.detached then null
                    when not c.removed and c.s_removed
                         and c.mode = 'clone'
                         and c.entity_id in (select u.entity_id
                                             from core.install_detached_uses(inst.id) as u)
                        then 'skip'
                    when not c.removed and c.s_removed then 'remove'
                    when c.removed and not c.s_removed then 'restore'
                    when c.removed then null
                    when c.source_entity_id is distinct from c."sourceEntityId"
                         or c.applied_entity_version_id is distinct from c."appliedEntityVersionId"
                         or c.config is distinct from c.s_config
                         or c.base_hash is distinct from c."baseHash"
                         or (c.mode = 'clone' and c.local is distinct from c.then)
                        then 'update'
                    else 'keep' end as action
        from cur as c
    )
    select coalesce(jsonb_agg(jsonb_build_object(
               'action', p.action, 'memberId', p.id, 'slug', p.slug, 'mode', p.mode,
               'entityId', p.entity_id,
               'sourceEntityId', coalesce(p."sourceEntityId", p.source_entity_id),
               'appliedEntityVersionId', coalesce(p."appliedEntityVersionId", p.applied_entity_version_id),
               'config', coalesce(p.s_config, p.config),
               'baseHash', coalesce(p."baseHash", p.base_hash),
               'definition', p.then,
               'changed', p.mode = 'clone' and p.then is not null and p.local is distinct from p.then)
           order by p.id), '[]')
    from planned as p
    where p.action is not null
$$;

/**
 * POST /api/integration-installs/{id}/rollback: puts the install back exactly as it was
 * right after operation body.operationId (its snapshot): its version, variables, member
 * policy and selected slugs; every attached member's source version, config and base, and
 * its clone's definition as of then (the subscriber's edits of that time included), written
 * as a new version of the clone when it differs from the current one; members added since
 * are removed (removedAt set, clones soft-deleted), members removed since come back
 * (removedAt cleared, clones restored, with the definition of then). Members detached now
 * are skipped, and their detached flag is not rolled back (detach and attach are operations
 * of their own). Clones a live detached clone uses stay. A clone coming back keeps its slug:
 * should a live entity of the workspace have taken it since, the rollback fails (23505).
 * Records a `rollback` operation (fromVersionId the current version, toVersionId the
 * operation's), under the install's row lock, so it is serialized with upgrades.
 * Returns 200 {"updated", "added", "removed", "skipped", "merged": [], "conflicts": [],
 * "operationId"} like an upgrade: added = members that came back.
 * Errors, in this order: IN404 no such install, or no role in its workspace; IN403 a
 * viewer; IN409 the install is uninstalled; IN410 the integration is soft-deleted; IN403
 * the caller, or the install's workspace, may no longer read the integration (as an
 * upgrade: core.install_check_upgradable); IN422 /operationId: not an operation of this
 * install (unknown ids and other installs' alike), or an uninstall operation.
 */
create or replace function api.install_rollback(caller jsonb, install_id text, body jsonb)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs := core.install_lock_for_writer(caller, install_id);
    applied timestamptz := clock_timestamp();
    i core.integrations;
    op core.install_operations;
    snap jsonb;
    plan jsonb;
    result jsonb;
begin
    i := core.install_check_upgradable(caller, inst);
    select * into op from core.install_operations as o where o.id = body ->> 'operationId';
    if not found or op.install_id <> inst.id then
        raise exception using
            errcode = 'IN422', message = 'The operation is not an operation of this install.',
            detail = '[{"path": "/operationId", "message": "is not an operation of this install"}]';
    end if;
    if op.kind = 'uninstall' then
        raise exception using
            errcode = 'IN422', message = 'An uninstall cannot be rolled back to.',
            detail = '[{"path": "/operationId", "message": "is an uninstall: the install had no members to go back to"}]';
    end if;
    select d.doc into snap from core.json_documents as d where d.hash = op.state_hash;
    plan := core.install_rollback_plan(inst, snap);

    -- Removals first: the slugs of the clones they soft-delete become free for the clones
    -- that come back.
    perform pg_advisory_xact_lock(hashtextextended('install slugs ' || inst.workspace_id, 0));
    with gone as (
        update core.install_members as m set removed_at = applied
        from jsonb_to_recordset(plan) as p (action text, "memberId" text)
        where p.action = 'remove' and m.id = p."memberId"
        returning m.entity_id, m.mode
    )
    update core.entities as e set deleted_at = applied, updated_at = applied
    from gone
    where gone.mode = 'clone' and e.id = gone.entity_id and e.deleted_at is null;

    -- Clones whose definition differs from the one of then get a new version with it.
    with written as (
        insert into core.entity_versions (id, entity_id, definition, created_by, created_at)
        select core.new_id('entv_'), p."entityId", p.definition, caller ->> 'sub', applied
        from jsonb_to_recordset(plan) as p (action text, "entityId" text, definition jsonb, changed boolean)
        where p.action in ('update', 'restore') and p.changed
        returning id, entity_id
    ), entities as (
        update core.entities as e set current_version_id = w.id, updated_at = applied
        from written as w
        where e.id = w.entity_id
        returning e.id
    )
    update core.install_members as m set
        applied_clone_version_id = w.id
    from written as w
    where m.entity_id = w.entity_id and m.install_id = inst.id and m.mode = 'clone';

    update core.entities as e set deleted_at = null, updated_at = applied
    from jsonb_to_recordset(plan) as p (action text, mode text, "entityId" text)
    where p.action = 'restore' and p.mode = 'clone' and e.id = p."entityId" and e.deleted_at is not null;

    update core.install_members as m set
        removed_at = null,
        source_entity_id = p."sourceEntityId",
        applied_entity_version_id = p."appliedEntityVersionId",
        config = p.config,
        base_hash = p."baseHash",
        last_applied_at = applied
    from jsonb_to_recordset(plan) as p (action text, "memberId" text, "sourceEntityId" text,
                                        "appliedEntityVersionId" text, config jsonb, "baseHash" text)
    where p.action in ('update', 'restore') and m.id = p."memberId";

    update core.integration_installs as t set
        integration_version_id = snap ->> 'integrationVersionId',
        variables = snap -> 'variables',
        member_policy = snap ->> 'memberPolicy',
        selected_member_slugs = case when jsonb_typeof(snap -> 'selectedMemberSlugs') = 'array'
                                     then array(select jsonb_array_elements_text(snap -> 'selectedMemberSlugs'))
                                end,
        last_upgraded_at = applied
    where t.id = inst.id;

    select jsonb_build_object(
               'updated', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'update'), '[]'),
               'added', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'restore'), '[]'),
               'removed', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'remove'), '[]'),
               'skipped', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'skip'), '[]'),
               'merged', '[]'::jsonb, 'conflicts', '[]'::jsonb)
    into result
    from jsonb_to_recordset(plan) as p (action text, slug text);

    return (200,
            result || jsonb_build_object('operationId', core.install_operation_record(
                                             caller, inst.id, 'rollback', inst.integration_version_id,
                                             snap ->> 'integrationVersionId', result)),
            null, null)::api.reply;
end
$$;

revoke execute on function
    api.install_rollback(jsonb, text, jsonb)
from public;

grant execute on function
    api.install_rollback(jsonb, text, jsonb)
to integrations_api;
