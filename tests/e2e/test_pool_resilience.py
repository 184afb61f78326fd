"""The worker pool survives a killed worker and a database restart without being restarted.

These tests act on the dev stack's processes (`$INTEGRATIONS_DEV_DIR/run/api.pid`, the
throwaway PostgreSQL cluster); the database is always started again, even when a test fails."""
import contextlib
import os
import signal
import subprocess
import time

import pytest

from helpers import expect_error, expect_ok, ipath

PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl"
RECOVERY_SECONDS = 5


def supervisor_pid(settings):
    pidfile = settings.dev_dir / "run" / "api.pid"
    assert pidfile.is_file(), f"{pidfile} missing: is the dev stack up?"
    return int(pidfile.read_text().strip())


def worker_pids(supervisor):
    out = subprocess.run(["pgrep", "-P", str(supervisor)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def pg_ctl(settings, *args):
    cmd = ["runuser", "-u", "postgres", "--", PG_CTL, "-D", str(settings.dev_dir / "pg" / "data"),
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def pg_running(settings):
    return pg_ctl(settings, "status").returncode == 0


def pg_start(settings):
    """Starts the cluster exactly as deploy/dev does."""
    pg = settings.dev_dir / "pg"
    out = pg_ctl(settings, "-l", str(pg / "server.log"), "-w", "-o",
                 f"-k {pg} -c listen_addresses=127.0.0.1 -p {settings.pg_port}", "start")
    assert out.returncode == 0, f"pg_ctl start failed: {out.stdout}{out.stderr}"


@contextlib.contextmanager
def database_stopped(settings):
    """Stops PostgreSQL; yields a function that starts it again. Started in any case on exit."""
    out = pg_ctl(settings, "stop", "-m", "fast")
    assert out.returncode == 0, f"pg_ctl stop failed: {out.stdout}{out.stderr}"
    try:
        yield lambda: pg_start(settings)
    finally:
        if not pg_running(settings):
            pg_start(settings)


def wait_for_ok_streak(api, user, path, streak, seconds):
    """Repeats GET `path` until `streak` answers in a row are 200; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    run, seen = 0, []
    while run < streak:
        assert time.monotonic() < deadline, \
            f"no {streak} successes in a row within {seconds} s; statuses: {seen[-20:]}"
        resp = api.get(path, user)
        seen.append(resp.status_code)
        run = run + 1 if resp.status_code == 200 else 0
        if resp.status_code != 200:
            time.sleep(0.05)
    return seen


def test_killed_worker_is_replaced(api, settings, owner, integration):
    supervisor = supervisor_pid(settings)
    before = worker_pids(supervisor)
    assert before, f"supervisor {supervisor} has no worker processes"
    victim = sorted(before)[0]

    os.kill(victim, signal.SIGKILL)
    expect_ok(api.get(ipath(integration), owner))

    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        now = worker_pids(supervisor)
        if len(now) == len(before) and victim not in now:
            break
        assert time.monotonic() < deadline, \
            f"pool not whole after {RECOVERY_SECONDS} s: before {sorted(before)}, now {sorted(now)}"
        time.sleep(0.1)
    for _ in range(2 * len(before)):
        expect_ok(api.get(ipath(integration), owner))


@pytest.mark.allow_503
def test_database_outage_is_503_and_recovers_without_restart(api, settings, owner, integration):
    supervisor = supervisor_pid(settings)
    workers = worker_pids(supervisor)
    assert workers, f"supervisor {supervisor} has no worker processes"
    path = ipath(integration)

    with database_stopped(settings) as start_database:
        for _ in range(2 * len(workers)):  # enough for every worker to notice
            resp = api.get(path, owner)
            expect_error(resp, 503, "unavailable")
            retry_after = resp.headers.get("Retry-After", "")
            assert retry_after.isdigit() and int(retry_after) >= 1, f"Retry-After {retry_after!r}"
        expect_error(api.patch(path, owner, json={"name": "During outage"}), 503, "unavailable")
        assert api.get("/api/healthz").status_code in (200, 503)

        start_database()
        wait_for_ok_streak(api, owner, path, streak=2 * len(workers), seconds=RECOVERY_SECONDS)

    assert expect_ok(api.get(path, owner))["name"] == integration["name"]
    assert worker_pids(supervisor) == workers, "workers were restarted"
