-- sql/schema/core/webhook_deliveries.sql: the body and signature of a webhook (Standard
-- Webhooks 1.0), the delivery processes' claim and the recording of their results.
BEGIN;
select plan(33);

-- Compact JSON: no white space outside strings, jsonb's key order, jsonb's escapes.
select is(core.json_compact('{"b": [1, "x, y: z", 2.50], "a": {"c": null, "dd": true}, "e": {}, "f": []}'),
          '{"a":{"c":null,"dd":true},"b":[1,"x, y: z",2.50],"e":{},"f":[]}',
          'json_compact: no insignificant white space');
select is(core.json_compact('{"q": "say \"hi\"\\n", "ü": "ø"}'), '{"q":"say \"hi\"\\n","ü":"ø"}',
          'json_compact: strings escaped as JSON, UTF-8 kept');
select is(core.json_compact('{"n": [[], [[1]]]}')::jsonb, '{"n": [[], [[1]]]}'::jsonb,
          'json_compact: the same document');

-- The reference vector of the Standard Webhooks specification.
select is(core.webhook_signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
                                 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
          'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
          'webhook_signature: the Standard Webhooks reference signature');

-- Fixture: an enabled endpoint in rotation, a disabled one, one event each way.
insert into core.webhook_endpoints (id, workspace_id, url, secret, previous_secret,
                                    previous_secret_expires_at, created_by)
values ('whe_' || repeat('a', 28), 'ws_pgtap_whd', 'https://hooks.example/a',
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_' || encode(repeat('k', 32)::bytea, 'base64'),
        now() + interval '1 hour', 'usr_pgtap');
insert into core.webhook_endpoints (id, workspace_id, url, secret, enabled, created_by)
values ('whe_' || repeat('b', 28), 'ws_pgtap_whd', 'https://hooks.example/b',
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false, 'usr_pgtap');
create temp table ev as select * from core.event_emit('ws_pgtap_whd', 'install.created', '{"x": [1, 2]}');
select is((select count(*) from core.webhook_deliveries where event_id = (select id from ev)), 1::bigint,
          'event_emit: one delivery, to the enabled endpoint');
insert into core.webhook_deliveries (id, endpoint_id, event_id, next_attempt_at)
values ('whd_' || repeat('b', 28), 'whe_' || repeat('b', 28), (select id from ev), now() - interval '1 day');
-- Due before anything the rest of the database holds.
update core.webhook_deliveries set next_attempt_at = '2000-01-01'
where event_id = (select id from ev) and endpoint_id = 'whe_' || repeat('a', 28);
create temp table d as select id from core.webhook_deliveries
where event_id = (select id from ev) and endpoint_id = 'whe_' || repeat('a', 28);

create temp table c1 as
select * from core.webhook_delivery_claim('pgtap-a', interval '30 seconds', 1000)
where delivery_id in (select id from d union all select 'whd_' || repeat('b', 28));
select is((select count(*) from c1), 1::bigint, 'claim: the due delivery of the enabled endpoint only');
select is((select url from c1), 'https://hooks.example/a', 'claim: the url');
select is((select webhook_id from c1), (select id from ev), 'claim: webhook-id is the event id');
select ok((select abs(webhook_timestamp - extract(epoch from now())) < 5 from c1), 'claim: timestamp is now');
select is((select body from c1),
          (select '{"id":"' || id || '","data":{"x":[1,2]},"type":"install.created","sequence":'
                  || sequence || ',"occurredAt":"' || core.iso_time(occurred_at)
                  || '","workspaceId":"ws_pgtap_whd"}' from ev),
          'claim: the body, compact, the event as GET /api/events shows it (jsonb''s key order)');
select is((select signature from c1),
          (select core.webhook_signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', webhook_id, webhook_timestamp, body)
                  || ' ' || core.webhook_signature('whsec_' || encode(repeat('k', 32)::bytea, 'base64'),
                                                    webhook_id, webhook_timestamp, body) from c1),
          'claim: signed with the secret and, during a rotation, the previous one');
select is((select attempts from c1), 0, 'claim: no attempt recorded yet');
select ok((select lease_owner = 'pgtap-a' and next_attempt_at > clock_timestamp() + interval '25 seconds'
           and state = 'pending' from core.webhook_deliveries where id = (select id from d)),
          'claim: leased, next_attempt_at moved past the lease');
select is((select count(*) from core.webhook_delivery_claim('pgtap-b', interval '30 seconds', 1000)
           where delivery_id = (select id from d)), 0::bigint, 'claim: a leased delivery is not due');

-- Recording.
select is(core.webhook_delivery_record('pgtap-b', array[(select id from d)], array[200], array[null],
                                       array[1.0]::float8[]), 0,
          'record: another owner''s result is ignored');
