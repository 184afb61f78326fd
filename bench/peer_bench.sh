#!/usr/bin/env bash
# Our API against the alternatives, side by side in one run, on the 100,000-integration dataset
# (bench/gen_integrations.sql): for each list query of bench/list_bench.sh and for
# GET /api/integrations/{id}:
#   ours         wrk through nginx (HTTPS, keep-alive) to the FastCGI workers
#   PostGraphile PostGraphile 4 + postgraphile-plugin-connection-filter (+ simplify inflector),
#                read-only over the same database, the same rows asked for in GraphQL (POSTs
#                by wrk with a Lua script)
#   pgbench      the database ceiling: the exact SQL our workers ran (captured from the
#                PostgreSQL log as bench/list_bench.sh does), pgbench -M extended; for GET by id
#                the workers' prepared core.integration_get statement (-M prepared)
# and prints one table: req/s and p99 of each, ours/peer and ours/ceiling; medians of --runs.
# docs/performance.md ("Against the alternatives", "GET by id") records the results.
#
# usage: bench/peer_bench.sh [--runs N] [--duration SECONDS] [--connections C] [--only a,b,c,d,id]
#   defaults: 3 runs, 10 s per measurement, 32 connections, 2 threads (wrk and pgbench)
# Needs the dev stack (./deploy/dev up), node + npm (PostGraphile is installed by this script
# with `npm ci` into bench/postgraphile/node_modules, which is never committed), wrk, pgbench.
# Output (bodies, raw wrk/pgbench output, results.tsv) goes to $BENCH_OUT or a new /tmp dir.
# Starts PostGraphile on 127.0.0.1:$PEER_PORT (default 55480) and stops it on exit.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
readonly ROOT
readonly PEER_DIR=$ROOT/bench/postgraphile
RUNS=3
DURATION=10
CONNECTIONS=32
THREADS=2
ONLY="a,b,c,d,id"
PEER_PORT=${PEER_PORT:-55480}
BENCH_WS_PATTERN='ws\_bench\_%'

die() { echo "peer_bench: $*" >&2; exit 1; }
log() { echo "peer_bench: $*" >&2; }

while (($#)); do
    case $1 in
    --runs) RUNS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $DURATION =~ ^[1-9][0-9]*$ && $CONNECTIONS =~ ^[1-9][0-9]*$ ]] ||
    die "--runs, --duration and --connections take positive integers"

# shellcheck source=bench/dev_env.sh
. "$ROOT/bench/dev_env.sh"
CERT=$INTEGRATIONS_DEV_DIR/nginx/cert.pem
PYTHON=/usr/bin/python3

for tool in wrk pgbench node npm curl psql; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install wrk postgresql-client nodejs npm)"
done
code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 5 "$BASE_URL/api/healthz" || true)
[[ $code == 200 ]] || die "$BASE_URL/api/healthz answers ${code:-nothing}: start ./deploy/dev up"

OUT=${BENCH_OUT:-$(mktemp -d /tmp/peer-bench.XXXXXX)}
mkdir -p "$OUT"
log "output in $OUT"

# --------------------------------------------------------------------------- data
# The loader of bench/list_bench.sh: the same file, loaded unless the 100,000 rows are there
# (a partial load is cleaned by list_bench.sh --clean first).
have=$(psql_q -c "select count(*) from core.integrations where workspace_id like '$BENCH_WS_PATTERN'")
if [[ $have != 100000 ]]; then
    [[ $have == 0 ]] || "$ROOT/bench/list_bench.sh" --clean
    log "loading 100,000 integrations (bench/gen_integrations.sql)"
    psql "$PG" -X -q -v ON_ERROR_STOP=1 -f "$ROOT/bench/gen_integrations.sql"
fi

