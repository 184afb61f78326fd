-- sql/schema/api/rollouts.sql and sql/schema/core/rollout_jobs.sql: rollouts (PRODUCT §14):
-- targets and waves by hash, running jobs through the runner's claim and run, exactly one
-- upgrade operation per install with the rollout's actor, halting, onConflict skip, counts,
-- leases (expiry, a lost lease), retry, pause/resume/cancel, transient failures, pinned
-- installs and PATCH upgradePolicy, access.
BEGIN;
select plan(65);

\set author '{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}'
\set member '{"sub": "usr_pgtap_m", "workspaces": {"ws_pgtap_src": "member"}}'
\set stranger '{"sub": "usr_pgtap_x", "workspaces": {"ws_pgtap_other": "owner"}}'

\ir ../include/error_detail.sql
\ir ../include/install_fixtures.sql

-- Runs the due jobs of every running rollout until none is left (at most n); returns how many ran.
create function pg_temp.drain(n int default 1000) returns int
language plpgsql
as $$
declare
    job text;
    done int := 0;
begin
    loop
        job := core.rollout_job_claim('pgtap', interval '30 seconds');
        exit when job is null or done >= n;
        perform core.rollout_job_run(job, 'pgtap');
        done := done + 1;
    end loop;
    return done;
end
$$;

-- An unlisted integration (any workspace may install it) with one clone member; v1 and v2.
select pg_temp.entity('ro-a', '{"a": 1, "b": 1}') as ea \gset
select pg_temp.integration('pgtap-rollout') as int \gset
select api.integration_set_visibility(:'author', :'int', '{"visibility": "unlisted"}') is not null as vis \gset
select pg_temp.publish(:'int', '1.0.0', jsonb_build_array(pg_temp.m('ro-a', :'ea'))) as v1 \gset
select pg_temp.edit(:'ea', '{"a": 2, "b": 1}');
select pg_temp.publish(:'int', '2.0.0', jsonb_build_array(pg_temp.m('ro-a', :'ea'))) as v2 \gset

-- 40 installs on v1, in workspaces ws_pgtap_r00 … ws_pgtap_r39.
create temp table inst as
select format('ws_pgtap_r%s', lpad(g::text, 2, '0')) as ws,
       (api.integration_install(jsonb_build_object('sub', 'usr_pgtap_owner', 'workspaces',
                                    jsonb_build_object(format('ws_pgtap_r%s', lpad(g::text, 2, '0')), 'owner')),
                                :'int', jsonb_build_object('workspaceId', format('ws_pgtap_r%s', lpad(g::text, 2, '0')),
                                                           'integrationVersionId', :'v1'))).body ->> 'id' as id
from generate_series(0, 39) as g;
select is((select count(*) from inst where id is not null), 40::bigint, 'fixtures: 40 installs on v1');

-- Pinned installs are not targeted; PATCH upgradePolicy.
select r.status as pst, r.body ->> 'upgradePolicy' as ppol
from api.install_patch('{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_r39": "member"}}',
                       (select id from inst where ws = 'ws_pgtap_r39'), '{"upgradePolicy": "pinned"}') as r \gset
select is(:'pst' || ' ' || :'ppol'::text, '200 pinned'::text, 'PATCH upgradePolicy: a member pins an install');
select pg_temp.error_of($$select api.install_patch('{"sub": "usr_v", "workspaces": {"ws_pgtap_r39": "viewer"}}',
                       (select id from inst where ws = 'ws_pgtap_r39'), '{"upgradePolicy": "auto"}')$$) as e \gset
select is(:'e'::text, 'IN403', 'PATCH upgradePolicy: a viewer may not');
select is((api.install_get('{"sub": "u", "workspaces": {"ws_pgtap_r00": "viewer"}}',
                           (select id from inst where ws = 'ws_pgtap_r00'))).body ->> 'upgradePolicy',
          'auto', 'install representation: upgradePolicy auto by default');

-- Access to create.
select is(pg_temp.error_of(format($$select api.rollout_create(%L, %L, %L)$$, :'member', :'int',
                                  jsonb_build_object('targetVersionId', :'v2'))),
          'IN403', 'create: a member of the source workspace may not');
