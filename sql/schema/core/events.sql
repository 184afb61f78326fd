-- Events (PRODUCT §15): core.event_emit is the one way an event is written. It runs in the
-- transaction of the state change it records (the outbox), gives the event the workspace's
-- next sequence and records a pending delivery for each of the workspace's enabled webhook
-- endpoints that takes its type, so that what commits is delivered at least once.
-- core.event_json is an event's one representation: GET /api/events (a list compiled in C,
-- app/handlers/events.c) and the body of its webhooks (core.webhook_body).

/**
 * An event as the API shows it: {"id", "type", "workspaceId", "sequence", "occurredAt",
 * "data"} (docs/api-conventions.md, "Events").
 */
create or replace function core.event_json(e core.events) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object('id', e.id, 'type', e.type, 'workspaceId', e.workspace_id,
                              'sequence', e.sequence, 'occurredAt', core.iso_time(e.occurred_at),
                              'data', e.data)
$$;

/**
 * Writes an event of type in workspace's stream with data (a JSON object) and returns it.
 * The sequence comes from the workspace's core.event_sequences row, which stays locked until
 * the transaction ends: sequences are gapless and in commit order. Call it last in a
 * transaction, so that the lock is held for as short a time as possible. Wakes the delivery
 * processes (NOTIFY integrations_webhooks, sent at commit) when it recorded a delivery.
 */
create or replace function core.event_emit(workspace_id text, type text, data jsonb)
returns core.events
language plpgsql volatile
as $$
declare
    next_sequence bigint;
    ev core.events;
begin
    insert into core.event_sequences as s (workspace_id, last_sequence)
    values (event_emit.workspace_id, 1)
    on conflict on constraint event_sequences_pkey
        do update set last_sequence = s.last_sequence + 1
    returning s.last_sequence into next_sequence;

    insert into core.events (workspace_id, sequence, type, data)
    values (event_emit.workspace_id, next_sequence, event_emit.type, event_emit.data)
    returning * into ev;

    insert into core.webhook_deliveries (endpoint_id, event_id, next_attempt_at)
    select e.id, ev.id, ev.occurred_at
      from core.webhook_endpoints e
     where e.workspace_id = ev.workspace_id
       and e.enabled
       and (e.event_types is null or ev.type = any (e.event_types));
    if found then
        perform pg_notify('integrations_webhooks', '');
    end if;
    return ev;
end
$$;
