-- Rollout jobs (PRODUCT §14): what the job runner calls. core.rollout_job_claim takes one due
-- job under a lease that expires; core.rollout_job_run runs its upgrade (the very upgrade of
-- POST /api/integration-installs/{id}/upgrade, recorded as an `upgrade` operation with actor
-- rollout:<id>), marks the job and moves the rollout's waves on, all in one transaction;
-- core.rollout_advance is that last step; core.rollout_reply and core.rollout_problem are
-- the shared helpers of these functions and of sql/schema/api/rollouts.sql.

/**
 * The one place the rollout functions build their api.reply: a status and a body, no ETag,
 * no Location (the four fields of api.reply, sql/migrations/0004_reply_location.sql).
 */
create or replace function core.rollout_reply(status int, body jsonb) returns api.reply
language sql immutable
as $$
    select (status, body, null, null)::api.reply
$$;

/**
 * The same with the Location of what the call created (the rollout create:
 * /api/rollouts/{id}). Its own overload, no default: a default would make the two-argument
 * calls ambiguous.
 */
create or replace function core.rollout_reply(status int, body jsonb, location text)
returns api.reply
language sql immutable
as $$
    select (status, body, null, location)::api.reply
$$;

/**
 * The problem+json (docs/architecture.md, the SQLSTATE table) of an error a job's upgrade
 * raised: sqlstate, the partner message, and its DETAIL (a JSON array of field errors
 * becomes errors; INC09's {"conflicts"} becomes conflicts).
 */
create or replace function core.rollout_problem(sqlstate text, message text, detail text)
returns jsonb
language plpgsql immutable
as $$
declare
    status int;
    code text;
    d jsonb;
    p jsonb;
begin
    select m.status, m.code into status, code
    from (values ('IN400', 400, 'validation_failed'), ('IN403', 403, 'forbidden'),
                 ('IN404', 404, 'not_found'), ('IN409', 409, 'conflict'), ('IN410', 410, 'gone'),
                 ('IN412', 412, 'precondition_failed'), ('IN422', 422, 'validation_failed'),
                 ('INC09', 409, 'merge_conflict'), ('INA09', 409, 'already_installed'),
                 ('40001', 409, 'conflict'), ('40P01', 409, 'conflict'),
                 ('55P03', 503, 'unavailable'), ('57014', 504, 'statement_timeout'))
         as m (sqlstate, status, code)
    where m.sqlstate = rollout_problem.sqlstate;
    if not found then
        status := 500;
        code := 'internal';
        message := 'The upgrade failed.';
        detail := null;
    end if;
    p := jsonb_build_object('type', 'https://docs.integrations.dev/problems/' || code,
                            'title', case status when 400 then 'Bad Request' when 403 then 'Forbidden'
                                                 when 404 then 'Not Found' when 409 then 'Conflict'
                                                 when 410 then 'Gone' when 412 then 'Precondition Failed'
                                                 when 422 then 'Unprocessable Content'
                                                 when 503 then 'Service Unavailable'
                                                 when 504 then 'Gateway Timeout'
                                                 else 'Internal Server Error' end,
                            'status', status, 'detail', message, 'code', code, 'errors', '[]'::jsonb);
    begin
        d := detail::jsonb;
    exception when others then
        d := null;
    end;
    if jsonb_typeof(d) = 'array' then
        p := p || jsonb_build_object('errors', d);
    elsif jsonb_typeof(d) = 'object' and d ? 'conflicts' then
        p := p || jsonb_build_object('conflicts', d -> 'conflicts');
    end if;
    return p;
end
$$;

/**
 * The error of a job that a cancel ended before it ran (state skipped): the problem+json of
 * a 409 conflict saying so, in the same shape as every job error (core.rollout_problem).
 */
create or replace function core.rollout_cancelled_error() returns jsonb
language sql immutable
as $$
    select core.rollout_problem('IN409', 'The rollout was cancelled before this job ran.', null)
$$;

/**
 * The wave (0-based) of an install in waves: its bucket, 0–99 from the first 32 bits of the
 * md5 of its id (stable: the same install always falls in the same bucket), against the
 * cumulative percents; the first wave whose percent is above the bucket.
 */
create or replace function core.rollout_wave_of(install_id text, waves jsonb) returns int
language sql immutable parallel safe
as $$
    select coalesce(min(w.n - 1), jsonb_array_length(waves) - 1)::int
    from jsonb_array_elements(waves) with ordinality as w (v, n)
    where (('x' || left(md5(install_id), 8))::bit(32)::bigint % 100) < (w.v ->> 'percent')::int
$$;

