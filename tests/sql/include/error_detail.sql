-- Included (\ir) by the pgTAP files of tests/sql, inside their transaction: what a statement
-- raises.
-- The DETAIL of the error a statement raises (field errors travel there as JSON).
create function pg_temp.error_detail(statement text) returns jsonb
language plpgsql
as $$
declare
    detail text;
begin
    execute statement;
    return null;
exception when others then
    get stacked diagnostics detail = pg_exception_detail;
    return detail::jsonb;
end
$$;

-- The SQLSTATE a statement raises (null: none).
create function pg_temp.error_of(statement text) returns text
language plpgsql
as $$
begin
    execute statement;
    return null;
exception when others then
    return sqlstate;
end
$$;
