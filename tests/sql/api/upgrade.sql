-- sql/schema/api/upgrade.sql: upgrades that merge (PRODUCT §12): outcomes unchanged,
-- fast_forward, merged and conflict through real upgrades; onConflict keep_local,
-- take_upstream, fail (INC09); resolutions and their 422s; dry runs; a second upgrade.
-- The reconciliation table (add, update, remove, skip, dependencies) is in
-- tests/sql/api/install.sql.
BEGIN;
select plan(35);

\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_dst": "owner"}, "requestId": "req_1"}'

\ir ../include/error_detail.sql
\ir ../include/install_fixtures.sql

-- Sources: ff (only upstream changes), mg (both change other keys), cf (both change /a),
-- un (upstream unchanged), lst (an id-keyed array), and a reference member.
select pg_temp.entity('ff', '{"a": 1, "b": 1}') as ff,
       pg_temp.entity('mg', '{"a": 1, "b": 1}') as mg,
       pg_temp.entity('cf', '{"a": 1, "b": 1}') as cf,
       pg_temp.entity('un', '{"a": 1}') as un,
       pg_temp.entity('lst', '{"steps": [{"id": "s1", "x": 1}, {"id": "s2", "x": 1}]}') as lst,
       pg_temp.entity('tool', '{"t": 1}', 'tool') as tool
\gset
select pg_temp.integration('pgtap-merge') as int \gset
select jsonb_build_array(pg_temp.m('ff', :'ff'), pg_temp.m('mg', :'mg'), pg_temp.m('cf', :'cf'),
                         pg_temp.m('un', :'un'), pg_temp.m('lst', :'lst'),
                         pg_temp.m('tool', :'tool', mode => 'reference')) as mv
\gset
select pg_temp.publish(:'int', '1.0.0', :'mv'::jsonb) as v1 \gset
select (api.integration_install(:'owner', :'int', '{"workspaceId": "ws_pgtap_dst"}')).body ->> 'id' as inst \gset
select pg_temp.members(:'inst') as mem \gset
select :'mem'::jsonb -> 'ff' ->> 'entityId' as ff_c, :'mem'::jsonb -> 'mg' ->> 'entityId' as mg_c,
       :'mem'::jsonb -> 'cf' ->> 'entityId' as cf_c, :'mem'::jsonb -> 'un' ->> 'entityId' as un_c,
       :'mem'::jsonb -> 'lst' ->> 'entityId' as lst_c,
       :'mem'::jsonb -> 'cf' ->> 'id' as cf_m, :'mem'::jsonb -> 'tool' ->> 'id' as tool_m
\gset
select is((select count(*) from core.install_members where install_id = :'inst' and mode = 'clone' and base_hash is null),
          0::bigint, 'install: every clone member has a base');
select is(pg_temp.members(:'inst') -> 'mg' ->> 'locallyModified', 'false', 'install: a fresh clone is not locally modified');

-- The subscriber edits four clones.
select api.entity_patch(:'owner', :'mg_c', '{"definition": {"a": 1, "b": 5}}') is not null as e1,
       api.entity_patch(:'owner', :'cf_c', '{"definition": {"a": 5, "b": 1}}') is not null as e2,
       api.entity_patch(:'owner', :'un_c', '{"definition": {"a": 9}}') is not null as e3,
       api.entity_patch(:'owner', :'lst_c', '{"definition": {"steps": [{"id": "s1", "x": 7}, {"id": "s2", "x": 1}, {"id": "mine", "x": 0}]}}') is not null as e4
\gset
select is(pg_temp.members(:'inst') -> 'mg' ->> 'locallyModified', 'true', 'an edited clone is locally modified');

-- Upstream: a changes in ff, mg, cf; un unchanged; lst's s2 changes and s3 is added.
select pg_temp.edit(:'ff', '{"a": 2, "b": 1}'), pg_temp.edit(:'mg', '{"a": 2, "b": 1}'),
       pg_temp.edit(:'cf', '{"a": 2, "b": 1}'),
       pg_temp.edit(:'lst', '{"steps": [{"id": "s1", "x": 1}, {"id": "s2", "x": 2}, {"id": "s3", "x": 3}]}');
