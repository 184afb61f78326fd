-- Idempotency: safe retries. The first successful response to a POST with an
-- Idempotency-Key is kept for 24 hours per caller and key (core.idempotency_keys), and
-- replayed instead of running the request again. Cleanup: maintenance/idempotency.sql.

/**
 * Starts a request carrying an Idempotency-Key, inside the worker's transaction that will
 * also run the request itself. Returns the stored response of an earlier identical request
 * (zero rows when there is none: the caller goes on and records its response with
 * api.idempotency_finish before committing).
 * INP09 when the same key is being served right now by another request (the advisory lock is
 * held until that transaction ends), INM22 when the key was used for another request.
 */
create or replace function api.idempotency_begin(caller_sub text, key text, request_hash text)
returns table (status int, body text, location text, etag text)
language plpgsql security definer set search_path = core, api, pg_temp
as $$
declare
    kept core.idempotency_keys;
begin
    if not pg_try_advisory_xact_lock(hashtextextended(caller_sub || chr(10) || key, 7)) then
        raise exception using errcode = 'INP09',
            message = 'a request with this Idempotency-Key is still being processed; retry shortly';
    end if;
    select * into kept from core.idempotency_keys k
     where k.caller_sub = idempotency_begin.caller_sub and k.key = idempotency_begin.key;
    if not found then
        return;
    end if;
    if kept.created_at < clock_timestamp() - interval '24 hours' then
        delete from core.idempotency_keys k
         where k.caller_sub = idempotency_begin.caller_sub and k.key = idempotency_begin.key;
        return;
    end if;
    if kept.request_hash <> idempotency_begin.request_hash then
        raise exception using errcode = 'INM22',
            message = 'this Idempotency-Key was already used for a different request';
    end if;
    return query select kept.status, kept.body, kept.location, kept.etag;
end
$$;

/**
 * Records the response of a request begun with api.idempotency_begin, in the same
 * transaction as the request's own changes: both are kept, or neither.
 */
create or replace function api.idempotency_finish(caller_sub text, key text, request_hash text,
                                       status int, body text, location text, etag text)
returns void
language sql security definer set search_path = core, api, pg_temp
as $$
    insert into core.idempotency_keys (caller_sub, key, request_hash, status, body, location, etag)
    values (caller_sub, key, request_hash, status, body, location, etag)
$$;

revoke execute on function
    api.idempotency_begin(text, text, text),
    api.idempotency_finish(text, text, text, int, text, text, text)
from public;

grant execute on function
    api.idempotency_begin(text, text, text),
    api.idempotency_finish(text, text, text, int, text, text, text)
to integrations_api;
