-- sql/schema/api/webhooks.sql: the webhook endpoints API (PRODUCT §15): create (secret format
-- and length, shown only by create and rotation), get, PATCH (If-Match, disabledReason),
-- rotation (the previous secret's 24 hours, a second rotation), test events, redelivery,
-- delete (its deliveries go with it), the fan-out of core.event_emit, role checks.
BEGIN;
select plan(56);

\set owner '{"sub": "usr_pgtap_wh_owner", "workspaces": {"ws_pgtap_wh": "owner"}}'
\set admin '{"sub": "usr_pgtap_wh_admin", "workspaces": {"ws_pgtap_wh": "admin"}}'
\set member '{"sub": "usr_pgtap_wh_m", "workspaces": {"ws_pgtap_wh": "member"}}'
\set viewer '{"sub": "usr_pgtap_wh_v", "workspaces": {"ws_pgtap_wh": "viewer"}}'
\set stranger '{"sub": "usr_pgtap_wh_x", "workspaces": {"ws_pgtap_wh_other": "owner"}}'

\ir ../include/error_detail.sql

-- Create.
select r.status as cst, r.body as ep, r.etag as cetag, r.location as cloc
from api.webhook_endpoint_create(:'owner', '{"workspaceId": "ws_pgtap_wh", "url": "https://hooks.example.com/a",
                                             "eventTypes": ["integration.created", "install.created"],
                                             "description": "pgTAP"}') as r \gset
select :'ep'::jsonb ->> 'id' as eid, :'ep'::jsonb ->> 'secret' as secret1 \gset
select is(:'cst'::int, 201, 'create: 201');
select ok(:'eid' ~ '^whe_[0-9a-f]{28}$', 'create: a whe_ id');
select is(:'cloc', '/api/webhook-endpoints/' || :'eid', 'create: location /api/webhook-endpoints/{id}');
select ok(:'secret1' ~ '^whsec_[A-Za-z0-9+/]{43}=$', 'create: secret whsec_ + standard base64');
select is(length(:'secret1') - length('whsec_'), 44, 'create: the base64 of 32 bytes is 44 characters');
select is(length(decode(substr(:'secret1', 7), 'base64')), 32, 'create: the secret decodes to 32 bytes');
select is((select secret from core.webhook_endpoints where id = :'eid'), :'secret1', 'create: the secret stored is the one shown');
select is((select previous_secret from core.webhook_endpoints where id = :'eid'), null, 'create: no previous secret');
select is(array(select jsonb_object_keys(:'ep'::jsonb) order by 1),
          array['createdAt', 'description', 'disabledReason', 'enabled', 'eventTypes', 'id', 'secret',
                'updatedAt', 'url', 'workspaceId'],
          'create: the representation and the secret');
select is(:'ep'::jsonb -> 'eventTypes', '["integration.created", "install.created"]', 'create: eventTypes');
select is((:'ep'::jsonb ->> 'enabled')::boolean, true, 'create: enabled by default');
select is(:'ep'::jsonb ->> 'createdAt', :'ep'::jsonb ->> 'updatedAt', 'create: updatedAt is createdAt');
select is((select created_by from core.webhook_endpoints where id = :'eid'), 'usr_pgtap_wh_owner', 'create: created_by is the caller');
select is(:'cetag', core.etag(:'ep'::jsonb - 'secret'), 'create: the ETag is of the representation without the secret');
select isnt((api.webhook_endpoint_create(:'owner', '{"workspaceId": "ws_pgtap_wh", "url": "https://hooks.example.com/b"}')).body ->> 'secret',
            :'secret1', 'create: every endpoint has its own secret');
select is((api.webhook_endpoint_create(:'admin', '{"workspaceId": "ws_pgtap_wh", "url": "https://hooks.example.com/c", "eventTypes": null}')).body -> 'eventTypes',
          'null'::jsonb, 'create: an admin may; eventTypes null is every type');
select is(pg_temp.error_of($$select api.webhook_endpoint_create('{"sub": "usr_m", "workspaces": {"ws_pgtap_wh": "member"}}',
                                                                '{"workspaceId": "ws_pgtap_wh", "url": "https://x.example/"}')$$),
          'IN403', 'create: a member may not');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_create(%L, '{"workspaceId": "ws_pgtap_wh", "url": "https://x.example/"}')$$, :'stranger')),
          'IN403', 'create: another workspace''s owner may not');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_create(%L, '{"workspaceId": "ws_pgtap_wh", "url": "https://x.example/", "eventTypes": ["install.created", "webhook.test"]}')$$, :'owner')),
          'IN422', 'create: webhook.test is not subscribable');
