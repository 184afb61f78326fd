#!/usr/bin/env bash
# Re-applying the schema files is a no-op (docs/sql.md, "Schema files"), checked on a migrated
# database:
#   1. a second run of deploy/prod/migrate applies nothing: no migration pending, the schema
#      files unchanged, public.schema_repeatables untouched;
#   2. forcing every schema file to be applied again (migrate --reapply) leaves the catalog as
#      it was: the same pg_dump --schema-only, and the same functions and triggers with the
#      same oids, definitions and privileges (create or replace changes them in place);
#   3. migrate refuses (exit 3, nothing applied) when a recorded migration was edited.
# Run by the pgtap suite (deploy/lib/suites.sh) as
#   tests/sql/reapply.sh CONNINFO
# with CONNINFO a superuser connection to the migrated database; PG_BIN, when set, is where
# psql and pg_dump are.
set -euo pipefail
export LC_ALL=C
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
CONN=${1:?usage: tests/sql/reapply.sh CONNINFO}
PSQL=${PG_BIN:+$PG_BIN/}psql
PG_DUMP=${PG_BIN:+$PG_BIN/}pg_dump
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 failed=0
check() { # check DESCRIPTION COMMAND...: one TAP line
    n=$((n + 1))
    if "${@:2}"; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        failed=$((failed + 1))
    fi
}
migrate() { PSQL=$PSQL INTEGRATIONS_MIGRATE_PG=$CONN "$ROOT/deploy/prod/migrate" "$@"; }
q() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$CONN" -c "$1"; }
# The catalog as the schema files make it: every function of our schemas and every trigger of
# core's tables, by oid, with its full definition and privileges.
catalog() {
    q "select p.oid || ' ' || p.oid::regprocedure || ' ' || coalesce(p.proacl::text, '-') || E'\n'
              || pg_get_functiondef(p.oid)
         from pg_proc as p
        where p.pronamespace in ('core'::regnamespace, 'api'::regnamespace, 'maintenance'::regnamespace)
        order by p.oid::regprocedure::text" >"$1"
    q "select t.oid || ' ' || pg_get_triggerdef(t.oid) from pg_trigger as t
        where not t.tgisinternal and t.tgrelid::regclass::text like 'core.%' order by pg_get_triggerdef(t.oid)" >>"$1"
}
dump() { "$PG_DUMP" --schema-only "$CONN" | grep -v '^\\\(un\)\{0,1\}restrict ' >"$1"; }

echo "1..7"
migrate >"$T/first.out"
applied_before=$(q "select string_agg(filename || ' ' || sha256 || ' ' || applied_at, ',' order by filename) from public.schema_repeatables")
migrate >"$T/second.out"
check "a second migrate run finds no pending migration" grep -qx 'migrate: pending migrations: 0' "$T/second.out"
check "a second migrate run applies no schema file" grep -qx 'migrate: schema files unchanged: not applied' "$T/second.out"
check "a second migrate run leaves schema_repeatables as it was" \
    test "$applied_before" = "$(q "select string_agg(filename || ' ' || sha256 || ' ' || applied_at, ',' order by filename) from public.schema_repeatables")"

dump "$T/before.sql"
catalog "$T/before.catalog"
migrate --reapply >"$T/reapply.out"
dump "$T/after.sql"
catalog "$T/after.catalog"
check "migrate --reapply applies every schema file again" grep -q '^migrate: applying the [0-9]* schema files in one transaction$' "$T/reapply.out"
check "re-applying the schema files leaves pg_dump --schema-only identical" diff -u "$T/before.sql" "$T/after.sql"
check "re-applying the schema files keeps every function and trigger: same oids, definitions, privileges" \
    diff -u "$T/before.catalog" "$T/after.catalog"

# An edited migration: a copy of sql/ whose baseline has one more line.
cp -r "$ROOT/sql" "$T/sql"
echo '-- edited' >>"$T/sql/migrations/0001_baseline.sql"
rc=0
migrate --sql-dir "$T/sql" >"$T/edited.out" 2>&1 || rc=$?
check "migrate refuses (exit 3) when a recorded migration was edited" test "$rc" = 3

((failed == 0)) || { echo "# $failed of $n failed; outputs in a kept copy of $T" >&2; cp -r "$T" "$T.kept"; }
((failed == 0))
