-- sql/schema/api/integrations.sql: create / get / patch / delete / restore / purge, the read
-- scope of GET by id; and version immutability (the trigger of api/publish.sql) under purge.
BEGIN;
select plan(94);

\ir ../include/callers.sql
\set platform_admin_a '{"sub": "usr_pgtap_platform", "workspaces": {"ws_pgtap_a": "admin"}, "roles": ["platform_admin"]}'
\set platform_admin '{"sub": "usr_pgtap_platform", "workspaces": {}, "roles": ["platform_admin"]}'

\ir ../include/error_detail.sql

-- Definitions and privileges
select ok(array(select oid::regprocedure::text from pg_proc
                where pronamespace = 'api'::regnamespace)
          @> array['api.integration_create(jsonb,jsonb)', 'api.integration_delete(jsonb,text)',
                   'api.integration_patch(jsonb,text,jsonb,text)',
                   'api.integration_purge(jsonb,text)', 'api.integration_restore(jsonb,text)'],
          'lifecycle functions and their signatures');
select is((select count(*) from pg_proc
           where pronamespace = 'api'::regnamespace
             and not (prosecdef and proconfig = array['search_path=core, api, pg_temp'])),
          0::bigint,
          'api functions: security definer, fixed search_path');
select is((select count(*) from pg_proc
           where oid::regprocedure::text like 'api.integration\_%'
             and prorettype <> 'api.reply'::regtype),
          0::bigint,
          'integration functions return api.reply');
select is((select count(*) from pg_proc
           where pronamespace = 'api'::regnamespace
             and has_function_privilege('public', oid, 'execute')),
          0::bigint,
          'api functions: no execute for public');
select is((select count(*) from pg_proc
           where pronamespace = 'api'::regnamespace
             and not has_function_privilege('integrations_api', oid, 'execute')),
          0::bigint,
          'api functions: execute for integrations_api');
select is(core.etag('{"a": 1}'), '"' || md5('{"a": 1}') || '"', 'etag: quoted md5 of the JSON text');
select is(array[core.etag_matches(null, '"x"'), core.etag_matches(' * ', '"x"'),
                core.etag_matches('"y", "x"', '"x"'), core.etag_matches('W/"x"', '"x"'),
                core.etag_matches('"y"', '"x"')],
          array[true, true, true, false, false],
          'etag_matches: absent, *, one of a list; weak and other tags fail');

-- Create
select r.status as crm_status, r.body as crm_body, r.etag as crm_etag, r.body ->> 'id' as crm
from api.integration_create(:'owner_a',
                            '{"workspaceId": "ws_pgtap_a", "slug": "crm-sync", "name": "CRM sync"}') as r
\gset

select is(:crm_status, 201, 'create: 201');
select is(array(select jsonb_object_keys(:'crm_body'::jsonb) order by 1),
          array['authConfig', 'createdAt', 'createdBy', 'currentVersion', 'deletedAt', 'description',
                'iconUrl', 'id', 'manifest', 'name', 'publisher', 'retentionTier', 'slug', 'trustTier',
                'updatedAt', 'variablesSchema', 'visibility', 'workspaceId'],
          'create: exactly the 18 fields of the reference');
select is(:'crm_body'::jsonb - 'id' - 'createdAt' - 'updatedAt',
          '{"workspaceId": "ws_pgtap_a", "slug": "crm-sync", "name": "CRM sync", "description": null,
            "iconUrl": null, "publisher": null, "trustTier": "verified_publisher",
            "currentVersion": null, "manifest": {"members": []}, "variablesSchema": {},
            "authConfig": {"type": "none"}, "visibility": "private", "createdBy": "usr_pgtap_owner",
            "deletedAt": null, "retentionTier": "medium"}'::jsonb,
          'create: defaults, nulls as JSON null, createdBy is the caller');
select matches(:'crm'::text, '^int_[0-9a-f]{28}$', 'create: id shape');
select matches(:'crm_body'::jsonb ->> 'createdAt', '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$',
               'create: createdAt is ISO 8601 UTC with microseconds');
select is(:'crm_body'::jsonb ->> 'updatedAt', :'crm_body'::jsonb ->> 'createdAt',
          'create: updatedAt equals createdAt');
select is(:'crm_etag', '"' || md5(:'crm_body'::jsonb::text) || '"', 'create: ETag is the md5 of the body');

