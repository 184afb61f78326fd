-- Reading events (PRODUCT §15): GET /api/events?workspace_id= is a list (app/handlers/events.c,
-- a compiled query over core.events, as every list); this is its row representation.

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