# --------------------------------------------------------------------------- PostGraphile
if [[ ! -d $PEER_DIR/node_modules/postgraphile || $PEER_DIR/package-lock.json -nt $PEER_DIR/node_modules ]]; then
    log "installing PostGraphile into bench/postgraphile/node_modules (npm ci)"
    (cd "$PEER_DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >&2) ||
        die "npm ci failed in $PEER_DIR"
fi
if (: <>"/dev/tcp/127.0.0.1/$PEER_PORT") 2>/dev/null; then
    die "port $PEER_PORT is in use: set PEER_PORT to a free port"
fi

PEER_PID=""
cleanup() {
    if [[ -n $PEER_PID ]] && kill -0 "$PEER_PID" 2>/dev/null; then
        kill "$PEER_PID" 2>/dev/null || true
        wait "$PEER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PGHOST=127.0.0.1 PGPORT=$INTEGRATIONS_PG_PORT PGDATABASE=integrations PGUSER=postgres PEER_PORT=$PEER_PORT \
    node "$PEER_DIR/server.js" >"$OUT/postgraphile.log" 2>&1 &
PEER_PID=$!
PEER_URL=http://127.0.0.1:$PEER_PORT/graphql
deadline=$((SECONDS + 60))
until grep -q listening "$OUT/postgraphile.log" 2>/dev/null; do
    kill -0 "$PEER_PID" 2>/dev/null || die "PostGraphile exited: $(tail -5 "$OUT/postgraphile.log")"
    ((SECONDS < deadline)) || die "PostGraphile did not start within 60 s"
    sleep 0.2
done
log "PostGraphile $(node -p "require('$PEER_DIR/node_modules/postgraphile/package.json').version") on $PEER_URL (pid $PEER_PID)"

# --------------------------------------------------------------------------- requests
TOKEN=$("$ROOT/deploy/dev" token --sub usr_bench_caller --workspace ws_bench_0001:viewer \
    --workspace ws_bench_0002:member --workspace ws_bench_0003:admin --ttl 7200)
"$PYTHON" "$PEER_DIR/peer_queries.py" "$OUT" "$BASE_URL" "$TOKEN" "$PEER_URL" "$CERT" "$ONLY"

# The database ceiling of the list queries: the exact SQL and parameters our workers ran for
# each request, captured as bench/list_bench.sh does: log_min_duration_statement = 0 for a
# moment (ALTER SYSTEM + reload reaches the workers' open connections), one request per
# query, then reset (also by the trap on any exit).
IFS=, read -r -a QUERIES <<<"$ONLY"
LIST_QUERIES=()
for k in "${QUERIES[@]}"; do
    case $k in
    a | b | c | d) LIST_QUERIES+=("$k") ;;
    id) ;;
    *) die "unknown query $k (a b c d id)" ;;
    esac