select r.body as full_body, r.body ->> 'id' as full
from api.integration_create(:'platform_admin_a',
                            '{"workspaceId": "ws_pgtap_a", "slug": "full", "name": "Full",
                              "description": "Everything set", "iconUrl": "https://example.com/i.png",
                              "publisher": "aeontel", "trustTier": "first_party",
                              "manifest": {"members": [{"slug": "m"}]},
                              "variablesSchema": {"type": "object"}, "authConfig": {"type": "oauth2"}}') as r
\gset
select is(:'full_body'::jsonb - 'id' - 'createdAt' - 'updatedAt' - 'workspaceId' - 'slug' - 'name'
          - 'currentVersion' - 'visibility' - 'createdBy' - 'deletedAt' - 'retentionTier',
          '{"description": "Everything set", "iconUrl": "https://example.com/i.png", "publisher": "aeontel",
            "trustTier": "first_party", "manifest": {"members": [{"slug": "m"}]},
            "variablesSchema": {"type": "object"}, "authConfig": {"type": "oauth2"}}'::jsonb,
          'create: every optional field is kept');

select is((api.integration_create(:'admin_a',
                                  '{"workspaceId": "ws_pgtap_a", "slug": "by-admin", "name": "x"}')).status,
          201, 'create: an admin may');
select throws_ok(format('select api.integration_create(%L, %L)', :'member_a',
                        '{"workspaceId": "ws_pgtap_a", "slug": "by-member", "name": "x"}'),
                 'IN403', null, 'create: a member may not');
select throws_ok(format('select api.integration_create(%L, %L)', :'viewer_a',
                        '{"workspaceId": "ws_pgtap_a", "slug": "by-viewer", "name": "x"}'),
                 'IN403', null, 'create: a viewer may not');
select throws_ok(format('select api.integration_create(%L, %L)', :'outsider',
                        '{"workspaceId": "ws_pgtap_a", "slug": "by-outsider", "name": "x"}'),
                 'IN403', null, 'create: no role in the workspace');
select throws_ok(format('select api.integration_create(%L, %L)', :'owner_a',
                        '{"workspaceId": "ws_pgtap_a", "slug": "tier", "name": "x", "trustTier": "vendor_official"}'),
                 'IN403', null, 'create: another trust tier needs platform_admin');
select is((api.integration_create(:'owner_a',
                                  '{"workspaceId": "ws_pgtap_a", "slug": "tier", "name": "x",
                                    "trustTier": "verified_publisher"}')).body ->> 'trustTier',
          'verified_publisher', 'create: the default trust tier is anyone''s');
select throws_ok(format('select api.integration_create(%L, %L)', :'admin_a',
                        '{"workspaceId": "ws_pgtap_a", "slug": "crm-sync", "name": "again"}'),
                 'IN409', null, 'create: slug taken in the workspace');
select is(pg_temp.error_detail(format('select api.integration_create(%L, %L)', :'admin_a',
                                      '{"workspaceId": "ws_pgtap_a", "slug": "crm-sync", "name": "again"}'))
          @? '$ ? (@.size() == 1 && @[0].path == "/slug" && @[0].message.type() == "string")',
          true, 'create: the conflict names /slug in its detail');
select is((api.integration_create(:'outsider',
                                  '{"workspaceId": "ws_pgtap_b", "slug": "crm-sync", "name": "x"}')).status,
          201, 'create: the same slug in another workspace');

-- Get and read scope
select is((select jsonb_build_object('status', status, 'body', body::jsonb, 'etag', etag)
           from core.integration_get(:'owner_a', :'crm')),
          jsonb_build_object('status', 200, 'body', :'crm_body'::jsonb, 'etag', :'crm_etag'),
          'get: 200, the created body and ETag');
select is((select status from core.integration_get(:'viewer_a', :'crm')), 200, 'get: any role in the workspace');
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'crm'),
                'get: private is hidden from other workspaces');
select is_empty(format('select * from core.integration_get(%L, %L)', :'owner_a', core.new_id('int_')),
                'get: unknown id');
select is_empty(format('select * from core.integration_get(%L, %L)', :'owner_a', 'not-an-id'),
                'get: malformed id');
update core.integrations set review_state = 'pending' where id = :'crm';
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'crm'),
                'get: a listing awaiting review is still hidden');