select is(pg_temp.error_detail(format($$select api.webhook_endpoint_create(%L, '{"workspaceId": "ws_pgtap_wh", "url": "https://x.example/", "eventTypes": ["install.created", "webhook.test"]}')$$, :'owner')),
          '[{"path": "/eventTypes/1", "message": "webhook.test cannot be subscribed to"}]', 'create: the 422 points at the item');

-- Get and access.
select is((api.webhook_endpoint_get(:'owner', :'eid')).body, :'ep'::jsonb - 'secret', 'get: the representation, no secret');
select is((api.webhook_endpoint_get(:'owner', :'eid')).etag, :'cetag', 'get: the same ETag');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_get(%L, %L)$$, :'member', :'eid')), 'IN403', 'get: a member gets 403');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_get(%L, %L)$$, :'viewer', :'eid')), 'IN403', 'get: a viewer gets 403');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_get(%L, %L)$$, :'stranger', :'eid')), 'IN404', 'get: no role is 404');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_get(%L, 'whe_00000000000000000000000000ff')$$, :'owner')), 'IN404', 'get: no such endpoint is 404');

-- PATCH.
select is(pg_temp.error_of(format($$select api.webhook_endpoint_patch(%L, %L, '{"description": "x"}', '"00000000000000000000000000000000"')$$, :'owner', :'eid')),
          'IN412', 'patch: a stale If-Match is 412');
select r.body as p1, r.etag as p1etag from api.webhook_endpoint_patch(:'owner', :'eid', '{"url": "https://hooks.example.com/z", "eventTypes": null, "description": null}', :'cetag') as r \gset
select is(:'p1'::jsonb ->> 'url', 'https://hooks.example.com/z', 'patch: url');
select is(:'p1'::jsonb -> 'eventTypes', 'null'::jsonb, 'patch: eventTypes null is every type');
select is(:'p1'::jsonb -> 'description', 'null'::jsonb, 'patch: description null clears it');
select isnt(:'p1etag'::text, :'cetag'::text, 'patch: a new ETag');
select ok(not (:'p1'::jsonb ? 'secret'), 'patch: no secret');
update core.webhook_endpoints set enabled = false, disabled_reason = 'receiver answered 410' where id = :'eid';
select is((api.webhook_endpoint_patch(:'owner', :'eid', '{"description": "d"}', null)).body ->> 'disabledReason',
          'receiver answered 410', 'patch: the service''s reason stays while disabled');
select is((api.webhook_endpoint_patch(:'owner', :'eid', '{"enabled": true}', null)).body -> 'disabledReason',
          'null'::jsonb, 'patch: enabling clears disabledReason');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_patch(%L, %L, '{"enabled": false}', null)$$, :'member', :'eid')),
          'IN403', 'patch: a member may not');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_patch(%L, %L, '{"eventTypes": ["webhook.test"]}', null)$$, :'owner', :'eid')),
          'IN422', 'patch: webhook.test is not subscribable');

-- Rotation.
select r.status as rst, r.body ->> 'secret' as secret2 from api.webhook_endpoint_rotate_secret(:'owner', :'eid') as r \gset
select is(:'rst'::int, 200, 'rotate: 200');
select ok(:'secret2' ~ '^whsec_[A-Za-z0-9+/]{43}=$' and :'secret2' <> :'secret1', 'rotate: a new secret');
select is((select array[secret, previous_secret] from core.webhook_endpoints where id = :'eid'),
          array[:'secret2', :'secret1'], 'rotate: the old secret becomes the previous one');
select ok((select previous_secret_expires_at between now() + interval '23 hours 59 minutes' and clock_timestamp() + interval '24 hours'
           from core.webhook_endpoints where id = :'eid'), 'rotate: the previous secret signs for 24 hours');
