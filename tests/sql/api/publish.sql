-- sql/schema/api/publish.sql: the $ref closure through cycles and diamonds, the members preview,
-- publish (errors, snapshots, pinned versions, precedence), reading versions.
BEGIN;
select plan(45);

\ir ../include/callers.sql

\ir ../include/error_detail.sql

\ir ../include/entity_fixtures.sql

-- Definitions and privileges
select has_table('core', 'entities', 'entities table');
select has_table('core', 'entity_versions', 'entity versions table');
select is(array(select oid::regprocedure::text from pg_proc
                where pronamespace = 'api'::regnamespace
                  and proname in ('entity_create', 'entity_get', 'entity_patch',
                                  'integration_publish', 'integration_version_get',
                                  'integration_members_preview', 'integration_set_visibility',
                                  'integration_review', 'integration_grant_create',
                                  'integration_grant_list', 'integration_grant_delete')
                  and prosecdef and proconfig = array['search_path=core, api, pg_temp']
                  and prorettype = 'api.reply'::regtype
                  and not has_function_privilege('public', oid, 'execute')
                  and has_function_privilege('integrations_api', oid, 'execute')
                order by 1),
          array['api.entity_create(jsonb,jsonb)', 'api.entity_get(jsonb,text)',
                'api.entity_patch(jsonb,text,jsonb)', 'api.integration_grant_create(jsonb,text,jsonb)',
                'api.integration_grant_delete(jsonb,text,text)', 'api.integration_grant_list(jsonb,text)',
                'api.integration_members_preview(jsonb,text)',
                'api.integration_publish(jsonb,text,jsonb)', 'api.integration_review(jsonb,text,jsonb)',
                'api.integration_set_visibility(jsonb,text,jsonb)',
                'api.integration_version_get(jsonb,text)'],
          'api functions: signatures, security definer, search_path, api.reply, execute only for integrations_api');
select ok(not has_table_privilege('integrations_api', 'core.entities', 'insert')
          and has_table_privilege('integrations_api', 'core.entities', 'select')
          and has_table_privilege('integrations_api', 'core.entity_versions', 'select'),
          'integrations_api reads entities, cannot write them');

-- A graph with a cycle and a diamond:
--   flow -> schema -> leaf -> schema (cycle); flow -> tool and schema -> tool (diamond);
--   lone has no references; pair_a <-> pair_b refer to each other.
select pg_temp.entity('leaf', 'schema', '{"type": "string"}') as leaf,
       pg_temp.entity('tool', 'tool', '{"url": "https://{{region}}.example.com"}') as tool,
       pg_temp.entity('lone', 'agent', '{"prompt": "hello"}') as lone,
       pg_temp.entity('pair-a', 'agent', '{}') as pair_a
\gset
select pg_temp.entity('schema', 'schema',
                      jsonb_build_object('items', jsonb_build_object('$ref', :'leaf'),
                                         'tool', jsonb_build_object('$ref', :'tool'))) as schema,
       pg_temp.entity('pair-b', 'agent', jsonb_build_object('peer', jsonb_build_object('$ref', :'pair_a'))) as pair_b
\gset
select pg_temp.redefine(:'leaf', jsonb_build_object('type', 'string', 'up', jsonb_build_object('$ref', :'schema'))) as leaf_v2,
       pg_temp.redefine(:'pair_a', jsonb_build_object('peer', jsonb_build_object('$ref', :'pair_b'))) as pair_a_v2
\gset
select pg_temp.entity('flow', 'workflow',
                      jsonb_build_object('steps', jsonb_build_array(jsonb_build_object('$ref', :'schema'),
                                                                    jsonb_build_object('$ref', :'tool')),
                                         'channel', '{{ channel }}')) as flow
\gset
select is((select refs from core.entity_versions where id = (select current_version_id from core.entities where id = :'flow')),
          (select array_agg(x order by x) from unnest(array[:'schema', :'tool']) as x),
          'entity versions: refs derived by the database');

select is(array(select entity_id from core.entity_reach('ws_pgtap_a', array[:'flow']) order by 1),
          array(select x from unnest(array[:'flow', :'schema', :'leaf', :'tool']) as x order by 1),
          'reach: the closure through a cycle and a diamond, each once, roots included');