select is(pg_temp.error_of(format($$select api.rollout_create(%L, %L, %L)$$, :'stranger', :'int',
                                  jsonb_build_object('targetVersionId', :'v2'))),
          'IN403', 'create: another workspace (it may read the unlisted integration) may not');
select is(pg_temp.error_of(format($$select api.rollout_create(%L, %L, '{"targetVersionId": "intv_00000000000000000000000000ff"}')$$,
                                  :'author', :'int')),
          'IN422', 'create: a target version of no such integration version → 422');
select is(pg_temp.error_of(format($$select api.rollout_create(%L, %L, %L)$$, :'author', :'int',
                                  jsonb_build_object('targetVersionId', :'v2', 'waves',
                                                     '[{"percent": 50, "maxFailures": 0}, {"percent": 40, "maxFailures": 0}]'::jsonb))),
          'IN422', 'create: percents that do not increase → 422');
select is(pg_temp.error_of(format($$select api.rollout_create(%L, %L, %L)$$, :'author', :'int',
                                  jsonb_build_object('targetVersionId', :'v2', 'waves',
                                                     '[{"percent": 50, "maxFailures": 0}]'::jsonb))),
          'IN422', 'create: a last wave under 100 → 422');

-- A rollout in three waves: 10 %, 50 %, 100 %.
select r.status as cst, r.body as rol, r.location as cloc
from api.rollout_create(:'author', :'int',
                        jsonb_build_object('targetVersionId', :'v2', 'waves',
                                           '[{"percent": 10, "maxFailures": 0}, {"percent": 50, "maxFailures": 0}, {"percent": 100, "maxFailures": 0}]'::jsonb)) as r \gset
select :'rol'::jsonb ->> 'id' as rid \gset
select is(:'cst'::int, 202, 'create: 202');
select is(:'rol'::jsonb ->> 'state', 'running', 'create: running at once without startAt');
select is(:'rol'::jsonb -> 'counts',
          '{"pending": 39, "running": 0, "upgraded": 0, "skipped": 0, "conflicted": 0, "failed": 0}',
          'create: one pending job per target (the pinned install is not one)');
select ok(:'rid' ~ '^rol_[0-9a-f]{28}$', 'create: a rol_ id');
select is(:'cloc', '/api/rollouts/' || :'rid', 'create: location /api/rollouts/{id} (the Location header)');
select ok((select bool_and(id ~ '^rjob_[0-9a-f]{28}$') from core.rollout_jobs where rollout_id = :'rid'), 'jobs: rjob_ ids');
select is((select count(*) from core.rollout_jobs j
           where j.rollout_id = :'rid'
             and j.wave <> case when (('x' || left(md5(j.install_id), 8))::bit(32)::bigint % 100) < 10 then 0
                                when (('x' || left(md5(j.install_id), 8))::bit(32)::bigint % 100) < 50 then 1
                                else 2 end),
          0::bigint, 'waves: every job is in the wave of its install id''s hash bucket');
select is(core.rollout_wave_of('inst_0123', '[{"percent": 10}, {"percent": 100}]'),
          core.rollout_wave_of('inst_0123', '[{"percent": 10}, {"percent": 100}]'), 'waves: the hash is stable');

-- Only wave 0 is claimable first.
select core.rollout_job_claim('pgtap', interval '30 seconds') as j1 \gset
select is((select wave from core.rollout_jobs where id = :'j1'), 0, 'claim: a job of the first wave');
select is((select state || ' ' || lease_owner || ' ' || attempts from core.rollout_jobs where id = :'j1'),
          'running pgtap 1', 'claim: running, leased, attempts 1');
