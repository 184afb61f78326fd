-- Ids: new prefixed ids (int_, intv_, inst_, ent_, entv_, imem_, sol_), sortable by creation
-- time. core.new_id is a column default: its first definition is in
-- sql/migrations/0001_baseline.sql, and this file may only `create or replace` it.

/**
 * A new prefixed id: prefix || 12 hex digits of Unix milliseconds || 16 random hex digits.
 * The time part keeps new rows at the right-hand end of primary key indexes. A v4 uuid has
 * fixed version and variant digits, so its md5 is used to spread its 122 random bits over
 * all 16 digits.
 */
create or replace function core.new_id(prefix text) returns text
language sql volatile parallel safe
as $$
    select prefix
        || lpad(to_hex(floor(extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0')
        || left(md5(gen_random_uuid()::text), 16)
$$;