select pg_temp.publish(:'int', '2.0.0', :'mv'::jsonb) as v2 \gset
select count(*) as ops_before from core.install_operations where install_id = :'inst' \gset
select count(*) as versions_before from core.entity_versions \gset

-- Dry run
select r.body as dry from api.install_upgrade(:'owner', :'inst', '{"dryRun": true}') as r \gset
select is(:'dry'::jsonb -> 'operationId', 'null', 'dry run: operationId null');
select is((select jsonb_object_agg(c ->> 'slug', c ->> 'outcome') from jsonb_array_elements(:'dry'::jsonb -> 'changes') c),
          '{"cf": "conflict", "ff": "fast_forward", "mg": "merged", "lst": "merged"}',
          'dry run: changes lists every clone it would merge, with its outcome');
select is((select c -> 'patch' from jsonb_array_elements(:'dry'::jsonb -> 'changes') c where c ->> 'slug' = 'mg'),
          '[{"op": "replace", "path": "/a", "value": 2}]', 'dry run: patch from the current definition to the result');
select is((select c -> 'patch' from jsonb_array_elements(:'dry'::jsonb -> 'changes') c where c ->> 'slug' = 'cf'),
          '[]', 'dry run: keep_local conflict on the only changed path: empty patch');
select is(:'dry'::jsonb -> 'updated', '["cf", "ff", "lst", "mg"]', 'dry run: the lists as the upgrade');
select is((select count(*) from core.install_operations where install_id = :'inst'), :'ops_before'::bigint,
          'dry run: nothing recorded');
select is(pg_temp.definition(:'mg_c'), '{"a": 1, "b": 5}', 'dry run: nothing written');

-- Errors
select is(pg_temp.error_detail(format('select api.install_upgrade(%L, %L, %L)', :'owner', :'inst', '{"onConflict": "fail"}')),
          jsonb_build_object('conflicts', jsonb_build_array(jsonb_build_object(
              'memberId', :'cf_m', 'slug', 'cf', 'path', '/a', 'base', 1, 'local', 5, 'upstream', 2, 'resolution', 'local')))
          , 'fail: the detail is {"conflicts": [...]}');
select throws_ok(format('select api.install_upgrade(%L, %L, %L)', :'owner', :'inst', '{"onConflict": "fail"}'),
                 'INC09', null, 'fail: INC09');
select is((select integration_version_id from core.integration_installs where id = :'inst'), :'v1',
          'fail: nothing applied (version)');
select is(pg_temp.definition(:'ff_c'), '{"a": 1, "b": 1}', 'fail: nothing applied (clones)');
select is(pg_temp.error_detail(format('select api.install_upgrade(%L, %L, %L)', :'owner', :'inst', '{"onConflict": "mine"}')),
          '[{"path": "/onConflict", "message": "is not one of keep_local, take_upstream, fail"}]', 'onConflict: IN422');
select is(pg_temp.error_detail(format('select api.install_upgrade(%L, %L, %L)', :'owner', :'inst',
                                      jsonb_build_object('resolutions', jsonb_build_array(
                                          jsonb_build_object('memberId', :'cf_m', 'path', '/a', 'take', 'upstream'),
                                          jsonb_build_object('memberId', :'tool_m', 'path', '/t', 'take', 'local'))))),
          '[{"path": "/resolutions/1/memberId", "message": "is not an attached clone member of this install"}]',
          'resolutions: a reference member → 422 at /resolutions/<i>/memberId');
select is(pg_temp.error_detail(format('select api.install_upgrade(%L, %L, %L)', :'owner', :'inst',
                                      jsonb_build_object('resolutions', jsonb_build_array(
                                          jsonb_build_object('memberId', :'cf_m', 'path', '/a', 'take', 'upstream'),
                                          jsonb_build_object('memberId', :'cf_m', 'path', '/b', 'take', 'local'))))) -> 0 ->> 'path',
          '/resolutions/1/path', 'resolutions: a path that is no conflict → 422 at /resolutions/<i>/path');
select throws_ok(format('select api.install_upgrade(%L, %L, %L)', :'owner', :'inst', '{"resolutions": {}}'),
                 'IN422', null, 'resolutions: not an array');

