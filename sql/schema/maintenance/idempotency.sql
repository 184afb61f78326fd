-- Idempotency cleanup: the maintenance timer's removal of idempotency keys past their 24
-- hours (deploy/prod/maintenance.sql). Run as the schema owner, never by the workers.

/**
 * Removes keys older than 24 hours; returns how many.
 */
create or replace function maintenance.idempotency_cleanup() returns bigint
language sql set search_path = core, pg_temp
as $$
    with gone as (
        delete from core.idempotency_keys where created_at < clock_timestamp() - interval '24 hours'
        returning 1
    )
    select count(*) from gone
$$;

revoke execute on function
    maintenance.idempotency_cleanup()
from public;
