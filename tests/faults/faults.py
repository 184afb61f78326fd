"""Fault tests of the running dev stack (run by tests/faults/run).

  a. kill -9 of a random worker every second during 20 s of mixed load: every acknowledged create
     is in the database exactly once, and only requests in flight on a killed worker failed.
  b. PostgreSQL stopped for 5 s during load: 503 + Retry-After meanwhile (never 500), full
     recovery within 2 s of the database answering, no worker restarted, nothing half-applied.
  c. `nginx -s reload` and a rolling restart of the workers (SIGHUP) under load: zero failures.
  d. PostgreSQL restarted while the service is idle: the next requests, writes included, all
     succeed (each worker notices its closed connection before sending, not by failing one).
  e. a rollout of 500 installs while, every second, a rollout job runner is killed (kill -9)
     and a runner's database session in a transaction is terminated (its job's lease must
     expire): every install upgraded exactly once (one `upgrade` operation with the rollout's actor
     each), the counts exact, every job terminal within ROLLOUT_LIMIT seconds, the runners
     respawned.

Loopback only; acts on the processes named by the dev stack's pid files; always leaves
PostgreSQL running and the pool whole. Exit status 0 when every scenario passed, 1 otherwise.
tests/faults/run bounds it in time; `faults.py a c` runs some scenarios only.
"""
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import jwt
import requests
import urllib3

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

REPO = Path(__file__).resolve().parents[2]
PG_BIN = "/usr/lib/postgresql/15/bin"
ENV = os.environ
BASE = ENV.get("INTEGRATIONS_BASE_URL", "https://127.0.0.1:8443").rstrip("/")
DEV = Path(ENV.get("INTEGRATIONS_DEV_DIR", REPO / ".dev"))
PG_PORT = ENV.get("INTEGRATIONS_PG_PORT", "55432")
TEST_PG = ENV.get("INTEGRATIONS_TEST_PG",
                  f"host={DEV / 'pg'} port={PG_PORT} dbname=integrations user=postgres")
CERT = str(DEV / "nginx" / "cert.pem")
RUN_ID = secrets.token_hex(4)
REQUEST_TIMEOUT = 10          # seconds, per HTTP request
KEYED_DEADLINE = 15           # seconds a client keeps retrying one keyed create

KILL_LOAD_SECONDS = 20
PG_DOWN_SECONDS = 5
RECOVERY_LIMIT = 2.0          # seconds after the database answers again
KILL_SLACK = 0.05             # clock slack when matching a failure to a kill instant
ROLLOUT_INSTALLS = 500
ROLLOUT_LIMIT = 60            # seconds for every job of the rollout to end, runners killed


def log(msg):
    print(f"[faults] {msg}", flush=True)


# ------------------------------------------------------------------------------- processes

def supervisor_pid():
    pid = int((DEV / "run" / "api.pid").read_text().split()[0])
    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    assert b"integrations-api" in cmd, f"pid {pid} in api.pid is not the supervisor"
    return pid


def runner_pids(sup):
    """The supervisor's rollout job runners (they name themselves rollout-runner)."""
    out = subprocess.run(["pgrep", "-P", str(sup), "-x", "rollout-runner"], capture_output=True,
                         text=True)
    return {int(p) for p in out.stdout.split()}