select is(core.rollout_job_run(:'j1', 'someone-else'), null, 'run: a runner that does not hold the lease changes nothing');
select is(core.rollout_job_run(:'j1', 'pgtap'), 'upgraded', 'run: upgraded');
select is(core.rollout_job_run(:'j1', 'pgtap'), null, 'run: a job that upgraded never runs again');
select pg_temp.drain() as ran \gset
select is((api.rollout_get(:'author', :'rid')).body ->> 'state', 'completed', 'all waves ran: completed');
select is((api.rollout_get(:'author', :'rid')).body -> 'counts',
          '{"pending": 0, "running": 0, "upgraded": 39, "skipped": 0, "conflicted": 0, "failed": 0}',
          'counts: 39 upgraded');
select is((api.rollout_get(:'author', :'rid')).body ->> 'currentWave', '2', 'currentWave: the last');
select is((select count(*) from inst i
           where (select count(*) from core.install_operations o
                  where o.install_id = i.id and o.kind = 'upgrade' and o.actor = 'rollout:' || :'rid') = 1),
          39::bigint, 'exactly one upgrade operation with actor rollout:<id> per target install');
select is((select count(*) from core.integration_installs where integration_id = :'int' and integration_version_id = :'v2'),
          39::bigint, 'the targets are on v2, the pinned one on v1');
select is((select count(*) from core.rollout_jobs j join core.install_operations o on o.id = j.operation_id
           where j.rollout_id = :'rid'), 39::bigint, 'jobs: operationId of their operation');
select is(pg_temp.error_of(format($$select api.rollout_get(%L, %L)$$, :'stranger', :'rid')), 'IN404', 'get: another workspace → 404');
select is(pg_temp.error_of(format($$select api.rollout_action(%L, %L, 'pause')$$, :'author', :'rid')), 'IN409', 'pause: a completed rollout → 409');

-- onConflict skip: one subscriber edits /a, upstream changes /a again (v3).
select m.entity_id as c0 from core.install_members m where m.install_id = (select id from inst where ws = 'ws_pgtap_r00') \gset
select api.entity_patch('{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_r00": "owner"}}', :'c0',
                        '{"definition": {"a": 7, "b": 1}}') is not null as ed \gset
select pg_temp.edit(:'ea', '{"a": 3, "b": 1}');
select pg_temp.publish(:'int', '3.0.0', jsonb_build_array(pg_temp.m('ro-a', :'ea'))) as v3 \gset
select (api.rollout_create(:'author', :'int', jsonb_build_object('targetVersionId', :'v3', 'onConflict', 'skip',
                                                                 'workspaceIds', '["ws_pgtap_r00", "ws_pgtap_r01"]'::jsonb))).body ->> 'id' as rskip \gset
select pg_temp.drain() as ran \gset
select is((api.rollout_get(:'author', :'rskip')).body -> 'counts',
          '{"pending": 0, "running": 0, "upgraded": 1, "skipped": 0, "conflicted": 1, "failed": 0}',
          'skip: workspaceIds narrow the targets; the conflicting install is conflicted');
select is((select integration_version_id from core.integration_installs where id = (select id from inst where ws = 'ws_pgtap_r00')),
          :'v2', 'skip: the conflicting install stays as it was');
select is((select error ->> 'code' from core.rollout_jobs where rollout_id = :'rskip' and state = 'conflicted'),
          'merge_conflict', 'skip: the job''s error is the merge_conflict problem');

-- Halting: v4 requires a variable no install has: every upgrade fails (422, final).
select pg_temp.publish(:'int', '4.0.0', jsonb_build_array(pg_temp.m('ro-a', :'ea')),
                       '{"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}') as v4 \gset
select (api.rollout_create(:'author', :'int', jsonb_build_object('targetVersionId', :'v4', 'waves',
            '[{"percent": 50, "maxFailures": 1}, {"percent": 100, "maxFailures": 0}]'::jsonb))).body ->> 'id' as rh \gset
select pg_temp.drain() as ran \gset
select is((api.rollout_get(:'author', :'rh')).body ->> 'state', 'halted', 'halt: more failures than maxFailures → halted');
select is((select count(*) from core.rollout_jobs where rollout_id = :'rh' and wave = 1 and state = 'pending'),
          (select count(*) from core.rollout_jobs where rollout_id = :'rh' and wave = 1),
          'halt: the next wave never started');