select is((select count(*) from core.entity_reach('ws_pgtap_a', array[:'pair_a', :'pair_b', :'pair_a'])),
          2::bigint, 'reach: a two-entity cycle from both ends, and a repeated root');
select is((select jsonb_agg(jsonb_build_array(r.entity_id, r.version_id) order by r.entity_id)
           from core.entity_reach('ws_pgtap_b', array[:'flow']) as r),
          jsonb_build_array(jsonb_build_array(:'flow', null)),
          'reach: another workspace''s entity does not resolve and is not followed');

select (api.integration_create(:'owner_a',
    jsonb_build_object('workspaceId', 'ws_pgtap_a', 'slug', 'suite', 'name', 'Suite',
                       'variablesSchema', '{"properties": {"channel": {}, "region": {}}}'::jsonb,
                       'authConfig', '{"type": "oauth2"}'::jsonb,
                       'manifest', jsonb_build_object('members', jsonb_build_array(
                           jsonb_build_object('slug', 'flow', 'entityId', :'flow',
                                              'config', '{"to": "{{channel}}"}'::jsonb),
                           jsonb_build_object('slug', 'schema', 'entityId', :'schema', 'mode', 'reference',
                                              'default', false),
                           jsonb_build_object('slug', 'lone', 'entityId', :'lone'),
                           jsonb_build_object('slug', 'pair', 'entityId', :'pair_a')))))).body ->> 'id' as suite
\gset

select is((select jsonb_object_agg(member_index, ids)
           from (select member_index, array_agg(entity_id order by entity_id) as ids
                 from core.manifest_closure('ws_pgtap_a', (select manifest from core.integrations where id = :'suite'), null)
                 group by member_index) as c),
          jsonb_build_object('0', (select array_agg(x order by x) from unnest(array[:'flow', :'schema', :'leaf', :'tool']) as x),
                             '1', (select array_agg(x order by x) from unnest(array[:'schema', :'leaf', :'tool']) as x),
                             '2', array[:'lone'],
                             '3', (select array_agg(x order by x) from unnest(array[:'pair_a', :'pair_b']) as x)),
          'closure per member: transitive, each entity once, through cycles and diamonds');

-- Preview of the draft
select (api.integration_members_preview(:'viewer_a', :'suite')).body as draft_preview
\gset
select is(jsonb_path_query_array(:'draft_preview'::jsonb, '$.members[*].slug'),
          '["flow", "schema", "lone", "pair"]', 'preview: the members in manifest order');
select is((:'draft_preview'::jsonb -> 'members' -> 1) - 'closure',
          jsonb_build_object('slug', 'schema', 'kind', 'schema', 'mode', 'reference', 'default', false,
                             'config', '{}'::jsonb, 'entityId', :'schema',
                             'entityVersionId', (select current_version_id from core.entities where id = :'schema')),
          'preview: a member with its kind, mode, default, config and current version');
select is(jsonb_path_query_array(:'draft_preview'::jsonb, '$.members[0].closure[*].entityId'),
          (select jsonb_agg(x order by x) from unnest(array[:'schema', :'leaf', :'tool']) as x),
          'preview: closure transitive, each once, ordered by id, never the member');
select is(jsonb_path_query_array(:'draft_preview'::jsonb, '$.members[1].closure[*].entityId'),
          (select jsonb_agg(x order by x) from unnest(array[:'leaf', :'tool']) as x),
          'preview: a member in a cycle is not in its own closure');
select is((:'draft_preview'::jsonb #> '{members,0,closure}' -> 0) - 'entityId',
          (select jsonb_build_object('entityVersionId', e.current_version_id, 'kind', e.kind, 'slug', e.slug)
           from core.entities as e
           where e.id = (select min(x) from unnest(array[:'schema', :'leaf', :'tool']) as x)),
          'preview: closure entries with version, kind and slug');
select throws_ok(format('select api.integration_members_preview(%L, %L)', :'outsider', :'suite'),
                 'IN404', null, 'preview: hidden from other workspaces');

-- Publish: errors
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'member_a', :'suite', '{"version": "1.0.0"}'),
                 'IN403', null, 'publish: a member may not');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'outsider', :'suite', '{"version": "1.0.0"}'),
                 'IN404', null, 'publish: other workspaces do not see it');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'suite', '{"version": "1.0"}'),
                 'IN422', null, 'publish: not a SemVer version');
