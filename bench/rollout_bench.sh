#!/usr/bin/env bash
# Rollouts (PRODUCT §14) under read load, side by side in one run: a rollout of 1,000 installs
# of a 20-member integration (bench/rollout_fixture.sql: every member's definition changes in
# 2.0.0, so every install's upgrade writes 20 clone versions and an operation) run by the dev
# stack's job runners, while wrk measures GET /api/integrations/{id} through nginx.
#   1. idle: wrk -t2 -cC -dD on GET by id, nothing else running          → idle req/s
#      (served answers only: one reader token per wrk thread keeps each under nginx's
#      per-token rate limit, and any 4xx/5xx is reported, not counted)
#   2. POST /api/integrations/{id}/rollouts, at once wrk again for D s    → loaded req/s
#   3. the rollout's own throughput: jobs / (finishedAt − startedAt)      → installs/s
#   4. once the rollout and the autovacuum it causes have finished, idle again → idle req/s
# Targets: the rollout ≥ 50 installs/s; GET by id keeps ≥ 70% of its idle req/s (the mean of
# the windows before and after, so that a shared machine's drift shows in both sides) while
# the rollout runs (the wrk window must lie inside the rollout: the script says whether it did).
#
# usage: bench/rollout_bench.sh [--runs R] [--installs N] [--members M] [--duration SECONDS]
#                               [--connections C]
#   defaults: 1 run, 1,000 installs, 20 members, 12 s per wrk window, 32 connections, 2 threads
#   --runs R: R runs one after the other (a fixture each), each run's figures, then their medians
#   (the dev machine is shared: one run's ratio can be 10 points off the median)
# Needs the dev stack (./deploy/dev up; its runners: INTEGRATIONS_RUNNERS, 3 there),
# wrk, psql. The data (workspace ws_rbench_<random>) stays in the dev database.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
readonly ROOT
RUNS=1
INSTALLS=1000
MEMBERS=20
DURATION=12
CONNECTIONS=32
THREADS=2

die() { echo "rollout_bench: $*" >&2; exit 1; }
log() { echo "rollout_bench: $*" >&2; }

while (($#)); do
    case $1 in
    --runs) RUNS=$2; shift ;;
    --installs) INSTALLS=$2; shift ;;
    --members) MEMBERS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done
for v in "$RUNS" "$INSTALLS" "$MEMBERS" "$DURATION" "$CONNECTIONS"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || die "--runs, --installs, --members, --duration and --connections take positive integers"
done

# shellcheck source=bench/dev_env.sh
. "$ROOT/bench/dev_env.sh"
for tool in wrk psql curl; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install wrk postgresql-client curl)"
done
code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 5 "$BASE_URL/api/healthz" || true)
[[ $code == 200 ]] || die "$BASE_URL/api/healthz answers ${code:-nothing}: start ./deploy/dev up"
OUT=${BENCH_OUT:-$(mktemp -d /tmp/rollout-bench.XXXXXX)}
mkdir -p "$OUT"
log "output in $OUT"

if ((RUNS > 1)); then
    for r in $(seq "$RUNS"); do
        log "run $r of $RUNS"
        BENCH_OUT=$OUT/run-$r "$0" --runs 1 --installs "$INSTALLS" --members "$MEMBERS" \
            --duration "$DURATION" --connections "$CONNECTIONS" >&2 || die "run $r failed"
        sed -n 's/^RESULT //p' "$OUT/run-$r/summary.txt"
    done >"$OUT/results.txt"
    figures() { # key → the runs' values, one a line
        sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" "$OUT/results.txt"
    }
    median() { # key → the median of the runs' values
        figures "$1" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
    }
    {
        printf '%s runs: rollout installs/s median %s (%s)\n' "$RUNS" "$(median rate)" "$(figures rate | paste -sd,)"
        printf 'GET by id idle req/s median %s, during the rollout %s\n' "$(median idle)" "$(median loaded)"
        printf 'kept %% median %s (%s) (target ≥ 70%%: %s)\n' "$(median kept)" "$(figures kept | paste -sd,)" \
            "$(awk -v k="$(median kept)" 'BEGIN { print (k >= 70) ? "yes" : "NO" }')"
    } | tee "$OUT/summary.txt"
    exit 0
fi

# --------------------------------------------------------------------------- data
RUN=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
WS=ws_rbench_$RUN
log "fixture: $INSTALLS installs of a $MEMBERS-member integration in $WS-1 … (takes a while)"
t0=$SECONDS
read -r INTEGRATION V2 INSTALLED < <(psql "$PG" -X -q -v "n=$INSTALLS" -v "m=$MEMBERS" -v "ws=$WS" \
    -v "slug=rbench-$RUN" -f "$ROOT/bench/rollout_fixture.sql")
[[ $INSTALLED == "$INSTALLS" ]] || die "the fixture installed $INSTALLED of $INSTALLS"
log "fixture ready in $((SECONDS - t0)) s: integration $INTEGRATION, target $V2"
psql_q -c "vacuum analyze core.integration_installs, core.install_members, core.entities, core.entity_versions" >/dev/null