update core.integrations set review_state = null, visibility = 'public' where id = :'crm';
select is((select status from core.integration_get(:'outsider', :'crm')), 200, 'get: public');
update core.integrations set visibility = 'unlisted' where id = :'crm';
select is((select status from core.integration_get(:'outsider', :'crm')), 200, 'get: unlisted, by id');
update core.integrations set visibility = 'private' where id = :'crm';
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values (:'crm', 'ws_pgtap_b', 'usr_pgtap_owner');
select is((select status from core.integration_get(:'outsider', :'crm')), 200, 'get: granted to a workspace of the caller');
select is_empty(format('select * from core.integration_get(%L, %L)', :'platform_admin', :'full'),
                'get: a platform role alone does not read private integrations');

set local role integrations_api;
select is((select status from core.integration_get(:'owner_a', :'crm')), 200,
          'get: readable as integrations_api');
reset role;

-- Patch
select r.status as p1_status, r.body as p1_body, r.etag as p1_etag
from api.integration_patch(:'owner_a', :'crm', '{"name": "CRM sync 2"}', :'crm_etag') as r
\gset
select is(:p1_status, 200, 'patch: 200 with the current If-Match');
select is(:'p1_body'::jsonb ->> 'name', 'CRM sync 2', 'patch: name applied');
select is(:'p1_body'::jsonb - 'name' - 'updatedAt', :'crm_body'::jsonb - 'name' - 'updatedAt',
          'patch: absent keys untouched');
select ok(:'p1_body'::jsonb ->> 'updatedAt' > :'crm_body'::jsonb ->> 'updatedAt', 'patch: updatedAt moves');
select ok(:'p1_etag' <> :'crm_etag' and :'p1_etag' = '"' || md5(:'p1_body'::jsonb::text) || '"',
          'patch: a new ETag, the md5 of the new body');
select is((select etag from core.integration_get(:'owner_a', :'crm')), :'p1_etag', 'patch: get agrees on the ETag');

select throws_ok(format('select api.integration_patch(%L, %L, %L, %L)', :'owner_a', :'crm',
                        '{"name": "stale"}', :'crm_etag'),
                 'IN412', null, 'patch: a stale If-Match');
select throws_ok(format('select api.integration_patch(%L, %L, %L, %L)', :'owner_a', :'crm',
                        '{"name": "weak"}', 'W/' || :'p1_etag'),
                 'IN412', null, 'patch: a weak tag never matches');
select is((api.integration_patch(:'owner_a', :'crm', '{"name": "listed"}', '"0", ' || :'p1_etag')).status,
          200, 'patch: one tag of an If-Match list matches');
select is((api.integration_patch(:'owner_a', :'crm', '{"name": "any"}', '*')).status,
          200, 'patch: If-Match *');

select is((api.integration_patch(:'admin_a', :'crm',
                                 '{"description": "d", "iconUrl": "https://example.com/c.png"}', null)).body
          -> 'description', '"d"', 'patch: an admin may; no If-Match');
select is((select jsonb_build_object('description', body -> 'description', 'iconUrl', body -> 'iconUrl')
           from api.integration_patch(:'owner_a', :'crm', '{"description": null}', null)),
          '{"description": null, "iconUrl": "https://example.com/c.png"}',
          'patch: null clears description, iconUrl stays');
select is((select jsonb_build_object('manifest', body -> 'manifest', 'variablesSchema', body -> 'variablesSchema',
                                     'authConfig', body -> 'authConfig')
           from api.integration_patch(:'owner_a', :'crm',
                                      '{"manifest": {"members": [{"slug": "a"}]}, "variablesSchema": {"type": "object"},
                                        "authConfig": {"type": "api_key"}}', null)),
          '{"manifest": {"members": [{"slug": "a"}]}, "variablesSchema": {"type": "object"},
            "authConfig": {"type": "api_key"}}',
          'patch: manifest, variablesSchema and authConfig replaced');
select (select body::jsonb from core.integration_get(:'owner_a', :'crm')) as before_empty \gset
select is((api.integration_patch(:'owner_a', :'crm', '{}', null)).body - 'updatedAt',
          :'before_empty'::jsonb - 'updatedAt',
          'patch: an empty body changes nothing but updatedAt');

select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'member_a', :'crm', '{"name": "m"}'),
                 'IN403', null, 'patch: a member may not');
select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'viewer_a', :'crm', '{"name": "v"}'),
                 'IN403', null, 'patch: a viewer may not');
select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'outsider', :'crm', '{"name": "o"}'),
                 'IN403', null, 'patch: a grantee reads but may not edit');
select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'outsider', :'full', '{"name": "o"}'),
                 'IN404', null, 'patch: not readable');

select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'owner_a', :'crm',
                        '{"trustTier": "verified_partner"}'),
                 'IN403', null, 'patch: another trust tier needs platform_admin');
