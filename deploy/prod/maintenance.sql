-- Housekeeping run hourly by integrations-maintenance.service (psql as postgres):
-- the retention purge, then the cleanup of expired Idempotency-Key records and of events
-- past their 30 days.
\set ON_ERROR_STOP 1
set application_name = 'integrations-maintenance';
do $$
declare
    purged bigint;
begin
    -- Soft-deleted integrations past their retention tier (short 7 d, medium 30 d, long 365 d;
    -- none never), skipping what an explicit purge would refuse (PRODUCT §6). sql/schema/maintenance/retention.sql.
    if to_regprocedure('maintenance.retention_purge()') is not null then
        execute 'select maintenance.retention_purge()' into purged;
        raise notice 'retention purge: % integration(s) purged', purged;
    else
        raise notice 'maintenance.retention_purge() is not installed yet: skipped';
    end if;
end
$$;
select maintenance.idempotency_cleanup() as idempotency_keys_removed;
-- Events older than 30 days, with their webhook deliveries (PRODUCT §15).
select maintenance.events_cleanup() as events_removed;
