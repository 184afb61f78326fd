-- sql/schema/core/callers.sql: the caller helpers.
BEGIN;
select plan(14);

\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_a": "owner", "ws_pgtap_b": "viewer"}, "roles": ["platform_admin"]}'

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

select * from finish();
ROLLBACK;
