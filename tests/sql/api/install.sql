-- sql/schema/api/install.sql and api/upgrade.sql: install (materialization, members, policies,
-- child installs), detach, uninstall, purge; and upgrade reconciliation (the reconciliation
-- table, variables, dry run, second run, rollback), which upgrades the installs made here.
BEGIN;
select plan(106);

\set author '{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}'
\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_dst": "owner", "ws_pgtap_all": "owner", "ws_pgtap_def": "owner", "ws_pgtap_man": "owner"}}'
\set admin '{"sub": "usr_pgtap_admin", "workspaces": {"ws_pgtap_dst": "admin"}}'
\set member '{"sub": "usr_pgtap_member", "workspaces": {"ws_pgtap_dst": "member"}}'
\set viewer '{"sub": "usr_pgtap_viewer", "workspaces": {"ws_pgtap_dst": "viewer"}}'
\set outsider '{"sub": "usr_pgtap_outsider", "workspaces": {"ws_pgtap_out": "owner"}}'
\set both '{"sub": "usr_pgtap_both", "workspaces": {"ws_pgtap_granted": "member", "ws_pgtap_other": "admin"}}'

\ir ../include/error_detail.sql

\ir ../include/install_fixtures.sql

-- Definitions and privileges
select is(array(select oid::regprocedure::text from pg_proc
                where pronamespace = 'api'::regnamespace and proname ~ 'install'
                  and proname !~ '^install_(operation|rollback|member_diff)'
                order by 1),
          array['api.install_delete(jsonb,text)', 'api.install_get(jsonb,text)',
                'api.install_member_detach(jsonb,text,jsonb)', 'api.install_member_list(jsonb,text)',
                'api.install_patch(jsonb,text,jsonb)',
                'api.install_upgrade(jsonb,text,jsonb)', 'api.integration_install(jsonb,text,jsonb)'],
          'api functions and their signatures');
select is((select count(*) from pg_proc
           where pronamespace = 'api'::regnamespace and proname ~ 'install'
             and (not prosecdef
                  or proconfig is distinct from array['search_path=core, api, pg_temp']
                  or prorettype <> 'api.reply'::regtype
                  or has_function_privilege('public', oid, 'execute')
                  or not has_function_privilege('integrations_api', oid, 'execute'))),
          0::bigint,
          'api functions: security definer, fixed search_path, api.reply, execute for integrations_api only');
select ok(has_table_privilege('integrations_api', 'core.install_members', 'select')
          and not has_table_privilege('integrations_api', 'core.install_members', 'insert'),
          'install_members: readable, not writable, by the workers');

-- Fixtures: entities of the source workspace
select pg_temp.entity('lib', '{"type": "object", "title": "{{channel}}"}', 'schema') as lib,
       pg_temp.entity('shared', '{"deep": true}', 'schema') as shared,
       pg_temp.entity('tool', '{"tool": 1}', 'tool') as tool
\gset
select pg_temp.entity('alerts', jsonb_build_object('channel', '{{channel}}', 'retries', '{{retries}}',
                                                   'label', 'to {{channel}} x{{retries}}',
                                                   'schema', jsonb_build_object('$ref', :'lib'),
                                                   'tool', jsonb_build_object('$ref', :'tool'))) as alerts
\gset
select pg_temp.edit(:'lib', jsonb_build_object('type', 'object', 'title', '{{channel}}',
                                               'uses', jsonb_build_object('$ref', :'shared')));
select pg_temp.entity('digest', jsonb_build_object('alerts', jsonb_build_object('$ref', :'alerts'))) as digest
\gset
select pg_temp.integration('pgtap-alerts') as int \gset
select pg_temp.publish(:'int', '1.0.0',
                       jsonb_build_array(pg_temp.m('alerts', :'alerts', config => '{"to": "{{channel}}"}'),
                                         pg_temp.m('digest', :'digest', false),
                                         pg_temp.m('tool', :'tool', mode => 'reference')),
                       '{"type": "object", "required": ["channel"],
                         "properties": {"channel": {"type": "string", "pattern": "^#"},
                                        "retries": {"type": "integer", "default": 3}}}') as v1
\gset

-- Install: errors, in order
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'owner', core.new_id('int_'),
                        '{"workspaceId": "ws_pgtap_dst", "variables": {"channel": "#a"}}'),
                 'IN404', null, 'install: unknown integration');
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'outsider', :'int',
                        '{"workspaceId": "ws_pgtap_out", "variables": {"channel": "#a"}}'),
                 'IN404', null, 'install: an integration the caller may not read');
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'viewer', :'int',
                        '{"workspaceId": "ws_pgtap_dst", "variables": {"channel": "#a"}}'),
                 'IN403', null, 'install: a viewer may not');
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'owner', :'int',
                        '{"workspaceId": "ws_pgtap_out", "variables": {"channel": "#a"}}'),
                 'IN403', null, 'install: no role in the destination workspace');
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'owner', :'int',
                        '{"workspaceId": "ws_pgtap_dst", "variables": {"channel": "#a"}, "integrationVersionId": "' || core.new_id('intv_') || '"}'),
                 'IN422', null, 'install: a version of no integration');
