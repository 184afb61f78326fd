# shellcheck shell=bash
# Sourced by the benchmarks that run in a scratch database of their own (install_bench.sh,
# upgrade_merge_bench.sh): CONNINFO from the first argument or the dev stack's .dev/env, the
# helpers log, die, median and psql_in, and scratch_db_create NAME, which creates the
# database DB=NAME_<pid>, migrates it from sql/ (deploy/prod/migrate) and drops it on exit
# unless BENCH_KEEP is set (kept for profiling). The caller defines ROOT and passes "$@".
if [[ -z ${1:-} && -z ${INTEGRATIONS_TEST_PG:-} && -f $ROOT/.dev/env ]]; then
    # shellcheck source=/dev/null
    . "$ROOT/.dev/env"
fi
CONNINFO=${1:-${INTEGRATIONS_TEST_PG:?no CONNINFO given and INTEGRATIONS_TEST_PG not set}}
# shellcheck disable=SC2034 # read by the scripts that source this file
SIZES=${BENCH_SIZES:-1000 10000}
# shellcheck disable=SC2034
RUNS=${BENCH_RUNS:-5}

log() { printf '%s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
median() {
    sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
psql_in() {
    local db=$1
    shift
    psql -X -q -v ON_ERROR_STOP=1 "$CONNINFO dbname=$db" "$@"
}

scratch_db_drop() {
    psql_in postgres -c "drop database if exists $DB" >/dev/null 2>&1 || true
}

scratch_db_create() {
    DB=$1_$$
    [[ -n ${BENCH_KEEP:-} ]] || trap scratch_db_drop EXIT
    log "bench: creating $DB and migrating it (deploy/prod/migrate)"
    psql_in postgres -c "create database $DB template template0 locale 'C' encoding 'UTF8'" >/dev/null
    INTEGRATIONS_MIGRATE_PG="$CONNINFO dbname=$DB" "$ROOT/deploy/prod/migrate" >/dev/null
}
