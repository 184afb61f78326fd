-- SemVer: precedence of Semantic Versioning 2.0 versions as a bytewise-sortable text key,
-- for publish (a new version must be greater) and lists (orderBy / filters on versions).
-- core.semver_key is behind generated columns (integrations.current_version_key,
-- integration_versions.version_key) and an index: its first definition is in
-- sql/migrations/0001_baseline.sql, and this file may only `create or replace` it, with the
-- same results (docs/sql.md, "Functions behind columns").

/**
 * A text key whose bytewise order is SemVer 2.0 precedence (build metadata ignored): the three
 * numbers zero-padded to 20 digits, then '~' for a release (after every pre-release) or '-'
 * and each pre-release identifier: numeric ones as '0' + 20 digits (below any alphanumeric
 * one, '1' + text), each closed by chr(1) so that a shorter list of equal identifiers sorts
 * first. Null for null or for text that is not a version.
 */
create or replace function core.semver_key(v text) returns text
language plpgsql immutable strict parallel safe
as $$
declare
    m text[];
    ident text;
    key text;
begin
    m := regexp_match(v, '^(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,19})'
                         '(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$');
    if m is null then
        return null;
    end if;
    key := lpad(m[1], 20, '0') || '.' || lpad(m[2], 20, '0') || '.' || lpad(m[3], 20, '0');
    if m[4] is null then
        return key || '~';
    end if;
    key := key || '-';
    foreach ident in array string_to_array(m[4], '.') loop
        if ident ~ '^[0-9]+$' then
            key := key || '0' || lpad(ident, 20, '0');
        else
            key := key || '1' || ident;
        end if;
        key := key || chr(1);
    end loop;
    return key;
end
$$;
