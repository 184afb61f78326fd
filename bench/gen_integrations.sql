-- Benchmark data for the list engine (bench/README.md): 100,000 integrations over 1,000
-- workspaces ws_bench_0001 … ws_bench_1000, with versions and a few grants.
--
-- Deterministic: every "random" choice is a hash of the row number, so two loads give the
-- same rows (ids included) and the same query plans. Run as the superuser, in one
-- transaction, into a database with the migrations applied:
--   psql "$INTEGRATIONS_TEST_PG" -v ON_ERROR_STOP=1 -f bench/gen_integrations.sql
-- bench/list_bench.sh does this (and skips it when the rows are already there).
--
-- Shape:
--   ~10% soft-deleted; ~30% never published (current_version null, no versions);
--   the rest 1-3 versions (1.0.0, 1.1.0, 2.0.0 — current_version is the last one);
--   visibility 60% private, 10% unlisted, 30% public; names "<word> <word>" from 40 × 25
--   words (1,000 distinct names, ~100 rows each); 200 publishers (20% null); description
--   null 40%; created_at one row every ~5 minutes over a year, in batches of 3 identical
--   values; ids time-ordered like core.new_id (their time part is created_at).

\set ON_ERROR_STOP on
begin;

-- h(n, k): a reproducible pseudo-random integer in [0, 2^31) for row n and choice k.
create function pg_temp.h(n int, k int) returns int
language sql immutable
as $$ select (hashint8(n::bigint * 1000003 + k) & 2147483647)::int $$;

create temp table bench_words (first text[], second text[]) on commit drop;
insert into bench_words values (
    array['Slack', 'Salesforce', 'GitHub', 'Jira', 'Zendesk', 'HubSpot', 'Stripe', 'Twilio',
          'Notion', 'Asana', 'Trello', 'Dropbox', 'Box', 'Okta', 'Intercom', 'Mailchimp',
          'Shopify', 'Segment', 'Datadog', 'PagerDuty', 'Sentry', 'Linear', 'Figma', 'Airtable',
          'Zoom', 'Gong', 'Outreach', 'Marketo', 'Workday', 'ServiceNow', 'SAP', 'Oracle',
          'Snowflake', 'BigQuery', 'Redshift', 'Postgres', 'MySQL', 'Mongo', 'Kafka', 'Confluence'],
    array['alerts', 'sync', 'connector', 'bridge', 'export', 'import', 'reports', 'tickets',
          'contacts', 'leads', 'webhooks', 'digest', 'backup', 'mirror', 'notifier', 'pipeline',
          'agent', 'workflow', 'dashboard', 'audit', 'billing', 'onboarding', 'escalation',
          'triage', 'analytics']);

insert into core.integrations
    (id, workspace_id, slug, name, description, icon_url, publisher, trust_tier,
     current_version, visibility, created_by, deleted_at, retention_tier, created_at, updated_at)
select
    'int_' || lpad(to_hex((extract(epoch from r.created_at) * 1000)::bigint), 12, '0')
           || substr(md5('bench-int-' || r.n), 1, 16),
    r.ws,
    'bench-' || r.n,
    w.first[1 + pg_temp.h(r.n, 1) % 40] || ' ' || w.second[1 + pg_temp.h(r.n, 2) % 25],
    case when pg_temp.h(r.n, 3) % 100 < 40 then null
         else 'Benchmark integration number ' || r.n end,
    case when pg_temp.h(r.n, 4) % 100 < 70 then null
         else 'https://icons.example.com/' || pg_temp.h(r.n, 4) % 50 || '.png' end,
    case when pg_temp.h(r.n, 5) % 100 < 20 then null
         else 'publisher-' || lpad((pg_temp.h(r.n, 6) % 200)::text, 3, '0') end,
    (array['first_party', 'vendor_official', 'verified_partner', 'verified_publisher',
           'verified_publisher', 'verified_publisher'])[1 + pg_temp.h(r.n, 7) % 6],
    case r.n_versions when 0 then null when 1 then '1.0.0' when 2 then '1.1.0' else '2.0.0' end,
    case when pg_temp.h(r.n, 8) % 100 < 60 then 'private'
         when pg_temp.h(r.n, 8) % 100 < 70 then 'unlisted'
         else 'public' end,
    'usr_bench_' || lpad((pg_temp.h(r.n, 9) % 500)::text, 3, '0'),
    case when pg_temp.h(r.n, 10) % 100 < 10 then r.created_at + interval '30 days' end,
    (array['short', 'medium', 'medium', 'long', 'none'])[1 + pg_temp.h(r.n, 11) % 5],
    r.created_at,
    r.created_at + (pg_temp.h(r.n, 12) % 3) * interval '1 day'
from generate_series(1, 100000) as g(n)
cross join bench_words as w
cross join lateral (
    select g.n,
           'ws_bench_' || lpad((1 + pg_temp.h(g.n, 0) % 1000)::text, 4, '0') as ws,
           timestamptz '2025-01-01 00:00:00+00' + (g.n / 3) * interval '15 minutes'
               + (pg_temp.h(g.n / 3, 13) % 1000) * interval '1 millisecond' as created_at,
           case when pg_temp.h(g.n, 14) % 100 < 30 then 0
                else 1 + pg_temp.h(g.n, 15) % 3 end as n_versions
) as r;

-- Versions: 1.0.0, then 1.1.0, then 2.0.0, a day apart, as many as current_version implies.
insert into core.integration_versions
    (id, integration_id, version, manifest_snapshot, variables_schema_snapshot,
     auth_config_snapshot, member_entity_versions, changelog, published_by, published_at)
select
    'intv_' || substr(i.id, 5, 12) || substr(md5('bench-intv-' || i.id || v.version), 1, 16),
    i.id, v.version, '{"members": []}', '{}', '{"type": "none"}', '{}',
    case when v.k = 1 then 'Initial release' else 'Release ' || v.version end,
    i.created_by, i.created_at + v.k * interval '1 day'
from core.integrations as i
cross join lateral (values (1, '1.0.0'), (2, '1.1.0'), (3, '2.0.0')) as v(k, version)
where i.workspace_id like 'ws\_bench\_%'
  and i.current_version is not null
  and v.k <= case i.current_version when '1.0.0' then 1 when '1.1.0' then 2 else 3 end;

-- Grants: 2,000 integrations shared with another bench workspace.
insert into core.integration_grants (integration_id, workspace_id, granted_by)
select i.id, 'ws_bench_' || lpad((1 + pg_temp.h(g.n, 20) % 1000)::text, 4, '0'), 'usr_bench_000'
from generate_series(1, 2000) as g(n)
join core.integrations as i on i.slug = 'bench-' || (1 + pg_temp.h(g.n, 21) % 100000)
                            and i.workspace_id like 'ws\_bench\_%'
on conflict do nothing;

commit;
analyze core.integrations;
analyze core.integration_versions;
analyze core.integration_grants;
