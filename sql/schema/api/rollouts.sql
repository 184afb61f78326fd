-- Rollouts (PRODUCT §14): POST /api/integrations/{id}/rollouts, GET /api/rollouts/{id},
-- POST /api/rollouts/{id}/pause|resume|cancel|retry, and PATCH /api/integration-installs/{id}
-- {"upgradePolicy"}. The lists (GET /api/integrations/{id}/rollouts, GET
-- /api/rollouts/{id}/jobs) are compiled by the worker (app/handlers/rollouts.c) over
-- core.rollout_json and core.rollout_job_json. The jobs themselves run in the job runner
-- (sql/schema/core/rollout_jobs.sql).

/**
 * The API representation of a rollout, with its exact job counts by state.
 */
create or replace function core.rollout_json(r core.rollouts) returns jsonb
language sql stable
as $$
    select jsonb_build_object(
        'id', r.id,
        'integrationId', r.integration_id,
        'targetVersionId', r.target_version_id,
        'state', r.state,
        'waves', r.waves,
        'currentWave', r.current_wave,
        'counts', (select jsonb_build_object(
                              'pending', count(*) filter (where j.state = 'pending'),
                              'running', count(*) filter (where j.state = 'running'),
                              'upgraded', count(*) filter (where j.state = 'upgraded'),
                              'skipped', count(*) filter (where j.state = 'skipped'),
                              'conflicted', count(*) filter (where j.state = 'conflicted'),
                              'failed', count(*) filter (where j.state = 'failed'))
                   from core.rollout_jobs as j where j.rollout_id = r.id),
        'onConflict', r.on_conflict,
        'startAt', core.iso_time(r.start_at),
        'workspaceIds', to_jsonb(r.workspace_ids),
        'createdBy', r.created_by,
        'createdAt', core.iso_time(r.created_at),
        'startedAt', core.iso_time(r.started_at),
        'finishedAt', core.iso_time(r.finished_at))
$$;

/**
 * The API representation of a rollout job.
 */
create or replace function core.rollout_job_json(j core.rollout_jobs) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', j.id,
        'rolloutId', j.rollout_id,
        'installId', j.install_id,
        'workspaceId', j.workspace_id,
        'wave', j.wave,
        'state', j.state,
        'attempts', j.attempts,
        'error', j.error,
        'operationId', j.operation_id,
        'createdAt', core.iso_time(j.created_at),
        'updatedAt', core.iso_time(j.updated_at))
$$;

/**
 * A rollout for a caller: IN404 unless it exists and the caller has a role in its
 * integration's source workspace; with roles given, IN403 unless the caller has one of them
 * there. Locked for update when lock.
 */
create or replace function core.rollout_for_caller(caller jsonb, rollout_id text, lock boolean,
                                                   variadic roles text[] default '{}')
returns core.rollouts
language plpgsql
as $$
declare
    r core.rollouts;
