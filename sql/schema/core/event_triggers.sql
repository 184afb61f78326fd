-- Events of the state changes (PRODUCT §15): constraint triggers, deferred to commit, on the
-- tables whose rows are the state, each calling core.event_emit. Deferred so that
--   - the workspace's core.event_sequences row is locked only while the transaction commits,
--     never during a long install or upgrade, and sequences follow commit order;
--   - a transaction that rolls back never reaches them: no event, no sequence used.
-- They are security definer: at commit the current role is the session's (the workers'
-- integrations_api), which may not write core.events.
--
-- An event's data holds the ids involved and what a partner needs to act without another
-- call (docs/api-conventions.md, "Events").

/**
 * The API names of the columns of an integration a partner sees that differ between old and
 * new, but for the ones with events of their own (deletedAt: deleted/restored;
 * currentVersion: published) and updatedAt; empty when only bookkeeping changed.
 */
create or replace function core.integration_changed_fields(old core.integrations, new core.integrations)
returns text[]
language sql immutable
as $$
    select coalesce(array_agg(f.name order by f.n), '{}')
    from (values (1, 'name', old.name is distinct from new.name),
                 (2, 'description', old.description is distinct from new.description),
                 (3, 'iconUrl', old.icon_url is distinct from new.icon_url),
                 (4, 'publisher', old.publisher is distinct from new.publisher),
                 (5, 'trustTier', old.trust_tier is distinct from new.trust_tier),
                 (6, 'manifest', old.manifest is distinct from new.manifest),
                 (7, 'variablesSchema', old.variables_schema is distinct from new.variables_schema),
                 (8, 'authConfig', old.auth_config is distinct from new.auth_config),
                 (9, 'visibility', old.visibility is distinct from new.visibility),
                 (10, 'retentionTier', old.retention_tier is distinct from new.retention_tier))
         as f (n, name, changed)
    where f.changed
$$;

/**
 * The data of an integration.* event: the integration as a partner identifies it.
 */
create or replace function core.integration_event_data(i core.integrations) returns jsonb
language sql stable
as $$
    select jsonb_build_object('integrationId', i.id, 'slug', i.slug, 'name', i.name,
                              'visibility', i.visibility, 'currentVersion', i.current_version)
$$;

/**
 * Trigger (deferred, after each row of core.integrations): integration.created on insert;
 * on update integration.deleted when deleted_at became set, integration.restored when it was
 * cleared, else integration.updated with data.changes when a field a partner sees changed
 * (nothing for a publish's currentVersion, which integration.published reports, or for
 * bookkeeping such as updatedAt or the review state); integration.purged on delete.
 */
create or replace function core.integration_events() returns trigger
language plpgsql
security definer set search_path = core, pg_temp
as $$
declare
    changes text[];
begin
    if tg_op = 'INSERT' then
        perform core.event_emit(new.workspace_id, 'integration.created',
                                core.integration_event_data(new));
    elsif tg_op = 'DELETE' then
        perform core.event_emit(old.workspace_id, 'integration.purged',
                                core.integration_event_data(old));
    elsif old.deleted_at is null and new.deleted_at is not null then
        perform core.event_emit(new.workspace_id, 'integration.deleted',
                                core.integration_event_data(new)
                                || jsonb_build_object('deletedAt', core.iso_time(new.deleted_at)));
    elsif old.deleted_at is not null and new.deleted_at is null then
        perform core.event_emit(new.workspace_id, 'integration.restored',
                                core.integration_event_data(new));
    else
        changes := core.integration_changed_fields(old, new);
        if cardinality(changes) > 0 then
            perform core.event_emit(new.workspace_id, 'integration.updated',
                                    core.integration_event_data(new)
                                    || jsonb_build_object('changes', to_jsonb(changes)));
        end if;
    end if;
    return null;
end
$$;

/**
 * Trigger (deferred, after insert on core.integration_versions): integration.published in
 * the integration's workspace. An integration published and purged in one transaction is
 * gone at commit: its integration.purged says all there is.
 */
create or replace function core.integration_version_events() returns trigger
language plpgsql
security definer set search_path = core, pg_temp
as $$
declare
    i core.integrations;
begin
    select * into i from core.integrations as t where t.id = new.integration_id;
    if not found then
        return null;
    end if;
    perform core.event_emit(i.workspace_id, 'integration.published',
                            core.integration_event_data(i)
                            || jsonb_build_object('versionId', new.id, 'version', new.version,
                                                  'changelog', new.changelog,
                                                  'publishedBy', new.published_by,
                                                  'publishedAt', core.iso_time(new.published_at)));
    return null;
end
$$;

/**
 * Trigger (deferred, after insert on core.install_operations): the operation's event in the
 * install's workspace: install → install.created, upgrade → install.upgraded, rollback →
 * install.rolled_back, uninstall → install.uninstalled, detach → member.detached, attach →
 * member.attached. An install that no longer exists at commit (created and purged in one
 * transaction) has no workspace to report to: nothing is written.
 */
create or replace function core.install_operation_events() returns trigger
language plpgsql
security definer set search_path = core, pg_temp
as $$
declare
    inst core.integration_installs;
    data jsonb;
    member core.install_members;