-- The upgrade, keep_local
select r.body as up from api.install_upgrade(:'owner', :'inst', null) as r \gset
select is(:'up'::jsonb - 'operationId' - 'conflicts',
          '{"updated": ["cf", "ff", "lst", "mg"], "added": [], "removed": [], "skipped": [], "merged": ["cf", "lst", "mg"]}',
          'upgrade: updated includes the merged members');
select is(:'up'::jsonb -> 'conflicts',
          jsonb_build_array(jsonb_build_object('memberId', :'cf_m', 'slug', 'cf', 'path', '/a', 'base', 1,
                                               'local', 5, 'upstream', 2, 'resolution', 'local')),
          'upgrade: conflicts with memberId and slug');
select matches(:'up'::jsonb ->> 'operationId', '^iop_[0-9a-f]{28}$', 'upgrade: operationId');
select is(pg_temp.definition(:'ff_c'), '{"a": 2, "b": 1}', 'fast_forward: upstream');
select is(pg_temp.definition(:'mg_c'), '{"a": 2, "b": 5}', 'merged: both sides');
select is(pg_temp.definition(:'cf_c'), '{"a": 5, "b": 1}', 'conflict keep_local: the local value');
select is(pg_temp.definition(:'un_c'), '{"a": 9}', 'unchanged: the local edit stays');
select is(pg_temp.definition(:'lst_c'),
          '{"steps": [{"id": "s1", "x": 7}, {"id": "s2", "x": 2}, {"id": "s3", "x": 3}, {"id": "mine", "x": 0}]}',
          'merged: id-keyed array element by element');
select is((select count(*) from core.entity_versions), :'versions_before'::bigint + 3,
          'a new clone version for ff, mg and lst only (cf''s result is its current definition)');
select is((select jsonb_object_agg(k, pg_temp.members(:'inst') -> k -> 'locallyModified')
           from unnest(array['ff', 'mg', 'cf', 'un', 'lst']) as k),
          '{"ff": false, "mg": true, "cf": true, "un": true, "lst": true}',
          'locallyModified: definition ≠ base (keep_local and merges stay true)');

-- A second upgrade: a no-op that is still an operation
select r.body as up2 from api.install_upgrade(:'owner', :'inst', null) as r \gset
select is(:'up2'::jsonb - 'operationId', '{"updated": [], "added": [], "removed": [], "skipped": [], "merged": [], "conflicts": []}',
          'second upgrade: nothing changes');
select isnt(:'up2'::jsonb ->> 'operationId', null, 'second upgrade: still recorded');

-- take_upstream
select pg_temp.edit(:'cf', '{"a": 3, "b": 1}');
select pg_temp.publish(:'int', '3.0.0', :'mv'::jsonb) as v3 \gset
select is((api.install_upgrade(:'owner', :'inst', '{"onConflict": "take_upstream"}')).body -> 'conflicts' -> 0 ->> 'resolution',
          'upstream', 'take_upstream: the conflict resolves to upstream');
select is(pg_temp.definition(:'cf_c'), '{"a": 3, "b": 1}', 'take_upstream: upstream written');
select is(pg_temp.members(:'inst') -> 'cf' ->> 'locallyModified', 'false', 'take_upstream: no longer locally modified');

-- Resolutions win over onConflict fail
select api.entity_patch(:'owner', :'cf_c', '{"definition": {"a": 7, "b": 1}}') is not null as e5 \gset
select pg_temp.edit(:'cf', '{"a": 4, "b": 1}');
select pg_temp.publish(:'int', '4.0.0', :'mv'::jsonb) as v4 \gset
select is((api.install_upgrade(:'owner', :'inst',
                               jsonb_build_object('onConflict', 'fail', 'resolutions', jsonb_build_array(
                                   jsonb_build_object('memberId', :'cf_m', 'path', '/a', 'take', 'value', 'value', 42))))).body
              -> 'conflicts' -> 0 ->> 'resolution',
          'value', 'resolutions: a decided conflict does not fail');
select is(pg_temp.definition(:'cf_c'), '{"a": 42, "b": 1}', 'resolutions: take value');

select * from finish();
ROLLBACK;
