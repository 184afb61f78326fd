-- Webhook delivery (PRODUCT §15): what the delivery processes (app/server/deliverer.c) call.
-- They claim due deliveries with a lease, send them and record the results; the signing
-- (Standard Webhooks 1.0) is done here, so that the endpoints' secrets never leave the
-- database. At least once: a delivery is sent only after it was committed (core.event_emit),
-- and one whose process died before recording it is due again once its lease has passed.

/**
 * JSON text without insignificant white space: jsonb's text has a space after every ':' and
 * ','. Keys in jsonb's order (fixed for a document), strings escaped as jsonb escapes them.
 * The bytes of a webhook's body are signed, so they must not depend on anything but the
 * document.
 */
create or replace function core.json_compact(doc jsonb) returns text
language plpgsql immutable strict parallel safe
as $$
begin
    case jsonb_typeof(doc)
    when 'object' then
        return '{' || coalesce((select string_agg(to_json(e.key)::text || ':' || core.json_compact(e.value),
                                                  ',' order by e.n)
                                from jsonb_each(doc) with ordinality as e(key, value, n)), '') || '}';
    when 'array' then
        return '[' || coalesce((select string_agg(core.json_compact(e.value), ',' order by e.n)
                                from jsonb_array_elements(doc) with ordinality as e(value, n)), '')
               || ']';
    else
        return doc::text;
    end case;
end
$$;

/**
 * A webhook's body: the event as GET /api/events shows it (core.event_json), compact. The
 * same bytes every time the event is sent (a retry, a redelivery).
 */
create or replace function core.webhook_body(ev core.events) returns text
language sql stable strict parallel safe
as $$
    select core.json_compact(core.event_json(ev))
$$;

/**
 * One Standard Webhooks 1.0 signature: v1, + base64 of HMAC-SHA256 of "id.timestamp.body",
 * keyed with the base64-decoded part of the secret after whsec_.
 */
create or replace function core.webhook_signature(secret text, webhook_id text, ts bigint, body text)
returns text
language sql immutable strict parallel safe
as $$
    select 'v1,' || encode(core.hmac(convert_to(webhook_id || '.' || ts || '.' || body, 'UTF8'),
                                     decode(substr(secret, 7), 'base64'), 'sha256'),
                           'base64')
$$;

/**
 * A delivery process (owner: its unique name) takes up to max due deliveries: pending, their
 * next attempt come, of an enabled endpoint; FOR UPDATE SKIP LOCKED, so processes never wait
 * for each other. Each is leased: next_attempt_at moves to now + lease (it is due again then
 * if its process dies before recording it), lease_owner = owner. Returns each with what to
 * send: the url, webhook-id (the event id), webhook-timestamp (now, Unix seconds), the body
 * and the webhook-signature header (with the new and the previous secret, space-separated,
 * while a rotation's previous secret still signs), and attempts (those recorded so far).
 */
create or replace function core.webhook_delivery_claim(owner text, lease interval, max int)
returns table (delivery_id text, url text, webhook_id text, webhook_timestamp bigint,
               body text, signature text, attempts int)
language plpgsql
security definer set search_path = core, pg_temp
as $$
declare
    now_ timestamptz := clock_timestamp();
    ts bigint := floor(extract(epoch from now_));
begin
    return query
    with due as (
        select d.id
        from core.webhook_deliveries as d
        join core.webhook_endpoints as e on e.id = d.endpoint_id
        where d.state = 'pending' and d.next_attempt_at <= now_ and e.enabled
        order by d.next_attempt_at
        limit max
        for update of d skip locked
    ), claimed as (
        update core.webhook_deliveries as d
        set lease_owner = owner, next_attempt_at = now_ + lease, updated_at = now_
        from due
        where d.id = due.id
        returning d.id, d.endpoint_id, d.event_id, d.attempts
    )
    select c.id, e.url, ev.id, ts, b.body,
           core.webhook_signature(e.secret, ev.id, ts, b.body)
           || case when e.previous_secret_expires_at > now_
                   then ' ' || core.webhook_signature(e.previous_secret, ev.id, ts, b.body)
                   else '' end,
           c.attempts
    from claimed as c
    join core.webhook_endpoints as e on e.id = c.endpoint_id
    join core.events as ev on ev.id = c.event_id
    cross join lateral (select core.webhook_body(ev) as body) as b;
end
$$;

/**
 * Records the results of a batch of attempts of owner's claimed deliveries, element i of
 * each array for delivery ids[i]: statuses[i] the receiver's HTTP status (null: no answer),
 * errors[i] why it failed (null when it did not), retry_after[i] the seconds until the next
 * attempt should this one have failed (the retry schedule and its jitter are the caller's;
 * null: the schedule is exhausted). A 2xx is delivered; a 410 fails the delivery and disables
 * its endpoint; anything else is retried, or failed once the schedule is exhausted. attempts
 * + 1 in every case. A result whose lease was lost (the delivery was claimed again by another
 * process, or is no longer pending) is ignored: at least once, and a delivered delivery never
 * goes back. Returns how many results were recorded.
 */
create or replace function core.webhook_delivery_record(owner text, ids text[], statuses int[],
                                                        errors text[],
                                                        retry_after double precision[])
returns int
language plpgsql
security definer set search_path = core, pg_temp
as $$
declare
    now_ timestamptz := clock_timestamp();
    n int;
begin
    with r as (
        select u.id, u.status, u.error, u.retry_after,
               case when u.status between 200 and 299 then 'delivered'
                    when u.status = 410 or u.retry_after is null then 'failed'
                    else 'pending' end as state
        from unnest(ids, statuses, errors, retry_after) as u(id, status, error, retry_after)
    ), done as (
        update core.webhook_deliveries as d
        set state = r.state, attempts = d.attempts + 1, last_status = r.status,
            last_error = r.error, lease_owner = null,
            next_attempt_at = case when r.state = 'pending'
                                   then now_ + make_interval(secs => r.retry_after) end,
            delivered_at = case when r.state = 'delivered' then now_ end,
            updated_at = now_
        from r
        where d.id = r.id and d.state = 'pending' and d.lease_owner = owner
        returning d.endpoint_id, r.status
    ), disabled as (
        update core.webhook_endpoints as e
        set enabled = false, disabled_reason = 'the receiver answered 410 Gone', updated_at = now_
        where e.id in (select done.endpoint_id from done where done.status = 410) and e.enabled
    )
    select count(*) into n from done;
    return n;
end
$$;

revoke execute on function
    core.webhook_delivery_claim(text, interval, int),
    core.webhook_delivery_record(text, text[], int[], text[], double precision[])
from public;

grant execute on function
    core.webhook_delivery_claim(text, interval, int),
    core.webhook_delivery_record(text, text[], int[], text[], double precision[])
to integrations_api;
