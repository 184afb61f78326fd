-- sql/schema/api/entities.sql: entities and their immutable versions.
BEGIN;
select plan(21);

\ir ../include/callers.sql

\ir ../include/error_detail.sql

\ir ../include/entity_fixtures.sql

-- Entities
select r.status as e1_status, r.body as e1_body, r.body ->> 'id' as e1,
       r.body ->> 'currentVersionId' as e1_v1
from api.entity_create(:'member_a',
                       '{"workspaceId": "ws_pgtap_a", "kind": "schema", "slug": "invoice",
                         "name": "Invoice", "definition": {"type": "object"}}') as r
\gset
select is(:e1_status, 201, 'entity create: 201, a member may');
select is(array(select jsonb_object_keys(:'e1_body'::jsonb) order by 1),
          array['createdAt', 'createdBy', 'currentVersionId', 'definition', 'deletedAt', 'id',
                'kind', 'name', 'slug', 'sourceInstallMemberId', 'updatedAt', 'workspaceId'],
          'entity create: the representation''s fields');
select is(:'e1_body'::jsonb - 'id' - 'currentVersionId' - 'createdAt' - 'updatedAt',
          '{"workspaceId": "ws_pgtap_a", "kind": "schema", "slug": "invoice", "name": "Invoice",
            "definition": {"type": "object"}, "sourceInstallMemberId": null,
            "createdBy": "usr_pgtap_member", "deletedAt": null}'::jsonb,
          'entity create: values');
select ok(:'e1' ~ '^ent_[0-9a-f]{28}$' and :'e1_v1' ~ '^entv_[0-9a-f]{28}$', 'entity create: id shapes');
select throws_ok(format('select api.entity_create(%L, %L)', :'viewer_a',
                        '{"workspaceId": "ws_pgtap_a", "kind": "schema", "slug": "v", "name": "v", "definition": {}}'),
                 'IN403', null, 'entity create: a viewer may not');
select throws_ok(format('select api.entity_create(%L, %L)', :'outsider',
                        '{"workspaceId": "ws_pgtap_a", "kind": "schema", "slug": "o", "name": "o", "definition": {}}'),
                 'IN403', null, 'entity create: no role in the workspace');
select is(jsonb_path_query_array(pg_temp.error_detail(format('select api.entity_create(%L, %L)', :'owner_a',
                                      '{"workspaceId": "ws_pgtap_a", "kind": "tool", "slug": "invoice", "name": "x", "definition": {}}')),
                                  '$[*].path'),
          '["/slug"]', 'entity create: a live slug is taken, at /slug');
select throws_ok(format('select api.entity_create(%L, %L)', :'owner_a',
                        '{"workspaceId": "ws_pgtap_a", "kind": "tool", "slug": "invoice", "name": "x", "definition": {}}'),
                 'IN409', null, 'entity create: IN409');
select is((api.entity_get(:'viewer_a', :'e1')).body, :'e1_body'::jsonb, 'entity get: a viewer reads');
select throws_ok(format('select api.entity_get(%L, %L)', :'outsider', :'e1'),
                 'IN404', null, 'entity get: other workspaces do not');
select throws_ok(format('select api.entity_patch(%L, %L, %L)', :'viewer_a', :'e1', '{"name": "x"}'),
                 'IN403', null, 'entity patch: a viewer may not');
select throws_ok(format('select api.entity_patch(%L, %L, %L)', :'outsider', :'e1', '{"name": "x"}'),
                 'IN404', null, 'entity patch: other workspaces do not see it');
select is((api.entity_patch(:'owner_a', :'e1', '{"name": "Bill", "definition": {"type": "object"}}')).body
          ->> 'currentVersionId', :'e1_v1', 'entity patch: an equal definition adds no version');
select isnt(pg_temp.redefine(:'e1', '{"type": "array"}'), :'e1_v1',
            'entity patch: a changed definition is a new version');
select is((select array_agg(definition order by created_at) from core.entity_versions where entity_id = :'e1'),
          array['{"type": "object"}', '{"type": "array"}']::jsonb[],
          'entity patch: the old version is kept');
update core.entities set deleted_at = clock_timestamp() where id = :'e1';
select throws_ok(format('select api.entity_patch(%L, %L, %L)', :'owner_a', :'e1', '{"name": "x"}'),
                 'IN409', null, 'entity patch: a deleted entity');
select is((api.entity_get(:'owner_a', :'e1')).body ->> 'deletedAt' is not null, true,
          'entity get: a deleted entity shows deletedAt');
select is((api.entity_create(:'owner_a', '{"workspaceId": "ws_pgtap_a", "kind": "tool", "slug": "invoice",
                                           "name": "x", "definition": {}}')).status,
          201, 'entity create: a deleted entity''s slug is free again');

-- Entity version immutability
select throws_ok(format('update core.entity_versions set created_by = %L where entity_id = %L', 'x', :'e1'),
                 '23001', null, 'entity versions: no update');
select throws_ok(format('delete from core.entity_versions where entity_id = %L', :'e1'),
                 '23001', null, 'entity versions: no delete');
-- TRUNCATE refuses to run while deferred foreign key checks are pending: run them first.
set constraints all immediate;
set constraints all deferred;
select throws_ok('truncate core.entities, core.entity_versions', '23001', null, 'entity versions: no truncate');

select * from finish();
ROLLBACK;