select is((select error ->> 'status' || ' ' || (error -> 'errors' -> 0 ->> 'path') from core.rollout_jobs where rollout_id = :'rh' and state = 'failed' limit 1),
          '422 /variables/token', 'failed: the rule failure''s problem is the job''s error, final (one attempt)');
select is((select max(attempts) from core.rollout_jobs where rollout_id = :'rh'), 1, 'failed: a rule failure is not retried');
select is((api.rollout_action(:'author', :'rh', 'retry')).body ->> 'state', 'running', 'retry: a halted rollout runs again');
select is((select count(*) from core.rollout_jobs where rollout_id = :'rh' and state = 'failed'), 0::bigint, 'retry: failed jobs are pending again');

-- Pause, resume, cancel.
select is((api.rollout_action(:'author', :'rh', 'pause')).body ->> 'state', 'paused', 'pause: running → paused');
select is(core.rollout_job_claim('pgtap', interval '30 seconds'), null, 'pause: no job of a paused rollout is claimed');
select is((api.rollout_action(:'author', :'rh', 'resume')).body ->> 'state', 'running', 'resume: paused → running');
select isnt(core.rollout_job_claim('pgtap', interval '-1 second'), null, 'resume: its jobs are claimed again');
-- That claim's lease is already expired: another runner takes the job over.
select id as jl from core.rollout_jobs where rollout_id = :'rh' and state = 'running' \gset
update core.rollout_jobs set next_attempt_at = clock_timestamp() + interval '1 hour'
where rollout_id = :'rh' and state = 'pending';
select is(core.rollout_job_claim('pgtap-2', interval '30 seconds'), :'jl', 'lease: an expired lease is claimed again');
select is(core.rollout_job_run(:'jl', 'pgtap'), null, 'lease: the first runner lost it and changes nothing');
select count(*) as rh_jobs from core.rollout_jobs where rollout_id = :'rh' \gset
select is((api.rollout_action(:'author', :'rh', 'cancel')).body ->> 'state', 'cancelled', 'cancel: → cancelled');
select is((api.rollout_get(:'author', :'rh')).body -> 'counts',
          jsonb_build_object('pending', 0, 'running', 1, 'upgraded', 0, 'skipped', :'rh_jobs'::int - 1,
                             'conflicted', 0, 'failed', 0),
          'cancel: every pending job ends skipped at once; the claimed one is still running');
select is((select count(*) from core.rollout_jobs
           where rollout_id = :'rh' and state = 'skipped'
             and error ->> 'code' = 'conflict' and error ->> 'status' = '409'
             and error ->> 'detail' = 'The rollout was cancelled before this job ran.'),
          :'rh_jobs'::bigint - 1, 'cancel: the skipped jobs'' error says the rollout was cancelled');
select is(core.rollout_job_run(:'jl', 'pgtap-2'), 'skipped', 'cancel: a claimed job of a cancelled rollout ends skipped, not run');
select is((api.rollout_get(:'author', :'rh')).body -> 'counts',
          jsonb_build_object('pending', 0, 'running', 0, 'upgraded', 0, 'skipped', :'rh_jobs'::int,
                             'conflicted', 0, 'failed', 0),
          'cancel: the counts are exact once the running job ended');
select is((api.rollout_get(:'author', :'rh')).body ->> 'state', 'cancelled', 'cancel: the job''s end does not revive the rollout');
select is((select count(*) from core.integration_installs where integration_id = :'int' and integration_version_id = :'v4'),
          0::bigint, 'cancel: no install was upgraded');

-- A job whose runner died (its lease expired) when its rollout was cancelled: taken again
-- and ended, rather than running for ever.
select (api.rollout_create(:'author', :'int', jsonb_build_object('targetVersionId', :'v3',
                                                                 'workspaceIds', '["ws_pgtap_r04"]'::jsonb))).body ->> 'id' as rc \gset
