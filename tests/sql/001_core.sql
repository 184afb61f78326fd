-- sql/001_core.sql: schemas, the workers' role, ids, timestamps, caller helpers, tables.
BEGIN;
select plan(50);

\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_a": "owner", "ws_pgtap_b": "viewer"}, "roles": ["platform_admin"]}'

-- Schemas, role, reply type
select has_schema('core');
select has_schema('api');
select has_role('integrations_api');
select ok((select rolcanlogin from pg_roles where rolname = 'integrations_api'),
          'integrations_api can log in');
select ok(has_schema_privilege('integrations_api', 'core', 'usage')
          and has_schema_privilege('integrations_api', 'api', 'usage'),
          'integrations_api may use schemas core and api');
select is((select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)
           from pg_attribute
           where attrelid = 'api.reply'::regclass and attnum > 0),
          'status integer, body jsonb, etag text',
          'api.reply is (status int, body jsonb, etag text)');

-- Ids
select matches(core.new_id('int_'), '^int_[0-9a-f]{28}$', 'new_id: prefix + 28 lowercase hex');
select matches(core.new_id('intv_'), '^intv_[0-9a-f]{28}$', 'new_id: any prefix');
select ok(abs(('x' || lpad(substr(core.new_id('int_'), 5, 12), 16, '0'))::bit(64)::bigint
              - extract(epoch from clock_timestamp()) * 1000) < 1000,
          'new_id: the first 12 digits are the current Unix milliseconds');

create temp table ids (n int generated always as identity, id text not null);
do $$
begin
    for n in 1..5 loop
        insert into ids (id) values (core.new_id('int_'));
        perform pg_sleep(0.002);
    end loop;
end
$$;
select is(array(select id from ids order by id), array(select id from ids order by n),
          'new_id: ids made later sort later');

truncate ids;
insert into ids (id) select core.new_id('int_') from generate_series(1, 10000);
select is((select count(distinct id) from ids), 10000::bigint, 'new_id: 10000 ids, no duplicate');
select is((select count(*)
           from generate_series(17, 32) as pos
           where (select count(distinct substr(id, pos, 1)) from ids) < 16),
          0::bigint,
          'new_id: every random digit takes all 16 values');

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

-- Caller helpers
select is(core.caller_role(:'owner', 'ws_pgtap_a'), 'owner', 'caller_role: role in a workspace');
select is(core.caller_role(:'owner', 'ws_pgtap_z'), null, 'caller_role: null without a role');
select is(core.caller_role('{"workspaces": {"ws_pgtap_a": "superuser"}}', 'ws_pgtap_a'), null,
          'caller_role: an unknown role is no role');
select is(core.caller_role('{"workspaces": ["ws_pgtap_a"]}', 'ws_pgtap_a'), null,
          'caller_role: malformed workspaces give no role');
select is(core.caller_role(null, 'ws_pgtap_a'), null, 'caller_role: null caller');
select is(array(select core.caller_workspaces(
                 '{"workspaces": {"ws_pgtap_b": "viewer", "ws_pgtap_a": "owner", "ws_pgtap_x": "root"}}')
                 order by 1),
          array['ws_pgtap_a', 'ws_pgtap_b'],
          'caller_workspaces: the workspaces with a known role');
select is(array(select core.caller_workspaces('{"workspaces": "ws_pgtap_a"}')), '{}'::text[],
          'caller_workspaces: none when malformed');
select is(core.caller_has_role(:'owner', 'ws_pgtap_a', 'owner', 'admin'), true,
          'caller_has_role: one of the roles');
select is(core.caller_has_role(:'owner', 'ws_pgtap_b', 'owner', 'admin'), false,
          'caller_has_role: another role');
select is(core.caller_has_role(:'owner', 'ws_pgtap_z', 'owner', 'admin'), false,
          'caller_has_role: false, not null, without a role');
select is(core.caller_has_platform_role(:'owner', 'platform_admin'), true,
          'caller_has_platform_role: listed');
select is(core.caller_has_platform_role(:'owner', 'platform_reviewer'), false,
          'caller_has_platform_role: not listed');
select is(core.caller_has_platform_role('{"roles": "platform_admin"}', 'platform_admin'), false,
          'caller_has_platform_role: roles must be an array');
select is(core.caller_has_platform_role('{"sub": "usr_pgtap_owner"}', 'platform_admin'), false,
          'caller_has_platform_role: no roles');

-- Tables and their constraints
select has_table('core', 'integrations', 'core.integrations exists');
select has_table('core', 'integration_versions', 'core.integration_versions exists');
select has_table('core', 'integration_grants', 'core.integration_grants exists');
select has_table('core', 'integration_installs', 'core.integration_installs exists');

