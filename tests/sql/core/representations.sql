-- sql/schema/core/representations.sql: representations inlined into their callers, the API's
-- timestamps, and the stored representation of integrations with the read by id that returns it.
BEGIN;
select plan(20);

\set owner_a '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_a": "owner"}}'
\set outsider '{"sub": "usr_pgtap_outsider", "workspaces": {"ws_pgtap_b": "owner"}}'

\ir ../include/plan_text.sql

-- Every integration's stored representation is the one core.integration_json builds now.
create function pg_temp.stale_representations() returns bigint
language sql
as $$
    select count(*)
    from core.integrations as i
    cross join lateral core.integration_json(i) as doc
    full join core.integration_representations as r on r.integration_id = i.id
    where r.body is distinct from doc::text or r.etag is distinct from core.etag(doc)
$$;


-- The representations are inlined whole into the statements that use them: no separate SQL
-- function call (parsed and planned again in every transaction) is left in the plan.


select unalike(pg_temp.plan_text('select core.integration_json(i) from core.integrations as i'),
               '%iso_time%', 'integration_json: iso_time inlined');
select unalike(pg_temp.plan_text('select core.install_json(i) from core.integration_installs as i'),
               '%_json(%', 'install_json: inlined, iso_time with it');
select is(core.iso_time('2026-11-28 16:46:05.1234+02'), '2026-11-28T14:46:05.123400Z',
          'iso_time: UTC, microseconds');

-- Definitions
select hasnt_function('api', 'integration_get', array['jsonb', 'text'],
                      'the api function of the read is gone: the workers read core');
select is((select row(l.lanname = 'sql', p.provolatile, p.prosecdef, p.proisstrict,
                      p.proconfig is null)::text
           from pg_proc as p join pg_language as l on l.oid = p.prolang
           where p.oid = 'core.integration_get(jsonb,text)'::regprocedure),
          row(true, 's', false, false, true)::text,
          'integration_get: SQL, stable, neither security definer nor strict, no settings');
select unalike(pg_temp.plan_text('select status, body, etag from core.integration_get(''{}'', ''int_x'')'),
               '%Function Scan%', 'integration_get: inlined into the statement that calls it');
select is((select confdeltype from pg_constraint
           where conrelid = 'core.integration_representations'::regclass and contype = 'f'),
          'c'::"char", 'representations: removed with their integration');

-- Kept by every write
select is(pg_temp.stale_representations(), 0::bigint, 'migration: every integration has its representation');

select r.body ->> 'id' as crm, r.etag as crm_etag
from api.integration_create(:'owner_a', '{"workspaceId": "ws_pgtap_a", "slug": "crm-rep", "name": "CRM"}') as r
\gset
select is((select etag from core.integration_representations where integration_id = :'crm'), :'crm_etag',
          'create: stored with the ETag the create answered');

select etag as patched_etag
from api.integration_patch(:'owner_a', :'crm', '{"name": "CRM two", "description": "d"}', null)
\gset
select is((select etag from core.integration_get(:'owner_a', :'crm')), :'patched_etag',
          'patch: the read answers the new ETag');
select is((select body::jsonb ->> 'name' from core.integration_get(:'owner_a', :'crm')), 'CRM two',
          'patch: and the new body');

select xmin::text as before_review from core.integration_representations where integration_id = :'crm' \gset
update core.integrations set review_state = 'pending' where id = :'crm';
select is((select xmin::text from core.integration_representations where integration_id = :'crm'),
          :'before_review', 'a change the API does not show leaves the stored row as it was');

update core.integrations set visibility = 'public', review_state = null where id = :'crm';
select is((select body::jsonb ->> 'visibility' from core.integration_get(:'outsider', :'crm')), 'public',
          'visibility: stored, and the read rule sees it');
select is((api.integration_delete(:'owner_a', :'crm')).status, 200, 'delete: 200');
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'crm'),
                'delete: hidden from other workspaces again');

select is(pg_temp.stale_representations(), 0::bigint, 'after the writes: still every representation current');

-- Timestamps
select is(core.iso_time('2026-11-28 17:46:05.123456+01'), '2026-11-28T16:46:05.123456Z',
          'iso_time: UTC with microseconds');
select is(core.iso_time('2026-01-02 03:04:05+00'), '2026-01-02T03:04:05.000000Z',
          'iso_time: zero microseconds are written');
set local timezone = 'America/St_Johns';
select is(core.iso_time('2026-11-28 16:46:05.5+00'), '2026-11-28T16:46:05.500000Z',
          'iso_time: independent of the session time zone');
reset timezone;
select is(core.iso_time(null), null, 'iso_time: null stays null');

select * from finish();
ROLLBACK;
