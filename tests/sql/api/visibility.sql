-- sql/schema/api/visibility.sql: visibility, the review of public listings, grants; which
-- workspaces may read (and so install) an integration.
BEGIN;
select plan(23);

\ir ../include/callers.sql

\ir ../include/error_detail.sql

-- The integration whose visibility and grants change: a draft of ws_pgtap_a.
select (api.integration_create(:'owner_a', '{"workspaceId": "ws_pgtap_a", "slug": "suite", "name": "Suite"}')).body ->> 'id' as suite
\gset

-- Visibility and review
select is((api.integration_set_visibility(:'owner_a', :'suite', '{"visibility": "public"}'))::text,
          (select (202, jsonb_build_object('id', :'suite', 'visibility', 'private', 'reviewState', 'pending'), null, null)::api.reply::text),
          'visibility: public waits for review (202)');
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'suite'),
                'visibility: pending is still private');
select throws_ok(format('select api.integration_review(%L, %L, %L)', :'owner_a', :'suite', '{"decision": "approve"}'),
                 'IN403', null, 'review: needs platform_reviewer');
select throws_ok(format('select api.integration_review(%L, %L, %L)', :'outsider', :'suite', '{"decision": "approve"}'),
                 'IN404', null, 'review: hidden from non-reviewers who cannot read it');
update core.integrations set created_by = 'usr_pgtap_reviewer' where id = :'suite';
select throws_ok(format('select api.integration_review(%L, %L, %L)', :'reviewer', :'suite', '{"decision": "approve"}'),
                 'IN403', null, 'review: not one''s own');
update core.integrations set created_by = 'usr_pgtap_owner' where id = :'suite';
select is((api.integration_review(:'reviewer', :'suite', '{"decision": "approve"}')).body,
          jsonb_build_object('id', :'suite', 'visibility', 'public', 'reviewState', null),
          'review: approve makes it public');
select is((select status from core.integration_get(:'outsider', :'suite')), 200, 'review: public is readable by all');
select throws_ok(format('select api.integration_review(%L, %L, %L)', :'reviewer', :'suite', '{"decision": "reject"}'),
                 'IN409', null, 'review: nothing pending');
select is((api.integration_set_visibility(:'admin_a', :'suite', '{"visibility": "private"}')).body ->> 'visibility',
          'private', 'visibility: private applies at once');
select throws_ok(format('select api.integration_set_visibility(%L, %L, %L)', :'member_a', :'suite', '{"visibility": "unlisted"}'),
                 'IN403', null, 'visibility: a member may not');

-- Grants
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'suite'),
                'grants: private and not granted');
select is((api.integration_grant_create(:'owner_a', :'suite', '{"workspaceId": "ws_pgtap_b"}')).body - 'createdAt',
          jsonb_build_object('integrationId', :'suite', 'workspaceId', 'ws_pgtap_b', 'grantedBy', 'usr_pgtap_owner'),
          'grants: create');
select is((api.integration_members_preview(:'outsider', :'suite')).status, 200, 'grants: the grantee reads');
select throws_ok(format('select api.integration_grant_create(%L, %L, %L)', :'owner_a', :'suite', '{"workspaceId": "ws_pgtap_b"}'),
                 'IN409', null, 'grants: twice');
select throws_ok(format('select api.integration_grant_create(%L, %L, %L)', :'owner_a', :'suite', '{"workspaceId": "ws_pgtap_a"}'),
                 'IN422', null, 'grants: not to the source workspace');
select throws_ok(format('select api.integration_grant_list(%L, %L)', :'outsider', :'suite'),
                 'IN403', null, 'grants: a grantee does not list them');
select is(jsonb_path_query_array((api.integration_grant_list(:'viewer_a', :'suite')).body, '$.data[*].workspaceId'),
          '["ws_pgtap_b"]', 'grants: the source workspace lists them');
select is((api.integration_grant_delete(:'admin_a', :'suite', 'ws_pgtap_b')).body, '{"success": true}',
          'grants: delete');
select throws_ok(format('select api.integration_grant_delete(%L, %L, %L)', :'owner_a', :'suite', 'ws_pgtap_b'),
                 'IN404', null, 'grants: delete an absent grant');
select is_empty(format('select * from core.integration_get(%L, %L)', :'outsider', :'suite'),
                'grants: withdrawn');

set local role integrations_api;
select lives_ok(format('select api.integration_members_preview(%L, %L)', :'owner_a', :'suite'),
                'callable as integrations_api');
reset role;

-- Destination workspace (core.integration_readable_by_workspace): which workspaces may read, and
-- so install, an integration.
insert into core.integrations (id, workspace_id, slug, name, created_by)
values ('int_00000000000000000000000000d1', 'ws_pgtap_src', 'dest-rule', 'D', 'usr_pgtap_author');
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values ('int_00000000000000000000000000d1', 'ws_pgtap_granted', 'usr_pgtap_author');
select is(array(select w from unnest(array['ws_pgtap_src', 'ws_pgtap_granted', 'ws_pgtap_other']) as w
                where core.integration_readable_by_workspace(i, w)),
          array['ws_pgtap_src', 'ws_pgtap_granted'],
          'private: the source workspace and grantees only')
from core.integrations as i where i.id = 'int_00000000000000000000000000d1';
update core.integrations set visibility = 'unlisted' where id = 'int_00000000000000000000000000d1';
select is(array(select w from unnest(array['ws_pgtap_src', 'ws_pgtap_granted', 'ws_pgtap_other']) as w
                where core.integration_readable_by_workspace(i, w)),
          array['ws_pgtap_src', 'ws_pgtap_granted', 'ws_pgtap_other'], 'unlisted: every workspace')
from core.integrations as i where i.id = 'int_00000000000000000000000000d1';

select * from finish();
ROLLBACK;