select is(pg_temp.error_detail(format('select api.integration_install(%L, %L, %L)', :'owner', :'int',
                                      '{"workspaceId": "ws_pgtap_dst", "variables": {"channel": "ops", "retries": "x"}, '
                                      '"authStateId": null, "memberPolicy": "manual", "selectedMemberSlugs": ["alerts", "nope", "zzz"], '
                                      '"parentInstallId": "' || core.new_id('inst_') || '"}')),
          '[{"path": "/variables/channel", "message": "must match the pattern ^#"},
            {"path": "/variables/retries", "message": "must be of type integer"},
            {"path": "/selectedMemberSlugs/1", "message": "names no member of version 1.0.0"},
            {"path": "/selectedMemberSlugs/2", "message": "names no member of version 1.0.0"},
            {"path": "/parentInstallId", "message": "is not a live install of the workspace"}]'::jsonb,
          'install: IN422 lists every problem of the request at once');
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'owner', :'int',
                        '{"workspaceId": "ws_pgtap_dst"}'),
                 'IN422', null, 'install: a required variable without default is missing');
select pg_temp.integration('pgtap-draft') as draft \gset
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'owner', :'draft',
                        '{"workspaceId": "ws_pgtap_dst"}'),
                 'IN409', null, 'install: nothing published yet');

-- Install: materialization
select r.status as inst_status, r.body as inst_body, r.body ->> 'id' as inst
from api.integration_install(:'member', :'int',
                             '{"workspaceId": "ws_pgtap_dst", "variables": {"channel": "#ops"}}') as r
\gset
select is(:inst_status, 201, 'install: 201 for a member of the workspace');
select is(array(select jsonb_object_keys(:'inst_body'::jsonb) order by 1),
          array['authStateId', 'deletedAt', 'id', 'installedAt', 'installedBy', 'integrationId',
                'integrationVersionId', 'lastUpgradedAt', 'memberPolicy', 'parentInstallId',
                'retentionTier', 'solutionId', 'upgradePolicy', 'variables', 'workspaceId'],
          'install: exactly the 15 fields of the reference');
select is(:'inst_body'::jsonb - 'id' - 'installedAt' - 'solutionId',
          jsonb_build_object('integrationId', :'int', 'integrationVersionId', :'v1',
                             'workspaceId', 'ws_pgtap_dst', 'variables', '{"channel": "#ops", "retries": 3}'::jsonb,
                             'authStateId', null, 'memberPolicy', 'auto_defaults', 'parentInstallId', null,
                             'installedBy', 'usr_pgtap_member', 'lastUpgradedAt', null, 'deletedAt', null,
                             'retentionTier', 'medium', 'upgradePolicy', 'auto'),
          'install: current version, defaults filled in, auto_defaults, installedBy the caller');
select matches(:'inst_body'::jsonb ->> 'solutionId', '^sol_[0-9a-f]{28}$', 'install: a root install gets a new solution');
select is((api.install_get(:'viewer', :'inst')).body, :'inst_body'::jsonb, 'get: any role in the workspace');
select throws_ok(format('select api.install_get(%L, %L)', :'outsider', :'inst'), 'IN404', null,
                 'get: hidden from other workspaces');

select pg_temp.members(:'inst') as ms \gset
select is(array(select jsonb_object_keys(:'ms'::jsonb) order by 1),
          array['alerts', 'dep:lib', 'dep:shared', 'tool'],
          'install: default members, the clone''s closure as dependencies; digest (not default) skipped');
select is(array(select jsonb_object_keys(:'ms'::jsonb -> 'alerts') order by 1),
          array['appliedEntityVersionId', 'config', 'detached', 'entityId', 'id', 'installId', 'lastAppliedAt',
                'locallyModified', 'mode', 'removedAt', 'role', 'slug', 'sourceEntityId'],
          'members: the 13 fields');
select is((:'ms'::jsonb -> 'alerts') - 'id' - 'entityId' - 'lastAppliedAt',
          jsonb_build_object('installId', :'inst', 'slug', 'alerts', 'role', 'member', 'mode', 'clone',
                             'sourceEntityId', :'alerts',
                             'appliedEntityVersionId', (select member_entity_versions ->> :'alerts'
                                                        from core.integration_versions where id = :'v1'),
                             'detached', false, 'config', '{"to": "#ops"}'::jsonb,
                             'locallyModified', false, 'removedAt', null),
          'members: a clone member, the pinned version applied, config placeholders filled');
select is((:'ms'::jsonb -> 'tool') - 'id' - 'lastAppliedAt' - 'installId' - 'appliedEntityVersionId',
          jsonb_build_object('slug', 'tool', 'role', 'member', 'mode', 'reference', 'sourceEntityId', :'tool',
                             'entityId', :'tool', 'detached', false, 'config', '{}'::jsonb,
                             'locallyModified', false, 'removedAt', null),
          'members: a reference points at the source entity');
select (:'ms'::jsonb -> 'alerts' ->> 'entityId') as alerts_clone,
       (:'ms'::jsonb -> 'dep:lib' ->> 'entityId') as lib_clone,
       (:'ms'::jsonb -> 'dep:shared' ->> 'entityId') as shared_clone
\gset
select is(pg_temp.definition(:'alerts_clone'),
          jsonb_build_object('channel', '#ops', 'retries', 3, 'label', 'to #ops x3',
                             'schema', jsonb_build_object('$ref', :'lib_clone'),
                             'tool', jsonb_build_object('$ref', :'tool')),
          'clone: typed whole-string placeholders, inner ones as text, $refs to clones rewritten, to a reference kept');
