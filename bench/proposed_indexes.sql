-- Proposed for the list queries (issue 3) — NOT a migration: the list engine's owner decides
-- what becomes sql/NNN_*.sql. Measurements and the reasoning: docs/performance.md, "Lists".
--
-- Every index is named proposed_* and built CONCURRENTLY, so that
--   bench/list_bench.sh --with-proposed
-- can add them to the shared dev database without blocking writers and drop them again at
-- the end. Run by hand: psql "$INTEGRATIONS_TEST_PG" -f bench/proposed_indexes.sql
-- (outside a transaction block; CONCURRENTLY refuses one).

-- 1. versions.some/every/none on `version`: the compiler compares core.semver_key(version),
--    and the existing (integration_id, core.semver_key(version)) index only serves the
--    per-integration probe. With the key first, the semi-join reads the matching versions by
--    index instead of calling the PL/pgSQL core.semver_key for every one of 140,000 versions
--    (query (c): 7 s -> 0.35 s, pgbench 0.3 -> 5.7 tps with jit off).
create index concurrently if not exists proposed_versions_semver_key_idx
    on core.integration_versions (core.semver_key(version), integration_id);

-- 2. The scope's two big branches as partial indexes in the default order: live public rows,
--    and a workspace's live rows. They serve the default order's first pages directly, and
--    a scope written so that every OR arm is indexable (grants as
--    `i.id = any(array(select integration_id from core.integration_grants
--    where workspace_id = any($1)))` instead of a correlated EXISTS) becomes a BitmapOr of
--    them: the exact total of query (a) 90-145 ms -> 17-39 ms; as a sum of three disjoint
--    index-only counts 5-7 ms. With today's SQL (correlated EXISTS in the OR) the count
--    stays a sequential scan and these two indexes do not help it.
create index concurrently if not exists proposed_integrations_public_live_idx
    on core.integrations (created_at desc, id desc)
    where visibility = 'public' and deleted_at is null;
create index concurrently if not exists proposed_integrations_workspace_live_idx
    on core.integrations (workspace_id, created_at desc, id desc)
    where deleted_at is null;

-- 3. Not an index, and the largest single win: the workers' statements must not be
--    JIT-compiled. The scope's OR + correlated EXISTS and the PL/pgSQL core.semver_key
--    (planner cost 100 a call) push every list statement's estimated cost past
--    jit_above_cost/jit_optimize_above_cost, and PostgreSQL then spends 1.1-1.4 s compiling
--    each statement (EXPLAIN: "JIT: … Total 1377 ms") for a query that runs in 30-200 ms.
--    (list_bench.sh measures it with --pg-setting jit=off, which uses ALTER SYSTEM for the
--    duration of the run.)
-- alter role integrations_api set jit = off;   -- or `set jit = off` when a worker connects
