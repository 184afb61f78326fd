"""What the fault scenarios of faults.py stand on: the dev stack's processes (pid files,
PostgreSQL, nginx), an HTTP client that records every request, the mixed load, and helpers."""
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


def deliverer_pids(sup):
    """The supervisor's webhook delivery processes (webhook-deliverer, cut by the kernel to the
    15 bytes it keeps of a name)."""
    out = subprocess.run(["pgrep", "-P", str(sup), "-x", "webhook-deliver"], capture_output=True,
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