insert into core.integrations (workspace_id, slug, name, created_by)
values ('ws_pgtap_a', 'defaults', 'Defaults', 'usr_pgtap_owner');
select is((select jsonb_build_object(
                   'id', id ~ '^int_[0-9a-f]{28}$', 'trust_tier', trust_tier,
                   'visibility', visibility, 'review_state', review_state,
                   'retention_tier', retention_tier, 'current_version', current_version,
                   'manifest', manifest, 'variables_schema', variables_schema,
                   'auth_config', auth_config, 'deleted_at', deleted_at)
           from core.integrations
           where workspace_id = 'ws_pgtap_a' and slug = 'defaults'),
          '{"id": true, "trust_tier": "verified_publisher", "visibility": "private",
            "review_state": null, "retention_tier": "medium", "current_version": null,
            "manifest": {"members": []}, "variables_schema": {}, "auth_config": {"type": "none"},
            "deleted_at": null}'::jsonb,
          'integrations: column defaults');

select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by)
                   values ('ws_pgtap_a', 'Upper', 'x', 'usr_pgtap_owner')$$,
                 '23514', null, 'slug: no upper case');
select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by)
                   values ('ws_pgtap_a', 'a', 'x', 'usr_pgtap_owner')$$,
                 '23514', null, 'slug: at least two characters');
select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by)
                   values ('ws_pgtap_a', '-ab', 'x', 'usr_pgtap_owner')$$,
                 '23514', null, 'slug: no leading hyphen');
select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by, trust_tier)
                   values ('ws_pgtap_a', 'tier', 'x', 'usr_pgtap_owner', 'gold')$$,
                 '23514', null, 'trust_tier: enumerated');
select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by, visibility,
                                                  review_state)
                   values ('ws_pgtap_a', 'listed', 'x', 'usr_pgtap_owner', 'public', 'pending')$$,
                 '23514', null, 'visibility: public only once reviewed');
select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by, manifest)
                   values ('ws_pgtap_a', 'manifest', 'x', 'usr_pgtap_owner', '[]')$$,
                 '23514', null, 'manifest: an object');

update core.integrations set deleted_at = now() where workspace_id = 'ws_pgtap_a' and slug = 'defaults';
select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by)
                   values ('ws_pgtap_a', 'defaults', 'x', 'usr_pgtap_owner')$$,
                 '23505', null, 'slug: unique per workspace, soft-deleted rows included');
select lives_ok($$insert into core.integrations (workspace_id, slug, name, created_by)
                  values ('ws_pgtap_b', 'defaults', 'x', 'usr_pgtap_owner')$$,
                'slug: free in another workspace');

insert into core.integration_versions (integration_id, version, manifest_snapshot,
                                       variables_schema_snapshot, auth_config_snapshot, published_by)
select id, '1.0.0', manifest, variables_schema, auth_config, created_by
from core.integrations
where workspace_id = 'ws_pgtap_a' and slug = 'defaults';
select throws_ok($$insert into core.integration_installs (integration_id, integration_version_id,
                                                          workspace_id, solution_id, installed_by)
                   select b.id, v.id, 'ws_pgtap_c', core.new_id('sol_'), 'usr_pgtap_owner'
                   from core.integrations as b, core.integration_versions as v
                   where b.workspace_id = 'ws_pgtap_b' and b.slug = 'defaults'
                     and v.integration_id in (select id from core.integrations
                                              where workspace_id = 'ws_pgtap_a' and slug = 'defaults')$$,
                 '23503', null, 'installs: the pinned version belongs to the installed integration');
select throws_ok($$delete from core.integrations where workspace_id = 'ws_pgtap_a' and slug = 'defaults'$$,
                 '23503', null, 'integrations: deleting one never cascades to its versions');

-- Privileges of the workers' role
select is((select count(*)
           from pg_class
           where relnamespace = 'core'::regnamespace and relkind = 'r'
             and not has_table_privilege('integrations_api', oid, 'select')),
          0::bigint,
          'integrations_api may select every core table');
select is((select count(*)
           from pg_class
           where relnamespace = 'core'::regnamespace and relkind = 'r'
             and has_table_privilege('integrations_api', oid, 'insert, update, delete, truncate')),
          0::bigint,
          'integrations_api may not write any core table');

set local role integrations_api;
select lives_ok('select count(*) from core.integrations', 'integrations_api: select');
select throws_ok($$insert into core.integrations (workspace_id, slug, name, created_by)
                   values ('ws_pgtap_a', 'direct', 'x', 'usr_pgtap_owner')$$,
                 '42501', null, 'integrations_api: no direct insert');
select throws_ok($$update core.integrations set name = 'x' where workspace_id = 'ws_pgtap_a'$$,
                 '42501', null, 'integrations_api: no direct update');
reset role;

select * from finish();
ROLLBACK;
