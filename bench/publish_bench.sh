#!/usr/bin/env bash
# Publish and member preview at scale: for 1,000 and 10,000 members (each with a closure
# that adds as many entities again, see bench/publish_data.sql), times
#   - the preview of the draft (before any publish, current entity versions),
#   - publish (each run a new, greater version),
#   - the preview of the published version (pinned entity versions),
# as psql sees them (\timing: the api function's call and its result's transfer), median
# of RUNS runs each, and prints a table.
#
# It works in a database of its own, integrations_bench, created (and dropped again at the
# end unless BENCH_KEEP=1) on the cluster named by BENCH_PG, a libpq conninfo without
# dbname for a superuser; the default is the dev stack's cluster.
#
#   bench/publish_bench.sh
#   BENCH_PG="host=/tmp/pg port=5432 user=postgres" RUNS=7 SIZES="1000 10000" bench/publish_bench.sh
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
BENCH_PG=${BENCH_PG:-"host=$ROOT/.dev/pg port=${INTEGRATIONS_PG_PORT:-55432} user=postgres"}
BENCH_DB=integrations_bench
RUNS=${RUNS:-5}
SIZES=${SIZES:-"1000 10000"}

psql_bench() {
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$BENCH_PG dbname=$1" "${@:2}"
}

cleanup() {
    if [[ ${BENCH_KEEP:-0} != 1 ]]; then
        psql_bench postgres -c "drop database if exists $BENCH_DB with (force)"
    fi
}

# Prints the median of the numbers on stdin.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs the SQL on stdin in one session, with the psql variables caller_<size> and
# integration_<size> of every size, and prints the milliseconds of each statement as psql's
# \timing reports them, one a line.
timed() {
    local -a vars=()
    local size
    for size in $SIZES; do
        vars+=(-v "caller_$size=${caller_of[$size]}" -v "integration_$size=${integration_of[$size]}")
    done
    { printf '\\timing on\n\\o /dev/null\n'; cat; } |
        psql_bench "$BENCH_DB" "${vars[@]}" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

# Prints RUNS + 1 copies of the statement template $1 for each size, in which SIZE and RUN
# are replaced; the sizes are interleaved run by run so that a load that changes during the
# benchmark weighs on every size alike. Run 0 warms the caches and the plans, as a running
# worker has them.
statements() {
    local run size sql
    for run in $(seq 0 "$RUNS"); do
        for size in $SIZES; do
            sql=${1//SIZE/$size}
            printf '%s\n' "${sql//RUN/$run}"
        done
    done
}

# Reads the timings of statements() and stores the median of each size's runs 1..RUNS as
# result[size,$1].
collect() {
    local -a times sizes
    local i k
    read -r -a sizes <<<"$SIZES"
    mapfile -t times
    for i in "${!sizes[@]}"; do
        result[${sizes[i]},$1]=$(for ((k = 1; k <= RUNS; k++)); do
            echo "${times[k * ${#sizes[@]} + i]}"
        done | median)
    done
}

psql_bench postgres -c "drop database if exists $BENCH_DB with (force)" \
    -c "create database $BENCH_DB template template0 locale 'C' encoding 'UTF8'"
trap cleanup EXIT
INTEGRATIONS_MIGRATE_PG="$BENCH_PG dbname=$BENCH_DB" "$ROOT/deploy/prod/migrate" >/dev/null

# Every size's data is loaded before anything is timed, so that each size is measured against
# the same database, as a service's would be: the smaller one gets no cache-hot toy tables.
declare -A result caller_of integration_of
for size in $SIZES; do
    IFS='|' read -r "caller_of[$size]" "integration_of[$size]" < <(psql_bench "$BENCH_DB" \
        -v members="$size" -f "$ROOT/bench/publish_data.sql")
done
preview="select api.integration_members_preview(:'caller_SIZE', :'integration_SIZE');"
publish="select api.integration_publish(:'caller_SIZE', :'integration_SIZE', '{\"version\": \"1.0.RUN\"}');"
collect draft < <(statements "$preview" | timed)
collect publish < <(statements "$publish" | timed)
collect preview < <(statements "$preview" | timed)

printf '\n%-8s %-9s %12s %12s %16s\n' members closure "publish ms" "preview ms" "draft preview ms"
for size in $SIZES; do
    printf '%-8s %-9s %12.1f %12.1f %16.1f\n' "$size" "+$size" "${result[$size,publish]}" \
        "${result[$size,preview]}" "${result[$size,draft]}"
done
printf '(median of %s runs each; psql \\timing, call and result transfer)\n' "$RUNS"