/**
 * Moves a running rollout on after its jobs changed: while no job of the current wave or an
 * earlier one is pending or running, the current wave is done: more failed jobs in it than
 * its maxFailures → halted; the last wave → completed; else the next wave starts (a wave
 * without jobs is done at once). Locks the rollout row: concurrent job ends of one rollout
 * advance it one after the other, each seeing the others' jobs.
 */
create or replace function core.rollout_advance(rollout_id text) returns text
language plpgsql
as $$
declare
    r core.rollouts;
    failed int;
begin
    select * into r from core.rollouts as t where t.id = rollout_id for update;
    if not found or r.state <> 'running' then
        return r.state;
    end if;
    loop
        if exists (select from core.rollout_jobs as j
                   where j.rollout_id = r.id and j.wave <= r.current_wave
                     and j.state in ('pending', 'running')) then
            exit;
        end if;
        select count(*) into failed from core.rollout_jobs as j
        where j.rollout_id = r.id and j.wave = r.current_wave and j.state = 'failed';
        if failed > coalesce((r.waves -> r.current_wave ->> 'maxFailures')::int, 0) then
            update core.rollouts as t set state = 'halted', updated_at = clock_timestamp()
            where t.id = r.id;
            return 'halted';
        end if;
        if r.current_wave >= jsonb_array_length(r.waves) - 1 then
            update core.rollouts as t
            set state = 'completed', finished_at = clock_timestamp(), updated_at = clock_timestamp()
            where t.id = r.id;
            return 'completed';
        end if;
        r.current_wave := r.current_wave + 1;
        update core.rollouts as t set current_wave = r.current_wave, updated_at = clock_timestamp()
        where t.id = r.id;
    end loop;
    return r.state;
end
$$;

/**
 * The runner takes one due job: a running job whose lease has expired (its runner died) of a
 * running or cancelled rollout (so that core.rollout_job_run ends the latter's, skipped,
 * rather than leaving it running for ever), else a pending job whose next attempt has come,
 * of a running rollout and a wave that has started. FOR UPDATE SKIP LOCKED, so runners never
 * wait for each other and a job that a live runner is running (its row locked by
 * core.rollout_job_run) is never taken. The running rollouts are tried in random order, so
 * that rollouts running at once share the runners instead of the oldest taking them all;
 * within one, earlier waves first, then the earliest next attempt. The job becomes running,
 * leased to runner until now + lease, attempts + 1. Scheduled rollouts whose startAt has
 * come start first. The claim commits without waiting for its WAL flush unless it started a
 * rollout. Returns the job id, or null when none is due.
 */
create or replace function core.rollout_job_claim(runner text, lease interval) returns text
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    now_ timestamptz := clock_timestamp();
    r record;
    started int;
    job_id text;
begin
    update core.rollouts as t
    set state = 'running', started_at = coalesce(t.started_at, now_), updated_at = now_
    where t.id in (select s.id from core.rollouts as s
                   where s.state = 'scheduled' and s.start_at <= now_
                   for update skip locked);
    get diagnostics started = row_count;
    if started = 0 then
        -- Only a lease is written: a crash that loses it leaves the job pending, taken again,
        -- and the job's run, which commits synchronously, flushes it anyway. A rollout start
        -- emits an event (which a deliverer may send at once): that commit waits for its flush.
        perform set_config('synchronous_commit', 'off', true);
    end if;

    select j.id into job_id
    from core.rollout_jobs as j
    join core.rollouts as t on t.id = j.rollout_id
    where j.state = 'running' and j.lease_expires_at < now_ and t.state in ('running', 'cancelled')
    order by j.lease_expires_at
    limit 1
    for update of j skip locked;

    if job_id is null then
        for r in select t.id, t.current_wave from core.rollouts as t
                 where t.state = 'running' order by random() loop
            select j.id into job_id
            from core.rollout_jobs as j
            where j.rollout_id = r.id and j.state = 'pending' and j.wave <= r.current_wave
              and j.next_attempt_at <= now_
            order by j.wave, j.next_attempt_at
            limit 1
            for update skip locked;
            exit when job_id is not null;
        end loop;
    end if;
    if job_id is null then
        return null;
    end if;
    update core.rollout_jobs as j
    set state = 'running', lease_owner = runner, lease_expires_at = now_ + lease,
        attempts = j.attempts + 1, updated_at = now_
    where j.id = job_id;
    return job_id;
end
$$;

