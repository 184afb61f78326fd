-- sql/schema/api/diffs.sql: the member diff (base → local) and the version diff.
BEGIN;
select plan(12);

\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_dst": "owner"}}'
\set viewer '{"sub": "usr_pgtap_viewer", "workspaces": {"ws_pgtap_dst": "viewer"}}'
\set outsider '{"sub": "usr_pgtap_out", "workspaces": {"ws_pgtap_out": "owner"}}'

\ir ../include/error_detail.sql
\ir ../include/install_fixtures.sql

select pg_temp.entity('dx', '{"x": "{{channel}}", "k": [1]}') as dx, pg_temp.entity('dy', '{"y": 1}') as dy,
       pg_temp.entity('dz', '{"z": 1}') as dz, pg_temp.entity('dtool', '{"t": 1}', 'tool') as dtool
\gset
select pg_temp.integration('pgtap-diffs') as int, pg_temp.integration('pgtap-diffs-2') as int2 \gset
select pg_temp.publish(:'int', '1.0.0',
                       jsonb_build_array(pg_temp.m('dx', :'dx'), pg_temp.m('dy', :'dy'),
                                         pg_temp.m('dtool', :'dtool', mode => 'reference')),
                       '{"type": "object", "properties": {"channel": {"type": "string", "default": "#a"}}}') as v1 \gset
select (api.integration_install(:'owner', :'int', '{"workspaceId": "ws_pgtap_dst"}')).body ->> 'id' as inst \gset
select pg_temp.members(:'inst') -> 'dx' ->> 'id' as dx_m, pg_temp.members(:'inst') -> 'dx' ->> 'entityId' as dx_c,
       pg_temp.members(:'inst') -> 'dtool' ->> 'id' as tool_m
\gset

-- Member diff
select is((api.install_member_diff(:'viewer', :'dx_m')).body,
          jsonb_build_object('memberId', :'dx_m', 'base', '{"x": "#a", "k": [1]}'::jsonb,
                             'local', '{"x": "#a", "k": [1]}'::jsonb, 'patch', '[]'::jsonb),
          'member diff: base is the rendered definition; nothing changed yet');
select api.entity_patch(:'owner', :'dx_c', '{"definition": {"x": "#b", "k": [1], "n": true}}') is not null as e \gset
select is((api.install_member_diff(:'viewer', :'dx_m')).body -> 'patch',
          '[{"op": "add", "path": "/n", "value": true}, {"op": "replace", "path": "/x", "value": "#b"}]',
          'member diff: the RFC 6902 patch from base to local');
select is(pg_temp.error_detail(format('select api.install_member_diff(%L, %L)', :'viewer', :'tool_m')),
          '[{"path": "", "message": "is a reference member: it has no clone"}]', 'member diff: a reference member → 422');
select throws_ok(format('select api.install_member_diff(%L, %L)', :'outsider', :'dx_m'), 'IN404', null,
                 'member diff: hidden from other workspaces');
select throws_ok(format('select api.install_member_diff(%L, %L)', :'viewer', core.new_id('imem_')), 'IN404', null,
                 'member diff: unknown');

-- Version diff
select pg_temp.edit(:'dx', '{"x": "{{channel}}", "k": [2]}');
select pg_temp.publish(:'int', '2.0.0',
                       jsonb_build_array(pg_temp.m('dx', :'dx'), pg_temp.m('dz', :'dz'),
                                         pg_temp.m('dtool', :'dtool', mode => 'reference', config => '{"c": 1}')),
                       '{"type": "object", "properties": {"channel": {"type": "string", "default": "#c"}}}',
                       '{"type": "none"}') as v2 \gset
select r.body as d from api.integration_version_diff(:'owner', :'v2', :'v1') as r \gset
select is(:'d'::jsonb ->> 'fromVersionId' || ' ' || (:'d'::jsonb ->> 'toVersionId'), :'v1' || ' ' || :'v2', 'version diff: from and to');
select is((:'d'::jsonb -> 'members') - 'changed', '{"added": ["dz"], "removed": ["dy"]}'::jsonb, 'version diff: added and removed slugs');
select is(:'d'::jsonb -> 'members' -> 'changed',
          '[{"slug": "dtool", "patch": [{"op": "add", "path": "/config/c", "value": 1}]},
            {"slug": "dx", "patch": [{"op": "replace", "path": "/definition/k", "value": [2]}]}]',
          'version diff: changed members (config, pinned definition) with their patches');
select is(:'d'::jsonb -> 'variablesSchema',
          '[{"op": "replace", "path": "/properties/channel/default", "value": "#c"}]', 'version diff: variables schema patch');
select is(:'d'::jsonb -> 'authConfig', '[]', 'version diff: auth config patch');
select pg_temp.publish(:'int2', '1.0.0', jsonb_build_array(pg_temp.m('dy', :'dy'))) as w1 \gset
select is(pg_temp.error_detail(format('select api.integration_version_diff(%L, %L, %L)', :'owner', :'v2', :'w1')),
          '[{"path": "/from", "message": "is not a version of this integration"}]',
          'version diff: versions of two integrations → 422');
select throws_ok(format('select api.integration_version_diff(%L, %L, %L)', :'outsider', :'v2', :'v1'), 'IN404', null,
                 'version diff: readers of the integration only');

select * from finish();
ROLLBACK;
