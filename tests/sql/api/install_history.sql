-- sql/schema/api/install_history.sql and api/rollback.sql: operations written by every kind
-- (actor, requestId, idempotencyKey), seq and the hash chain, the append-only triggers,
-- verify (and a tampered row), GET of an operation, rollback to several points, purge.
BEGIN;
select plan(44);

\set author '{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}'
\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_dst": "owner"}, "requestId": "req_a", "idempotencyKey": "key_a"}'
\set plain '{"sub": "usr_pgtap_plain", "workspaces": {"ws_pgtap_dst": "member"}}'
\set rollout '{"sub": "usr_pgtap_owner", "actor": "rollout:rol_0123", "workspaces": {"ws_pgtap_dst": "owner"}}'
\set viewer '{"sub": "usr_pgtap_viewer", "workspaces": {"ws_pgtap_dst": "viewer"}}'
\set outsider '{"sub": "usr_pgtap_out", "workspaces": {"ws_pgtap_out": "owner"}}'

\ir ../include/error_detail.sql
\ir ../include/install_fixtures.sql

select pg_temp.entity('ha', '{"x": 1, "y": 1}') as a, pg_temp.entity('hb', '{"b": 1}') as b,
       pg_temp.entity('hc', '{"c": 1}') as c
\gset
select pg_temp.integration('pgtap-history') as int \gset
select pg_temp.publish(:'int', '1.0.0', jsonb_build_array(pg_temp.m('ha', :'a'), pg_temp.m('hb', :'b'))) as v1 \gset

-- op 1: install
select (api.integration_install(:'owner', :'int', '{"workspaceId": "ws_pgtap_dst"}')).body ->> 'id' as inst \gset
select pg_temp.members(:'inst') -> 'ha' ->> 'entityId' as a_c, pg_temp.members(:'inst') -> 'ha' ->> 'id' as a_m,
       pg_temp.members(:'inst') -> 'hb' ->> 'entityId' as b_c
\gset
select id as op1 from core.install_operations where install_id = :'inst' and seq = 1 \gset
select is((select jsonb_build_object('kind', kind, 'actor', actor, 'requestId', request_id,
                                     'idempotencyKey', idempotency_key, 'from', from_version_id,
                                     'to', to_version_id, 'prev', prev_hash)
           from core.install_operations where id = :'op1'),
          jsonb_build_object('kind', 'install', 'actor', 'usr_pgtap_owner', 'requestId', 'req_a',
                             'idempotencyKey', 'key_a', 'from', null, 'to', :'v1', 'prev', null),
          'install: an install operation, seq 1, with actor, requestId, idempotencyKey');
select is((select result from core.install_operations where id = :'op1'),
          '{"updated": [], "added": ["ha", "hb"], "removed": [], "skipped": [], "merged": [], "conflicts": []}',
          'install: its result');

-- op 2: upgrade to v2 (c added, b removed, a changed upstream) after a subscriber edit of a
select api.entity_patch(:'owner', :'a_c', '{"definition": {"x": 1, "y": 5}}') is not null as e1 \gset
select pg_temp.edit(:'a', '{"x": 2, "y": 1}');
select pg_temp.publish(:'int', '2.0.0', jsonb_build_array(pg_temp.m('ha', :'a'), pg_temp.m('hc', :'c'))) as v2 \gset
select (api.install_upgrade(:'plain', :'inst', null)).body ->> 'operationId' as op2 \gset
select pg_temp.members(:'inst') -> 'hc' ->> 'entityId' as c_c \gset
select is(pg_temp.definition(:'a_c'), '{"x": 2, "y": 5}', 'upgrade: merged');
select is((select jsonb_build_object('kind', kind, 'actor', actor, 'requestId', request_id,
                                     'idempotencyKey', idempotency_key, 'from', from_version_id, 'to', to_version_id, 'seq', seq)
           from core.install_operations where id = :'op2'),
          jsonb_build_object('kind', 'upgrade', 'actor', 'usr_pgtap_plain', 'requestId', null,
                             'idempotencyKey', null, 'from', :'v1', 'to', :'v2', 'seq', 2),
          'upgrade: an upgrade operation, seq 2; requestId and idempotencyKey null when the caller has none');

-- op 3: another subscriber edit, then an upgrade by a rollout to v3 (c changes)
select api.entity_patch(:'owner', :'a_c', '{"definition": {"x": 2, "y": 6}}') is not null as e2 \gset
select pg_temp.edit(:'c', '{"c": 3}');
select pg_temp.publish(:'int', '3.0.0', jsonb_build_array(pg_temp.m('ha', :'a'), pg_temp.m('hc', :'c'))) as v3 \gset
select (api.install_upgrade(:'rollout', :'inst', null)).body ->> 'operationId' as op3 \gset
select is((select actor from core.install_operations where id = :'op3'), 'rollout:rol_0123',
          'upgrade: caller.actor wins over sub (rollouts)');