select is(pg_temp.definition(:'lib_clone'),
          jsonb_build_object('type', 'object', 'title', '#ops', 'uses', jsonb_build_object('$ref', :'shared_clone')),
          'clone: dependencies are materialized the same way, transitively');
select is((select jsonb_build_object('ws', workspace_id, 'kind', kind, 'slug', slug, 'name', name,
                                     'from', source_install_member_id, 'by', created_by, 'deleted', deleted_at)
           from core.entities where id = :'alerts_clone'),
          jsonb_build_object('ws', 'ws_pgtap_dst', 'kind', 'workflow', 'slug', 'alerts', 'name', 'Alerts',
                             'from', :'ms'::jsonb -> 'alerts' ->> 'id', 'by', 'usr_pgtap_member', 'deleted', null),
          'clone: an entity of the destination workspace recording its member');
select is((select refs from core.entity_versions v join core.entities e on e.current_version_id = v.id
           where e.id = :'alerts_clone'),
          (select array_agg(x order by x) from unnest(array[:'lib_clone', :'tool']) as x),
          'clone: its version''s refs name the clone it uses');
select is((select count(*) from core.entities where workspace_id = 'ws_pgtap_dst'), 3::bigint,
          'install: three clones, nothing for the reference');

select throws_ok(format('select api.integration_install(%L, %L, %L)', :'admin', :'int',
                        '{"workspaceId": "ws_pgtap_dst", "variables": {"channel": "#b"}}'),
                 'INA09', null, 'install: one live root install per workspace');

-- Child installs, slugs, policies, auth
select r.body as child_body
from api.integration_install(:'admin', :'int',
                             jsonb_build_object('workspaceId', 'ws_pgtap_dst', 'variables', '{"channel": "#c"}'::jsonb,
                                                'memberPolicy', 'auto_all', 'parentInstallId', :'inst')) as r
\gset
select is(array[:'child_body'::jsonb ->> 'solutionId', :'child_body'::jsonb ->> 'parentInstallId'],
          array[:'inst_body'::jsonb ->> 'solutionId', :'inst'],
          'child install: shares its parent''s solution');
select is((select array_agg(e.slug order by e.slug)
           from core.install_members m join core.entities e on e.id = m.entity_id
           where m.install_id = :'child_body'::jsonb ->> 'id' and m.mode = 'clone'),
          array['alerts-2', 'digest', 'lib-2', 'shared-2'],
          'child install: auto_all takes every member; taken slugs get suffixes');
select is((select v.definition -> 'alerts' ->> '$ref'
           from core.install_members m join core.entities e on e.id = m.entity_id
           join core.entity_versions v on v.id = e.current_version_id
           where m.install_id = :'child_body'::jsonb ->> 'id' and m.slug = 'digest'),
          (select m.entity_id from core.install_members m
           where m.install_id = :'child_body'::jsonb ->> 'id' and m.slug = 'alerts'),
          'child install: a $ref to another member points at that member''s clone, no dependency for it');
select is((api.integration_install(:'owner', :'int',
                                   jsonb_build_object('workspaceId', 'ws_pgtap_dst', 'variables', '{"channel": "#d"}'::jsonb,
                                                      'parentInstallId', :'inst'))).status,
          201, 'child install: several children of one integration may live in a workspace');
select is((select array_agg(e.slug order by e.slug) from core.entities e
           where e.workspace_id = 'ws_pgtap_dst' and e.slug like 'alerts%'),
          array['alerts', 'alerts-2', 'alerts-3'], 'slugs: -2, -3, … in order');

select r.body ->> 'id' as man_inst
from api.integration_install(:'owner', :'int',
                             '{"workspaceId": "ws_pgtap_man", "variables": {"channel": "#m"},
                               "memberPolicy": "manual", "selectedMemberSlugs": ["digest", "tool", "digest"]}') as r
\gset
select is(array(select jsonb_object_keys(pg_temp.members(:'man_inst')) order by 1),
          array['dep:alerts', 'dep:lib', 'dep:shared', 'digest', 'tool'],
          'manual: exactly the chosen members; what they use comes as dependencies');

select is((select array_agg(m.slug || ':' || m.mode order by m.slug) from core.install_members m
           join core.integration_installs i on i.id = m.install_id
           where i.workspace_id = 'ws_pgtap_man' and i.id = :'man_inst'),
          array['alerts:clone', 'digest:clone', 'lib:clone', 'shared:clone', 'tool:reference'],
          'manual: a reference member is never cloned as a dependency');
select (api.integration_install(:'owner', :'int',
                                jsonb_build_object('workspaceId', 'ws_pgtap_man', 'variables', '{"channel": "#m"}'::jsonb,
                                                   'memberPolicy', 'manual', 'selectedMemberSlugs', '["digest"]'::jsonb,
                                                   'parentInstallId', :'man_inst'))).body ->> 'id' as digest_only
\gset
select is(array(select jsonb_object_keys(pg_temp.members(:'digest_only')) order by 1),
          array['dep:alerts', 'dep:lib', 'dep:shared', 'digest'],
          'manual: an unselected reference member that a clone uses is neither installed nor cloned');