begin
    if lock then
        select * into r from core.rollouts as t where t.id = rollout_id for update;
    else
        select * into r from core.rollouts as t where t.id = rollout_id;
    end if;
    if not found or core.caller_role(caller, r.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Rollout not found.';
    end if;
    if cardinality(roles) > 0 and not core.caller_has_role(caller, r.workspace_id, variadic roles) then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner or admin of the integration''s workspace may change its rollouts.';
    end if;
    return r;
end
$$;

/**
 * POST /api/integrations/{id}/rollouts (owner/admin of the source workspace): body
 * {"targetVersionId", "waves"?, "onConflict"?, "startAt"?, "workspaceIds"?}, shape-checked by
 * the worker. One job per target: every live install of the integration on another version
 * whose upgradePolicy is auto (and in workspaceIds when given), in the wave of its hash
 * (core.rollout_wave_of). State running (startedAt now), or scheduled when startAt is in the
 * future; a rollout without targets is completed at once. Notifies channel
 * integrations_rollouts (the runners LISTEN). Returns 202 and the rollout.
 * Errors: IN404 no such integration or not readable; IN403 not owner/admin; IN410 the
 * integration is deleted; IN422 /targetVersionId not one of its versions; IN422 /waves
 * (percents not increasing, last not 100); IN422 /startAt (not a timestamp).
 */
create or replace function api.rollout_create(caller jsonb, integration_id text, body jsonb)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    i core.integrations := core.integration_lock_for_author(caller, integration_id);
    r core.rollouts;
    waves jsonb := coalesce(nullif(body -> 'waves', 'null'), '[{"percent": 100, "maxFailures": 0}]');
    start_at timestamptz;
    now_ timestamptz := clock_timestamp();
begin
    if i.deleted_at is not null then
        raise exception using errcode = 'IN410', message = 'The integration is deleted.';
    end if;
    if not exists (select from core.integration_versions as v
                   where v.id = body ->> 'targetVersionId' and v.integration_id = i.id) then
        raise exception using
            errcode = 'IN422', message = 'The target version is not a version of this integration.',
            detail = '[{"path": "/targetVersionId", "message": "is not a version of this integration"}]';
    end if;
    if exists (select from jsonb_array_elements(waves) with ordinality as w (v, n)
               join jsonb_array_elements(waves) with ordinality as p (v, n) on p.n = w.n - 1
               where (w.v ->> 'percent')::int <= (p.v ->> 'percent')::int)
       or (waves -> -1 ->> 'percent')::int <> 100 then
        raise exception using
            errcode = 'IN422', message = 'The waves'' percents must increase and the last must be 100.',
            detail = '[{"path": "/waves", "message": "percents must increase, the last 100"}]';
    end if;
    begin
        start_at := (body ->> 'startAt')::timestamptz;
    exception when others then
        raise exception using
            errcode = 'IN422', message = 'startAt is not a timestamp.',
            detail = '[{"path": "/startAt", "message": "must be an ISO 8601 timestamp"}]';
    end;

    r.id := core.new_id('rol_');
    r.integration_id := i.id;
    r.workspace_id := i.workspace_id;
    r.target_version_id := body ->> 'targetVersionId';
    r.waves := waves;
    r.state := case when start_at > now_ then 'scheduled' else 'running' end;
    r.current_wave := 0;
    r.on_conflict := coalesce(body ->> 'onConflict', 'keep_local');
    r.start_at := start_at;
    r.workspace_ids := case when body ? 'workspaceIds' and jsonb_typeof(body -> 'workspaceIds') = 'array'
                            then array(select jsonb_array_elements_text(body -> 'workspaceIds')) end;
    r.created_by := caller ->> 'sub';
    r.created_at := now_;
    r.started_at := case when r.state = 'running' then now_ end;
    r.updated_at := now_;
    insert into core.rollouts select r.*;

    insert into core.rollout_jobs (id, rollout_id, install_id, workspace_id, wave, created_at,
                                   updated_at, next_attempt_at)
    select core.new_id('rjob_'), r.id, n.id, n.workspace_id, core.rollout_wave_of(n.id, waves),
           now_, now_, now_
    from core.integration_installs as n
    where n.integration_id = i.id and n.deleted_at is null
      and n.integration_version_id <> r.target_version_id and n.upgrade_policy = 'auto'
      and (r.workspace_ids is null or n.workspace_id = any (r.workspace_ids))
    order by n.id;

    perform core.rollout_advance(r.id);
    perform pg_notify('integrations_rollouts', r.id);
    select * into r from core.rollouts as t where t.id = r.id;
    return core.rollout_reply(202, core.rollout_json(r), '/api/rollouts/' || r.id);
end
$$;

/**
 * GET /api/rollouts/{id}: any role of the integration's source workspace. IN404 otherwise.
 */
create or replace function api.rollout_get(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
begin
    return core.rollout_reply(200, core.rollout_json(core.rollout_for_caller(caller, id, false)));
end
$$;

/**
 * POST /api/rollouts/{id}/pause|resume|cancel|retry (owner/admin of the source workspace):
 *   pause: scheduled or running → paused (running jobs finish; no new job starts);
 *   resume: paused → running (scheduled while its startAt is in the future);
 *   cancel: scheduled, running, paused or halted → cancelled: its pending jobs end skipped,
 *           their error core.rollout_cancelled_error; running ones finish (a job that would
 *           be retried ends skipped as well: core.rollout_job_run);
 *   retry: the failed jobs go back to pending (next attempt now, error kept until they run);
 *          a halted or completed rollout runs again (finishedAt null).
 * Then the rollout advances (core.rollout_advance). Returns 200 and the rollout.
 * Errors: IN404, IN403 (core.rollout_for_caller); IN409 the action does not apply to the
 * rollout's state.
 */
create or replace function api.rollout_action(caller jsonb, id text, action text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    r core.rollouts := core.rollout_for_caller(caller, id, true, 'owner', 'admin');
    now_ timestamptz := clock_timestamp();
    next_state text;
begin
    next_state := case
        when action = 'pause' and r.state in ('scheduled', 'running') then 'paused'
        when action = 'resume' and r.state = 'paused'
            then case when r.start_at > now_ then 'scheduled' else 'running' end
        when action = 'cancel' and r.state in ('scheduled', 'running', 'paused', 'halted') then 'cancelled'
        when action = 'retry' and r.state in ('running', 'paused', 'halted', 'completed')
            then case when r.state = 'paused' then 'paused' else 'running' end
        end;
    if next_state is null then
        raise exception using
            errcode = 'IN409',
            message = format('A %s rollout cannot be %s.', r.state,
                             case action when 'pause' then 'paused' when 'resume' then 'resumed'
                                         when 'cancel' then 'cancelled' else 'retried' end);
    end if;
    if action = 'retry' then
        update core.rollout_jobs as j
        set state = 'pending', next_attempt_at = now_, updated_at = now_
        where j.rollout_id = r.id and j.state = 'failed';
    elsif next_state = 'cancelled' then
        -- Under the rollout's row lock (core.rollout_for_caller): a job being run holds
        -- its own row and is running, not pending, so this never waits for one.
        update core.rollout_jobs as j
        set state = 'skipped', error = core.rollout_cancelled_error(), updated_at = now_
        where j.rollout_id = r.id and j.state = 'pending';
    end if;
    update core.rollouts as t
    set state = next_state,
        started_at = case when next_state = 'running' then coalesce(t.started_at, now_) else t.started_at end,
        finished_at = case when next_state = 'cancelled' then now_
                           when next_state = 'running' then null else t.finished_at end,
        updated_at = now_
    where t.id = r.id;
    perform core.rollout_advance(r.id);
    if next_state = 'running' then
        perform pg_notify('integrations_rollouts', r.id);
    end if;
    select * into r from core.rollouts as t where t.id = r.id;
    return core.rollout_reply(200, core.rollout_json(r));
end
$$;

/**
 * PATCH /api/integration-installs/{id} {"upgradePolicy": "auto"|"pinned"} (owner/admin/member
 * of the install's workspace; core.install_lock_for_writer: IN404, IN403). A pinned install
 * is never targeted by a rollout, and a pending job of one is skipped. IN409 an uninstalled
 * install. Returns 200 and the install.
 */
create or replace function api.install_patch(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs := core.install_lock_for_writer(caller, id);
begin
    if inst.deleted_at is not null then
        raise exception using errcode = 'IN409', message = 'The install is uninstalled.';
    end if;
    update core.integration_installs as t
    set upgrade_policy = coalesce(body ->> 'upgradePolicy', t.upgrade_policy)
    where t.id = inst.id
    returning * into inst;
    return core.rollout_reply(200, core.install_json(inst));
end
$$;

revoke execute on function
    api.rollout_create(jsonb, text, jsonb),
    api.rollout_get(jsonb, text),
    api.rollout_action(jsonb, text, text),
    api.install_patch(jsonb, text, jsonb)
from public;

grant execute on function
    api.rollout_create(jsonb, text, jsonb),
    api.rollout_get(jsonb, text),
    api.rollout_action(jsonb, text, text),
    api.install_patch(jsonb, text, jsonb)
to integrations_api;