select is((api.integration_patch(:'platform_admin_a', :'crm', '{"trustTier": "verified_partner"}', null)).body
          ->> 'trustTier', 'verified_partner', 'patch: platform_admin sets a trust tier');
select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'platform_admin', :'full',
                        '{"trustTier": "vendor_official"}'),
                 'IN404', null, 'patch: platform_admin still needs to read the integration');
select is((api.integration_patch(:'owner_a', :'crm', '{"trustTier": "verified_partner", "name": "n"}', null)).status,
          200, 'patch: repeating the current trust tier is no change');
select is((api.integration_patch(:'owner_a', :'crm', '{"trustTier": "verified_publisher"}', null)).body
          ->> 'trustTier', 'verified_publisher', 'patch: back to the default trust tier');

-- Delete
select throws_ok(format('select api.integration_delete(%L, %L)', :'member_a', :'crm'),
                 'IN403', null, 'delete: a member may not');
select throws_ok(format('select api.integration_delete(%L, %L)', :'outsider', :'crm'),
                 'IN403', null, 'delete: a grantee may not');
select throws_ok(format('select api.integration_delete(%L, %L)', :'outsider', :'full'),
                 'IN404', null, 'delete: not readable');
select is((select to_jsonb(r) from api.integration_delete(:'owner_a', :'crm') as r),
          '{"status": 200, "body": {"success": true}, "etag": null, "location": null}',
          'delete: 200 {"success": true}');
select ok((select r.body::jsonb ->> 'deletedAt' = r.body::jsonb ->> 'updatedAt'
           from core.integration_get(:'viewer_a', :'crm') as r),
          'delete: the workspace still reads it, with deletedAt');
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'crm'),
                'delete: hidden from grantees');
update core.integrations set visibility = 'unlisted' where id = :'crm';
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'crm'),
                'delete: hidden even when unlisted');
select throws_ok(format('select api.integration_delete(%L, %L)', :'owner_a', :'crm'),
                 'IN409', null, 'delete: already deleted');
select throws_ok(format('select api.integration_delete(%L, %L)', :'outsider', :'crm'),
                 'IN404', null, 'delete: a deleted integration is not readable from outside');
select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'owner_a', :'crm', '{"name": "d"}'),
                 'IN409', null, 'patch: soft-deleted');
select throws_ok(format('select api.integration_patch(%L, %L, %L, %L)', :'owner_a', :'crm', '{"name": "d"}',
                        :'crm_etag'),
                 'IN409', null, 'patch: soft-deleted wins over a stale If-Match');
select throws_ok(format('select api.integration_patch(%L, %L, %L, null)', :'viewer_a', :'crm', '{"name": "d"}'),
                 'IN403', null, 'patch: a viewer of a soft-deleted integration may not');
select throws_ok(format('select api.integration_create(%L, %L)', :'owner_a',
                        '{"workspaceId": "ws_pgtap_a", "slug": "crm-sync", "name": "again"}'),
                 'IN409', null, 'create: a soft-deleted integration keeps its slug');

-- Restore
select throws_ok(format('select api.integration_restore(%L, %L)', :'owner_a', :'full'),
                 'IN409', null, 'restore: not deleted');
select throws_ok(format('select api.integration_restore(%L, %L)', :'viewer_a', :'crm'),
                 'IN403', null, 'restore: a viewer may not');
select throws_ok(format('select api.integration_restore(%L, %L)', :'outsider', :'crm'),
                 'IN404', null, 'restore: not readable');
select r.status as rs_status, r.body as rs_body, r.etag as rs_etag
from api.integration_restore(:'admin_a', :'crm') as r
\gset
select is(:rs_status, 200, 'restore: 200');
select is(:'rs_body'::jsonb -> 'deletedAt', 'null', 'restore: deletedAt cleared');
select is(:'rs_body'::jsonb, (select body::jsonb from core.integration_get(:'owner_a', :'crm')), 'restore: returns the integration');
select is(:'rs_etag', (select etag from core.integration_get(:'owner_a', :'crm')), 'restore: with its ETag');
select is((select status from core.integration_get(:'outsider', :'crm')), 200, 'restore: grantees read it again');

-- Purge
select r.body ->> 'id' as billing
from api.integration_create(:'owner_a', '{"workspaceId": "ws_pgtap_a", "slug": "billing", "name": "Billing"}') as r
\gset
insert into core.integration_versions (integration_id, version, manifest_snapshot, variables_schema_snapshot,
                                       auth_config_snapshot, published_by)