select is(pg_temp.definition(pg_temp.members(:'digest_only') -> 'dep:alerts' ->> 'entityId') -> 'tool' ->> '$ref', :'tool',
          'manual: the $ref to it keeps pointing at the source entity');

select pg_temp.integration('pgtap-auth') as auth_int \gset
select pg_temp.publish(:'auth_int', '1.0.0', jsonb_build_array(pg_temp.m('tool', :'tool', mode => 'reference')),
                       '{}', '{"type": "oauth2", "provider": "x"}') as auth_v1
\gset
select is(pg_temp.error_detail(format('select api.integration_install(%L, %L, %L)', :'owner', :'auth_int',
                                      '{"workspaceId": "ws_pgtap_dst"}')),
          '[{"path": "/authStateId", "message": "is required: the integration authenticates with type oauth2"}]',
          'install: an auth config other than none needs authStateId');
select is((api.integration_install(:'owner', :'auth_int',
                                   '{"workspaceId": "ws_pgtap_dst", "authStateId": "auth_123"}')).body ->> 'authStateId',
          'auth_123', 'install: with authStateId');

-- locallyModified, detach
select api.entity_patch(:'member', :'alerts_clone', '{"definition": {"edited": true}}') is not null as edited \gset
select is(pg_temp.members(:'inst') -> 'alerts' ->> 'locallyModified', 'true',
          'members: a clone edited since the apply is locally modified');
select (pg_temp.members(:'inst') -> 'alerts' ->> 'id') as alerts_member,
       (pg_temp.members(:'inst') -> 'dep:lib' ->> 'id') as lib_member
\gset
select throws_ok(format('select api.install_member_detach(%L, %L, %L)', :'viewer', :'alerts_member', '{"detached": true}'),
                 'IN403', null, 'detach: a viewer may not');
select throws_ok(format('select api.install_member_detach(%L, %L, %L)', :'outsider', :'alerts_member', '{"detached": true}'),
                 'IN404', null, 'detach: hidden from other workspaces');
select throws_ok(format('select api.install_member_detach(%L, %L, %L)', :'owner', core.new_id('imem_'), '{"detached": true}'),
                 'IN404', null, 'detach: unknown member');
select is((api.install_member_detach(:'member', :'lib_member', '{"detached": true}')).body, '{"success": true}',
          'detach: 200 {"success": true}');
select is((api.install_member_detach(:'member', :'lib_member', '{"detached": true}')).status, 200,
          'detach: detaching again is accepted');
select is(pg_temp.members(:'inst') -> 'dep:lib' ->> 'detached', 'true', 'detach: the member is detached');

-- Upgrade: the walk-through (edit upstream, publish, upgrade with one member detached)
select pg_temp.edit(:'lib', jsonb_build_object('type', 'object', 'title', '{{channel}} v2',
                                               'uses', jsonb_build_object('$ref', :'shared')));
select pg_temp.edit(:'shared', '{"deep": false}');
select pg_temp.publish(:'int', '1.1.0',
                       jsonb_build_array(pg_temp.m('alerts', :'alerts', config => '{"to": "{{channel}}"}'),
                                         pg_temp.m('digest', :'digest', false),
                                         pg_temp.m('tool', :'tool', mode => 'reference')),
                       '{"type": "object", "required": ["channel"],
                         "properties": {"channel": {"type": "string", "pattern": "^#"},
                                        "retries": {"type": "integer", "default": 3}}}') as v11
\gset
select is((api.install_upgrade(:'member', :'inst', '{"dryRun": true}')).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["shared"], "added": [], "removed": [], "skipped": ["digest", "lib"]}',
          'upgrade: the dry run plans it');
select is((select jsonb_build_object('version', integration_version_id, 'upgraded', last_upgraded_at,
                                     'shared', (select v.definition from core.entities e
                                                join core.entity_versions v on v.id = e.current_version_id
                                                where e.id = :'shared_clone'))
           from core.integration_installs where id = :'inst'),
          jsonb_build_object('version', :'v1', 'upgraded', null, 'shared', '{"deep": true}'::jsonb),
          'upgrade: the dry run wrote nothing');
