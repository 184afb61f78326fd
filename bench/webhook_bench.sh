#!/usr/bin/env bash
# Webhook delivery (PRODUCT §15) by the dev stack's delivery processes to a local HTTPS
# receiver (tests/webhooks/receiver.py: threaded, HTTP/1.1 keep-alive, every signature checked):
#   1. throughput: N events (default 10,000) of one workspace with one endpoint written in one
#      transaction, then the time from its commit until every delivery is delivered
#                                                                 → deliveries/s (target ≥ 500)
#   2. latency when idle: M events (default 300) written one at a time, 50 ms apart, each in
#      its own transaction; for each, the receiver's arrival instant − the event's occurredAt
#                                                                 → p50 / p99 (target p99 < 1 s)
# Both in the same run; the receiver checks every signature (a bad one fails the bench).
#
# usage: bench/webhook_bench.sh [--events N] [--latency-events M]
# Needs the dev stack (./deploy/dev up: its deliverers INTEGRATIONS_DELIVERERS, 2 there, and
# INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1), psql, python3. The data (workspace ws_wbench_<random>)
# stays in the dev database.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
readonly ROOT
EVENTS=10000
LATENCY_EVENTS=300

die() { echo "webhook_bench: $*" >&2; exit 1; }

while (($#)); do
    case $1 in
    --events) EVENTS=$2; shift ;;
    --latency-events) LATENCY_EVENTS=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done
for v in "$EVENTS" "$LATENCY_EVENTS"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || die "--events and --latency-events take positive integers"
done

# shellcheck source=bench/dev_env.sh
. "$ROOT/bench/dev_env.sh"
command -v psql >/dev/null || die "psql is missing"
[[ ${INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE:-0} == 1 ]] ||
    die "the stack refuses loopback receivers: INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1 (./deploy/dev up sets it)"

BENCH_EVENTS=$EVENTS BENCH_LATENCY_EVENTS=$LATENCY_EVENTS BENCH_ROOT=$ROOT /usr/bin/python3 - <<'PY'
import json
import os
import subprocess
import sys
import time
from datetime import datetime

ROOT = os.environ["BENCH_ROOT"]
sys.path.insert(0, os.path.join(ROOT, "tests", "webhooks"))
from receiver import Receiver, new_secret  # noqa: E402

PG = os.environ["INTEGRATIONS_TEST_PG"]
N = int(os.environ["BENCH_EVENTS"])
M = int(os.environ["BENCH_LATENCY_EVENTS"])
RUN = os.urandom(4).hex()


def psql(sql):
    out = subprocess.run(["psql", PG, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"], input=sql,
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def endpoint(rcv, ws, path):
    secret = new_secret()
    rcv.endpoint(path, [secret])
    psql(f"insert into core.webhook_endpoints (workspace_id, url, secret, created_by) "
         f"values ('{ws}', '{rcv.url(path)}', '{secret}', 'usr_bench');")


def pending(ws):
    return int(psql(f"select count(*) from core.webhook_deliveries as d join core.webhook_endpoints "
                    f"as e on e.id = d.endpoint_id where e.workspace_id = '{ws}' "
                    f"and d.state <> 'delivered';")[0])


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


with Receiver() as rcv:
    # ------------------------------------------------------------------ 1. throughput
    ws = f"ws_wbench_{RUN}_t"
    endpoint(rcv, ws, "/throughput")
    print(f"webhook_bench: writing {N:,} events in one transaction …", file=sys.stderr)
    (committed,) = psql(
        f"select core.event_emit('{ws}', 'integration.updated', jsonb_build_object('i', i, "
        f"'name', 'bench event ' || i)) from generate_series(1, {N}) as i \\g /dev/null\n"
        f"select extract(epoch from clock_timestamp());")
    t_commit = float(committed)
    deadline = time.monotonic() + 600
    while pending(ws) > 0:
        if time.monotonic() > deadline:
            sys.exit(f"webhook_bench: {pending(ws)} deliveries still pending after 600 s")
        time.sleep(0.2)
    t_done = time.time()
    recs = rcv.received("/throughput")
    last_arrival = max(r["arrived"] for r in recs)
    first_arrival = min(r["arrived"] for r in recs)
    bad = sum(1 for r in recs if not r["verified"])
    ids = {r["id"] for r in recs}
    conns = len({r["peer"] for r in recs})
    secs = last_arrival - t_commit
    rate = N / secs
    print(f"throughput: {N:,} deliveries (1 endpoint, {len(recs):,} requests, {len(ids):,} distinct "
          f"webhook-ids, {bad} bad signatures, {conns} TLS connections): commit → last arrival {secs:.2f} s → "
          f"{rate:.0f} deliveries/s (target ≥ 500: {'yes' if rate >= 500 else 'NO'}); "
          f"first arrival {first_arrival - t_commit:.3f} s after the commit, every row "
          f"delivered {t_done - t_commit:.2f} s after it")

    # ------------------------------------------------------------------ 2. latency, idle
    time.sleep(2)
    ws = f"ws_wbench_{RUN}_l"
    endpoint(rcv, ws, "/latency")
    proc = subprocess.Popen(["psql", PG, "-X", "-q", "-v", "ON_ERROR_STOP=1"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for i in range(M):
        proc.stdin.write(f"select core.event_emit('{ws}', 'integration.updated', "
                         f"'{{\"i\": {i}}}');\n")
        proc.stdin.flush()
        time.sleep(0.05)
    proc.stdin.close()
    proc.wait()
    deadline = time.monotonic() + 60
    while pending(ws) > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    first = {}
    for r in rcv.received("/latency"):
        body = json.loads(r["body"])
        occurred = datetime.fromisoformat(body["occurredAt"].replace("Z", "+00:00")).timestamp()
        if r["id"] not in first:
            first[r["id"]] = r["arrived"] - occurred
    lat = [v * 1000 for v in first.values()]
    bad = sum(1 for r in rcv.received("/latency") if not r["verified"])
    p99 = pct(lat, 99)
    print(f"latency (idle, {len(lat)} events of {M} one at a time, {bad} bad signatures): "
          f"occurredAt → arrival p50 {pct(lat, 50):.1f} ms, p90 {pct(lat, 90):.1f} ms, "
          f"p99 {p99:.1f} ms, max {max(lat):.1f} ms (target p99 < 1000 ms: "
          f"{'yes' if p99 < 1000 else 'NO'})")
    if len(lat) != M or bad:
        sys.exit("webhook_bench: events missing or signatures bad")
PY
