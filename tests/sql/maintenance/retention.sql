-- sql/schema/maintenance/retention.sql: the retention purge.
BEGIN;
select plan(6);


select is(array[core.retention_period('short'), core.retention_period('medium'),
                core.retention_period('long')],
          array[interval '7 days', interval '30 days', interval '365 days'],
          'retention periods of the tiers');
select is(core.retention_period('none'), null, 'none keeps forever');

insert into core.integrations (id, workspace_id, slug, name, created_by, retention_tier, deleted_at)
values ('int_000000000000aaaaaaaaaaaaaaa1', 'ws_ret', 'short-old', 'n', 'usr_r', 'short', now() - interval '8 days'),
       ('int_000000000000aaaaaaaaaaaaaaa2', 'ws_ret', 'short-new', 'n', 'usr_r', 'short', now() - interval '6 days'),
       ('int_000000000000aaaaaaaaaaaaaaa3', 'ws_ret', 'none-old', 'n', 'usr_r', 'none', now() - interval '9 years'),
       ('int_000000000000aaaaaaaaaaaaaaa4', 'ws_ret', 'live', 'n', 'usr_r', 'short', null),
       ('int_000000000000aaaaaaaaaaaaaaa5', 'ws_ret', 'pinned', 'n', 'usr_r', 'short', now() - interval '8 days');
insert into core.integration_versions (id, integration_id, version, manifest_snapshot,
                                       variables_schema_snapshot, auth_config_snapshot, published_by)
values ('intv_000000000000aaaaaaaaaaaaaaa5', 'int_000000000000aaaaaaaaaaaaaaa5', '1.0.0',
        '{"members": []}', '{}', '{"type": "none"}', 'usr_r');
insert into core.integration_installs (integration_id, integration_version_id, workspace_id,
                                       solution_id, installed_by)
values ('int_000000000000aaaaaaaaaaaaaaa5', 'intv_000000000000aaaaaaaaaaaaaaa5', 'ws_other',
        core.new_id('sol_'), 'usr_r');

-- Other rows of the database may be purged too: the assertions look at this test's own rows.
select ok(maintenance.retention_purge() >= 1, 'a run purges what is past its period');
select is(array(select slug from core.integrations where workspace_id = 'ws_ret' order by slug),
          array['live', 'none-old', 'pinned', 'short-new'],
          'past its period: purged; within it, tier none, live, or pinned by a live install: kept');
select is(maintenance.retention_purge(), 0::bigint, 'a second run purges nothing');
select ok(not has_function_privilege('integrations_api', 'maintenance.retention_purge()', 'execute'),
          'the workers cannot run the purge');

select * from finish();
ROLLBACK;
