-- What a rollout job (sql/schema/core/rollout_jobs.sql) costs the database, in storage terms.
--
-- The claim looks for a due job per running rollout, through the running rollouts and a
-- due-job index of each rollout's pending jobs by wave, instead of reading every pending job
-- of every rollout and sorting them: the claim's cost no longer grows with the pending jobs
-- of waves not started yet, of paused rollouts, or of other rollouts.
create index rollouts_running_idx on core.rollouts (started_at) where state = 'running';
create index rollout_jobs_due_idx
    on core.rollout_jobs (rollout_id, wave, next_attempt_at) where state = 'pending';
drop index core.rollout_jobs_pending_idx;

-- An upgrade updates every member row of the install and every clone entity in one
-- transaction, and none of the columns it changes is indexed: with room on the page for a
-- new version of each row, the updates are HOT (no index entry per row). At the default
-- fillfactor (100) only ~14% were; at 70, 52%; at 50, all (a rollout of 600 installs of 20
-- members, docs/performance.md). Pages written from now on keep that room; older ones get
-- it when rewritten (VACUUM FULL, pg_repack).
alter table core.install_members set (fillfactor = 50);
alter table core.entities set (fillfactor = 50);

-- Every install operation stores a snapshot of the install (~11 KB of JSON for 20 members),
-- compressed when stored: lz4 compresses and reads it back several times faster than the
-- default pglz (PostgreSQL 15 is built with lz4 on Debian). Values stored from now on.
alter table core.json_documents alter column doc set compression lz4;