begin
    select * into inst from core.integration_installs as t where t.id = new.install_id;
    if not found then
        return null;
    end if;
    data := jsonb_build_object(
        'installId', inst.id, 'operationId', new.id, 'integrationId', inst.integration_id,
        'fromVersionId', new.from_version_id, 'toVersionId', new.to_version_id,
        'actor', new.actor,
        'rolloutId', case when new.actor like 'rollout:%' then substr(new.actor, 9) end);
    if new.kind in ('detach', 'attach') then
        select * into member from core.install_members as m where m.id = new.result ->> 'memberId';
        perform core.event_emit(inst.workspace_id, 'member.' || new.kind || 'ed',
                                data || jsonb_build_object('memberId', member.id,
                                                           'memberSlug', member.slug));
        return null;
    end if;
    if new.kind = 'install' then
        data := data || jsonb_build_object('parentInstallId', inst.parent_install_id);
    end if;
    if new.kind in ('install', 'upgrade', 'rollback') then
        data := data || jsonb_build_object('result', new.result);
    end if;
    perform core.event_emit(inst.workspace_id,
                            case new.kind
                                when 'install' then 'install.created'
                                when 'upgrade' then 'install.upgraded'
                                when 'rollback' then 'install.rolled_back'
                                else 'install.uninstalled'
                            end,
                            data);
    return null;
end
$$;

/**
 * The data of a rollout.* event: the rollout, its state, the wave concerned and its jobs'
 * counts by state.
 */
create or replace function core.rollout_event_data(r core.rollouts, wave int) returns jsonb
language sql stable
as $$
    select jsonb_build_object('rolloutId', r.id, 'integrationId', r.integration_id,
                              'targetVersionId', r.target_version_id, 'state', r.state,
                              'wave', wave, 'waveCount', jsonb_array_length(r.waves),
                              'counts', core.rollout_json(r) -> 'counts')
$$;

/**
 * Trigger (deferred, after insert or update on core.rollouts): in the rollout's (the
 * publisher's) workspace, rollout.started when it starts running (created running, a
 * scheduled one whose startAt came, a retry of a halted or completed one, the resume of one
 * paused before it started; not the resume of one paused while running), rollout.wave_completed when its current wave moves on or its last wave
 * completes, then rollout.completed, rollout.halted, rollout.cancelled as its state
 * becomes that.
 */
create or replace function core.rollout_events() returns trigger
language plpgsql
security definer set search_path = core, pg_temp
as $$
declare
    old_state text := case when tg_op = 'UPDATE' then old.state end;
    w int;
begin
    -- Paused → running is a resume, unless the rollout was paused before it ever started.
    if new.state = 'running' and old_state is distinct from 'running'
       and (old_state is distinct from 'paused'
            or (case when tg_op = 'UPDATE' then old.started_at end) is null) then
        perform core.event_emit(new.workspace_id, 'rollout.started',
                                core.rollout_event_data(new, new.current_wave));
    end if;
    if tg_op = 'UPDATE' then
        for w in old.current_wave .. new.current_wave - 1 loop
            perform core.event_emit(new.workspace_id, 'rollout.wave_completed',
                                    core.rollout_event_data(new, w));
        end loop;
    end if;
    if new.state is distinct from old_state and new.state in ('completed', 'halted', 'cancelled') then
        if new.state = 'completed' then
            perform core.event_emit(new.workspace_id, 'rollout.wave_completed',
                                    core.rollout_event_data(new, new.current_wave));
        end if;
        perform core.event_emit(new.workspace_id, 'rollout.' || new.state,
                                core.rollout_event_data(new, new.current_wave));
    end if;
    return null;
end
$$;

/**
 * Makes the constraint trigger of definition (exactly as pg_get_triggerdef prints it) named
 * name on table: kept when it is already so, so that re-applying the schema files keeps its
 * oid (tests/sql/reapply.sh); else dropped and created. CREATE OR REPLACE does not take
 * constraint triggers.
 */
create or replace function core.constraint_trigger_ensure(tbl regclass, name text, definition text)
returns void
language plpgsql
as $$
declare
    current text;
begin
    select pg_get_triggerdef(t.oid) into current
    from pg_trigger as t where t.tgrelid = tbl and t.tgname = name;
    if current is not distinct from definition then
        return;
    end if;
    execute format('drop trigger if exists %I on %s', name, tbl);
    execute definition;
    select pg_get_triggerdef(t.oid) into current
    from pg_trigger as t where t.tgrelid = tbl and t.tgname = name;
    if current is distinct from definition then
        raise exception 'trigger % on %: the definition is not spelled as pg_get_triggerdef prints it: %',
            name, tbl, current;
    end if;
end
$$;

select core.constraint_trigger_ensure('core.integrations', 'integrations_events',
    'CREATE CONSTRAINT TRIGGER integrations_events AFTER INSERT OR DELETE OR UPDATE ON core.integrations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core.integration_events()');
select core.constraint_trigger_ensure('core.integration_versions', 'integration_versions_events',
    'CREATE CONSTRAINT TRIGGER integration_versions_events AFTER INSERT ON core.integration_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core.integration_version_events()');
select core.constraint_trigger_ensure('core.install_operations', 'install_operations_events',
    'CREATE CONSTRAINT TRIGGER install_operations_events AFTER INSERT ON core.install_operations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core.install_operation_events()');
select core.constraint_trigger_ensure('core.rollouts', 'rollouts_events',
    'CREATE CONSTRAINT TRIGGER rollouts_events AFTER INSERT OR UPDATE ON core.rollouts DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core.rollout_events()');

revoke execute on function
    core.integration_events(),
    core.integration_version_events(),
    core.install_operation_events(),
    core.rollout_events(),
    core.constraint_trigger_ensure(regclass, text, text)
from public;
