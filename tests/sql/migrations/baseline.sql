-- sql/migrations/0001_baseline.sql: schemas, the workers' role and its privileges, the reply
-- type, the tables and their constraints (the formats their CHECKs enforce).
BEGIN;
select plan(32);

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
           where attrelid = 'api.reply'::regclass and attnum between 1 and 3),
          'status integer, body jsonb, etag text',
          'api.reply is (status int, body jsonb, etag text)');

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

-- The formats the CHECKs enforce are those of sql/004 and sql/005.
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_0000000000000000000000000a1', 'ws_c', 'flow', 'ok-slug', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity id: 27 hex digits refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000A1', 'ws_c', 'flow', 'ok-slug', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity id: upper-case hex refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', repeat('k', 33), 'ok-slug', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity kind: 33 characters refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', 'flow', repeat('s', 64), 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity slug: 64 characters refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', 'flow', 's', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity slug: 1 character refused');
select lives_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', repeat('k', 32), repeat('s', 63), 'n',
                          'entv_00000000000000000000000000a1', 'usr_c');
                  insert into core.entity_versions (id, entity_id, definition, created_by)
                  values ('entv_00000000000000000000000000a1', 'ent_00000000000000000000000000a1', '{}', 'usr_c');
                  set constraints all immediate;
                  set constraints all deferred$$,
                'the longest kind and slug, a version id of 28 hex digits: accepted');

select * from finish();
ROLLBACK;
