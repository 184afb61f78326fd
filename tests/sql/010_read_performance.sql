BEGIN;
select plan(3);

-- The representations are inlined whole into the statements that use them: no separate SQL
-- function call (parsed and planned again in every transaction) is left in the plan.
\ir include/plan_text.sql

select unalike(pg_temp.plan_text('select core.integration_json(i) from core.integrations as i'),
               '%iso_time%', 'integration_json: iso_time inlined');
select unalike(pg_temp.plan_text('select core.install_json(i) from core.integration_installs as i'),
               '%_json(%', 'install_json: inlined, iso_time with it');
select is(core.iso_time('2026-11-28 16:46:05.1234+02'), '2026-11-28T14:46:05.123400Z',
          'iso_time: UTC, microseconds');

select * from finish();
ROLLBACK;
