-- Included (\ir) by the pgTAP files of tests/sql, inside their transaction.
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