TOKEN=$("$ROOT/deploy/dev" token --sub usr_bench --workspace "$WS:owner" --ttl 7200)
# One token per wrk thread (bench/wrk_tokens.lua): a 429 must not count as a GET.
READ_TOKENS=$(for t in $(seq "$THREADS"); do
    "$ROOT/deploy/dev" token --sub "usr_bench_reader_$t" --workspace "$WS:viewer" --ttl 7200
done | tr '\n' ' ')
cat "$ROOT/bench/wrk_tokens.lua" "$ROOT/bench/wrk_result.lua" >"$OUT/get.lua"
# GET by id of the integration being rolled out (its row is key-share locked by every job's
# upgrade), or of another one: BENCH_GET_ID=int_… (readable by the bench's workspace).
GET_URL=$BASE_URL/api/integrations/${BENCH_GET_ID:-$INTEGRATION}
for token in $READ_TOKENS; do
    [[ $(curl -ks -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$GET_URL") == 200 ]] ||
        die "GET $GET_URL does not answer 200"
done

measure() { # label → "served req/s, answers other than 2xx/3xx" of the wrk RESULT line
    BENCH_TOKENS=$READ_TOKENS wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$OUT/get.lua" "$GET_URL" \
        >"$OUT/wrk-$1.txt" 2>&1 || die "wrk failed: $(tail -3 "$OUT/wrk-$1.txt")"
    sed -n 's/^RESULT .*served_rps=\([0-9.]*\) .*non2xx=\([0-9]*\).*/\1 \2/p' "$OUT/wrk-$1.txt"
}

# --------------------------------------------------------------------------- measuring
log "idle: GET by id for $DURATION s"
read -r IDLE_BEFORE IDLE_BEFORE_BAD < <(measure idle-before)
log "rollout of $INSTALLS installs, GET by id for $DURATION s meanwhile"
curl -ks -o "$OUT/rollout.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "{\"targetVersionId\": \"$V2\"}" \
    "$BASE_URL/api/integrations/$INTEGRATION/rollouts" >"$OUT/create.status"
[[ $(cat "$OUT/create.status") == 202 ]] || die "create answered $(cat "$OUT/create.status"): $(cat "$OUT/rollout.json")"
ROLLOUT=$(sed -n 's/.*"id": *"\(rol_[0-9a-f]*\)".*/\1/p' "$OUT/rollout.json")
read -r LOADED LOADED_BAD < <(measure loaded)
WRK_END=$(psql_q -c "select clock_timestamp()")
deadline=$((SECONDS + 600))
until [[ $(psql_q -c "select state from core.rollouts where id = '$ROLLOUT'") != running ]]; do
    ((SECONDS < deadline)) || die "rollout $ROLLOUT still running after 600 s"
    sleep 0.5
done
IFS='|' read -r STATE JOBS UPGRADED SECS COVERED < <(psql_q -c "
    select r.state, count(j.*), count(j.*) filter (where j.state = 'upgraded'),
           round(extract(epoch from r.finished_at - r.started_at)::numeric, 2),
           r.finished_at >= '$WRK_END'::timestamptz
    from core.rollouts as r left join core.rollout_jobs as j on j.rollout_id = r.id
    where r.id = '$ROLLOUT' group by r.id")
# The rollout's dead rows wake autovacuum once it has finished: the second idle window waits
# for the autovacuum workers to be done (at most 120 s), as the first had none.
deadline=$((SECONDS + 120))
while [[ $(psql_q -c "select count(*) from pg_stat_activity where backend_type = 'autovacuum worker'") != 0 ]] &&
    ((SECONDS < deadline)); do
    sleep 1
done
log "idle again: GET by id for $DURATION s"
read -r IDLE_AFTER IDLE_AFTER_BAD < <(measure idle-after)
IDLE=$(awk -v b="$IDLE_BEFORE" -v a="$IDLE_AFTER" 'BEGIN { printf "%.1f", (a + b) / 2 }')
RATE=$(awk -v j="$JOBS" -v s="$SECS" 'BEGIN { printf "%.1f", (s > 0) ? j / s : 0 }')
RATIO=$(awk -v l="$LOADED" -v i="$IDLE" 'BEGIN { printf "%.1f", (i > 0) ? 100 * l / i : 0 }')
PASS_RATE=$(awk -v r="$RATE" 'BEGIN { print (r >= 50) ? "yes" : "NO" }')
PASS_RATIO=$(awk -v r="$RATIO" 'BEGIN { print (r >= 70) ? "yes" : "NO" }')
{
    printf 'rollout %s: %s, %s jobs, %s upgraded, %s s → %s installs/s (target ≥ 50: %s)\n' \
        "$ROLLOUT" "$STATE" "$JOBS" "$UPGRADED" "$SECS" "$RATE" "$PASS_RATE"
    printf 'GET /api/integrations/{id}, wrk -t%s -c%s -d%ss: idle %s req/s (before %s, after %s), during the rollout %s req/s → %s%% (target ≥ 70%%: %s)\n' \
        "$THREADS" "$CONNECTIONS" "$DURATION" "$IDLE" "$IDLE_BEFORE" "$IDLE_AFTER" "$LOADED" "$RATIO" "$PASS_RATIO"
    printf 'answers other than 2xx/3xx, not counted above: idle %s + %s, during the rollout %s\n' \
        "$IDLE_BEFORE_BAD" "$IDLE_AFTER_BAD" "$LOADED_BAD"
    printf 'the wrk window lay inside the rollout: %s\n' "$([[ $COVERED == t ]] && echo yes || echo 'NO (the rollout ended first: use a shorter --duration)')"
    printf 'RESULT rate=%s idle=%s loaded=%s kept=%s\n' "$RATE" "$IDLE" "$LOADED" "$RATIO"
} | tee "$OUT/summary.txt"
