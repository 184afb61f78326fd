-- sql/migrations/0007_rollout_job_cost.sql: room for HOT updates in the tables an upgrade
-- rewrites, lz4 for the stored documents, and the claim's indexes, used by its plans.
BEGIN;
select plan(6);

\ir ../include/plan_text.sql

select is((select array_agg(relname || ' ' || array_to_string(reloptions, ',') order by relname)
           from pg_class where oid in ('core.install_members'::regclass, 'core.entities'::regclass)),
          array['entities fillfactor=50', 'install_members fillfactor=50'],
          'install_members and entities leave half of each page for new row versions');
select is((select attcompression from pg_attribute
           where attrelid = 'core.json_documents'::regclass and attname = 'doc'), 'l',
          'json_documents.doc is compressed with lz4');
select hasnt_index('core', 'rollout_jobs', 'rollout_jobs_pending_idx', 'the global pending index is gone');

-- The plans of the claim's probes (sql/schema/core/rollout_jobs.sql), on a table the size of
-- a large rollout among thousands of finished ones: the due jobs by an index scan in the
-- wanted order, never sorted; the running rollouts and the running jobs by their indexes.
insert into core.rollouts (id, integration_id, workspace_id, target_version_id, created_by, started_at)
values ('rol_0000000000000000000000000a01', 'int_x', 'ws_x', 'intv_x', 'usr_x', clock_timestamp());
insert into core.rollouts (integration_id, workspace_id, target_version_id, created_by, state, finished_at)
select 'int_x', 'ws_x', 'intv_x', 'usr_x', 'completed', clock_timestamp() from generate_series(1, 3000);
insert into core.rollout_jobs (rollout_id, install_id, workspace_id, wave)
select 'rol_0000000000000000000000000a01', 'inst_' || g, 'ws_' || g, g % 3
from generate_series(1, 5000) as g;
analyze core.rollouts;
analyze core.rollout_jobs;

select matches(pg_temp.plan_text($$
    select j.id from core.rollout_jobs as j
    where j.rollout_id = 'rol_0000000000000000000000000a01' and j.state = 'pending' and j.wave <= 1
      and j.next_attempt_at <= clock_timestamp()
    order by j.wave, j.next_attempt_at limit 1 for update skip locked$$),
    '^(?!.*Sort).*Index Scan using rollout_jobs_due_idx', 'the due-job probe scans rollout_jobs_due_idx in order, unsorted');
select matches(pg_temp.plan_text($$
    select t.id, t.current_wave from core.rollouts as t where t.state = 'running' order by random()$$),
    'rollouts_running_idx', 'the running rollouts come from rollouts_running_idx');
select matches(pg_temp.plan_text($$
    select j.id from core.rollout_jobs as j join core.rollouts as t on t.id = j.rollout_id
    where j.state = 'running' and j.lease_expires_at < clock_timestamp() and t.state in ('running', 'cancelled')
    order by j.lease_expires_at limit 1 for update of j skip locked$$),
    'rollout_jobs_running_idx', 'the expired-lease probe reads the running jobs alone (rollout_jobs_running_idx)');

select * from finish();
ROLLBACK;
