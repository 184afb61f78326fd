-- List performance (measured in docs/performance.md, "Lists"): no JIT for OLTP statements,
-- SemVer keys computed once per row instead of once per row per query, and indexes for the
-- default order within each part of the list scope.

-- Lists cost far above jit_above_cost on paper and JIT compiled each for over a second.
alter role integrations_api set jit = off;
-- A request whose client has long gone must not hold a worker: past this, 503 (SQLSTATE 57014).
alter role integrations_api set statement_timeout = '10s';

alter table core.integrations
    add column current_version_key text generated always as (core.semver_key(current_version)) stored;
alter table core.integration_versions
    add column version_key text generated always as (core.semver_key(version)) stored;

-- The scope's three parts (own workspaces, reviewed public, grants), each in default order.
create index integrations_workspace_live_idx
    on core.integrations (workspace_id, created_at desc, id desc) where deleted_at is null;
create index integrations_public_live_idx
    on core.integrations (created_at desc, id desc)
    where visibility = 'public' and deleted_at is null;
create index integration_grants_workspace_integration_idx
    on core.integration_grants (workspace_id, integration_id);
-- Relation filters on versions: by version (any integration) and per integration.
create index integration_versions_key_idx on core.integration_versions (version_key, integration_id);