select is((api.install_upgrade(:'member', :'inst', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["shared"], "added": [], "removed": [], "skipped": ["digest", "lib"]}',
          'upgrade: no body is the current version; the detached member is skipped');
select is(array[pg_temp.definition(:'shared_clone'), pg_temp.definition(:'lib_clone'),
                pg_temp.definition(:'alerts_clone')],
          array['{"deep": false}'::jsonb,
                jsonb_build_object('type', 'object', 'title', '#ops', 'uses', jsonb_build_object('$ref', :'shared_clone')),
                '{"edited": true}'::jsonb],
          'upgrade: re-applied into the same clone; the detached one and the unchanged one kept');
select is((select jsonb_build_object('version', integration_version_id, 'upgraded', last_upgraded_at is not null)
           from core.integration_installs where id = :'inst'),
          jsonb_build_object('version', :'v11', 'upgraded', true), 'upgrade: the install moves to the version');
select is(pg_temp.members(:'inst') -> 'dep:shared' ->> 'appliedEntityVersionId',
          (select member_entity_versions ->> :'shared' from core.integration_versions where id = :'v11'),
          'upgrade: the applied source version moves');
select is((api.install_upgrade(:'member', :'inst', '{}')).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": [], "added": [], "removed": [], "skipped": ["digest", "lib"]}',
          'upgrade: a second run changes nothing');

select is((api.integration_install(:'owner', :'int',
                                   jsonb_build_object('workspaceId', 'ws_pgtap_man', 'variables', '{"channel": "#p"}'::jsonb,
                                                      'parentInstallId', :'man_inst', 'integrationVersionId', :'v1'))).body ->> 'integrationVersionId',
          :'v1', 'install: at an older version when asked');

-- Re-attaching: the next upgrade re-applies what differs, over local edits
select is((api.install_member_detach(:'member', :'lib_member', '{"detached": false}')).status, 200, 'detach: re-attach');
select is((api.install_upgrade(:'member', :'inst', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["lib"], "added": [], "removed": [], "skipped": ["digest"]}',
          'upgrade: a re-attached member is brought up to date');
select is(pg_temp.definition(:'lib_clone') ->> 'title', '#ops v2', 'upgrade: with the new definition');

-- Upgrade: variables
select pg_temp.publish(:'int', '1.2.0',
                       jsonb_build_array(pg_temp.m('alerts', :'alerts', config => '{"to": "{{channel}}", "team": "{{team}}"}'),
                                         pg_temp.m('digest', :'digest', false),
                                         pg_temp.m('tool', :'tool', mode => 'reference')),
                       '{"type": "object", "required": ["channel", "team", "zone"],
                         "properties": {"channel": {"type": "string", "pattern": "^#"},
                                        "retries": {"type": "integer", "default": 3},
                                        "team": {"type": "string"}, "zone": {"type": "string", "default": "eu"}}}') as v12
\gset
select is(pg_temp.error_detail(format('select api.install_upgrade(%L, %L, null)', :'member', :'inst')),
          '[{"path": "/variables/team", "message": "is required (the variables schema gives no default)"}]',
          'upgrade: a new required variable without a default is named');
select is((api.install_upgrade(:'member', :'inst', '{"variables": {"team": "core"}, "onConflict": "take_upstream"}')).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["alerts"], "added": [], "removed": [], "skipped": ["digest"]}',
          'upgrade: variables sent with the upgrade join the install''s');
select is((select variables from core.integration_installs where id = :'inst'),
          '{"channel": "#ops", "retries": 3, "team": "core", "zone": "eu"}',
          'upgrade: variables merged, new defaults filled in');
select is(pg_temp.members(:'inst') -> 'alerts' -> 'config', '{"to": "#ops", "team": "core"}',
          'upgrade: member config re-applied');
select is(pg_temp.definition(:'alerts_clone'), '{"edited": true}',
          'upgrade: upstream = base (only the config changed): the locally edited clone stays as it is (outcome unchanged)');

-- Upgrade: errors
select throws_ok(format('select api.install_upgrade(%L, %L, null)', :'viewer', :'inst'), 'IN403', null,
                 'upgrade: a viewer may not');
select throws_ok(format('select api.install_upgrade(%L, %L, null)', :'outsider', :'inst'), 'IN404', null,
                 'upgrade: hidden from other workspaces');
select throws_ok(format('select api.install_upgrade(%L, %L, %L)', :'owner', :'inst',
                        jsonb_build_object('integrationVersionId', :'auth_v1')),
                 'IN422', null, 'upgrade: a version of another integration');
delete from core.integration_grants where integration_id = :'int' and workspace_id = 'ws_pgtap_dst';
select throws_ok(format('select api.install_upgrade(%L, %L, null)', :'member', :'inst'), 'IN403', null,
                 'upgrade: the caller may no longer read the integration');
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values (:'int', 'ws_pgtap_dst', 'usr_pgtap_author');

-- Dependencies across versions, rollback
select pg_temp.entity('lib-b', '{"b": "{{channel}}"}', 'schema') as lib_b \gset
select pg_temp.edit(:'alerts', jsonb_build_object('channel', '{{channel}}', 'schema', jsonb_build_object('$ref', :'lib_b')));
select pg_temp.publish(:'int', '2.0.0',
                       jsonb_build_array(pg_temp.m('alerts', :'alerts', config => '{"to": "{{channel}}", "team": "{{team}}"}'),
                                         pg_temp.m('digest', :'digest', false),
                                         pg_temp.m('tool', :'tool', mode => 'reference')),
                       '{"type": "object", "required": ["channel", "team"],
                         "properties": {"channel": {"type": "string"}, "team": {"type": "string"}}}') as v2
\gset
select is((api.install_upgrade(:'member', :'inst', '{"onConflict": "take_upstream"}')).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["alerts"], "added": ["lib-b"], "removed": ["lib", "shared"], "skipped": ["digest"]}',
          'upgrade: a dependency no longer used is removed, a new one added');
select is(pg_temp.definition(:'alerts_clone') -> 'schema' ->> '$ref', pg_temp.members(:'inst') -> 'dep:lib-b' ->> 'entityId',
          'upgrade: the $ref points at the new dependency''s clone');
select is((select array_agg(e.deleted_at is not null order by e.slug) from core.entities e
           where e.id in (:'lib_clone', :'shared_clone')),
          array[true, true], 'upgrade: the removed dependencies'' clones are soft-deleted');
