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
  f. webhooks: two endpoints created through the API (POST /api/webhook-endpoints, their
     secrets from the answers) on a local HTTPS receiver (tests/webhooks/receiver.py, which
     checks every signature), one of which answers 503 for the first seconds; then 2,000 state
     changes through the API over 12 s (4 writers: create an integration, then rename it again
     and again), while every second every webhook delivery process is killed (kill -9):
     afterwards every write has its event (one each), every event reached both endpoints with a
     2xx at least once (none lost), every duplicate has the same webhook-id and an identical
     body, every signature verified, every delivery row is delivered, the deliverers respawned.

Loopback only; acts on the processes named by the dev stack's pid files; always leaves
PostgreSQL running and the pool whole. Exit status 0 when every scenario passed, 1 otherwise.
tests/faults/run bounds it in time; `faults.py a c` runs some scenarios only.
"""
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

from stack import (
    BASE, Client, ENV, KILL_LOAD_SECONDS, KILL_SLACK, Load, PG_BIN, PG_DOWN_SECONDS,
    RECOVERY_LIMIT, REPO, ROLLOUT_INSTALLS, ROLLOUT_LIMIT, RUN_ID, TEST_PG, deliverer_pids,
    fmt_failures, healthy, log, nginx_reload, pg_ctl, pg_running, pg_start, psql, runner_pids,
    scenario_result, supervisor_pid, token, wait_db_answers, wait_pool, worker_pids,
)


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


# ------------------------------------------------------------------------ f: webhooks

WEBHOOK_CHANGES = 2000
WEBHOOK_WRITERS = 4
WEBHOOK_SECONDS = 12          # the changes are made over this long, deliverers killed
WEBHOOK_503_SECONDS = 2.5     # the second endpoint's outage: shorter than the dev schedule
WEBHOOK_SETTLE = 30           # seconds after the last change for every delivery to end


def make_changes(client, ws, writer, n, seconds, failures):
    """n state changes of ws through the API, paced over seconds: one integration created, then
    renamed n - 1 times (integration.created, then integration.updated each time). A write
    that is not acknowledged is recorded in failures."""
    slug = f"fw-{RUN_ID}-{writer}"
    t0 = time.monotonic()
    rec = client.call("create", "POST", "/api/integrations",
                      json.dumps({"workspaceId": ws, "slug": slug, "name": "rename 0"}))
    if rec.status != 201:
        failures.append(rec)
        return
    path = f"/api/integrations/{rec.body['id']}"
    for i in range(1, n):
        rec = client.call("patch", "PATCH", path, json.dumps({"name": f"rename {i}"}))
        if rec.status != 200:
            failures.append(rec)
        ahead = t0 + seconds * (i + 1) / n - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


def scenario_webhooks():
    sys.path.insert(0, str(REPO / "tests" / "webhooks"))
    from receiver import Receiver  # pylint: disable=import-outside-toplevel

    problems = []
    sup = supervisor_pid()
    n_deliverers = len(deliverer_pids(sup))
    if n_deliverers == 0:
        return False, "no webhook deliverers (INTEGRATIONS_DELIVERERS=0?)"
    ws = f"ws_faults_whd_{RUN_ID}"
    tok = token(f"usr_flt_{RUN_ID}_f", {ws: "owner"})
    with Receiver() as rcv:
        paths = ["/f/steady", "/f/outage"]
        admin = Client("f", tok)
        for path in paths:
            rec = admin.call("endpoint", "POST", "/api/webhook-endpoints",
                             json.dumps({"workspaceId": ws, "url": rcv.url(path)}))
            if rec.status != 201:
                return False, f"creating the endpoint {path} answered {rec.status}: {rec.body}"
            rcv.endpoint(path, [rec.body["secret"]])
        rcv.behave("/f/outage", status=503, seconds=WEBHOOK_503_SECONDS)
        failures = []
        writers = [threading.Thread(target=make_changes,
                                    args=(Client("f", tok), ws, w, WEBHOOK_CHANGES // WEBHOOK_WRITERS,
                                          WEBHOOK_SECONDS, failures))
                   for w in range(WEBHOOK_WRITERS)]
        t0 = time.monotonic()
        for writer in writers:
            writer.start()
        kills = 0
        while any(writer.is_alive() for writer in writers):
            for pid in deliverer_pids(sup):
                try:
                    os.kill(pid, signal.SIGKILL)
                    kills += 1
                except ProcessLookupError:
                    pass
            time.sleep(1.0)
        for writer in writers:
            writer.join()
        written = time.monotonic() - t0
        events = set(psql(f"select id from core.events where workspace_id = '{ws}';"))
        deadline = time.monotonic() + WEBHOOK_SETTLE
        left = None
        while time.monotonic() < deadline:
            left = psql(f"select count(*) from core.webhook_deliveries as d "
                        f"join core.webhook_endpoints as e on e.id = d.endpoint_id "
                        f"where e.workspace_id = '{ws}' and d.state <> 'delivered';")[0]
            if left == "0":
                break
            time.sleep(0.5)
        drained = time.monotonic() - t0
        recs = rcv.received()
    rows = psql(f"""
        select (select string_agg(state || '=' || n, ' ' order by state)
                from (select d.state, count(*) as n from core.webhook_deliveries as d
                      join core.webhook_endpoints as e on e.id = d.endpoint_id
                      where e.workspace_id = '{ws}' group by d.state) as s),
               (select max(d.attempts) from core.webhook_deliveries as d
                join core.webhook_endpoints as e on e.id = d.endpoint_id
                where e.workspace_id = '{ws}');""")
    by_state, max_attempts = rows[0].split("|")
    if failures:
        problems.append(f"{len(failures)} writes not acknowledged:\n{fmt_failures(failures)}")
    if len(events) != WEBHOOK_CHANGES - len(failures):
        problems.append(f"{len(events)} events for {WEBHOOK_CHANGES - len(failures)} "
                        "acknowledged writes (one each)")
    if left != "0":
        problems.append(f"{left} deliveries not delivered {WEBHOOK_SETTLE} s after the last "
                        f"event (states: {by_state})")
    bodies = {}
    for r in recs:
        bodies.setdefault((r["path"], r["id"]), set()).add(r["body"])
    unverified = [r for r in recs if not (r["verified"] and r["fresh"])]
    if unverified:
        problems.append(f"{len(unverified)} requests whose signature or timestamp did not "
                        f"verify, e.g. {unverified[0]}")
    differing = [k for k, v in bodies.items() if len(v) != 1]
    if differing:
        problems.append(f"{len(differing)} webhook-ids sent with different bodies, e.g. "
                        f"{differing[:3]}")
    wrong_id = [r for r in recs if json.loads(r["body"]).get("id") != r["id"]]
    if wrong_id:
        problems.append(f"{len(wrong_id)} requests whose webhook-id is not the body's id")
    for path in paths:
        ok_ids = {r["id"] for r in recs if r["path"] == path and 200 <= r["status"] < 300}
        lost = events - ok_ids
        if lost:
            problems.append(f"{path}: {len(lost)} events never delivered with a 2xx, e.g. "
                            f"{sorted(lost)[:3]}")
        unknown = {r["id"] for r in recs if r["path"] == path} - events
        if unknown:
            problems.append(f"{path}: {len(unknown)} webhook-ids that are no event of {ws}")
    answered_503 = sum(1 for r in recs if r["status"] == 503)
    if answered_503 == 0:
        problems.append("the outage endpoint never answered 503: the scenario tested nothing")
    ok_requests = sum(1 for r in recs if 200 <= r["status"] < 300)
    duplicates = ok_requests - len({(r["path"], r["id"]) for r in recs
                                    if 200 <= r["status"] < 300})
    after = set()
    respawn_deadline = time.monotonic() + 5
    while time.monotonic() < respawn_deadline:
        after = deliverer_pids(sup)
        if len(after) == n_deliverers:
            break
        time.sleep(0.1)
    if len(after) != n_deliverers:
        problems.append(f"{len(after)} deliverers of {n_deliverers} after the test")
    summary = (f"{WEBHOOK_CHANGES - len(failures)} API writes in {written:.1f} s, {len(events)} "
               f"events x 2 endpoints, {kills} "
               f"deliverers killed, all delivered {drained:.1f} s after the start; "
               f"{len(recs)} requests ({answered_503} answered 503 by the outage endpoint, "
               f"{duplicates} duplicate 2xx deliveries after kills), deliveries {by_state}, "
               f"max attempts {max_attempts}")
    return scenario_result(summary, problems)


SCENARIOS = {
    "a": ("kill -9 workers under load", scenario_kill),
    "b": ("PostgreSQL stopped 5 s under load", scenario_postgres),
    "c": ("nginx reload + rolling restart under load", scenario_reload),
    "d": ("PostgreSQL restarted while idle", scenario_idle_restart),
    "e": ("rollout of 500 installs, runners kill -9'd every second", scenario_rollout),
    "f": ("2,000 API writes, their events to two webhook endpoints, deliverers kill -9'd "
          "every second",
          scenario_webhooks),
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