done
PG_LOG=$INTEGRATIONS_DEV_DIR/pg/server.log
reset_logging() { psql_q -c "alter system reset log_min_duration_statement" -c "select pg_reload_conf()" >/dev/null || true; }
mkdir -p "$OUT/sql"
if ((${#LIST_QUERIES[@]})); then
    [[ -r $PG_LOG ]] || die "cannot read the PostgreSQL log $PG_LOG"
    trap 'reset_logging; cleanup' EXIT
    psql_q -c "alter system set log_min_duration_statement = 0" -c "select pg_reload_conf()" >/dev/null
    sleep 0.5
    for k in "${LIST_QUERIES[@]}"; do
        offset=$(stat -c %s "$PG_LOG")
        curl -ks --max-time 60 -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE_URL$(cat "$OUT/$k.path")"
        sleep 0.3
        tail -c +"$((offset + 1))" "$PG_LOG" >"$OUT/sql/$k.log"
        "$PYTHON" "$ROOT/bench/capture_statement.py" "$OUT/sql/$k.log" "$OUT/sql/$k"
    done
    reset_logging
    trap cleanup EXIT
fi
printf 'select status, body, etag from core.integration_get(:caller::jsonb, :id);\n' >"$OUT/id.pgbench.sql"

# --------------------------------------------------------------------------- measuring
{
    echo 'wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")'
    cat "$ROOT/bench/wrk_result.lua"
} >"$OUT/ours.lua"
{
    cat <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
    cat "$ROOT/bench/wrk_result.lua"
} >"$OUT/peer.lua"

wrk_result() {  # file: prints "rps p99 bad"
    local line
    if ! line=$(grep '^RESULT' "$1"); then
        log "wrk failed: $(tail -3 "$1")"
        echo "nan nan 1"
        return
    fi
    "$PYTHON" -c '
import sys
f = dict(kv.split("=") for kv in sys.argv[1].split()[1:])
print(f["rps"], f["p99_ms"], int(f["errors"]) + int(f["non2xx"]))' "$line"
}

# Waits (up to 120 s) until neither our workers nor PostGraphile run a statement: requests
# that wrk abandoned at the end of a run stay queued (at the FastCGI socket, in Node) and are
# still served one by one, and would otherwise be measured as part of the next run.
drain() {
    local deadline=$((SECONDS + 120)) busy
    while ((SECONDS < deadline)); do
        busy=$(psql_q -c "select count(*) from pg_stat_activity where application_name in ('integrations-api', 'peer-bench-postgraphile') and state = 'active'")
        ((busy == 0)) && return 0
        sleep 0.5
    done
    log "the workers were still busy 120 s after the run"
}

run_ours() {  # query run
    BENCH_TOKEN=$TOKEN timeout $((DURATION + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
        --timeout 10s -s "$OUT/ours.lua" "$BASE_URL$(cat "$OUT/$1.path")" >"$OUT/$1.ours.$2.txt" 2>&1 || true
    wrk_result "$OUT/$1.ours.$2.txt"
}

run_peer() {  # query run
    BENCH_BODY=$OUT/$1.graphql.json timeout $((DURATION + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" \
        -d"${DURATION}s" --timeout 10s -s "$OUT/peer.lua" "$PEER_URL" >"$OUT/$1.peer.$2.txt" 2>&1 || true
    wrk_result "$OUT/$1.peer.$2.txt"
}

run_pgbench() {  # query run: prints tps and p99 (ms, from the per-transaction log)
    local -a defs=() mode=(-M extended)
    local i=1 v script=$OUT/sql/$1.pgbench.sql
    if [[ $1 == id ]]; then
        script=$OUT/id.pgbench.sql
        mode=(-M prepared)
        defs=(-D "caller=$(cat "$OUT/id.caller.json")" -D "id=$(cat "$OUT/id.id")")
    else
        while IFS= read -r -d '' v; do
            defs+=(-D "p$i=$v")
            i=$((i + 1))
        done < <("$PYTHON" -c '
import json, sys
for v in json.load(open(sys.argv[1]))["params"]:
    sys.stdout.write(v + "\0")' "$OUT/sql/$1.json")
    fi
    rm -rf "$OUT/pgbench-log" && mkdir "$OUT/pgbench-log"
    if ! (cd "$OUT/pgbench-log" && timeout $((DURATION + 60)) pgbench "$PG" -n -c"$CONNECTIONS" -j"$THREADS" \
        -T"$DURATION" "${mode[@]}" -l --log-prefix=tx -f "$script" "${defs[@]}") \
        >"$OUT/$1.pgbench.$2.txt" 2>&1; then
        log "pgbench failed on query $1 (see $OUT/$1.pgbench.$2.txt)"
        echo "nan nan"
        rm -rf "$OUT/pgbench-log"
        return
    fi
    "$PYTHON" - "$OUT/$1.pgbench.$2.txt" "$OUT/pgbench-log" <<'PY'
import glob, re, sys
tps = re.search(r"tps = ([0-9.]+)", open(sys.argv[1]).read()).group(1)
lat = sorted(int(line.split()[2]) for f in glob.glob(sys.argv[2] + "/tx*") for line in open(f))
p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1000 if lat else float("nan")
print(tps, f"{p99:.2f}")
PY
    rm -rf "$OUT/pgbench-log"
}

: >"$OUT/results.tsv"
for ((run = 1; run <= RUNS; run++)); do
    for k in "${QUERIES[@]}"; do
        drain
        load=$(cut -d' ' -f1 /proc/loadavg)
        read -r o_rps o_p99 o_bad < <(run_ours "$k" "$run")
        drain
        read -r p_rps p_p99 p_bad < <(run_peer "$k" "$run")
        drain
        read -r tps b_p99 < <(run_pgbench "$k" "$run")
        log "run $run query $k: ours $o_rps req/s p99 $o_p99 ms ($o_bad bad), PostGraphile $p_rps req/s p99 $p_p99 ms ($p_bad bad), pgbench $tps tps p99 $b_p99 ms (load average before: $load)"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$run" "$o_rps" "$o_p99" "$o_bad" \
            "$p_rps" "$p_p99" "$p_bad" "$tps" "$b_p99" "$load" >>"$OUT/results.tsv"
    done
done

"$PYTHON" - "$OUT" "$RUNS" "$DURATION" "$CONNECTIONS" "$THREADS" <<'PY'
import statistics, sys
from pathlib import Path
out, runs, dur, conns, threads = Path(sys.argv[1]), *sys.argv[2:]
rows = {}
for line in open(out / "results.tsv"):
    k, run, *v = line.rstrip("\n").split("\t")
    rows.setdefault(k, []).append([float(x) for x in v])
med = lambda k, i: statistics.median(r[i] for r in rows[k])
loads = [r[8] for rs in rows.values() for r in rs]
print()
print("| query | ours req/s | ours p99 ms | PostGraphile req/s | PostGraphile p99 ms | "
      "pgbench tps | pgbench p99 ms | ours/peer | ours/ceiling | targets |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for k in rows:
    o, op99, obad, p, pp99, pbad, tps, bp99, _ = (med(k, i) for i in range(9))
    bad = sum(r[2] + r[5] for r in rows[k])
    desc = (out / f"{k}.desc").read_text()
    if k == "id":
        verdict = "met" if o >= 5000 else "MISSED"
        verdict = f"{verdict} (>= 5,000/s)"
    else:
        ok = o == o and o >= 3 * p and o >= 0.6 * tps
        verdict = ("met" if ok else "MISSED") + " (>= 3x peer, >= 60% pgbench)"
    if bad:
        verdict += f", {bad:.0f} errors/non-2xx"
    ratio = lambda a, b: a / b if b and b == b else float("nan")
    n = lambda v: f"{v:.1f}" if v < 100 else f"{v:.0f}"
    print(f"| ({k}) {desc} | {n(o)} | {op99:.1f} | {n(p)} | {pp99:.1f} | {n(tps)} | {bp99:.1f} | "
          f"{ratio(o, p):.1f}x | {ratio(o, tps):.0%} | {verdict} |")
print(f"\nmedians of {runs} runs; {dur} s each; wrk -t{threads} -c{conns} (ours: HTTPS through "
      f"nginx; PostGraphile: plain HTTP, one Node process); pgbench -n -c{conns} -j{threads} "
      "(-M extended for lists, -M prepared for GET by id); 1-min load average before each "
      f"measurement {min(loads):.1f} to {max(loads):.1f} on {__import__('os').cpu_count()} cores")
PY
