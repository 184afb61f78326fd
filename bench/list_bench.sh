#!/usr/bin/env bash
# Throughput and p99 latency of GET /api/integrations (wrk, through nginx) against the
# database ceiling (pgbench running the very SQL the list compiler produced), on 100,000
# integrations. Not a test: bench/README.md explains it and docs/performance.md records it.
#
# usage: bench/list_bench.sh [--clean] [--runs N] [--duration SECONDS] [--explain]
#   --clean        delete the bench data (ws_bench_*) from the dev database and exit
#   --runs N       runs per query (default 3; the table shows medians)
#   --duration S   seconds per wrk and pgbench run (default 10)
#   --explain      also write EXPLAIN (ANALYZE, BUFFERS) of each query to the output dir
#   --only a,b     measure only these queries (a b c d)
#   --pg-setting NAME=VALUE   ALTER SYSTEM SET it for the run (API and pgbench), reset at exit
#                  (e.g. jit=off); repeatable
# Needs the dev stack (./deploy/dev up). Output (SQL, parameters, raw results, plans) goes to
# $BENCH_OUT (default: a new directory under /tmp, printed at the start).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
readonly ROOT
CONCURRENCY=32
THREADS=2
RUNS=3
DURATION=10
EXPLAIN=0
CLEAN=0
ONLY="a,b,c,d"
SETTINGS=()
BENCH_WS_PATTERN='ws\_bench\_%'
ARGS="$*"

die() { echo "list_bench: $*" >&2; exit 1; }
log() { echo "list_bench: $*" >&2; }

while (($#)); do
    case $1 in
    --clean) CLEAN=1 ;;
    --runs) RUNS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --explain) EXPLAIN=1 ;;
    --only) ONLY=$2; shift ;;
    --pg-setting) SETTINGS+=("$2"); shift ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done

# shellcheck source=bench/dev_env.sh
. "$ROOT/bench/dev_env.sh"


# --------------------------------------------------------------------------- tools