select is((select count(*) from core.install_members
           where install_id = :'inst' and role = 'dependency' and removed_at is not null),
          2::bigint, 'upgrade: the removed members keep their rows, with removedAt');
select is((api.install_upgrade(:'member', :'inst', jsonb_build_object('integrationVersionId', :'v11'))).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["alerts"], "added": ["lib", "shared"], "removed": ["lib-b"], "skipped": ["digest"]}',
          'rollback: an older version by the same rules');
select is(pg_temp.definition(pg_temp.members(:'inst') -> 'dep:lib' ->> 'entityId'),
          jsonb_build_object('type', 'object', 'title', '#ops v2',
                             'uses', jsonb_build_object('$ref', pg_temp.members(:'inst') -> 'dep:shared' ->> 'entityId')),
          'rollback: dependencies come back as new clones');
-- The id first: compared with a volatile call, every row of core.entities would call it.
select pg_temp.members(:'inst') -> 'dep:lib' ->> 'entityId' as lib_again \gset
select is((select slug from core.entities where id = :'lib_again'),
          'lib', 'rollback: the slug freed by the removal is taken again');
select is((select integration_version_id from core.integration_installs where id = :'inst'), :'v11',
          'rollback: the install pins the older version');

-- What a detached clone uses stays
select pg_temp.entity('kept-leaf', '{"leaf": 1}', 'schema') as kept_leaf \gset
select pg_temp.entity('kept-lib', jsonb_build_object('leaf', jsonb_build_object('$ref', :'kept_leaf')), 'schema') as kept_lib \gset
select pg_temp.entity('keeper', jsonb_build_object('lib', jsonb_build_object('$ref', :'kept_lib'))) as keeper \gset
select pg_temp.entity('plain', '{"p": 1}') as plain \gset
select pg_temp.integration('pgtap-keep') as keep_int \gset
select pg_temp.publish(:'keep_int', '1.0.0', jsonb_build_array(pg_temp.m('keeper', :'keeper'), pg_temp.m('plain', :'plain'))) as keep_v1 \gset
select (api.integration_install(:'owner', :'keep_int', '{"workspaceId": "ws_pgtap_dst"}')).body ->> 'id' as keep_inst \gset
select api.install_member_detach(:'owner', pg_temp.members(:'keep_inst') -> 'keeper' ->> 'id', '{"detached": true}') is not null as detached \gset
select pg_temp.edit(:'keeper', '{"lib": "none"}');
select pg_temp.publish(:'keep_int', '2.0.0', jsonb_build_array(pg_temp.m('keeper', :'keeper'), pg_temp.m('plain', :'plain'))) as keep_v2 \gset
select is((api.install_upgrade(:'owner', :'keep_inst', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": [], "added": [], "removed": [], "skipped": ["keeper", "kept-leaf", "kept-lib"]}',
          'detached: the dependencies a detached clone uses are skipped, not removed');
select is((api.install_delete(:'owner', :'keep_inst')).status, 200, 'detached: uninstall');
select is((select jsonb_object_agg(m.slug, e.deleted_at is null) from core.install_members m
           join core.entities e on e.id = m.entity_id where m.install_id = :'keep_inst'),
          '{"keeper": true, "kept-lib": true, "kept-leaf": true, "plain": false}',
          'detached: uninstall leaves the detached clone and what it uses');

-- The reconciliation table: member in old/new version x attached/detached x changed/unchanged x policy
select pg_temp.entity('same', '{"v": 1}') as e_same, pg_temp.entity('changed', '{"v": 1}') as e_changed,
       pg_temp.entity('gone', '{"v": 1}') as e_gone, pg_temp.entity('det-same', '{"v": 1}') as e_det_same,
       pg_temp.entity('det-changed', '{"v": 1}') as e_det_changed, pg_temp.entity('det-gone', '{"v": 1}') as e_det_gone,
       pg_temp.entity('opt', '{"v": 1}') as e_opt, pg_temp.entity('opt-changed', '{"v": 1}') as e_opt_changed,
       pg_temp.entity('promoted', '{"v": 1}') as e_promoted, pg_temp.entity('new-def', '{"v": 1}') as e_new_def,
       pg_temp.entity('new-opt', '{"v": 1}') as e_new_opt
\gset
select pg_temp.integration('pgtap-table') as tbl \gset
select pg_temp.publish(:'tbl', '1.0.0',
                       jsonb_build_array(pg_temp.m('same', :'e_same'), pg_temp.m('changed', :'e_changed'),
                                         pg_temp.m('gone', :'e_gone'), pg_temp.m('det-same', :'e_det_same'),
                                         pg_temp.m('det-changed', :'e_det_changed'), pg_temp.m('det-gone', :'e_det_gone'),
                                         pg_temp.m('opt', :'e_opt', false), pg_temp.m('opt-changed', :'e_opt_changed', false),
                                         pg_temp.m('promoted', :'e_promoted', false))) as tbl_v1
\gset
select (api.integration_install(:'owner', :'tbl', '{"workspaceId": "ws_pgtap_all", "memberPolicy": "auto_all"}')).body ->> 'id' as t_all,
       (api.integration_install(:'owner', :'tbl', '{"workspaceId": "ws_pgtap_def"}')).body ->> 'id' as t_def,
       (api.integration_install(:'owner', :'tbl', '{"workspaceId": "ws_pgtap_man", "memberPolicy": "manual",
                                 "selectedMemberSlugs": ["same", "changed", "gone", "det-same", "det-changed", "det-gone"]}')).body ->> 'id' as t_man
\gset
select is(array(select jsonb_object_keys(pg_temp.members(:'t_all')) order by 1),
          array['changed', 'det-changed', 'det-gone', 'det-same', 'gone', 'opt', 'opt-changed', 'promoted', 'same'],
          'table: auto_all installs every member');
select is(array(select jsonb_object_keys(pg_temp.members(:'t_def')) order by 1),
          array['changed', 'det-changed', 'det-gone', 'det-same', 'gone', 'same'],
          'table: auto_defaults installs the default members');
select is(array(select jsonb_object_keys(pg_temp.members(:'t_man')) order by 1),
          array['changed', 'det-changed', 'det-gone', 'det-same', 'gone', 'same'],
          'table: manual installs the chosen members');
select count(api.install_member_detach(:'owner', m.id, '{"detached": true}'))
from core.install_members m
where m.install_id in (:'t_all', :'t_def', :'t_man') and m.slug like 'det-%';
select pg_temp.edit(:'e_changed', '{"v": 2}'), pg_temp.edit(:'e_det_changed', '{"v": 2}'),
       pg_temp.edit(:'e_opt_changed', '{"v": 2}');
-- same gets a new version with the definition it had: nothing to re-apply.
select pg_temp.edit(:'e_same', '{"v": 9}');
select pg_temp.edit(:'e_same', '{"v": 1}');
select pg_temp.publish(:'tbl', '2.0.0',
                       jsonb_build_array(pg_temp.m('same', :'e_same'), pg_temp.m('changed', :'e_changed'),
                                         pg_temp.m('det-same', :'e_det_same'), pg_temp.m('det-changed', :'e_det_changed'),
                                         pg_temp.m('opt', :'e_opt', false), pg_temp.m('opt-changed', :'e_opt_changed', false),
                                         pg_temp.m('promoted', :'e_promoted', true),
                                         pg_temp.m('new-def', :'e_new_def'), pg_temp.m('new-opt', :'e_new_opt', false))) as tbl_v2
\gset
select is((api.install_upgrade(:'owner', :'t_all', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["changed", "opt-changed"], "added": ["new-def", "new-opt"], "removed": ["gone"],
            "skipped": ["det-changed", "det-gone", "det-same"]}',
          'table, auto_all: changed attached updated, unchanged kept, gone removed, new added, detached skipped');
select is((api.install_upgrade(:'owner', :'t_def', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["changed"], "added": ["new-def", "promoted"], "removed": ["gone"],
            "skipped": ["det-changed", "det-gone", "det-same", "new-opt", "opt", "opt-changed"]}',
          'table, auto_defaults: new default members added (and one that became default), the others skipped');
select is((api.install_upgrade(:'owner', :'t_man', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": ["changed"], "added": [], "removed": ["gone"],
            "skipped": ["det-changed", "det-gone", "det-same", "new-def", "new-opt", "opt", "opt-changed", "promoted"]}',
          'table, manual: nothing new is added');
select is(array[(api.install_upgrade(:'owner', :'t_all', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
                (api.install_upgrade(:'owner', :'t_def', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
                (api.install_upgrade(:'owner', :'t_man', null)).body - 'merged' - 'conflicts' - 'operationId' - 'changes'],
          array['{"updated": [], "added": [], "removed": [], "skipped": ["det-changed", "det-gone", "det-same"]}',
                '{"updated": [], "added": [], "removed": [], "skipped": ["det-changed", "det-gone", "det-same", "new-opt", "opt", "opt-changed"]}',
                '{"updated": [], "added": [], "removed": [], "skipped": ["det-changed", "det-gone", "det-same", "new-def", "new-opt", "opt", "opt-changed", "promoted"]}']::jsonb[],
          'table: a second upgrade to the same version changes nothing');
select pg_temp.members(:'t_all') as tm \gset
select is(:'tm'::jsonb -> 'same' ->> 'appliedEntityVersionId',
          (select member_entity_versions ->> :'e_same' from core.integration_versions where id = :'tbl_v2'),
          'table: a new source version with the applied definition is recorded, not re-applied');
select is(array[pg_temp.definition(:'tm'::jsonb -> 'changed' ->> 'entityId'),
                pg_temp.definition(:'tm'::jsonb -> 'det-changed' ->> 'entityId'),
                pg_temp.definition(:'tm'::jsonb -> 'same' ->> 'entityId')],
          array['{"v": 2}', '{"v": 1}', '{"v": 1}']::jsonb[],
          'table: updated clone re-applied, detached and unchanged clones as they were');
select is((select jsonb_build_object('removedAt', m.removed_at is not null, 'clone deleted', e.deleted_at is not null)
           from core.install_members m join core.entities e on e.id = m.entity_id
           where m.install_id = :'t_all' and m.slug = 'gone'),
          '{"removedAt": true, "clone deleted": true}', 'table: a removed member keeps its row, its clone is soft-deleted');
select is((select jsonb_build_object('removedAt', m.removed_at is not null, 'clone deleted', e.deleted_at is not null)
           from core.install_members m join core.entities e on e.id = m.entity_id
           where m.install_id = :'t_all' and m.slug = 'det-gone'),
          '{"removedAt": false, "clone deleted": false}', 'table: a detached member gone upstream stays as it is');
select is((select count(distinct v.id) from core.install_members m
           join core.entity_versions v on v.entity_id = m.entity_id
           where m.install_id = :'t_all' and m.slug = 'changed'),
          2::bigint, 'table: the update is a new version of the same clone');

-- A member whose mode changes is removed and added
select pg_temp.publish(:'tbl', '3.0.0',
                       jsonb_build_array(pg_temp.m('same', :'e_same', mode => 'reference'),
                                         pg_temp.m('changed', :'e_changed'))) as tbl_v3
\gset
select is((api.install_upgrade(:'owner', :'t_all', '{"dryRun": true}')).body - 'merged' - 'conflicts' - 'operationId' - 'changes',
          '{"updated": [], "added": ["same"], "removed": ["new-def", "new-opt", "opt", "opt-changed", "promoted", "same"],
            "skipped": ["det-changed", "det-gone", "det-same"]}',
          'mode change: the clone is removed, the reference added');

-- Uninstall
select (:'tm'::jsonb -> 'det-same' ->> 'entityId') as det_clone, (:'tm'::jsonb -> 'same' ->> 'entityId') as same_clone \gset
select throws_ok(format('select api.install_delete(%L, %L)', :'outsider', :'t_all'), 'IN404', null,
                 'uninstall: hidden from other workspaces');
select is((api.install_delete(:'owner', :'t_all')).body, '{"success": true}', 'uninstall: 200 {"success": true}');
select is((select array_agg(deleted_at is not null order by id) from core.entities where id in (:'det_clone', :'same_clone')),
          (select array_agg(x order by i) from (values (:'det_clone', false), (:'same_clone', true)) as t (i, x)),
          'uninstall: attached clones soft-deleted, detached ones stay');
select isnt((api.install_get(:'owner', :'t_all')).body ->> 'deletedAt', null, 'uninstall: the install shows deletedAt');
select is(jsonb_array_length((api.install_member_list(:'owner', :'t_all')).body -> 'members'), 11,
          'uninstall: its members stay readable');
select throws_ok(format('select api.install_delete(%L, %L)', :'owner', :'t_all'), 'IN409', null,
                 'uninstall: twice is a conflict');
select throws_ok(format('select api.install_upgrade(%L, %L, null)', :'owner', :'t_all'), 'IN409', null,
                 'upgrade: of an uninstalled install is a conflict');
select throws_ok(format('select api.install_member_detach(%L, %L, %L)', :'owner', :'tm'::jsonb -> 'same' ->> 'id', '{"detached": true}'),
                 'IN409', null, 'detach: in an uninstalled install is a conflict');
select throws_ok(format('select api.install_member_detach(%L, %L, %L)', :'owner',
                        (select id from core.install_members where install_id = :'t_def' and slug = 'gone'), '{"detached": true}'),
                 'IN409', null, 'detach: a removed member is a conflict');
select is((api.integration_install(:'owner', :'tbl', '{"workspaceId": "ws_pgtap_all"}')).status, 201,
          'uninstall: the integration can be installed again');

-- A soft-deleted integration: installs keep working, no new installs, no upgrades; purge
select api.integration_delete(:'author', :'tbl') is not null as deleted \gset
select throws_ok(format('select api.integration_install(%L, %L, %L)', :'owner', :'tbl', '{"workspaceId": "ws_pgtap_dst"}'),
                 'IN410', null, 'deleted integration: no new installs');
select throws_ok(format('select api.install_upgrade(%L, %L, null)', :'owner', :'t_def'), 'IN410', null,
                 'deleted integration: no upgrades');
select is(array[(api.install_get(:'owner', :'t_def')).status, (api.install_member_list(:'owner', :'t_def')).status],
          array[200, 200], 'deleted integration: its installs and their members stay readable');
select throws_ok(format('select api.integration_purge(%L, %L)', :'author', :'tbl'), 'INH09', null,
                 'purge: refused while installs live');
select count(api.install_delete(:'owner', i.id)) from core.integration_installs i
where i.integration_id = :'tbl' and i.deleted_at is null;
select is((api.integration_purge(:'author', :'tbl')).status, 200, 'purge: once every install is uninstalled');
select is(array[(select count(*) from core.install_members where install_id in (:'t_all', :'t_def', :'t_man')),
                (select count(*) from core.entities where id = :'det_clone' and source_install_member_id is null
                                                       and deleted_at is null)],
          array[0, 1]::bigint[], 'purge: member rows gone; a detached clone stays, unlinked');

-- Destination workspace: a caller who reads a private integration through a grant to one of
-- their workspaces cannot install it into another (core.integration_readable_by_workspace).
insert into core.integrations (id, workspace_id, slug, name, created_by)
values ('int_00000000000000000000000000d1', 'ws_pgtap_src', 'dest-rule', 'D', 'usr_pgtap_author');
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values ('int_00000000000000000000000000d1', 'ws_pgtap_granted', 'usr_pgtap_author');
select throws_ok(format($$select api.integration_install(%L, 'int_00000000000000000000000000d1', '{"workspaceId": "ws_pgtap_other"}')$$, :'both'),
                 'IN403', null, 'install into a workspace that may not read it: IN403');

select * from finish();
ROLLBACK;