/**
 * Runs a claimed job, in the caller's one transaction: re-checks that it is still running
 * and leased to runner (else returns null and changes nothing: another runner took it over,
 * or it ended); when its rollout is no longer running, gives it back (pending), or ends it
 * skipped with core.rollout_cancelled_error when the rollout is cancelled; marks it
 * skipped when its install is gone, uninstalled, pinned or already on the target version;
 * else upgrades the install as api.install_upgrade does (caller: the rollout's creator,
 * actor rollout:<id>, owner of the install's and the source workspace) with the rollout's
 * onConflict (skip: `fail`, and a merge conflict → conflicted, nothing applied). Rule
 * failures (IN…) are final: failed, the problem in error. Transient ones (serialization,
 * deadlock, lock timeout, statement timeout, anything else) put the job back to pending with
 * an exponential backoff (0.5 s · 2^attempts, at most 60 s) until its 10th attempt, then
 * failed; but a job that would go back to pending ends skipped when its rollout was
 * cancelled meanwhile (read under the rollout's row lock, which a cancel holds while it ends
 * the pending jobs: either the cancel sees this job pending and ends it, or this sees the
 * cancel). The job's new state and the upgrade commit together: a job that upgraded is
 * never running again, and nothing a job does after a cancel revives the rollout. Then the
 * rollout advances (core.rollout_advance). Returns the job's state.
 */
create or replace function core.rollout_job_run(job_id text, runner text) returns text
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    j core.rollout_jobs;
    r core.rollouts;
    inst core.integration_installs;
    reply api.reply;
    st text;
    err jsonb;
    op text;
    e_state text;
    e_message text;
    e_detail text;
begin
    select * into j from core.rollout_jobs as t where t.id = job_id for update;
    if not found or j.state <> 'running' or j.lease_owner is distinct from runner then
        return null;
    end if;
    select * into r from core.rollouts as t where t.id = j.rollout_id;
    if r.state <> 'running' then
        -- Under the rollout's lock, as below: a cancel committing meanwhile is seen.
        select * into r from core.rollouts as t where t.id = j.rollout_id for update;
        st := case when r.state = 'cancelled' then 'skipped' else 'pending' end;
        update core.rollout_jobs as t
        set state = st, lease_owner = null, lease_expires_at = null,
            error = case when st = 'skipped' then core.rollout_cancelled_error() else t.error end,
            updated_at = clock_timestamp()
        where t.id = j.id;
        return st;
    end if;
    perform set_config('lock_timeout', '5s', true);

    select * into inst from core.integration_installs as t where t.id = j.install_id for update;
    if not found or inst.deleted_at is not null or inst.upgrade_policy <> 'auto'
       or inst.integration_version_id = r.target_version_id then
        st := 'skipped';
    else
        begin
            reply := api.install_upgrade(
                jsonb_build_object('sub', r.created_by, 'actor', 'rollout:' || r.id, 'roles', '[]'::jsonb,
                                   'workspaces', jsonb_build_object(r.workspace_id, 'owner',
                                                                    inst.workspace_id, 'owner')),
                inst.id,
                jsonb_build_object('integrationVersionId', r.target_version_id,
                                   'onConflict', case r.on_conflict when 'skip' then 'fail'
                                                                    else r.on_conflict end));
            st := 'upgraded';
            op := reply.body ->> 'operationId';
        exception when others then
            get stacked diagnostics e_state = returned_sqlstate, e_message = message_text,
                                    e_detail = pg_exception_detail;
            err := core.rollout_problem(e_state, e_message, e_detail);
            if e_state = 'INC09' and r.on_conflict = 'skip' then
                st := 'conflicted';
            elsif e_state like 'IN%' then
                st := 'failed';
            elsif j.attempts >= 10 then
                st := 'failed';
            else
                st := 'pending';
            end if;
        end;
    end if;

    if st = 'pending' then
        -- A retry of a cancelled rollout's job would stay pending for ever: it ends skipped.
        select * into r from core.rollouts as t where t.id = r.id for update;
        if r.state = 'cancelled' then
            st := 'skipped';
            err := core.rollout_cancelled_error();
        end if;
    end if;
    update core.rollout_jobs as t
    set state = st, error = err, operation_id = op, lease_owner = null, lease_expires_at = null,
        next_attempt_at = case when st = 'pending'
                               then clock_timestamp()
                                    + least(interval '60 seconds', interval '0.5 seconds' * 2 ^ j.attempts)
                               else t.next_attempt_at end,
        updated_at = clock_timestamp()
    where t.id = j.id;
    if st <> 'pending' then
        perform core.rollout_advance(r.id);
    end if;
    return st;
end
$$;

revoke execute on function
    core.rollout_job_claim(text, interval),
    core.rollout_job_run(text, text)
from public;

grant execute on function
    core.rollout_job_claim(text, interval),
    core.rollout_job_run(text, text)
to integrations_api;
