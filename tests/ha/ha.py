"""The high-availability suite's scenarios (run by tests/ha/run, which starts the cluster).

  b. read your writes: 1,000 times create -> immediate GET with the create's X-Consistency-Token
     through the read path: 0 misses asserted; the same without the token: misses reported.
  c. read throughput (wrk, GET by id, 5 s each) with 0, 1 and 2 standbys behind the read URL.
  a. kill -9 of the primary's postmaster under mixed load (keyed creates, GET by id, lists):
     failover time, every failure a 503 with Retry-After inside the gap, no acknowledged write
     lost (read back row by row from the new primary), reads served by standbys in the gap, and
     the service recovers by itself.

Which connection served a read: the API runs here with INTEGRATIONS_DEBUG_DB_HEADER=1 (refused
in production), so each read answers X-Debug-Db: "standby HOST:PORT" (the worker's read
connection, which its last lag check found in recovery) or "primary" (the write connection).
Exit status 0 when every assertion held.
"""
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import jwt

ENV = os.environ
HA = Path(ENV["HA_DIR"])
BASE = ENV["HA_BASE"]
HOST, PORT = re.match(r"http://([^:/]+):(\d+)", BASE).groups()
REST_PORTS = [int(p) for p in ENV["HA_REST_PORTS"].split()]
PG_PORTS = [int(p) for p in ENV["HA_PG_PORTS"].split()]
PG_BIN = "/usr/lib/postgresql/15/bin"
REPO = Path(__file__).resolve().parents[2]
API_BIN = REPO / "build-dev" / "app" / "integrations-api"
RUN_ID = secrets.token_hex(3)
FAILURES = []


def log(msg):
    print(f"[ha] {msg}", flush=True)