values (:'billing', '1.0.0', '{"members": []}', '{}', '{"type": "none"}', 'usr_pgtap_owner');
insert into core.integration_installs (integration_id, integration_version_id, workspace_id, solution_id,
                                       installed_by)
select :'billing', v.id, 'ws_pgtap_c', core.new_id('sol_'), 'usr_pgtap_c'
from core.integration_versions as v where v.integration_id = :'billing';
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values (:'billing', 'ws_pgtap_b', 'usr_pgtap_owner');

select throws_ok(format('select api.integration_purge(%L, %L)', :'owner_a', :'billing'),
                 'IN409', null, 'purge: not deleted');
select is((api.integration_delete(:'owner_a', :'billing')).status, 200,
          'delete: works while installs exist (they keep their pinned version)');
select throws_ok(format('select api.integration_purge(%L, %L)', :'viewer_a', :'billing'),
                 'IN403', null, 'purge: a viewer may not');
select throws_ok(format('select api.integration_purge(%L, %L)', :'outsider', :'billing'),
                 'IN404', null, 'purge: not readable');
select throws_ok(format('select api.integration_purge(%L, %L)', :'owner_a', :'billing'),
                 'INH09', null, 'purge: a live install pins a version');

update core.integration_installs set deleted_at = now() where integration_id = :'billing';

-- An install of another integration, in billing's solution, whose parent is billing's install.
select r.body ->> 'id' as other
from api.integration_create(:'owner_a', '{"workspaceId": "ws_pgtap_a", "slug": "other", "name": "Other"}') as r
\gset
insert into core.integration_versions (integration_id, version, manifest_snapshot, variables_schema_snapshot,
                                       auth_config_snapshot, published_by)
values (:'other', '1.0.0', '{"members": []}', '{}', '{"type": "none"}', 'usr_pgtap_owner');
insert into core.integration_installs (integration_id, integration_version_id, workspace_id, solution_id,
                                       installed_by, parent_install_id)
select :'other', v.id, 'ws_pgtap_c', p.solution_id, 'usr_pgtap_c', p.id
from core.integration_versions as v, core.integration_installs as p
where v.integration_id = :'other' and p.integration_id = :'billing';

select throws_ok(format('select api.integration_purge(%L, %L)', :'owner_a', :'billing'),
                 'INH09', null, 'purge: a live install is the child of one of its installs');

update core.integration_installs set deleted_at = now() where integration_id = :'other';

select is((select to_jsonb(r) from api.integration_purge(:'admin_a', :'billing') as r),
          '{"status": 200, "body": {"success": true}, "etag": null, "location": null}',
          'purge: 200 {"success": true}');
select is(array[(select count(*) from core.integrations where id = :'billing'),
                (select count(*) from core.integration_versions where integration_id = :'billing'),
                (select count(*) from core.integration_grants where integration_id = :'billing'),
                (select count(*) from core.integration_installs where integration_id = :'billing')],
          array[0, 0, 0, 0]::bigint[],
          'purge: integration, versions, grants and installs gone');
select is((select jsonb_build_object('versions', (select count(*) from core.integration_versions
                                                   where integration_id = :'other'),
                                     'parent', i.parent_install_id)
           from core.integration_installs as i where i.integration_id = :'other'),
          '{"versions": 1, "parent": null}',
          'purge: other integrations keep everything; an uninstalled child loses only its parent link');
select is(current_setting('integrations.purging'), 'off', 'purge: turns integrations.purging off again');
select is_empty(format('select * from core.integration_get(%L, %L)', :'owner_a', :'billing'),
                'purge: gone for its workspace too');

-- Version immutability
select throws_ok(format('update core.integration_versions set changelog = %L where integration_id = %L',
                        'rewritten', :'other'),
                 '23001', null, 'versions: no update');
select throws_ok(format('delete from core.integration_versions where integration_id = %L', :'other'),
                 '23001', null, 'versions: no delete outside purge');
-- The event triggers' work (deferred to commit) is done first: PostgreSQL refuses to
-- truncate a table with pending trigger events (55006) before its own triggers would run.
set constraints core.integration_versions_events immediate;
set constraints core.integration_versions_events deferred;
select throws_ok('truncate core.integration_installs, core.integration_versions cascade', '23001', null, 'versions: no truncate');
delete from core.integration_installs where integration_id = :'other';
set local integrations.purging = on;
select lives_ok(format('delete from core.integration_versions where integration_id = %L', :'other'),
                'versions: delete while purging');

select * from finish();
ROLLBACK;
