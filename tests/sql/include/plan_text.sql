-- Included (\ir) by the pgTAP files of tests/sql, inside their transaction.
-- The EXPLAIN (VERBOSE) text of a query, for tests that read plans.
create function pg_temp.plan_text(query text) returns text
language plpgsql
as $$
declare
    line text;
    plan text := '';
begin
    for line in execute 'explain (verbose, costs off) ' || query loop
        plan := plan || line || E'\n';
    end loop;
    return plan;
end
$$;