select core.rollout_job_claim('dead-runner', interval '-1 second') as jc \gset
select is((api.rollout_action(:'author', :'rc', 'cancel')).body -> 'counts' ->> 'running', '1', 'cancel: a running job is left to its runner');
select is(core.rollout_job_claim('pgtap', interval '30 seconds'), :'jc', 'cancel: a cancelled rollout''s job whose lease expired is claimed again');
select is(core.rollout_job_run(:'jc', 'pgtap'), 'skipped', 'cancel: and ends skipped');
select is(core.rollout_job_claim('pgtap', interval '30 seconds'), null, 'cancel: nothing of a cancelled rollout is claimed any more');
select is((select integration_version_id from core.integration_installs where id = (select id from inst where ws = 'ws_pgtap_r04')),
          :'v2', 'cancel: its install stays as it was');

-- Transient failures: a serialization failure on the install update, once.
-- (a sequence: its nextval survives the rollback of the failed attempt)
create temp sequence flaky;
create function pg_temp.flaky() returns trigger language plpgsql as $$
begin
    if nextval('flaky') = 1 then
        raise exception using errcode = '40001', message = 'could not serialize';
    end if;
    return new;
end $$;
create trigger flaky before update on core.integration_installs for each row execute function pg_temp.flaky();
select (api.rollout_create(:'author', :'int', jsonb_build_object('targetVersionId', :'v3',
                                                                 'workspaceIds', '["ws_pgtap_r02"]'::jsonb))).body ->> 'id' as rt \gset
select core.rollout_job_claim('pgtap', interval '30 seconds') as jt \gset
select is(core.rollout_job_run(:'jt', 'pgtap'), 'pending', 'transient: a serialization failure puts the job back to pending');
select ok((select next_attempt_at > clock_timestamp() and error ->> 'code' = 'conflict' from core.rollout_jobs where id = :'jt'),
          'transient: with a backoff and the problem');
update core.rollout_jobs set next_attempt_at = clock_timestamp() where id = :'jt';
select pg_temp.drain() as ran \gset
select is((select state || ' ' || attempts from core.rollout_jobs where id = :'jt'), 'upgraded 2', 'transient: the next attempt upgrades');
drop trigger flaky on core.integration_installs;

-- The claim: a running rollout's job is found behind the older pending jobs of a paused
-- rollout; a claim that only leases a job commits without waiting for its WAL flush, one
-- that starts a scheduled rollout (an event) waits.
select (api.rollout_create(:'author', :'int', jsonb_build_object('targetVersionId', :'v3',
        'workspaceIds', '["ws_pgtap_r05", "ws_pgtap_r06"]'::jsonb))).body ->> 'id' as rp \gset
select (api.rollout_action(:'author', :'rp', 'pause')).body ->> 'state' as rp_state \gset
select (api.rollout_create(:'author', :'int', jsonb_build_object('targetVersionId', :'v3',
        'workspaceIds', '["ws_pgtap_r07"]'::jsonb))).body ->> 'id' as rr \gset
set local synchronous_commit = on;
select core.rollout_job_claim('pgtap', interval '30 seconds') as jr \gset
select is((select rollout_id from core.rollout_jobs where id = :'jr'), :'rr',
          'claim: a running rollout''s job, behind a paused rollout''s older pending ones');
select is(current_setting('synchronous_commit'), 'off', 'claim: a lease alone commits without waiting for its flush');
select is(core.rollout_job_run(:'jr', 'pgtap'), 'upgraded', 'claim: and the job runs');
select (api.rollout_create(:'author', :'int', jsonb_build_object('targetVersionId', :'v3',
        'workspaceIds', '["ws_pgtap_r08"]'::jsonb, 'startAt', clock_timestamp() + interval '1 hour'))).body ->> 'state' as rs_state \gset
update core.rollouts set start_at = clock_timestamp() - interval '1 second' where state = 'scheduled';
set local synchronous_commit = on;
select isnt(core.rollout_job_claim('pgtap', interval '30 seconds'), null, 'claim: a scheduled rollout whose start came starts, its job is claimed');
select is(:'rs_state' || ' ' || current_setting('synchronous_commit'), 'scheduled on',
          'claim: a claim that started a rollout waits for its flush');

select * from finish();
ROLLBACK;
