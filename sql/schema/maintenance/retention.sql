-- Retention: soft-deleted integrations are purged for good once their retention tier has
-- run out (short 7 days, medium 30, long 365; none never), by the maintenance timer
-- (deploy/prod/maintenance.sql). Run as the schema owner, never by the workers.

/**
 * How long a soft-deleted row of this retention tier is kept; null for 'none' (forever).
 */
create or replace function core.retention_period(tier text) returns interval
language sql immutable strict parallel safe
as $$
    select case tier
        when 'short' then interval '7 days'
        when 'medium' then interval '30 days'
        when 'long' then interval '365 days'
    end
$$;

/**
 * Purges every soft-deleted integration whose retention period has passed, exactly as
 * api.integration_purge would, and skips what it would refuse (live installs still pin one
 * of its versions). Rows locked by a concurrent request are left for the next run.
 * Returns how many were purged. Run by the maintenance timer, never by the workers.
 */
create or replace function maintenance.retention_purge() returns bigint
language plpgsql set search_path = core, pg_temp
as $$
declare
    expired text;
    purged bigint := 0;
begin
    for expired in
        select i.id
        from core.integrations as i
        where i.deleted_at is not null
          and i.deleted_at < clock_timestamp() - core.retention_period(i.retention_tier)
        order by i.deleted_at
        for update skip locked
    loop
        if not core.integration_has_live_installs(expired) then
            perform core.integration_remove(expired);
            purged := purged + 1;
        end if;
    end loop;
    return purged;
end
$$;

revoke execute on function
    maintenance.retention_purge()
from public;