update core.integrations set variables_schema = '{"properties": {"channel": {}}}' where id = :'suite';
select is(jsonb_path_query_array(pg_temp.error_detail(format('select api.integration_publish(%L, %L, %L)',
                                                              :'owner_a', :'suite', '{"version": "1.0.0"}')),
                                  '$[*].path'),
          '["/manifest/members/0/entityId", "/manifest/members/1/entityId"]',
          'publish: a placeholder naming no variable, for each member installing it');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'suite', '{"version": "1.0.0"}'),
                 'IN422', null, 'publish: unknown placeholders are IN422');
update core.integrations set variables_schema = '{"properties": {"region": {}}}' where id = :'suite';
select is(pg_temp.error_detail(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'suite',
                                      '{"version": "1.0.0"}')) -> 0 ->> 'path',
          '/manifest/members/0/config', 'publish: a placeholder in a member''s config');
update core.integrations set variables_schema = '{"properties": {"region": {}, "channel": {}}}' where id = :'suite';

select pg_temp.entity('foreign-ref', 'tool', '{}') as doomed
\gset
update core.entities set deleted_at = clock_timestamp() where id = :'doomed';
select (api.entity_create(:'outsider', '{"workspaceId": "ws_pgtap_b", "kind": "tool", "slug": "theirs",
                                         "name": "x", "definition": {}}')).body ->> 'id' as theirs
\gset
select pg_temp.entity('uses-theirs', 'tool', jsonb_build_object('x', jsonb_build_object('$ref', :'theirs'))) as uses_theirs
\gset
select (api.integration_create(:'owner_a',
    jsonb_build_object('workspaceId', 'ws_pgtap_a', 'slug', 'broken', 'name', 'Broken',
                       'manifest', jsonb_build_object('members', jsonb_build_array(
                           jsonb_build_object('slug', 'fine', 'entityId', :'lone'),
                           jsonb_build_object('slug', 'absent', 'entityId', 'ent_00000000000000000000000000ff'),
                           jsonb_build_object('slug', 'deleted', 'entityId', :'doomed'),
                           jsonb_build_object('slug', 'foreign', 'entityId', :'theirs'),
                           jsonb_build_object('slug', 'via', 'entityId', :'uses_theirs'))))))
    .body ->> 'id' as broken
\gset
select is(jsonb_path_query_array(pg_temp.error_detail(format('select api.integration_publish(%L, %L, %L)',
                                                              :'owner_a', :'broken', '{"version": "1.0.0"}')),
                                  '$[*].path'),
          '["/manifest/members/1/entityId", "/manifest/members/2/entityId",
            "/manifest/members/3/entityId", "/manifest/members/4/entityId"]',
          'publish: one error per member whose entity or closure is not a live entity of the workspace');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'broken', '{"version": "1.0.0"}'),
                 'IN422', null, 'publish: unresolved members are IN422');

-- Publish: the snapshot
select r.status as p_status, r.body as p_body, r.body ->> 'id' as v1
from api.integration_publish(:'admin_a', :'suite', '{"version": "1.0.0", "changelog": "First"}') as r
\gset
select is(:p_status, 201, 'publish: 201 for an admin');
select is(:'p_body'::jsonb -> 'memberEntityVersions',
          (select jsonb_object_agg(e.id, e.current_version_id) from core.entities as e
           where e.id in (:'flow', :'schema', :'leaf', :'tool', :'lone', :'pair_a', :'pair_b')),
          'publish: pins every member and every closure entity at its current version');
select is(:'p_body'::jsonb - 'id' - 'memberEntityVersions' - 'publishedAt',
          (select jsonb_build_object('integrationId', i.id, 'version', '1.0.0', 'manifestSnapshot', i.manifest,
                                     'variablesSchemaSnapshot', i.variables_schema,
                                     'authConfigSnapshot', i.auth_config, 'changelog', 'First',
                                     'publishedBy', 'usr_pgtap_admin')
           from core.integrations as i where i.id = :'suite'),
          'publish: snapshots manifest, variables schema and auth config');
select is((select current_version from core.integrations where id = :'suite'), '1.0.0',
          'publish: currentVersion');
select is((api.integration_version_get(:'viewer_a', :'v1')).body, :'p_body'::jsonb,
          'version get: what publish returned');
select is((select members_preview from core.integration_versions where id = :'v1'),
          (api.integration_members_preview(:'viewer_a', :'suite')).body,
          'publish: stores the preview the version shows');