def check(cond, what):
    log(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def token(sub, workspaces):
    now = int(time.time())
    claims = {"sub": sub, "workspaces": workspaces, "iat": now, "exp": now + 3600}
    if ENV.get("INTEGRATIONS_JWT_ISSUER"):
        claims["iss"] = ENV["INTEGRATIONS_JWT_ISSUER"]
    if ENV.get("INTEGRATIONS_JWT_AUDIENCE"):
        claims["aud"] = ENV["INTEGRATIONS_JWT_AUDIENCE"]
    return jwt.encode(claims, ENV["INTEGRATIONS_JWT_SECRET"], algorithm="HS256")


# --------------------------------------------------------------------------- cluster

def members():
    for port in REST_PORTS:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/cluster", timeout=1) as r:
                return json.load(r)["members"]
        except Exception:  # noqa: BLE001 - a node may be down: ask the next one
            continue
    return []


def leader():
    for m in members():
        if m["role"] == "leader" and m["state"] == "running":
            return m
    return None


def wait_cluster(n_standbys, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ms = members()
        lead = [m for m in ms if m["role"] == "leader" and m["state"] == "running"]
        stand = [m for m in ms if m["role"] != "leader" and m["state"] in ("streaming", "running")]
        if lead and len(stand) >= n_standbys:
            return lead[0], stand
        time.sleep(0.2)
    raise RuntimeError(f"the cluster did not reach a leader + {n_standbys} standbys: {members()}")


def psql(port, sql):
    out = subprocess.run([f"{PG_BIN}/psql", f"host=127.0.0.1 port={port} dbname=integrations user=postgres",
                          "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"],
                         input=sql, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return [line for line in out.stdout.splitlines() if line]


# --------------------------------------------------------------------------- the API

def conninfo(ports, attrs):
    hosts = ",".join("127.0.0.1" for _ in ports)
    return (f"host={hosts} port={','.join(str(p) for p in ports)} dbname=integrations "
            f"user=integrations_api target_session_attrs={attrs}")


API = {"proc": None}


def api_stop():
    proc = API["proc"]
    if proc is None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    API["proc"] = None
    (HA / "api.pid").unlink(missing_ok=True)


def api_start(read_ports):
    """The second API supervisor (4 workers) on HA/api.sock: writes through the multi-host
    read-write URL, reads through a prefer-standby URL of read_ports (None: no read URL)."""
    api_stop()
    env = dict(ENV)
    env.update(INTEGRATIONS_ENV="development", INTEGRATIONS_SOCKET=str(HA / "api.sock"),
               INTEGRATIONS_SOCKET_MODE="0666", INTEGRATIONS_WORKERS="4",
               INTEGRATIONS_DEBUG_DB_HEADER="1",
               INTEGRATIONS_DB_URL=conninfo(PG_PORTS, "read-write"))
    env.pop("INTEGRATIONS_DB_READ_URL", None)
    if read_ports:
        env["INTEGRATIONS_DB_READ_URL"] = conninfo(read_ports, "prefer-standby")
    with open(HA / "api.log", "ab") as logf:
        proc = subprocess.Popen([str(API_BIN)], env=env, stdin=subprocess.DEVNULL, stdout=logf,
                                stderr=logf, start_new_session=True)
    API["proc"] = proc
    (HA / "api.pid").write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection(HOST, int(PORT), timeout=2)
            c.request("GET", "/api/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the HA API did not answer /api/healthz")


class Client:
    def __init__(self, tok):
        self.tok = tok
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        h = {"Authorization": f"Bearer {self.tok}"}
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, int(PORT), timeout=10)
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, data
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    return 0, {}, b""
        return 0, {}, b""


def create_body(ws, slug):
    return json.dumps({"workspaceId": ws, "slug": slug, "name": slug, "description": "ha"})


# --------------------------------------------------------------------------- b: read your writes

def scenario_b(tries=1000):
    ws = f"ws_ha{RUN_ID}b"
    c = Client(token(f"usr_ha{RUN_ID}b", {ws: "owner"}))
    results = {}
    for use_token in (True, False):
        misses = served_standby = served_primary = errors = 0
        n = tries if use_token else tries // 2
        t0 = time.monotonic()
        for i in range(n):
            st, h, data = c.call("POST", "/api/integrations",
                                 create_body(ws, f"rw-{RUN_ID}-{int(use_token)}-{i}"))
            tok = h.get("x-consistency-token")
            if st != 201 or (use_token and not tok):
                errors += 1
                continue
            iid = json.loads(data)["id"]
            hdr = {"X-Consistency-Token": tok} if use_token else {}
            st, h, _ = c.call("GET", f"/api/integrations/{iid}", headers=hdr)
            served = h.get("x-debug-db", "")
            served_standby += served.startswith("standby")
            served_primary += served == "primary"
            if st == 404:
                misses += 1
            elif st != 200:
                errors += 1
        took = time.monotonic() - t0
        results[use_token] = (n, misses, served_standby, served_primary, errors, took)
        log(f"b: {'with' if use_token else 'without'} token: {n} create->GET pairs in {took:.1f} s: "
            f"{misses} misses, reads served by a standby {served_standby}, by the primary "
            f"{served_primary}, errors {errors}")
    n, misses, standby, _, errors, _ = results[True]
    check(misses == 0 and errors == 0, f"b: {n} reads with the token after their write: 0 misses "
          f"(got {misses}, errors {errors})")
    check(standby > 0, f"b: reads with a token were served by standbys ({standby} of {n})")
    # A malformed token is the caller's error.
    st, _, data = c.call("GET", "/api/integrations?workspace_id=" + ws + "&limit=1",
                         headers={"X-Consistency-Token": "not-a-token"})
    check(st == 400 and b"validation_failed" in data, f"b: a malformed token answers 400 (got {st})")
    return results


# --------------------------------------------------------------------------- c: throughput

def scenario_c(standbys):
    ws = f"ws_ha{RUN_ID}c"
    tok = token(f"usr_ha{RUN_ID}c", {ws: "owner"})
    tok2 = token(f"usr_ha{RUN_ID}c2", {ws: "viewer"})
    c = Client(tok)
    st, _, data = c.call("POST", "/api/integrations", create_body(ws, f"tp-{RUN_ID}"))
    if st != 201:
        raise RuntimeError(f"c: seeding failed: {st}")
    iid = json.loads(data)["id"]
    time.sleep(0.3)
    rows = []
    configs = [("0 standbys (no read URL)", None), ("1 standby", [standbys[0]]),
               ("2 standbys", standbys[:2])]
    for label, ports in configs:
        api_start(ports)
        # Warm every worker (connections, prepared statements), then sample who serves.
        served = {}
        c = Client(tok)
        for _ in range(200):
            _, h, _ = c.call("GET", f"/api/integrations/{iid}")
            served[h.get("x-debug-db", "?")] = served.get(h.get("x-debug-db", "?"), 0) + 1
        # One token per wrk thread (bench/wrk_tokens.lua): one for all of wrk passes nginx's
        # per-token rate limit on a quiet machine, and its 429s are not reads.
        out = subprocess.run(["wrk", "-t2", "-c16", "-d5s", "-s", str(REPO / "bench" / "wrk_tokens.lua"),
                              f"{BASE}/api/integrations/{iid}"], capture_output=True, text=True,
                             timeout=30, env={**os.environ, "BENCH_TOKENS": f"{tok} {tok2}"})
        m = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
        rps = float(m.group(1)) if m else 0.0
        conns = {}
        for port in PG_PORTS:
            try:
                conns[port] = int(psql(port, "select count(*) from pg_stat_activity "
                                             "where application_name = 'integrations-api-read'")[0])
            except RuntimeError:
                conns[port] = None
        rows.append((label, rps, non2xx.group(1) if non2xx else "0", served, conns))
        check(rps > 0 and not non2xx, f"c: {label}: wrk ran without errors ({rps:.0f} req/s)")
    base = rows[0][1] or 1.0
    log("c: read throughput, GET by id, wrk -t2 -c16 -d5s, 4 API workers, same 2 cores:")
    log(f"   {'configuration':<26} {'req/s':>8} {'ratio':>6}  read connections per node | sample of X-Debug-Db")
    for label, rps, _, served, conns in rows:
        log(f"   {label:<26} {rps:8.0f} {rps / base:6.2f}  {conns} | {served}")
    return rows


# --------------------------------------------------------------------------- a: failover

class Load:
    def __init__(self):
        self.ws = f"ws_ha{RUN_ID}a"
        self.tok = token(f"usr_ha{RUN_ID}a", {self.ws: "owner"})
        self.records = []     # (t0, t1, kind, status, retry_after, served)
        self.acked = {}       # key -> id
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.counter = 0
        c = Client(self.tok)
        self.seed = []
        for i in range(10):
            st, _, data = c.call("POST", "/api/integrations", create_body(self.ws, f"seed-{RUN_ID}-{i}"))
            if st != 201:
                raise RuntimeError(f"a: seeding failed: {st} {data[:200]}")
            self.seed.append(json.loads(data)["id"])
        time.sleep(0.5)

    def rec(self, t0, kind, st, h):
        with self.lock:
            self.records.append((t0, time.monotonic(), kind, st, "retry-after" in h,
                                 h.get("x-debug-db", "")))

    def writer(self):
        c = Client(self.tok)
        while not self.stop.is_set():
            with self.lock:
                self.counter += 1
                n = self.counter
            key = f"ha-{RUN_ID}-{n}"
            body = create_body(self.ws, f"w-{RUN_ID}-{n}")
            while not self.stop.is_set():
                t0 = time.monotonic()
                st, h, data = c.call("POST", "/api/integrations", body, {"Idempotency-Key": key})
                self.rec(t0, "write", st, h)
                if st == 201:
                    with self.lock:
                        self.acked[key] = json.loads(data)["id"]
                    break
                if st in (0, 502, 503, 504, 409):
                    time.sleep(0.05)
                    continue
                break
            time.sleep(0.01)

    def reader(self, i):
        c = Client(self.tok)
        k = 0
        while not self.stop.is_set():
            k += 1
            t0 = time.monotonic()
            if k % 4 == 0:
                st, h, _ = c.call("GET", f"/api/integrations?workspace_id={self.ws}&limit=5")
                self.rec(t0, "list", st, h)
            else:
                st, h, _ = c.call("GET", f"/api/integrations/{self.seed[(k + i) % len(self.seed)]}")
                self.rec(t0, "get", st, h)
            time.sleep(0.005)


def scenario_a():
    load = Load()
    threads = [threading.Thread(target=load.writer) for _ in range(2)] + \
              [threading.Thread(target=load.reader, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(10)
        lead = leader()
        node = lead["name"]
        pid = int((HA / node / "data" / "postmaster.pid").read_text().split()[0])
        log(f"a: kill -9 of {node}'s postmaster (pid {pid}, port {lead['port']})")
        t_kill = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        # Until a write succeeds again, then 5 s more (the recovery is watched too).
        deadline = t_kill + 60
        while time.monotonic() < deadline:
            with load.lock:
                ok_after = [r for r in load.records if r[2] == "write" and r[3] == 201 and r[0] > t_kill]
            if ok_after:
                break
            time.sleep(0.1)
        time.sleep(5)
    finally:
        load.stop.set()
        for t in threads:
            t.join(timeout=15)
    recs = sorted(load.records, key=lambda r: r[1])
    writes_ok = [r for r in recs if r[2] == "write" and r[3] == 201]
    before = [r for r in writes_ok if r[1] <= t_kill]
    after = [r for r in writes_ok if r[0] > t_kill]
    check(bool(before) and bool(after), "a: writes succeeded before the kill and again after it")
    if not (before and after):
        return None
    last_ok, first_ok = before[-1][1], after[0][1]
    gap = first_ok - last_ok
    failed = [r for r in recs if r[3] not in (200, 201)]
    statuses = {}
    for r in failed:
        statuses[r[3]] = statuses.get(r[3], 0) + 1
    log(f"a: failover time (last acknowledged write before -> first after): {gap:.2f} s "
        f"(kill -> first write after: {first_ok - t_kill:.2f} s)")
    log(f"a: requests: {len(recs)}, failed: {len(failed)} by status {statuses}")
    check(all(r[3] == 503 and r[4] for r in failed), "a: every failed request is a 503 with Retry-After")
    check(not any(r[3] == 500 for r in recs), "a: no 500")
    outside = [r for r in failed if r[0] < last_ok - 0.05 or r[1] > first_ok + 1.0]
    check(not outside, f"a: failures only in the gap ({len(outside)} outside "
          f"[last success before, first success after + 1 s])")
    reads_gap = [r for r in recs if r[2] in ("get", "list") and r[0] >= last_ok and r[1] <= first_ok]
    reads_gap_ok = [r for r in reads_gap if r[3] == 200]
    reads_gap_standby = [r for r in reads_gap_ok if r[5].startswith("standby")]
    log(f"a: reads during the gap: {len(reads_gap)}, answered 200: {len(reads_gap_ok)}, "
        f"of them by a standby: {len(reads_gap_standby)}")
    check(len(reads_gap_standby) > 0, "a: standbys served reads during the gap")
    reads = [r for r in recs if r[2] in ("get", "list") and r[3] == 200]
    by_standby = sum(1 for r in reads if r[5].startswith("standby"))
    log(f"a: reads answered 200 overall: {len(reads)}, by a standby: {by_standby}")
    tail = [r for r in recs if r[0] > first_ok + 1.0]
    check(bool(tail) and all(r[3] in (200, 201) for r in tail),
          f"a: recovered by itself: all {len(tail)} requests after the gap + 1 s succeeded")
    # Every acknowledged write, row by row, on the new primary.
    new = None
    deadline = time.monotonic() + 20
    while new is None and time.monotonic() < deadline:
        new = leader()
        time.sleep(0.2)
    ids = list(load.acked.values())
    found = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        arr = "array[" + ",".join(f"'{x}'" for x in chunk) + "]::text[]"
        found.update(psql(new["port"], f"select id from core.integrations where id = any({arr})"))
    lost = [x for x in ids if x not in found]
    log(f"a: new primary {new['name']} (port {new['port']}); acknowledged creates: {len(ids)}, "
        f"found there: {len(ids) - len(lost)}, lost: {len(lost)}")
    check(not lost, "a: no acknowledged write lost")
    return gap


def main():
    lead, stand = wait_cluster(2, 60)
    standby_ports = sorted(m["port"] for m in stand)
    log(f"cluster: leader {lead['name']} (port {lead['port']}), standbys "
        f"{[(m['name'], m['port'], m['role'], m['state']) for m in stand]}")
    t0 = time.monotonic()
    try:
        api_start(PG_PORTS)
        scenario_b()
        scenario_c(standby_ports)
        api_start(PG_PORTS)
        time.sleep(1)
        scenario_a()
    finally:
        api_stop()
    log(f"scenarios took {time.monotonic() - t0:.0f} s")
    if FAILURES:
        log(f"{len(FAILURES)} check(s) failed")
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