select is(pg_temp.definition(:'a_c'), '{"x": 2, "y": 6}', 'upgrade: upstream = base, the edit stays');

-- ops 4, 5: detach and attach c
select api.install_member_detach(:'owner', pg_temp.members(:'inst') -> 'hc' ->> 'id', '{"detached": true}') is not null as d1,
       api.install_member_detach(:'owner', pg_temp.members(:'inst') -> 'hc' ->> 'id', '{"detached": false}') is not null as d2
\gset
select is(array(select kind from core.install_operations where install_id = :'inst' order by seq),
          array['install', 'upgrade', 'upgrade', 'detach', 'attach'], 'detach and attach are operations');
select is((select result ->> 'memberId' from core.install_operations where install_id = :'inst' and seq = 4),
          pg_temp.members(:'inst') -> 'hc' ->> 'id', 'detach: result names the member');

-- The chain
select is((select count(*) from (select seq, prev_hash, lag(hash) over (order by seq) as before,
                                        row_number() over (order by seq) as n
                                 from core.install_operations where install_id = :'inst') as o
           where o.prev_hash is distinct from o.before or o.seq <> o.n), 0::bigint,
          'chain: seq 1, 2, … and prev_hash = the previous hash');
select is((select count(*) from core.install_operations as o where install_id = :'inst'
           and o.hash <> encode(sha256(convert_to(coalesce(o.prev_hash, '') ||
                                                  ((core.install_operation_json(o) - 'hash')
                                                   || jsonb_build_object('seq', o.seq, 'stateHash', o.state_hash))::text, 'UTF8')), 'hex')),
          0::bigint, 'chain: hash = sha256(prevHash || canonical JSON without hash, with seq and stateHash)');
select is((api.install_operations_verify(:'viewer', :'inst')).body,
          '{"valid": true, "operations": 5, "firstBrokenId": null}', 'verify: valid, for a reader');
select throws_ok(format('select api.install_operations_verify(%L, %L)', :'outsider', :'inst'), 'IN404', null,
                 'verify: hidden from other workspaces');

-- GET
select is(array(select jsonb_object_keys((api.install_operation_get(:'viewer', :'op2')).body) order by 1),
          array['actor', 'createdAt', 'fromVersionId', 'hash', 'id', 'idempotencyKey', 'installId', 'kind',
                'prevHash', 'requestId', 'result', 'toVersionId'], 'get: the 12 fields');
select is((api.install_operation_get(:'viewer', :'op2')).body ->> 'prevHash',
          (select hash from core.install_operations where id = :'op1'), 'get: prevHash');
select throws_ok(format('select api.install_operation_get(%L, %L)', :'outsider', :'op2'), 'IN404', null,
                 'get: hidden from other workspaces');
select throws_ok(format('select api.install_operation_get(%L, %L)', :'viewer', core.new_id('iop_')), 'IN404', null,
                 'get: unknown');

-- Append-only, even for the superuser the tests run as
select throws_ok(format('update core.install_operations set actor = %L where id = %L', 'x', :'op1'), 'IN409', null,
                 'append-only: UPDATE refused');
select throws_ok(format('delete from core.install_operations where id = %L', :'op1'), 'IN409', null,
                 'append-only: DELETE refused');
-- The event triggers' work (deferred to commit) is done first: PostgreSQL refuses to
-- truncate a table with pending trigger events (55006) before its own triggers would run.
set constraints core.install_operations_events immediate;
set constraints core.install_operations_events deferred;
select throws_ok('truncate core.install_operations', 'IN409', null, 'append-only: TRUNCATE refused');
select ok((select rolsuper from pg_roles where rolname = current_user), 'append-only: as a superuser');

-- Rollback to op 1: version, a's content of then, c (added since) removed, b (removed since) back
select r.body as rb1 from api.install_rollback(:'owner', :'inst', jsonb_build_object('operationId', :'op1')) as r \gset
select is(:'rb1'::jsonb - 'operationId',
          '{"updated": ["ha"], "added": ["hb"], "removed": ["hc"], "skipped": [], "merged": [], "conflicts": []}',
          'rollback to install: answers like an upgrade');