select is((select members_preview from core.integration_versions where id = :'v1'), :'draft_preview'::jsonb,
          'publish: the stored preview is the draft''s, as pinned');
select throws_ok(format('select api.integration_version_get(%L, %L)', :'outsider', :'v1'),
                 'IN404', null, 'version get: hidden like its integration');

-- Snapshots never change: not through the entities, not directly
select pg_temp.redefine(:'schema', jsonb_build_object('items', jsonb_build_object('$ref', :'leaf'))) as schema_v2
\gset
select is((api.integration_version_get(:'owner_a', :'v1')).body, :'p_body'::jsonb,
          'snapshot: editing an entity after publish changes nothing');
select is((api.integration_members_preview(:'owner_a', :'suite')).body #>> '{members,1,entityVersionId}',
          :'p_body'::jsonb #>> array['memberEntityVersions', :'schema'],
          'preview: after publish, the pinned version, not the current one');
select is(jsonb_path_query_array((api.integration_members_preview(:'owner_a', :'suite')).body,
                                 '$.members[1].closure[*].entityId'),
          (select jsonb_agg(x order by x) from unnest(array[:'leaf', :'tool']) as x),
          'preview: after publish, the closure through the pinned versions');
select throws_ok(format('update core.integration_versions set manifest_snapshot = %L where id = %L', '{}', :'v1'),
                 '23001', null, 'snapshot: no update');
select throws_ok(format('delete from core.integration_versions where id = %L', :'v1'),
                 '23001', null, 'snapshot: no delete');

-- Publish: versions and precedence
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'suite', '{"version": "1.0.0"}'),
                 'INV09', null, 'publish: the same version again');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'suite', '{"version": "1.0.0+rebuild"}'),
                 'INV09', null, 'publish: the same precedence, other build metadata');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'suite', '{"version": "1.0.0-rc.1"}'),
                 'IN422', null, 'publish: a lower version');
select is((api.integration_publish(:'owner_a', :'suite', '{"version": "1.1.0"}')).body
          #>> array['memberEntityVersions', :'schema'], :'schema_v2',
          'publish: a later version pins the new entity version');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'suite', '{"version": "1.0.5"}'),
                 'IN422', null, 'publish: 1.0.5 after 1.1.0');

select (api.integration_create(:'owner_a', '{"workspaceId": "ws_pgtap_a", "slug": "spec", "name": "Spec"}')).body ->> 'id' as spec
\gset
select is(array(select (api.integration_publish(:'owner_a', :'spec', jsonb_build_object('version', v))).status
                from unnest(array['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta',
                                  '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0',
                                  '2.1.0', '2.1.1']) with ordinality as t (v, n) order by n),
          array_fill(201, array[11]),
          'publish: the specification''s examples, in order, each greater than the last');
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'spec', '{"version": "2.0.5"}'),
                 'IN422', null, 'publish: after them, an earlier one');

-- A version written by anything but publish has no stored preview: it is computed.
insert into core.integration_versions (integration_id, version, manifest_snapshot, variables_schema_snapshot,
                                       auth_config_snapshot, member_entity_versions, published_by)
select :'spec', '3.0.0', jsonb_build_object('members', jsonb_build_array(jsonb_build_object('slug', 'lone', 'entityId', :'lone'))),
       '{}', '{}', jsonb_build_object(:'lone', e.current_version_id), 'usr_pgtap_owner'
from core.entities as e where e.id = :'lone';
update core.integrations set current_version = '3.0.0' where id = :'spec';
select is((api.integration_members_preview(:'owner_a', :'spec')).body,
          jsonb_build_object('members', jsonb_build_array(jsonb_build_object(
              'slug', 'lone', 'kind', 'agent', 'mode', 'clone', 'default', true, 'config', '{}'::jsonb,
              'entityId', :'lone', 'entityVersionId', (select current_version_id from core.entities where id = :'lone'),
              'closure', '[]'::jsonb))),
          'preview: computed for a version without a stored preview');

update core.integrations set deleted_at = clock_timestamp() where id = :'spec';
select throws_ok(format('select api.integration_publish(%L, %L, %L)', :'owner_a', :'spec', '{"version": "9.0.0"}'),
                 'IN409', null, 'publish: a deleted integration');

select * from finish();
ROLLBACK;