def worker_pids(sup):
    out = subprocess.run(["pgrep", "-P", str(sup)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def pg_ctl(*args, timeout=70):
    cmd = ["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", str(DEV / "pg" / "data"),
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def pg_running():
    return pg_ctl("status").returncode == 0


def pg_start():
    """Exactly as deploy/lib/postgres.sh starts the cluster."""
    pg = DEV / "pg"
    out = pg_ctl("start", "-l", str(pg / "server.log"), "-w", "-t", "60", "-o",
                 f"-k {pg} -c listen_addresses=127.0.0.1 -p {PG_PORT}")
    if out.returncode != 0:
        raise RuntimeError(f"pg_ctl start failed: {out.stdout}{out.stderr}")


def wait_db_answers(timeout):
    """Polls the cluster (pg_isready, every 20 ms) until it accepts connections; returns that
    monotonic instant, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run([f"{PG_BIN}/pg_isready", "-q", "-h", str(DEV / "pg"), "-p", PG_PORT,
                              "-d", "integrations", "-U", "postgres"], capture_output=True)
        if out.returncode == 0:
            return time.monotonic()
        time.sleep(0.02)
    return None


def nginx_reload():
    """As deploy/lib/nginx.sh drives nginx: its prefix and rendered configuration."""
    ngx = DEV / "nginx"
    out = subprocess.run(["nginx", "-p", f"{ngx}/", "-c", str(ngx / "nginx.conf"), "-s", "reload"],
                         capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise RuntimeError(f"nginx -s reload failed: {out.stderr}")


def psql(sql):
    out = subprocess.run([f"{PG_BIN}/psql", TEST_PG, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"],
                         input=sql, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return [line for line in out.stdout.splitlines() if line]


def sql_text_array(values):
    return "array[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


# ------------------------------------------------------------------------------ HTTP client

def token(sub, workspaces):
    now = int(time.time())
    claims = {"sub": sub, "workspaces": workspaces, "iat": now, "exp": now + 3600}
    if ENV.get("INTEGRATIONS_JWT_ISSUER"):
        claims["iss"] = ENV["INTEGRATIONS_JWT_ISSUER"]
    if ENV.get("INTEGRATIONS_JWT_AUDIENCE"):
        claims["aud"] = ENV["INTEGRATIONS_JWT_AUDIENCE"]
    return jwt.encode(claims, ENV["INTEGRATIONS_JWT_SECRET"], algorithm="HS256")


class Rec:
    """One HTTP exchange as the client saw it."""
    __slots__ = ("kind", "method", "path", "rid", "t0", "t1", "status", "code", "error",
                 "retry_after", "ctype", "replayed", "body")

    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    def outcome(self):
        if self.status is None:
            return f"conn-error({self.error})"
        return f"{self.status}{'/' + self.code if self.code else ''}"


class Client:
    def __init__(self, scenario, tok, fresh_connections=False):
        self.scenario = scenario
        self.auth = {"Authorization": f"Bearer {tok}"}
        self.fresh = fresh_connections
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE must not override verify=CERT
        self.n = 0

    def call(self, kind, method, path, body=None, key=None):
        self.n += 1
        r = Rec()
        r.kind, r.method, r.path = kind, method, path
        r.rid = f"flt-{RUN_ID}-{self.scenario}-{threading.get_ident() % 100000}-{self.n}"
        r.status = r.code = r.error = r.retry_after = r.ctype = r.replayed = r.body = None
        headers = dict(self.auth)
        headers["X-Request-Id"] = r.rid
        if self.fresh:
            headers["Connection"] = "close"
        if body is not None:
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        r.t0 = time.monotonic()
        try:
            resp = self.session.request(method, BASE + path, data=body, headers=headers,
                                        verify=CERT, timeout=REQUEST_TIMEOUT)
            r.status = resp.status_code
            r.ctype = resp.headers.get("Content-Type", "")
            r.retry_after = resp.headers.get("Retry-After")
            r.replayed = resp.headers.get("Idempotent-Replayed")
            try:
                r.body = resp.json()
            except ValueError:
                r.body = None
            if r.status >= 400 and isinstance(r.body, dict):
                r.code = r.body.get("code")
        except requests.RequestException as exc:
            r.error = type(exc).__name__
            self.session.close()
            self.session = requests.Session()
            self.session.trust_env = False
        r.t1 = time.monotonic()
        return r


# --------------------------------------------------------------------------------- the load

class Load:
    """Threads of mixed traffic in one fresh workspace, recording every exchange.

    get: GET /api/integrations/{id} of seeded rows; list: up to 3 pages of the workspace's list;
    create: plain POST /api/integrations (no key, never retried); keyed: POST with an
    Idempotency-Key, retried with the same key and body on connection errors, 502, 503, 504 and
    409 request_in_progress until it is acknowledged (201); patch (optional): PATCH name +
    description together (both carry the same counter)."""

    def __init__(self, scenario, mix, fresh_connections=False, seed_rows=12):
        self.scenario = scenario
        self.mix = mix
        self.fresh = fresh_connections
        self.ws = f"ws_flt{RUN_ID}{scenario}"
        self.sub = f"usr_flt{RUN_ID}{scenario}"
        self.tok = token(self.sub, {self.ws: "owner"})
        self.records = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = []
        self.keyed = {}    # key -> {"slug", "id" (acknowledged id or None), "attempts"}
        self.plain = {}    # slug -> acknowledged id or None
        self.counter = 0
        self.seed = []
        c = Client(scenario, self.tok)
        for i in range(seed_rows):
            body = json.dumps({"workspaceId": self.ws, "slug": f"fs-{RUN_ID}-{scenario}-{i}",
                               "name": f"seed {i}", "description": "seed"})
            r = c.call("seed", "POST", "/api/integrations", body)
            if r.status != 201:
                raise RuntimeError(f"seeding failed: {r.outcome()} {r.body}")
            self.seed.append(r.body["id"])

    def next_n(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def add(self, rec):
        with self.lock:
            self.records.append(rec)

    def run_get(self, c):
        while not self.stop.is_set():
            self.add(c.call("get", "GET", f"/api/integrations/{random.choice(self.seed)}"))

    def run_list(self, c):
        while not self.stop.is_set():
            path = f"/api/integrations?workspace_id={self.ws}&limit=5"
            for _ in range(3):
                r = c.call("list", "GET", path)
                self.add(r)
                if not r.ok() or self.stop.is_set():
                    break
                cursor = (r.body or {}).get("pageInfo", {}).get("endCursor")
                if not cursor:
                    break
                path = f"/api/integrations?workspace_id={self.ws}&limit=5&after={cursor}"

    def run_create(self, c):
        while not self.stop.is_set():
            slug = f"fc-{RUN_ID}-{self.scenario}-{self.next_n()}"
            body = json.dumps({"workspaceId": self.ws, "slug": slug, "name": "plain create"})
            r = c.call("create", "POST", "/api/integrations", body)
            self.add(r)
            with self.lock:
                self.plain[slug] = r.body["id"] if r.status == 201 else None
            time.sleep(0.01)

    def run_keyed(self, c):
        while not self.stop.is_set():
            n = self.next_n()
            key = f"flt-{RUN_ID}-{self.scenario}-{n}"
            slug = f"fk-{RUN_ID}-{self.scenario}-{n}"
            body = json.dumps({"workspaceId": self.ws, "slug": slug, "name": "keyed create"})
            entry = {"slug": slug, "id": None, "attempts": 0, "replayed": False, "last": None}
            with self.lock:
                self.keyed[key] = entry
            deadline = time.monotonic() + KEYED_DEADLINE
            while time.monotonic() < deadline:
                r = c.call("keyed", "POST", "/api/integrations", body, key=key)
                self.add(r)
                entry["attempts"] += 1
                entry["last"] = r.outcome()
                if r.status == 201:
                    entry["id"] = r.body["id"]
                    entry["replayed"] = r.replayed == "true"
                    break
                retriable = r.status is None or r.status in (502, 503, 504) or \
                    (r.status == 409 and r.code == "request_in_progress")
                if not retriable:
                    break
                wait = 0.1
                if r.retry_after and r.retry_after.isdigit():
                    wait = min(float(r.retry_after), 1.0)
                time.sleep(wait * random.uniform(0.5, 1.0))
            time.sleep(0.01)

    def run_patch(self, c):
        target = self.seed[0]
        while not self.stop.is_set():
            n = self.next_n()
            body = json.dumps({"name": f"patched {n}", "description": f"patched {n}"})
            self.add(c.call("patch", "PATCH", f"/api/integrations/{target}", body))
            time.sleep(0.02)

    def start(self):
        for kind, count in self.mix.items():
            fn = getattr(self, f"run_{kind}")
            for _ in range(count):
                t = threading.Thread(target=fn, args=(Client(self.scenario, self.tok, self.fresh),),
                                     daemon=True)
                t.start()
                self.threads.append(t)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(KEYED_DEADLINE + REQUEST_TIMEOUT + 5)
        alive = [t for t in self.threads if t.is_alive()]
        if alive:
            raise RuntimeError(f"{len(alive)} load threads did not finish")

    def failures(self):
        return [r for r in self.records if not r.ok()]

    def summary_counts(self):
        by = {}
        for r in self.records:
            by.setdefault(r.kind, [0, 0])
            by[r.kind][0] += 1
            by[r.kind][1] += 0 if r.ok() else 1
        return ", ".join(f"{k} {n}/{f} failed" for k, (n, f) in sorted(by.items()))

    # ------------------------------------------------------------- database checks

    def check_creates(self, problems):
        """Every acknowledged create is in core.integrations exactly once, with the id that was
        acknowledged; keyed creates were all acknowledged in the end. Returns a description."""
        slugs = [e["slug"] for e in self.keyed.values()] + list(self.plain)
        rows = {}
        if slugs:
            for line in psql(f"select slug, id from core.integrations where workspace_id = "
                             f"'{self.ws}' and slug = any({sql_text_array(slugs)})"):
                slug, rid = line.split("|")
                rows.setdefault(slug, []).append(rid)
        for key, e in self.keyed.items():
            found = rows.get(e["slug"], [])
            if e["id"] is None:
                problems.append(f"keyed create {key} never acknowledged (last: {e['last']}, "
                                f"{e['attempts']} attempts)")
            elif found != [e["id"]]:
                problems.append(f"keyed create {key}: acknowledged {e['id']}, database has {found}")
        unacked_committed = 0
        for slug, ack in self.plain.items():
            found = rows.get(slug, [])
            if ack is not None and found != [ack]:
                problems.append(f"create {slug}: acknowledged {ack}, database has {found}")
            if ack is None and found:
                unacked_committed += 1
            if len(found) > 1:
                problems.append(f"create {slug} is in the database {len(found)} times")
        retried = sum(1 for e in self.keyed.values() if e["attempts"] > 1)
        replayed = sum(1 for e in self.keyed.values() if e["replayed"])
        acked_plain = sum(1 for a in self.plain.values() if a is not None)
        return (f"keyed creates {len(self.keyed)} (retried {retried}, answered by replay "
                f"{replayed}), plain creates {len(self.plain)} acknowledged {acked_plain} "
                f"(unacknowledged but committed: {unacked_committed})")

    def check_keys_consistent(self, problems):
        """No half-applied keyed create: an idempotency key row exists exactly when the
        integration it names exists, and names it."""
        keys = list(self.keyed)
        if not keys:
            return
        lines = psql(
            "select k.key, k.body::jsonb->>'id', i.id from core.idempotency_keys k "
            "left join core.integrations i on i.id = k.body::jsonb->>'id' "
            f"where k.caller_sub = '{self.sub}' and k.key = any({sql_text_array(keys)})")
        stored = {}
        for line in lines:
            key, body_id, row_id = line.split("|")
            stored[key] = body_id
            if body_id != row_id:
                problems.append(f"idempotency key {key} stores {body_id} but the row is missing")
        for key, e in self.keyed.items():
            if e["id"] is not None and stored.get(key) != e["id"]:
                problems.append(f"keyed create {key} ({e['id']}) has no idempotency record")
        slugs = [e["slug"] for e in self.keyed.values()]
        for line in psql("select i.slug from core.integrations i where i.workspace_id = "
                         f"'{self.ws}' and i.slug = any({sql_text_array(slugs)}) and not exists "
                         "(select from core.idempotency_keys k where k.caller_sub = "
                         f"'{self.sub}' and k.body::jsonb->>'id' = i.id)"):
            problems.append(f"integration {line} was created by a keyed request but has no key")


# ------------------------------------------------------------------------------- helpers

def healthy(timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            s = requests.Session()
            s.trust_env = False
            if s.get(BASE + "/api/healthz", verify=CERT, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def wait_pool(sup, n, exclude=(), timeout=8):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = worker_pids(sup)
        if len(now) == n and not (now & set(exclude)):
            return now
        time.sleep(0.1)
    return worker_pids(sup)


def scenario_result(summary, problems):
    """A scenario's result: passed when nothing went wrong, and its report line."""
    return not problems, summary + "".join("\n  - " + p for p in problems)


def fmt_failures(recs, limit=8):
    lines = [f"    {r.kind} {r.method} {r.path[:60]} rid={r.rid}: {r.outcome()}" for r in recs[:limit]]
    if len(recs) > limit:
        lines.append(f"    … and {len(recs) - limit} more")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ scenarios

def scenario_kill():
    problems = []
    sup = supervisor_pid()
    pool = worker_pids(sup)
    n_workers = len(pool)
    if n_workers == 0:
        return False, "no workers"
    load = Load("a", {"get": 2, "list": 1, "create": 1, "keyed": 2})
    kills = []   # (monotonic instant, pid)
    load.start()
    t_end = time.monotonic() + KILL_LOAD_SECONDS
    time.sleep(0.5)
    while time.monotonic() < t_end:
        victims = sorted(worker_pids(sup))
        if victims:
            pid = random.choice(victims)
            try:
                t = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                kills.append((t, pid))
            except ProcessLookupError:
                pass
        time.sleep(max(0.0, min(1.0, t_end - time.monotonic())))
    load.finish()

    fails = load.failures()
    unexplained = []
    for r in fails:
        in_flight = any(r.t0 - KILL_SLACK <= t <= r.t1 + KILL_SLACK for t, _ in kills)
        bad_kind = r.status is not None and r.status != 502
        if not in_flight or bad_kind:
            unexplained.append(r)
    if unexplained:
        problems.append(f"{len(unexplained)} failures not explained by a kill of the worker "
                        f"serving them:\n{fmt_failures(unexplained)}")
    if len(fails) > len(kills):
        problems.append(f"{len(fails)} failed requests but only {len(kills)} kills (a worker "
                        "serves one request at a time)")
    creates = load.check_creates(problems)
    load.check_keys_consistent(problems)
    after = wait_pool(sup, n_workers)
    if len(after) != n_workers:
        problems.append(f"pool not whole after the test: {len(after)} of {n_workers} workers")
    if not healthy():
        problems.append("/api/healthz does not answer 200 after the test")
    failed_gets = sum(1 for r in fails if r.method == "GET")
    summary = (f"{len(kills)} workers killed, {len(load.records)} requests, {len(fails)} failed "
               f"(all in flight on a killed worker: {'yes' if not unexplained else 'NO'}; "
               f"GETs failed {failed_gets}, POSTs failed {len(fails) - failed_gets}); "
               f"{load.summary_counts()}; {creates}")
    return scenario_result(summary, problems)


def scenario_postgres():
    problems = []
    sup = supervisor_pid()
    before = worker_pids(sup)
    load = Load("b", {"get": 2, "list": 1, "keyed": 1, "patch": 1})
    load.start()
    t_stop = t_down = t_up = t_started = t_restart = None
    answered = []
    try:
        time.sleep(1.5)
        t_stop = time.monotonic()
        out = pg_ctl("stop", "-m", "fast")
        if out.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {out.stdout}{out.stderr}")
        t_down = time.monotonic()
        time.sleep(PG_DOWN_SECONDS)
        probe = threading.Thread(target=lambda: answered.append(wait_db_answers(20)), daemon=True)
        t_restart = time.monotonic()   # the database cannot answer before this instant
        probe.start()
        pg_start()
        t_started = time.monotonic()
        probe.join(20)
        t_up = answered[0] if answered and answered[0] else t_started
        time.sleep(4.0)
    finally:
        if not pg_running():
            pg_start()
        load.finish()

    recs = sorted(load.records, key=lambda r: r.t0)
    fails = [r for r in recs if not r.ok()]
    bad = [r for r in fails if r.status != 503 or r.code != "unavailable" or
           not (r.retry_after or "").isdigit() or "problem+json" not in (r.ctype or "")]
    if bad:
        problems.append(f"{len(bad)} failures other than 503 unavailable + Retry-After:\n"
                        f"{fmt_failures(bad)}")
    early = [r for r in fails if r.t1 < t_stop]
    if early:
        problems.append(f"{len(early)} failures before the database was stopped")
    # Recovery: the first instant after which every request started succeeded.
    last_fail_start = max((r.t0 for r in fails), default=None)
    recovered_at = None
    if last_fail_start is None:
        recovered_at = t_up
    else:
        later = [r.t0 for r in recs if r.t0 > last_fail_start]
        recovered_at = min(later) if later else None
    if recovered_at is None:
        problems.append("no successful request after the last failure")
        recovery = float("inf")
    else:
        recovery = max(0.0, recovered_at - t_up)
        if recovery > RECOVERY_LIMIT:
            problems.append(f"full recovery took {recovery:.2f} s after the database answered "
                            f"(limit {RECOVERY_LIMIT} s)")
    first_ok = min((r.t1 for r in recs if r.t0 >= t_up and r.ok()), default=None)
    during = [r for r in recs if t_down <= r.t0 and r.t1 <= t_restart]
    during_503 = sum(1 for r in during if r.status == 503)
    if not during:
        problems.append("no request was made while the database was down")
    elif during_503 != len(during):
        problems.append(f"{len(during) - during_503} of {len(during)} requests during the "
                        "outage were not 503")
    n500 = sum(1 for r in recs if r.status == 500)
    if n500:
        problems.append(f"{n500} answers were 500")
    after = worker_pids(sup)
    if after != before:
        problems.append(f"workers were restarted: {sorted(before)} -> {sorted(after)}")
    creates = load.check_creates(problems)
    load.check_keys_consistent(problems)
    patched = psql(f"select name, description from core.integrations where id = '{load.seed[0]}'")
    if patched:
        name, desc = patched[0].split("|")
        if name.replace("patched ", "") != desc.replace("patched ", "") and name != "seed 0":
            problems.append(f"half-applied PATCH: name {name!r}, description {desc!r}")
    if not healthy():
        problems.append("/api/healthz does not answer 200 after the test")
    last_fail_end = max((r.t1 for r in fails), default=t_up)
    summary = (f"database down {t_up - t_down:.1f} s (stop took {t_down - t_stop:.2f} s, "
               f"pg_ctl start -w returned {t_started - t_up:+.2f} s after it answered); "
               f"{len(recs)} requests, {len(fails)} failed, all 503 + Retry-After: "
               f"{'yes' if not bad else 'NO'}; 500s: {n500}; during the outage {during_503}/"
               f"{len(during)} were 503; full recovery {recovery:.2f} s after the database "
               f"answered (first success after {((first_ok or t_up) - t_up):.2f} s, last failure "
               f"answered {last_fail_end - t_up:+.2f} s); workers "
               f"unchanged: {'yes' if after == before else 'NO'}; {load.summary_counts()}; "
               f"{creates}")
    return scenario_result(summary, problems)


def scenario_reload():
    problems = []
    sup = supervisor_pid()
    start_pool = worker_pids(sup)
    n_workers = len(start_pool)
    load = Load("c", {"get": 2, "list": 1, "create": 1, "keyed": 1}, fresh_connections=True)
    load.start()
    events = []
    try:
        for _ in range(2):
            time.sleep(1.0)
            nginx_reload()
            events.append("nginx reload")
            time.sleep(1.0)
            old = worker_pids(sup)
            os.kill(sup, signal.SIGHUP)
            events.append("SIGHUP")
            new = wait_pool(sup, n_workers, exclude=old)
            if new & old or len(new) != n_workers:
                problems.append(f"rolling restart incomplete: before {sorted(old)}, "
                                f"after {sorted(new)}")
        time.sleep(1.0)
    finally:
        load.finish()
    fails = load.failures()
    if fails:
        problems.append(f"{len(fails)} failed requests:\n{fmt_failures(fails)}")
    creates = load.check_creates(problems)
    if not healthy():
        problems.append("/api/healthz does not answer 200 after the test")
    end_pool = worker_pids(sup)
    summary = (f"{', '.join(events)}; {len(load.records)} requests (new connection each), "
               f"{len(fails)} failed; workers {sorted(start_pool)} -> {sorted(end_pool)}; "
               f"{load.summary_counts()}; {creates}")
    return scenario_result(summary, problems)


def scenario_idle_restart():
    problems = []
    sup = supervisor_pid()
    workers = len(worker_pids(sup))
    ws = f"ws_flt_{RUN_ID}_d"
    client = Client("d", token(f"usr_flt_{RUN_ID}_d", {ws: "owner"}), fresh_connections=True)
    # Fresh connections and three times the pool: nginx spreads them over every worker. First
    # every worker gets a database connection (and the create statement prepared on it).
    body = lambda i: json.dumps({"workspaceId": ws, "slug": f"fs-{RUN_ID}-d-{i}", "name": "n"})
    warm = [client.call("create", "POST", "/api/integrations", body(i)) for i in range(3 * workers)]
    out = pg_ctl("stop", "-m", "fast")
    if out.returncode != 0:
        raise RuntimeError(f"pg_ctl stop failed: {out.stdout}{out.stderr}")
    pg_start()
    if not wait_db_answers(20):
        raise RuntimeError("the database does not answer after its restart")
    recs = [client.call("create", "POST", "/api/integrations", body(len(warm) + i))
            for i in range(3 * workers)]
    fails = [r for r in recs + warm if r.status != 201]
    if fails:
        problems.append(f"{len(fails)} of {len(recs) + len(warm)} creates failed (the last "
                        f"{len(recs)} came after the restart):\n{fmt_failures(fails)}")
    acknowledged = len(recs) + len(warm) - len(fails)
    stored = psql(f"select count(*) from core.integrations where workspace_id = '{ws}'")
    if stored != [str(acknowledged)]:
        problems.append(f"{stored} rows stored for {acknowledged} acknowledged creates")
    summary = (f"{len(recs)} creates over {workers} workers right after a restart: "
               f"{sum(1 for r in recs if r.status == 201)} succeeded")
    return scenario_result(summary, problems)


def scenario_rollout():
    problems = []
    sup = supervisor_pid()
    n_runners = len(runner_pids(sup))
    if n_runners == 0:
        return False, "no rollout runners (INTEGRATIONS_RUNNERS=0?)"
    ws = f"ws_faults_rol_{RUN_ID}"
    out = subprocess.run([f"{PG_BIN}/psql", TEST_PG, "-X", "-q", "-v", f"n={ROLLOUT_INSTALLS}",
                          "-v", "m=3", "-v", f"ws={ws}", "-v", f"slug=faults-{RUN_ID}",
                          "-f", str(REPO / "bench" / "rollout_fixture.sql")],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        return False, f"fixture failed: {out.stderr.strip()[:300]}"
    integration, v2, installed = out.stdout.split()
    if int(installed) != ROLLOUT_INSTALLS:
        return False, f"fixture: {installed} installs of {ROLLOUT_INSTALLS}"
    c = Client("e", token("usr_faults_publisher", {ws: "owner"}))
    rec = c.call("create", "POST", f"/api/integrations/{integration}/rollouts",
                 json.dumps({"targetVersionId": v2}))
    if rec.status != 202:
        return False, f"create: {rec.outcome()}"
    rollout = rec.body["id"]
    kills = terminated = 0
    t0 = time.monotonic()
    deadline = t0 + ROLLOUT_LIMIT
    state = None
    while time.monotonic() < deadline:
        victims = sorted(runner_pids(sup))
        if victims:
            try:
                os.kill(random.choice(victims), signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
        terminated += len(psql(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where application_name = 'rollout-runner' and state = 'active' "
            "and query like '%rollout_job_run%' limit 1;"))
        time.sleep(1.0)
        state = psql(f"select state from core.rollouts where id = '{rollout}';")[0]
        if state != "running":
            break
    took = time.monotonic() - t0
    rows = psql(f"""
        select (select string_agg(state || '=' || n, ' ' order by state)
                from (select state, count(*) as n from core.rollout_jobs
                      where rollout_id = '{rollout}' group by state) as s),
               (select count(*) from core.integration_installs
                where integration_id = '{integration}' and integration_version_id = '{v2}'),
               (select count(*) from (select i.id from core.integration_installs as i
                                      left join core.install_operations as o
                                        on o.install_id = i.id and o.kind = 'upgrade'
                                       and o.actor = 'rollout:{rollout}'
                                      where i.integration_id = '{integration}'
                                      group by i.id having count(o.id) = 1) as x),
               (select count(*) from core.install_operations as o
                where o.actor = 'rollout:{rollout}'),
               (select count(*) from core.rollout_jobs where rollout_id = '{rollout}' and attempts > 1),
               (select max(attempts) from core.rollout_jobs where rollout_id = '{rollout}');""")
    by_state, on_v2, once, ops, retaken, max_attempts = rows[0].split("|")
    got = c.call("get", "GET", f"/api/rollouts/{rollout}")
    counts = got.body["counts"] if got.status == 200 else None
    want = {"pending": 0, "running": 0, "upgraded": ROLLOUT_INSTALLS, "skipped": 0,
            "conflicted": 0, "failed": 0}
    if state != "completed":
        problems.append(f"rollout {state} after {ROLLOUT_LIMIT} s, jobs {by_state}")
    if counts != want:
        problems.append(f"counts {counts}, expected {want}")
    if int(on_v2) != ROLLOUT_INSTALLS:
        problems.append(f"{on_v2} installs on 2.0.0 of {ROLLOUT_INSTALLS}")
    if int(once) != ROLLOUT_INSTALLS or int(ops) != ROLLOUT_INSTALLS:
        problems.append(f"{once} installs with exactly one upgrade operation of the rollout, "
                        f"{ops} such operations in all (expected {ROLLOUT_INSTALLS} and "
                        f"{ROLLOUT_INSTALLS})")
    after = set()
    respawn_deadline = time.monotonic() + 5
    while time.monotonic() < respawn_deadline:
        after = runner_pids(sup)
        if len(after) == n_runners:
            break
        time.sleep(0.1)
    if len(after) != n_runners:
        problems.append(f"{len(after)} runners of {n_runners} after the test")
    summary = (f"{ROLLOUT_INSTALLS} installs, {kills} runners killed, {terminated} runner "
               f"sessions terminated mid-job, {state} in {took:.1f} s "
               f"({ROLLOUT_INSTALLS / took:.0f} installs/s); jobs {by_state}; {retaken} jobs "
               f"taken again after a kill (max attempts {max_attempts}); {once} installs with "
               f"exactly one upgrade operation of the rollout, {ops} operations; counts {counts}")
    return scenario_result(summary, problems)


SCENARIOS = {
    "a": ("kill -9 workers under load", scenario_kill),
    "b": ("PostgreSQL stopped 5 s under load", scenario_postgres),
    "c": ("nginx reload + rolling restart under load", scenario_reload),
    "d": ("PostgreSQL restarted while idle", scenario_idle_restart),
    "e": ("rollout of 500 installs, runners kill -9'd every second", scenario_rollout),
}


def main(argv):
    chosen = argv or list(SCENARIOS)
    for name in chosen:
        if name not in SCENARIOS:
            print(f"unknown scenario {name}; known: {' '.join(SCENARIOS)}", file=sys.stderr)
            return 2
    if "INTEGRATIONS_JWT_SECRET" not in ENV:
        print("INTEGRATIONS_JWT_SECRET is not set: source .dev/env (./deploy/dev up)",
              file=sys.stderr)
        return 2
    if not healthy(5):
        print(f"{BASE}/api/healthz does not answer: start the stack with ./deploy/dev up",
              file=sys.stderr)
        return 2
    results = []
    for name in chosen:
        title, fn = SCENARIOS[name]
        log(f"scenario {name}: {title}")
        t = time.monotonic()
        try:
            ok, summary = fn()
        except Exception as exc:  # a broken scenario is a failure, and the next still runs
            ok, summary = False, f"error: {type(exc).__name__}: {exc}"
        finally:
            if not pg_running():
                pg_start()
        results.append((name, title, ok, summary, time.monotonic() - t))
        log(f"scenario {name}: {'PASS' if ok else 'FAIL'} ({time.monotonic() - t:.1f} s)")
    print()
    for name, title, ok, summary, took in results:
        print(f"faults {name} {'PASS' if ok else 'FAIL'} [{title}, {took:.1f} s] {summary}")
    return 0 if all(r[2] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