select is(core.webhook_delivery_record('pgtap-a', array[(select id from d)], array[500],
                                       array['the receiver answered 500'], array[5.0]::float8[]), 1,
          'record: a failure');
select ok((select state = 'pending' and attempts = 1 and last_status = 500
                  and last_error = 'the receiver answered 500' and lease_owner is null
                  and next_attempt_at between clock_timestamp() + interval '4 seconds'
                                          and clock_timestamp() + interval '6 seconds'
           from core.webhook_deliveries where id = (select id from d)),
          'record: a failure is retried after retry_after, attempts + 1');

-- The lease passes: another process claims it again; the first one's late result is ignored.
update core.webhook_deliveries set next_attempt_at = '2000-01-01' where id = (select id from d);
select is((select attempts from core.webhook_delivery_claim('pgtap-b', interval '30 seconds', 1000)
           where delivery_id = (select id from d)), 1, 'claim: due again, taken by another process');
select is(core.webhook_delivery_record('pgtap-a', array[(select id from d)], array[200], array[null],
                                       array[1.0]::float8[]), 0,
          'record: a result whose lease was lost is ignored');
select is((select lease_owner from core.webhook_deliveries where id = (select id from d)), 'pgtap-b',
          'record: the new lease stands');
select is(core.webhook_delivery_record('pgtap-b', array[(select id from d)], array[204], array[null],
                                       array[1.0]::float8[]), 1, 'record: a 2xx');
select ok((select state = 'delivered' and attempts = 2 and last_status = 204 and last_error is null
                  and next_attempt_at is null and delivered_at is not null and lease_owner is null
           from core.webhook_deliveries where id = (select id from d)), 'record: delivered');
select is(core.webhook_delivery_record('pgtap-b', array[(select id from d)], array[500], array['x'],
                                       array[1.0]::float8[]), 0,
          'record: a delivered delivery never goes back');
select is((select state from core.webhook_deliveries where id = (select id from d)), 'delivered',
          'record: still delivered');

-- Transport errors and the end of the schedule; 410.
create temp table ev2 as select * from core.event_emit('ws_pgtap_whd', 'install.upgraded', '{}');
create temp table d2 as select id from core.webhook_deliveries where event_id = (select id from ev2);
update core.webhook_deliveries set next_attempt_at = '2000-01-01' where id = (select id from d2);
select is((select count(*) from core.webhook_delivery_claim('pgtap-a', interval '30 seconds', 1000)
           where delivery_id = (select id from d2)), 1::bigint, 'claim: the second event');
select is(core.webhook_delivery_record('pgtap-a', array[(select id from d2)], array[null]::int[],
                                       array['timeout after 10 s'], array[null]::float8[]), 1,
          'record: a transport error with the schedule exhausted');
select ok((select state = 'failed' and attempts = 1 and last_status is null
                  and last_error = 'timeout after 10 s' and next_attempt_at is null
           from core.webhook_deliveries where id = (select id from d2)), 'record: failed');

create temp table ev3 as select * from core.event_emit('ws_pgtap_whd', 'install.upgraded', '{}');
create temp table d3 as select id from core.webhook_deliveries where event_id = (select id from ev3);
update core.webhook_deliveries set next_attempt_at = '2000-01-01' where id = (select id from d3);
select is((select count(*) from core.webhook_delivery_claim('pgtap-a', interval '30 seconds', 1000)
           where delivery_id = (select id from d3)), 1::bigint, 'claim: the third event');
select is(core.webhook_delivery_record('pgtap-a', array[(select id from d3)], array[410], array[null],
                                       array[5.0]::float8[]), 1, 'record: a 410');
select ok((select state = 'failed' and attempts = 1 and last_status = 410
           from core.webhook_deliveries where id = (select id from d3)),
          'record: a 410 fails the delivery, retries left or not');
select ok((select not enabled and disabled_reason like '%410%' from core.webhook_endpoints
           where id = 'whe_' || repeat('a', 28)), 'record: a 410 disables the endpoint');

-- Grants: the service's role calls them, nobody else.
select ok(has_function_privilege('integrations_api',
          'core.webhook_delivery_claim(text, interval, int)', 'execute')
          and has_function_privilege('integrations_api',
          'core.webhook_delivery_record(text, text[], int[], text[], double precision[])', 'execute'),
          'grants: integrations_api executes claim and record');
select ok(not exists (select from information_schema.routine_privileges
                      where routine_schema = 'core'
                        and routine_name in ('webhook_delivery_claim', 'webhook_delivery_record')
                        and grantee = 'PUBLIC'),
          'grants: not PUBLIC');

select * from finish();
ROLLBACK;
