-- The webhook endpoints API (PRODUCT §15): endpoints of a workspace (owner/admin only), their
-- secrets (shown on create and rotation only), their deliveries, redelivery and test events.
-- The worker checks body shapes and the url (https, public addresses: app/http/webhook_url.c)
-- before calling; the rules of the data are here. Reading a delivery's state, sending and
-- signing are the delivery process's (sql/schema/core/webhook_deliveries.sql).

/**
 * The API representation of an endpoint. Never the secrets: they are shown once, by the
 * create and the rotation, which add "secret" themselves.
 */
create or replace function core.webhook_endpoint_json(e core.webhook_endpoints) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', e.id,
        'workspaceId', e.workspace_id,
        'url', e.url,
        'eventTypes', to_jsonb(e.event_types),
        'description', e.description,
        'enabled', e.enabled,
        'disabledReason', e.disabled_reason,
        'createdAt', core.iso_time(e.created_at),
        'updatedAt', core.iso_time(e.updated_at))
$$;

/**
 * The API representation of a delivery, with its event's type.
 */
create or replace function core.webhook_delivery_json(d core.webhook_deliveries) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', d.id,
        'eventId', d.event_id,
        'eventType', (select ev.type from core.events as ev where ev.id = d.event_id),
        'state', d.state,
        'attempts', d.attempts,
        'lastStatus', d.last_status,
        'nextAttemptAt', core.iso_time(d.next_attempt_at),
        'createdAt', core.iso_time(d.created_at),
        'deliveredAt', core.iso_time(d.delivered_at))
$$;

/**
 * A new signing secret: whsec_ + standard base64 of 32 random bytes (44 characters, no line
 * break: encode() wraps at 76).
 */
create or replace function core.webhook_secret() returns text
language sql volatile
as $$
    select 'whsec_' || encode(core.gen_random_bytes(32), 'base64')
$$;

/**
 * An endpoint for a caller: IN404 unless it exists and the caller has a role in its
 * workspace (never reveal another workspace's endpoints); IN403 unless that role is owner or
 * admin. Locked for update when lock.
 */
create or replace function core.webhook_endpoint_for_caller(caller jsonb, endpoint_id text,
                                                            lock boolean)
returns core.webhook_endpoints
language plpgsql
as $$
declare
    e core.webhook_endpoints;
