-- Rollouts (PRODUCT §14): a publisher pushes a version to its installs, in waves, run by the
-- job runner. Tables, columns and indexes only: the functions are in
-- sql/schema/api/rollouts.sql (the API) and sql/schema/core/rollout_jobs.sql (the runner).

-- Whether rollouts may upgrade an install: auto (the default) or pinned (never targeted).
alter table core.integration_installs
    add column upgrade_policy text not null default 'auto'
        check (upgrade_policy in ('auto', 'pinned'));

-- A rollout of target_version_id to the live installs of integration_id. No foreign key to
-- the integration or its versions: purging an integration keeps its rollouts, as it keeps
-- its installs' histories. waves: [{"percent", "maxFailures"}], cumulative percents, the
-- last 100; current_wave indexes it (0-based). workspace_ids: only installs of these
-- workspaces (null: all).
create table core.rollouts (
    id                text        primary key default core.new_id('rol_')
                                  check (id ~ '^rol_[0-9a-f]{28}$'),
    integration_id    text        not null,
    workspace_id      text        not null,
    target_version_id text        not null,
    waves             jsonb       not null default '[{"percent": 100, "maxFailures": 0}]'
                                  check (jsonb_typeof(waves) = 'array' and jsonb_array_length(waves) between 1 and 100),
    state             text        not null default 'running'
                                  check (state in ('scheduled', 'running', 'paused', 'halted',
                                                   'completed', 'cancelled')),
    current_wave      int         not null default 0 check (current_wave >= 0),
    on_conflict       text        not null default 'keep_local'
                                  check (on_conflict in ('keep_local', 'take_upstream', 'skip')),
    start_at          timestamptz,
    workspace_ids     text[],
    created_by        text        not null,
    created_at        timestamptz not null default clock_timestamp(),
    started_at        timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz not null default clock_timestamp()
);

-- GET /api/integrations/{id}/rollouts: newest first.
create index rollouts_integration_created_at_idx
    on core.rollouts (integration_id, created_at desc, id desc);
-- The runner: scheduled rollouts whose start has come.
create index rollouts_scheduled_idx on core.rollouts (start_at) where state = 'scheduled';

-- One job per install of a rollout (the unique key: no install is upgraded twice by one
-- rollout). state pending → running (claimed, leased to lease_owner until
-- lease_expires_at) → upgraded | skipped | conflicted | failed; a transient failure puts it
-- back to pending with next_attempt_at later (exponential backoff). error: the problem+json
-- of the last failure. operation_id: the install operation the upgrade recorded.
create table core.rollout_jobs (
    id               text        primary key default core.new_id('rjob_')
                                 check (id ~ '^rjob_[0-9a-f]{28}$'),
    rollout_id       text        not null references core.rollouts,
    install_id       text        not null,
    workspace_id     text        not null,
    wave             int         not null check (wave >= 0),
    state            text        not null default 'pending'
                                 check (state in ('pending', 'running', 'upgraded', 'skipped',
                                                  'conflicted', 'failed')),
    attempts         int         not null default 0 check (attempts >= 0),
    error            jsonb,
    operation_id     text,
    lease_owner      text,
    lease_expires_at timestamptz,
    next_attempt_at  timestamptz not null default clock_timestamp(),
    created_at       timestamptz not null default clock_timestamp(),
    updated_at       timestamptz not null default clock_timestamp(),
    unique (rollout_id, install_id),
    check ((state = 'running') = (lease_owner is not null and lease_expires_at is not null))
);

-- Counts and GET /api/rollouts/{id}/jobs?state=: a rollout's jobs by state, in list order.
create index rollout_jobs_rollout_state_idx
    on core.rollout_jobs (rollout_id, state, created_at desc, id desc);
create index rollout_jobs_rollout_created_at_idx
    on core.rollout_jobs (rollout_id, created_at desc, id desc);
-- The runner's claim: jobs that are due (pending) or whose lease has expired (running).
create index rollout_jobs_pending_idx
    on core.rollout_jobs (next_attempt_at) where state = 'pending';
create index rollout_jobs_running_idx
    on core.rollout_jobs (lease_expires_at) where state = 'running';
-- The wave bookkeeping: the open jobs of a rollout's wave.
create index rollout_jobs_rollout_wave_idx
    on core.rollout_jobs (rollout_id, wave, state);