select is((select integration_version_id from core.integration_installs where id = :'inst'), :'v1', 'rollback: the version of then');
select is(pg_temp.definition(:'a_c'), '{"x": 1, "y": 1}', 'rollback: a''s content of then');
select is(pg_temp.members(:'inst') -> 'ha' ->> 'locallyModified', 'false', 'rollback: a''s base of then');
select is((select deleted_at is null from core.entities where id = :'b_c'), true, 'rollback: b''s clone restored');
select is(pg_temp.members(:'inst') ? 'hb' and not pg_temp.members(:'inst') ? 'hc', true, 'rollback: b back, c removed');
select is((select deleted_at is not null from core.entities where id = :'c_c'), true, 'rollback: c''s clone soft-deleted');
select is((select jsonb_build_object('kind', kind, 'from', from_version_id, 'to', to_version_id)
           from core.install_operations where id = :'rb1'::jsonb ->> 'operationId'),
          jsonb_build_object('kind', 'rollback', 'from', :'v3', 'to', :'v1'), 'rollback: a rollback operation');

-- Rollback to op 2: the subscriber's edit of that time, c back, b removed
select r.body as rb2 from api.install_rollback(:'owner', :'inst', jsonb_build_object('operationId', :'op2')) as r \gset
select is(:'rb2'::jsonb - 'operationId',
          '{"updated": ["ha"], "added": ["hc"], "removed": ["hb"], "skipped": [], "merged": [], "conflicts": []}',
          'rollback to the first upgrade');
select is(pg_temp.definition(:'a_c'), '{"x": 2, "y": 5}', 'rollback: the merged content of then, edit included');
select is(pg_temp.definition(:'c_c'), '{"c": 1}', 'rollback: c comes back with its content of then');
select is(pg_temp.members(:'inst') -> 'ha' ->> 'locallyModified', 'true', 'rollback: still locally modified (base of then)');
select is((select integration_version_id from core.integration_installs where id = :'inst'), :'v2', 'rollback: v2');

-- Detached members are skipped
select api.install_member_detach(:'owner', :'a_m', '{"detached": true}') is not null as d3 \gset
select is((api.install_rollback(:'owner', :'inst', jsonb_build_object('operationId', :'op1'))).body -> 'skipped',
          '["ha"]', 'rollback: a detached member is skipped');
select is(pg_temp.definition(:'a_c'), '{"x": 2, "y": 5}', 'rollback: the detached clone keeps its content');

-- Errors
select pg_temp.integration('pgtap-history-2') as int2 \gset
select pg_temp.publish(:'int2', '1.0.0', jsonb_build_array(pg_temp.m('hb', :'b'))) as w1 \gset
select (api.integration_install(:'owner', :'int2', '{"workspaceId": "ws_pgtap_dst"}')).body ->> 'id' as inst2 \gset
select id as op_other from core.install_operations where install_id = :'inst2' \gset
select is(pg_temp.error_detail(format('select api.install_rollback(%L, %L, %L)', :'owner', :'inst',
                                      jsonb_build_object('operationId', :'op_other'))),
          '[{"path": "/operationId", "message": "is not an operation of this install"}]',
          'rollback: an operation of another install → 422');
select throws_ok(format('select api.install_rollback(%L, %L, %L)', :'owner', :'inst',
                        jsonb_build_object('operationId', core.new_id('iop_'))), 'IN422', null,
                 'rollback: an unknown operation → 422');
select throws_ok(format('select api.install_rollback(%L, %L, %L)', :'viewer', :'inst',
                        jsonb_build_object('operationId', :'op1')), 'IN403', null, 'rollback: a viewer may not');
select is((api.install_operations_verify(:'viewer', :'inst')).body ->> 'valid', 'true', 'verify: still valid after rollbacks');

-- Uninstall and purge keep the history
select (api.install_delete(:'owner', :'inst2')).status as del \gset
select is((select kind from core.install_operations where install_id = :'inst2' order by seq desc limit 1), 'uninstall',
          'uninstall: an operation');
select throws_ok(format('select api.install_rollback(%L, %L, %L)', :'owner', :'inst2',
                        jsonb_build_object('operationId', :'op_other')), 'IN409', null,
                 'rollback: an uninstalled install → IN409, as upgrade');
select api.integration_delete(:'author', :'int2') is not null as deleted \gset
select is((api.integration_purge(:'author', :'int2')).status, 200, 'purge');
select is((select count(*) from core.install_operations where install_id = :'inst2'), 2::bigint,
          'purge: the history stays');

-- Tampering shows (the trigger disabled inside this transaction, as a superuser could; the
-- event triggers' pending work done first, as for the TRUNCATE above)
set constraints core.install_operations_events immediate;
set constraints core.install_operations_events deferred;
alter table core.install_operations disable trigger install_operations_append_only;
update core.install_operations set actor = 'someone else' where id = :'op2';
alter table core.install_operations enable trigger install_operations_append_only;
select is((api.install_operations_verify(:'viewer', :'inst')).body,
          jsonb_build_object('valid', false, 'operations', 9, 'firstBrokenId', :'op2'),
          'verify: a tampered row → valid false, firstBrokenId');

select * from finish();
ROLLBACK;