begin
    if lock then
        select * into e from core.webhook_endpoints as t where t.id = endpoint_id for update;
    else
        select * into e from core.webhook_endpoints as t where t.id = endpoint_id;
    end if;
    if not found or core.caller_role(caller, e.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Webhook endpoint not found.';
    end if;
    if not core.caller_has_role(caller, e.workspace_id, 'owner', 'admin') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner or admin of the workspace may manage its webhook endpoints.';
    end if;
    return e;
end
$$;

/**
 * The event types of a body's eventTypes (null when absent or null: every type). The worker
 * has checked that it is an array of unique EventType values; webhook.test is one of them but
 * is no subscription (a test is delivered to the endpoint it tests whatever it takes): IN422
 * at its position.
 */
create or replace function core.webhook_event_types(body jsonb) returns text[]
language plpgsql immutable
as $$
declare
    bad bigint;
begin
    if jsonb_typeof(body -> 'eventTypes') is distinct from 'array' then
        return null;
    end if;
    select n - 1 into bad
    from jsonb_array_elements_text(body -> 'eventTypes') with ordinality as t (v, n)
    where v = 'webhook.test'
    limit 1;
    if bad is not null then
        raise exception using
            errcode = 'IN422', message = 'webhook.test is not an event type an endpoint subscribes to: every endpoint receives its tests.',
            detail = jsonb_build_array(jsonb_build_object(
                         'path', '/eventTypes/' || bad,
                         'message', 'webhook.test cannot be subscribed to'))::text;
    end if;
    return array(select jsonb_array_elements_text(body -> 'eventTypes'));
end
$$;

/**
 * A reply with an endpoint's representation and its ETag; with secret, the representation
 * carries it (create and rotation only).
 */
create or replace function core.webhook_endpoint_reply(status int, e core.webhook_endpoints,
                                                       secret text default null,
                                                       location text default null)
returns api.reply
language sql stable
as $$
    select (status,
            case when secret is null then core.webhook_endpoint_json(e)
                 else core.webhook_endpoint_json(e) || jsonb_build_object('secret', secret) end,
            core.etag(core.webhook_endpoint_json(e)),
            location)::api.reply
$$;

/**
 * POST /api/webhook-endpoints (owner/admin of workspaceId): body {"workspaceId", "url",
 * "eventTypes"?, "description"?, "enabled"?}, shape and url checked by the worker. Returns
 * 201, the endpoint with its new secret (the only time but a rotation that it is shown), its
 * ETag and Location /api/webhook-endpoints/{id}.
 * Errors: IN403 not owner/admin of the workspace; IN422 /eventTypes/n webhook.test.
 */
create or replace function api.webhook_endpoint_create(caller jsonb, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    workspace text := body ->> 'workspaceId';
    -- One instant for both: a new endpoint's updatedAt is its createdAt.
    created timestamptz := clock_timestamp();
    e core.webhook_endpoints;
begin
    if not core.caller_has_role(caller, workspace, 'owner', 'admin') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner or admin of the workspace may create webhook endpoints in it.';
    end if;
    insert into core.webhook_endpoints
        (workspace_id, url, event_types, description, enabled, secret, created_by, created_at,
         updated_at)
    values
        (workspace, body ->> 'url', core.webhook_event_types(body), body ->> 'description',
         coalesce((body ->> 'enabled')::boolean, true), core.webhook_secret(), caller ->> 'sub',
         created, created)
    returning * into e;
    return core.webhook_endpoint_reply(201, e, e.secret, '/api/webhook-endpoints/' || e.id);
end
$$;

/**
 * GET /api/webhook-endpoints/{id} (owner/admin of its workspace): 200, the endpoint and its
 * ETag. IN404, IN403 as core.webhook_endpoint_for_caller.
 */
create or replace function api.webhook_endpoint_get(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
begin
    return core.webhook_endpoint_reply(200, core.webhook_endpoint_for_caller(caller, id, false));
end
$$;

/**
 * PATCH /api/webhook-endpoints/{id} (owner/admin): applies the keys present in body (url,
 * eventTypes, description, enabled; null eventTypes is every type, null description clears
 * it). Enabling clears disabledReason (the service's reason for having disabled it); a
 * caller's disabling has none. if_match is the If-Match header (null when absent).
 * Returns 200, the endpoint and its ETag.
 * Errors: IN404, IN403; IN412 if_match does not match the ETag; IN422 /eventTypes/n.
 */
create or replace function api.webhook_endpoint_patch(caller jsonb, id text, body jsonb,
                                                      if_match text)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    e core.webhook_endpoints := core.webhook_endpoint_for_caller(caller, id, true);
    new_enabled boolean := coalesce((body ->> 'enabled')::boolean, e.enabled);
begin
    if not core.etag_matches(if_match, core.etag(core.webhook_endpoint_json(e))) then
        raise exception using
            errcode = 'IN412',
            message = 'The webhook endpoint has changed since it was read (If-Match does not match its ETag).';
    end if;
    update core.webhook_endpoints as t set
        url = coalesce(body ->> 'url', t.url),
        event_types = case when body ? 'eventTypes' then core.webhook_event_types(body)
                           else t.event_types end,
        description = case when body ? 'description' then body ->> 'description'
                           else t.description end,
        enabled = new_enabled,
        -- Only the service disables with a reason: enabled (again), there is none.
        disabled_reason = case when new_enabled then null else t.disabled_reason end,
        updated_at = clock_timestamp()
    where t.id = e.id
    returning t.* into e;
    return core.webhook_endpoint_reply(200, e);
end
$$;

/**
 * DELETE /api/webhook-endpoints/{id} (owner/admin): removes it and its deliveries (on delete
 * cascade). Returns 200 {"success": true}, as every delete (PRODUCT §4). IN404, IN403.
 */
create or replace function api.webhook_endpoint_delete(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    e core.webhook_endpoints := core.webhook_endpoint_for_caller(caller, id, true);
begin
    delete from core.webhook_endpoints as t where t.id = e.id;
    return (200, '{"success": true}'::jsonb, null, null)::api.reply;
end
$$;

/**
 * POST /api/webhook-endpoints/{id}/rotate-secret (owner/admin): a new secret, shown in this
 * reply only. The current one becomes the previous one, which keeps signing beside the new
 * for 24 hours; a rotation within those 24 hours drops the older previous secret (the current
 * one replaces it, with a new 24 hours). Returns 200, the endpoint with "secret", its ETag.
 */
create or replace function api.webhook_endpoint_rotate_secret(caller jsonb, id text)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    e core.webhook_endpoints := core.webhook_endpoint_for_caller(caller, id, true);
begin
    update core.webhook_endpoints as t set
        previous_secret = t.secret,
        previous_secret_expires_at = clock_timestamp() + interval '24 hours',
        secret = core.webhook_secret(),
        updated_at = clock_timestamp()
    where t.id = e.id
    returning t.* into e;
    return core.webhook_endpoint_reply(200, e, e.secret);
end
$$;

/**
 * Records a pending delivery of event to endpoint, due now, and wakes the delivery processes
 * (NOTIFY integrations_webhooks, sent at commit). Returns 202, the delivery and its Location.
 */
create or replace function core.webhook_delivery_enqueue(endpoint_id text, event_id text)
returns api.reply
language plpgsql
as $$
declare
    d core.webhook_deliveries;
begin
    insert into core.webhook_deliveries (endpoint_id, event_id, next_attempt_at)
    values (endpoint_id, event_id, clock_timestamp())
    returning * into d;
    perform pg_notify('integrations_webhooks', '');
    return (202, core.webhook_delivery_json(d), null, '/api/webhook-deliveries/' || d.id)::api.reply;
end
$$;

/**
 * POST /api/webhook-endpoints/{id}/test (owner/admin): a webhook.test event (no sequence: it
 * is not part of the workspace's stream) with data {"endpointId"}, delivered to this endpoint
 * only, whatever its eventTypes. Returns 202, the pending delivery and its Location.
 * Errors: IN404, IN403; IN409 the endpoint is disabled (nothing would be sent).
 */
create or replace function api.webhook_endpoint_test(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    -- Locked: a concurrent delete waits, or has happened and this is a 404 (not the foreign
    -- key's error when the delivery is inserted).
    e core.webhook_endpoints := core.webhook_endpoint_for_caller(caller, id, true);
    ev core.events;
begin
    if not e.enabled then
        raise exception using
            errcode = 'IN409',
            message = 'The webhook endpoint is disabled: enable it (PATCH enabled true) before testing it.';
    end if;
    insert into core.events (workspace_id, sequence, type, data)
    values (e.workspace_id, null, 'webhook.test', jsonb_build_object('endpointId', e.id))
    returning * into ev;
    return core.webhook_delivery_enqueue(e.id, ev.id);
end
$$;

/**
 * GET /api/webhook-deliveries/{id} (owner/admin of its endpoint's workspace): 200, the
 * delivery. IN404 (no such delivery, or not a member), IN403.
 */
create or replace function api.webhook_delivery_get(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    d core.webhook_deliveries;
begin
    select * into d from core.webhook_deliveries as t where t.id = webhook_delivery_get.id;
    if not found then
        raise exception using errcode = 'IN404', message = 'Webhook delivery not found.';
    end if;
    perform core.webhook_delivery_endpoint(caller, d, false);
    return (200, core.webhook_delivery_json(d), null, null)::api.reply;
end
$$;

/**
 * The endpoint of a delivery for a caller: as core.webhook_endpoint_for_caller, but a
 * delivery of an endpoint the caller cannot see is itself not found.
 */
create or replace function core.webhook_delivery_endpoint(caller jsonb, d core.webhook_deliveries,
                                                          lock boolean)
returns core.webhook_endpoints
language plpgsql
as $$
begin
    return core.webhook_endpoint_for_caller(caller, d.endpoint_id, lock);
exception when sqlstate 'IN404' then
    raise exception using errcode = 'IN404', message = 'Webhook delivery not found.';
end
$$;

/**
 * POST /api/webhook-deliveries/{id}/redeliver (owner/admin): a new pending delivery of the
 * same event to the same endpoint, due now, whatever the state of this one (its endpoint
 * exists: deliveries go with their endpoint). Returns 202, the new delivery and its Location.
 * Errors: IN404, IN403; IN409 the endpoint is disabled (nothing would be sent).
 */
create or replace function api.webhook_delivery_redeliver(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    d core.webhook_deliveries;
    e core.webhook_endpoints;
begin
    select * into d from core.webhook_deliveries as t where t.id = webhook_delivery_redeliver.id;
    if not found then
        raise exception using errcode = 'IN404', message = 'Webhook delivery not found.';
    end if;
    -- Both rows the new delivery refers to are locked first: an endpoint deleted meanwhile is
    -- a 404, so is an event removed by retention, never the foreign key's error.
    e := core.webhook_delivery_endpoint(caller, d, true);
    perform from core.events as ev where ev.id = d.event_id for key share;
    if not found then
        raise exception using errcode = 'IN404', message = 'Webhook delivery not found.';
    end if;
    if not e.enabled then
        raise exception using
            errcode = 'IN409',
            message = 'The webhook endpoint is disabled: enable it (PATCH enabled true) before redelivering to it.';
    end if;
    return core.webhook_delivery_enqueue(e.id, d.event_id);
end
$$;

revoke execute on function
    api.webhook_endpoint_create(jsonb, jsonb),
    api.webhook_endpoint_get(jsonb, text),
    api.webhook_endpoint_patch(jsonb, text, jsonb, text),
    api.webhook_endpoint_delete(jsonb, text),
    api.webhook_endpoint_rotate_secret(jsonb, text),
    api.webhook_endpoint_test(jsonb, text),
    api.webhook_delivery_get(jsonb, text),
    api.webhook_delivery_redeliver(jsonb, text)
from public;

grant execute on function
    api.webhook_endpoint_create(jsonb, jsonb),
    api.webhook_endpoint_get(jsonb, text),
    api.webhook_endpoint_patch(jsonb, text, jsonb, text),
    api.webhook_endpoint_delete(jsonb, text),
    api.webhook_endpoint_rotate_secret(jsonb, text),
    api.webhook_endpoint_test(jsonb, text),
    api.webhook_delivery_get(jsonb, text),
    api.webhook_delivery_redeliver(jsonb, text)
to integrations_api;