select r.body ->> 'secret' as secret3 from api.webhook_endpoint_rotate_secret(:'admin', :'eid') as r \gset
select is((select array[secret, previous_secret] from core.webhook_endpoints where id = :'eid'),
          array[:'secret3', :'secret2'], 'rotate again within 24 hours: the current one replaces the previous one');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_rotate_secret(%L, %L)$$, :'viewer', :'eid')),
          'IN403', 'rotate: a viewer may not');

-- Test events: to this endpoint only, whatever its eventTypes.
select r.body as other from api.webhook_endpoint_create(:'owner', '{"workspaceId": "ws_pgtap_wh", "url": "https://hooks.example.com/o"}') as r \gset
select api.webhook_endpoint_patch(:'owner', :'eid', '{"eventTypes": ["rollout.halted"]}', null) is not null as p2 \gset
select r.status as tst, r.body as t1, r.location as tloc from api.webhook_endpoint_test(:'owner', :'eid') as r \gset
select is(:'tst'::int, 202, 'test: 202');
select is(:'tloc', '/api/webhook-deliveries/' || (:'t1'::jsonb ->> 'id'), 'test: location of the delivery');
select is((select array[type, workspace_id, coalesce(sequence::text, 'none'), data ->> 'endpointId']
           from core.events where id = :'t1'::jsonb ->> 'eventId'),
          array['webhook.test', 'ws_pgtap_wh', 'none', :'eid'], 'test: a webhook.test event without sequence');
select is((select array_agg(endpoint_id) from core.webhook_deliveries where event_id = :'t1'::jsonb ->> 'eventId'),
          array[:'eid'], 'test: delivered to this endpoint only');
select is(:'t1'::jsonb ->> 'state', 'pending', 'test: the delivery is pending');
update core.webhook_endpoints set enabled = false where id = :'other'::jsonb ->> 'id';
select is(pg_temp.error_of(format($$select api.webhook_endpoint_test(%L, %L)$$, :'owner', :'other'::jsonb ->> 'id')),
          'IN409', 'test: a disabled endpoint is 409');

-- Redeliver.
update core.webhook_deliveries set state = 'delivered', next_attempt_at = null, delivered_at = now(), attempts = 1, last_status = 200
where id = :'t1'::jsonb ->> 'id';
select r.status as dst, r.body as d2 from api.webhook_delivery_redeliver(:'owner', :'t1'::jsonb ->> 'id') as r \gset
select is(:'dst'::int, 202, 'redeliver: 202, whatever the state');
select ok(:'d2'::jsonb ->> 'id' <> :'t1'::jsonb ->> 'id' and :'d2'::jsonb ->> 'eventId' = :'t1'::jsonb ->> 'eventId'
          and :'d2'::jsonb ->> 'state' = 'pending', 'redeliver: a new pending delivery of the same event');
select is(pg_temp.error_of(format($$select api.webhook_delivery_redeliver(%L, %L)$$, :'member', :'t1'::jsonb ->> 'id')),
          'IN403', 'redeliver: a member may not');
select is(pg_temp.error_of(format($$select api.webhook_delivery_redeliver(%L, %L)$$, :'stranger', :'t1'::jsonb ->> 'id')),
          'IN404', 'redeliver: another workspace gets 404');

-- core.event_emit's fan-out: enabled endpoints that take the type.
select (core.event_emit('ws_pgtap_wh', 'rollout.halted', '{"rolloutId": "rol_x"}')).id as ev \gset
select is((select array_agg(endpoint_id order by endpoint_id) from core.webhook_deliveries where event_id = :'ev'),
          (select array_agg(id order by id) from core.webhook_endpoints
           where workspace_id = 'ws_pgtap_wh' and enabled and (event_types is null or 'rollout.halted' = any (event_types))),
          'fan-out: one delivery per enabled endpoint that takes the type');

-- Delete: its deliveries go with it.
select r.status as xst from api.webhook_endpoint_delete(:'owner', :'eid') as r \gset
select is(:'xst'::int, 200, 'delete: 200 {"success": true}');
select is((select count(*) from core.webhook_deliveries where endpoint_id = :'eid'), 0::bigint, 'delete: its deliveries are gone');
select is(pg_temp.error_of(format($$select api.webhook_endpoint_delete(%L, %L)$$, :'owner', :'eid')), 'IN404', 'delete: then 404');

select * from finish();
ROLLBACK;
