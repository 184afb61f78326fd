-- Events retention: the maintenance timer removes events older than 30 days (PRODUCT §15),
-- their webhook deliveries with them (on delete cascade). Run as the schema owner
-- (deploy/prod/maintenance.sql), never by the workers. A workspace's core.event_sequences
-- row stays: sequences go on where they were, never reused.

/**
 * Removes the events that occurred more than 30 days ago; returns how many.
 */
create or replace function maintenance.events_cleanup() returns bigint
language sql set search_path = core, pg_temp
as $$
    with gone as (
        delete from core.events where occurred_at < clock_timestamp() - interval '30 days'
        returning 1
    )
    select count(*) from gone
$$;

revoke execute on function
    maintenance.events_cleanup()
from public;