need_pkg() {  # command package
    command -v "$1" >/dev/null && return 0
    log "installing $2"
    if [[ $(id -u) -eq 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
    else
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null
    fi
    command -v "$1" >/dev/null || die "$1 is still missing after installing $2"
}
need_pkg wrk wrk
need_pkg python3 python3
pgbench_installed=(/usr/lib/postgresql/*/bin/pgbench)
PGBENCH=$(command -v pgbench || printf '%s\n' "${pgbench_installed[@]: -1}")
[[ -x $PGBENCH ]] || { need_pkg pgbench postgresql-contrib; PGBENCH=$(command -v pgbench); }

# --------------------------------------------------------------------------- data

bench_rows() { psql_q -c "select count(*) from core.integrations where workspace_id like '$BENCH_WS_PATTERN'"; }

clean() {
    log "deleting the bench data"
    psql_q <<SQL
begin;
create temp table bench_ids on commit drop as
    select id from core.integrations where workspace_id like '$BENCH_WS_PATTERN';
delete from core.integration_installs where integration_id in (select id from bench_ids);
delete from core.integration_grants where integration_id in (select id from bench_ids);
set local integrations.purging = on;  -- lets the versions' immutability trigger allow it
delete from core.integration_versions where integration_id in (select id from bench_ids);
delete from core.integrations where id in (select id from bench_ids);
commit;
SQL
}

if ((CLEAN)); then
    clean
    exit 0
fi

code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 5 "$BASE_URL/api/healthz" || true)
[[ $code == 200 ]] || die "$BASE_URL/api/healthz answers ${code:-nothing}: start ./deploy/dev up"

have=$(bench_rows)
if [[ $have != 100000 ]]; then
    [[ $have == 0 ]] || clean
    log "loading 100,000 integrations (bench/gen_integrations.sql)"
    psql "$PG" -X -q -v ON_ERROR_STOP=1 -f "$ROOT/bench/gen_integrations.sql"
else
    log "bench data present (100,000 integrations), not reloading"
fi

# --------------------------------------------------------------------------- what-ifs

# Everything changed here is undone by the exit trap (cleanup), whatever happens.
cleanup() {
    local kv
    for kv in "${SETTINGS[@]}"; do
        psql_q -c "alter system reset ${kv%%=*}" >/dev/null || true
    done
    psql_q -c "alter system reset log_min_duration_statement" -c "select pg_reload_conf()" >/dev/null || true
}
trap cleanup EXIT
for kv in "${SETTINGS[@]}"; do
    [[ $kv =~ ^[a-z_]+=[A-Za-z0-9_.]+$ ]] || die "--pg-setting $kv: NAME=VALUE expected"
    psql_q -c "alter system set ${kv%%=*} = '${kv#*=}'" >/dev/null
    log "ALTER SYSTEM SET ${kv%%=*} = ${kv#*=} for this run"
done
((${#SETTINGS[@]} == 0)) || psql_q -c "select pg_reload_conf()" >/dev/null

OUT=${BENCH_OUT:-$(mktemp -d /tmp/list-bench.XXXXXX)}
mkdir -p "$OUT"
log "output in $OUT"

TOKEN=$("$ROOT/deploy/dev" token --sub usr_bench_caller --workspace ws_bench_0001:viewer \
    --workspace ws_bench_0002:member --workspace ws_bench_0003:admin --ttl 7200)

# --------------------------------------------------------------------------- the queries

urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

NESTED='{"AND":[{"OR":[{"name":{"startsWith":"Sl"}},{"name":{"startsWith":"Zen"}},{"publisher":{"in":["publisher-007","publisher-042"]}}]},{"NOT":{"trustTier":{"eq":"first_party"}}},{"OR":[{"currentVersion":{"gte":"1.1.0"}},{"description":{"isNull":true}}]}]}'
RELATION='{"versions":{"some":{"version":{"eq":"2.0.0"}}}}'
declare -A PATHS DESCS
PATHS[a]="/api/integrations?limit=100"
DESCS[a]="first page of 100, default order"
PATHS[b]="/api/integrations?limit=100&orderBy=$(urlenc '[{"name":"asc"}]')&filter=$(urlenc "$NESTED")"
DESCS[b]="nested AND/OR/NOT filter, orderBy name"
PATHS[c]="/api/integrations?limit=100&filter=$(urlenc "$RELATION")"
DESCS[c]="versions.some relation filter"

api_get() { curl -ks --max-time 30 -H "Authorization: Bearer $TOKEN" "$BASE_URL$1"; }

# (d): page 50 of 100 in default order, reached by following endCursor 49 times.
cursor=""
for ((page = 1; page < 50; page++)); do
    path="/api/integrations?limit=100${cursor:+&after=$cursor}"
    cursor=$(api_get "$path" | python3 -c '
import json, sys
info = json.load(sys.stdin)["pageInfo"]
if not info["hasNextPage"]:
    sys.exit("fewer than 50 pages")
print(info["endCursor"])')
done
PATHS[d]="/api/integrations?limit=100&after=$cursor"
DESCS[d]="page 50 (limit 100) via cursors"

# One request of each first: the answer must be a page, and a query slower than
# MAX_SINGLE_MS alone is not load-tested (32 connections would queue minutes of work in the
# workers of a shared dev stack); it is reported as such, with its single-request time.
MAX_SINGLE_MS=${MAX_SINGLE_MS:-3000}
IFS=, read -r -a QUERIES <<<"$ONLY"
declare -A SINGLE_MS
for k in "${QUERIES[@]}"; do
    [[ -n ${PATHS[$k]:-} ]] || die "unknown query $k (a b c d)"
    body=$(curl -ks --max-time 60 -w '\n%{time_total}' -H "Authorization: Bearer $TOKEN" "$BASE_URL${PATHS[$k]}")
    SINGLE_MS[$k]=$(python3 -c '
import json, sys
text, secs = sys.argv[1].rsplit("\n", 1)
page = json.loads(text)
assert "data" in page, page
print("list_bench: query %s: %d rows, total %d, one request %.0f ms" % (
    sys.argv[2], len(page["data"]), page["pageInfo"]["total"], float(secs) * 1000), file=sys.stderr)
print("%.0f" % (float(secs) * 1000))
' "$body" "$k")
done

# --------------------------------------------------------------------------- the SQL

# The exact statement and parameters of each request are read from the PostgreSQL log:
# log_min_duration_statement = 0 for a moment (ALTER SYSTEM + reload reaches the workers'
# open connections), one request per query, then reset. The trap resets it on any exit.
PG_LOG=$INTEGRATIONS_DEV_DIR/pg/server.log
[[ -r $PG_LOG ]] || die "cannot read the PostgreSQL log $PG_LOG"
reset_logging() { psql_q -c "alter system reset log_min_duration_statement" -c "select pg_reload_conf()" >/dev/null || true; }
psql_q -c "alter system set log_min_duration_statement = 0" -c "select pg_reload_conf()" >/dev/null
sleep 0.5
for k in "${QUERIES[@]}"; do
    offset=$(stat -c %s "$PG_LOG")
    api_get "${PATHS[$k]}" >/dev/null
    sleep 0.3
    tail -c +"$((offset + 1))" "$PG_LOG" >"$OUT/$k.log"
    python3 "$ROOT/bench/capture_statement.py" "$OUT/$k.log" "$OUT/$k"
done
reset_logging

if ((EXPLAIN)); then
    for k in "${QUERIES[@]}"; do
        { echo "explain (analyze, buffers)"; cat "$OUT/$k.literal.sql"; } | psql_q >"$OUT/$k.explain.txt"
        log "query $k: plan in $OUT/$k.explain.txt ($(grep -o 'Execution Time: .*' "$OUT/$k.explain.txt"))"
    done
fi

# --------------------------------------------------------------------------- measuring

{
    echo 'wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")'
    cat "$ROOT/bench/wrk_result.lua"
} >"$OUT/auth.lua"

run_wrk() {  # query run
    if ((SINGLE_MS[$1] > MAX_SINGLE_MS)); then
        echo "RESULT rps=0 p50_ms=${SINGLE_MS[$1]} p99_ms=${SINGLE_MS[$1]} requests=0 errors=0 non2xx=0 skipped=1"
        return
    fi
    BENCH_TOKEN=$TOKEN wrk -t"$THREADS" -c"$CONCURRENCY" -d"${DURATION}s" --timeout 60s \
        -s "$OUT/auth.lua" "$BASE_URL${PATHS[$1]}" >"$OUT/$1.wrk.$2.txt" 2>&1
    grep '^RESULT' "$OUT/$1.wrk.$2.txt" || die "wrk failed: $(cat "$OUT/$1.wrk.$2.txt")"
}

run_pgbench() {  # query run
    local -a defs=()
    local i=1 v
    while IFS= read -r -d '' v; do
        defs+=(-D "p$i=$v")
        i=$((i + 1))
    done < <(python3 -c '
import json, sys
for v in json.load(open(sys.argv[1]))["params"]:
    sys.stdout.write(v + "\0")' "$OUT/$1.json")
    # A query too slow to load-test gets 2 clients (this machine's cores) instead of 32:
    # 32 statements of several seconds each would keep the shared database busy for minutes.
    local clients=$CONCURRENCY
    ((SINGLE_MS[$1] <= MAX_SINGLE_MS)) || clients=2
    "$PGBENCH" "$PG" -n -c"$clients" -j"$THREADS" -T"$DURATION" -M extended \
        -f "$OUT/$1.pgbench.sql" "${defs[@]}" >"$OUT/$1.pgbench.$2.txt" 2>&1 \
        || die "pgbench failed: $(tail -5 "$OUT/$1.pgbench.$2.txt")"
    grep -o 'tps = [0-9.]*' "$OUT/$1.pgbench.$2.txt" | head -1 | cut -d' ' -f3
}

: >"$OUT/results.tsv"
for ((run = 1; run <= RUNS; run++)); do
    for k in "${QUERIES[@]}"; do
        line=$(run_wrk "$k" "$run")
        tps=$(run_pgbench "$k" "$run")
        log "run $run query $k: ${line#RESULT } pgbench_tps=$tps"
        echo -e "$k\t$run\t${line#RESULT }\t$tps" >>"$OUT/results.tsv"
    done
done

python3 - "$OUT/results.tsv" "$CONCURRENCY" <<PY
import re, statistics, sys
descs = {"a": """${DESCS[a]}""", "b": """${DESCS[b]}""", "c": """${DESCS[c]}""", "d": """${DESCS[d]}"""}
rows = {}
for line in open(sys.argv[1]):
    k, run, wrk, tps = line.rstrip("\n").split("\t")
    f = dict(kv.split("=") for kv in wrk.split())
    # a run in which no request completed has no latency: its p99 is "more than the run"
    p99 = float(f["p99_ms"]) if int(f["requests"]) or "skipped" in f else float("inf")
    rows.setdefault(k, []).append((float(f["rps"]), p99, float(tps),
                                   int(f["errors"]) + int(f["non2xx"]), "skipped" in f))
c = sys.argv[2]
print()
print(f"| query | API req/s | API p99 ms | pgbench tps | API/pgbench | target (>= 60%, p99 < 50 ms) |")
print(f"|---|---:|---:|---:|---:|---|")
for k in sorted(rows):
    rps = statistics.median(r[0] for r in rows[k])
    p99 = statistics.median(r[1] for r in rows[k])
    tps = statistics.median(r[2] for r in rows[k])
    bad = sum(r[3] for r in rows[k])
    ratio = rps / tps if tps else float("nan")
    verdict = "met" if ratio >= 0.6 and p99 < 50 else "MISSED"
    if any(r[4] for r in rows[k]):
        verdict = f"MISSED: one request alone takes {p99:.0f} ms (> $MAX_SINGLE_MS ms): not load-tested; pgbench with 2 clients"
        rps = ratio = float("nan")
    if bad:
        verdict += f" ({bad} errors/non-2xx)"
    p99_text = f"{p99:.1f}" if p99 != float("inf") else "> ${DURATION} s (none completed)"
    print(f"| ({k}) {descs[k]} | {rps:.1f} | {p99_text} | {tps:.1f} | {ratio:.0%} | {verdict} |")
what = " ".join("$ARGS".split())
print(f"\nmedians of {len(next(iter(rows.values())))} runs; options: {what or 'none'}; wrk -t$THREADS -c{c} -d${DURATION}s through nginx; "
      f"pgbench -n -c{c} -j$THREADS -T${DURATION} -M extended")
PY
