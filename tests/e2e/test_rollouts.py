"""Rollouts (PRODUCT §14): a publisher pushes a version to its installs. The job runner runs
in the dev stack, so these tests create rollouts and poll until the runner is done.
Every endpoint and every rollout and job state: create (202, Location, shapes, 422s, access),
get, the lists (paging, ?state=), pause / resume / cancel / retry, halting, onConflict skip,
pinned installs (PATCH upgradePolicy), Idempotency-Key."""
import re
import subprocess
import time

from helpers import expect_error, expect_ok, ipath
from install_helpers import VARIABLES_SCHEMA, count, inst_path, install, members_of, publish_integration
from publish_helpers import epath, publish, set_manifest

ROL_ID_RE = re.compile(r"^rol_[0-9a-f]{28}$")
RJOB_ID_RE = re.compile(r"^rjob_[0-9a-f]{28}$")
ROLLOUT_FIELDS = {"id", "integrationId", "targetVersionId", "state", "waves", "currentWave",
                  "counts", "onConflict", "startAt", "workspaceIds", "createdBy", "createdAt",
                  "startedAt", "finishedAt"}
JOB_FIELDS = {"id", "rolloutId", "installId", "workspaceId", "wave", "state", "attempts",
              "error", "operationId", "createdAt", "updatedAt"}
TERMINAL = {"completed", "halted", "cancelled"}
TIMEOUT = 60


def rpath(rollout_or_id, suffix=""):
    rid = rollout_or_id["id"] if isinstance(rollout_or_id, dict) else rollout_or_id
    return f"/api/rollouts/{rid}{suffix}"


def counts(**kw):
    base = dict.fromkeys(("pending", "running", "upgraded", "skipped", "conflicted", "failed"), 0)
    base.update(kw)
    return base


def wait_state(api, user, rollout, states=TERMINAL, timeout=TIMEOUT):
    """Polls the rollout until its state is one of `states` and no job is running."""
    deadline = time.monotonic() + timeout
    while True:
        got = expect_ok(api.get(rpath(rollout), user))
        if got["state"] in states and got["counts"]["running"] == 0:
            return got
        assert time.monotonic() < deadline, f"rollout still {got['state']} {got['counts']}"
        time.sleep(0.2)


def fleet(api, new_workspace, n=3):
    """A published integration (1.0.0) installed into n workspaces, and 2.0.0 published."""
    author = new_workspace().user("owner")
    subscribers = [new_workspace().user("owner") for _ in range(n)]
    pub = publish_integration(api, author, grant_to=[next(iter(u.workspaces)) for u in subscribers])
    installs = [install(api, u, pub.integration) for u in subscribers]
    v2 = pub.republish(api, "2.0.0")
    return pub, author, subscribers, installs, v2


def create(api, author, pub, **body):
    resp = api.post(ipath(pub.integration, "/rollouts"), author, json=body)
    got = expect_ok(resp, 202)
    assert resp.headers["Location"] == f"/api/rollouts/{got['id']}"
    return got


def jobs(api, user, rollout, state=None):
    params = {"state": state} if state else None
    return expect_ok(api.get(rpath(rollout, "/jobs"), user, params=params))["data"]


def test_rollout_runs_to_completion(api, db, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 3)
    r = create(api, author, pub, targetVersionId=v2["id"])
    assert set(r) == ROLLOUT_FIELDS and ROL_ID_RE.match(r["id"])
    assert r["state"] in ("running", "completed")
    assert r["waves"] == [{"percent": 100, "maxFailures": 0}]
    assert r["onConflict"] == "keep_local" and r["createdBy"] == author.sub
    assert sum(r["counts"].values()) == 3
    done = wait_state(api, author, r)
    assert done["state"] == "completed" and done["finishedAt"] is not None
    assert done["counts"] == counts(upgraded=3)
    for u, i in zip(subs, insts):
        assert expect_ok(api.get(inst_path(i), u))["integrationVersionId"] == v2["id"]
        assert count(db, "select count(*) from core.install_operations where install_id = :'i' "
                         "and kind = 'upgrade' and actor = :'a';", i=i["id"], a="rollout:" + r["id"]) == 1
    js = jobs(api, author, r)
    assert len(js) == 3 and all(set(j) == JOB_FIELDS and RJOB_ID_RE.match(j["id"]) for j in js)
    assert {j["installId"] for j in js} == {i["id"] for i in insts}
    assert all(j["state"] == "upgraded" and j["operationId"] and j["error"] is None for j in js)
    assert len(jobs(api, author, r, "upgraded")) == 3
    assert jobs(api, author, r, "failed") == []
    expect_error(api.get(rpath(r, "/jobs"), author, params={"state": "done"}), 400,
                 "validation_failed", "?state")
    page = expect_ok(api.get(rpath(r, "/jobs"), author, params={"limit": 2}))
    assert len(page["data"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    # a second rollout to the same version has no targets: completed at once
    again = create(api, author, pub, targetVersionId=v2["id"])
    assert again["state"] == "completed" and again["counts"] == counts()
    listed = expect_ok(api.get(ipath(pub.integration, "/rollouts"), author))
    assert [x["id"] for x in listed["data"]] == [again["id"], r["id"]]
    assert listed["pageInfo"]["total"] == 2


def test_access(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 1)
    ws = next(iter(author.workspaces))
    member = author.__class__(author.settings, {ws: "member"})
    expect_error(api.post(ipath(pub.integration, "/rollouts"), member,
                          json={"targetVersionId": v2["id"]}), 403, "forbidden")
    # the subscriber may read the integration (its grant) but not push to it, nor see rollouts
    expect_error(api.post(ipath(pub.integration, "/rollouts"), subs[0],
                          json={"targetVersionId": v2["id"]}), 403, "forbidden")
    r = create(api, author, pub, targetVersionId=v2["id"],
               startAt="2099-01-01T00:00:00Z")
    expect_ok(api.get(rpath(r), member))
    expect_error(api.get(rpath(r), subs[0]), 404, "not_found")
    expect_error(api.get(rpath(r, "/jobs"), subs[0]), 404, "not_found")
    expect_error(api.get(ipath(pub.integration, "/rollouts"), subs[0]), 404, "not_found")
    expect_error(api.post(rpath(r, "/pause"), member), 403, "forbidden")
    expect_error(api.get("/api/rollouts/rol_00000000000000000000000000ff", author), 404, "not_found")
    expect_ok(api.post(rpath(r, "/cancel"), author))


def test_body_shapes(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 1)
    url = ipath(pub.integration, "/rollouts")
    v = v2["id"]
    for body, path in [({}, "/targetVersionId"),
                       ({"targetVersionId": "x"}, "/targetVersionId"),
                       ({"targetVersionId": v, "waves": []}, "/waves"),
                       ({"targetVersionId": v, "waves": [{"percent": 0}]}, "/waves/0/percent"),
                       ({"targetVersionId": v, "waves": [{"percent": 100, "maxFailures": -1}]},
                        "/waves/0/maxFailures"),
                       ({"targetVersionId": v, "waves": [{"percent": 100, "x": 1}]}, "/waves/0/x"),
                       ({"targetVersionId": v, "onConflict": "fail"}, "/onConflict"),
                       ({"targetVersionId": v, "startAt": "tomorrow"}, "/startAt"),
                       ({"targetVersionId": v, "workspaceIds": ["nope"]}, "/workspaceIds/0"),
                       ({"targetVersionId": v, "extra": 1}, "/extra")]:
        expect_error(api.post(url, author, json=body), 400, "validation_failed", path)
    expect_error(api.post(url, author, json={"targetVersionId": v, "waves": [
        {"percent": 60}, {"percent": 40}]}), 422, "validation_failed", "/waves")
    expect_error(api.post(url, author, json={"targetVersionId": v, "waves": [{"percent": 60}]}),
                 422, "validation_failed", "/waves")
    expect_error(api.post(url, author, json={"targetVersionId": "intv_00000000000000000000000000ff"}),
                 422, "validation_failed", "/targetVersionId")


def test_idempotency_key(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 1)
    body = {"targetVersionId": v2["id"], "startAt": "2099-01-01T00:00:00Z"}
    h = {"Idempotency-Key": "rollout-" + pub.integration["id"]}
    first = api.post(ipath(pub.integration, "/rollouts"), author, json=body, headers=h)
    second = api.post(ipath(pub.integration, "/rollouts"), author, json=body, headers=h)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.headers["Location"] == first.headers["Location"]
    listed = expect_ok(api.get(ipath(pub.integration, "/rollouts"), author))
    assert len(listed["data"]) == 1


def test_scheduled_pause_resume_cancel(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 2)
    r = create(api, author, pub, targetVersionId=v2["id"], startAt="2099-01-01T00:00:00Z")
    assert r["state"] == "scheduled" and r["startedAt"] is None
    assert r["startAt"] == "2099-01-01T00:00:00.000000Z"
    assert r["counts"] == counts(pending=2)
    assert expect_ok(api.post(rpath(r, "/pause"), author))["state"] == "paused"
    expect_error(api.post(rpath(r, "/pause"), author), 409, "conflict")
    assert expect_ok(api.post(rpath(r, "/resume"), author))["state"] == "scheduled"
    assert expect_ok(api.post(rpath(r, "/cancel"), author))["state"] == "cancelled"
    for action in ("pause", "resume", "cancel", "retry"):
        expect_error(api.post(rpath(r, "/" + action), author), 409, "conflict")
    time.sleep(0.5)
    got = expect_ok(api.get(rpath(r), author))
    # its pending jobs end skipped at once, saying why; nothing of it ever runs
    assert got["counts"] == counts(skipped=2) and got["finishedAt"] is not None
    skipped = jobs(api, author, r, "skipped")
    assert len(skipped) == 2 and jobs(api, author, r, "pending") == []
    assert all(j["error"]["code"] == "conflict" and j["error"]["status"] == 409
               and "cancelled" in j["error"]["detail"] and j["operationId"] is None for j in skipped)
    # a running rollout paused, then resumed, completes
    r2 = create(api, author, pub, targetVersionId=v2["id"])
    paused = api.post(rpath(r2, "/pause"), author)
    if paused.status_code == 200:
        assert paused.json()["state"] == "paused"
        time.sleep(0.5)
        mid = expect_ok(api.get(rpath(r2), author))
        assert mid["state"] == "paused"
        assert expect_ok(api.post(rpath(r2, "/resume"), author))["state"] in ("running", "completed")
    else:  # the runner was faster than the pause
        expect_error(paused, 409, "conflict")
    assert wait_state(api, author, r2)["counts"] == counts(upgraded=2)


def test_cancel_while_jobs_run(api, db, new_workspace):
    """Cancel while runners are inside jobs: the pending jobs end skipped at once, the running
    ones finish, and their ends revive nothing (no job pending again, the rollout stays
    cancelled, the counts exact)."""
    n = 6  # more than the dev stack's runners (3): some jobs are still pending at the cancel
    pub, author, subs, insts, v2 = fleet(api, new_workspace, n)
    ids = ",".join(i["id"] for i in insts)
    # Holds the installs' rows for 4 s (under the runner's 5 s lock_timeout): every job a
    # runner claims meanwhile waits inside core.rollout_job_run.
    holder = subprocess.Popen(
        ["psql", db.conninfo, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"ids={ids}"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    holder.stdin.write("begin;\n"
                       "select 1 from core.integration_installs "
                       "where id = any (string_to_array(:'ids', ',')) for update;\n"
                       "select pg_sleep(4);\ncommit;\n")
    holder.stdin.close()
    try:
        deadline = time.monotonic() + 10
        while not db.query("select 1 from pg_stat_activity where query like 'select pg_sleep(4)%';"):
            assert time.monotonic() < deadline, "the lock holder did not start"
            time.sleep(0.05)
        r = create(api, author, pub, targetVersionId=v2["id"])
        deadline = time.monotonic() + 3
        while expect_ok(api.get(rpath(r), author))["counts"]["running"] == 0:
            assert time.monotonic() < deadline, "no runner claimed a job"
            time.sleep(0.05)
        time.sleep(0.3)  # the other runners claim theirs
        got = expect_ok(api.post(rpath(r, "/cancel"), author))
    finally:
        assert holder.wait(timeout=15) == 0, holder.stderr.read()
    running = got["counts"]["running"]
    assert got["state"] == "cancelled" and 0 < running < n
    assert got["counts"] == counts(running=running, skipped=n - running)
    done = wait_state(api, author, r, states={"cancelled"})
    assert done["counts"] == counts(upgraded=running, skipped=n - running)
    time.sleep(0.5)
    again = expect_ok(api.get(rpath(r), author))
    assert again["state"] == "cancelled" and again["counts"] == done["counts"]
    assert again["finishedAt"] == got["finishedAt"]
    skipped = {j["installId"]: j for j in jobs(api, author, r, "skipped")}
    assert len(skipped) == n - running
    assert all(j["error"]["code"] == "conflict" and "cancelled" in j["error"]["detail"]
               for j in skipped.values())
    for u, i in zip(subs, insts):
        version = expect_ok(api.get(inst_path(i), u))["integrationVersionId"]
        assert (version == v2["id"]) == (i["id"] not in skipped)


def test_pinned_installs(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 2)
    ws0 = next(iter(subs[0].workspaces))
    member = subs[0].__class__(subs[0].settings, {ws0: "member"})
    viewer = subs[0].__class__(subs[0].settings, {ws0: "viewer"})
    got = expect_ok(api.patch(inst_path(insts[0]), member, json={"upgradePolicy": "pinned"}))
    assert got["upgradePolicy"] == "pinned" and got["id"] == insts[0]["id"]
    expect_error(api.patch(inst_path(insts[0]), viewer, json={"upgradePolicy": "auto"}), 403, "forbidden")
    expect_error(api.patch(inst_path(insts[0]), author, json={"upgradePolicy": "auto"}), 404, "not_found")
    expect_error(api.patch(inst_path(insts[0]), member, json={"upgradePolicy": "never"}), 400,
                 "validation_failed", "/upgradePolicy")
    expect_error(api.patch(inst_path(insts[0]), member, json={}), 400, "validation_failed",
                 "/upgradePolicy")
    r = create(api, author, pub, targetVersionId=v2["id"])
    done = wait_state(api, author, r)
    assert done["counts"] == counts(upgraded=1)
    assert expect_ok(api.get(inst_path(insts[0]), subs[0]))["integrationVersionId"] == pub.version["id"]
    # workspaceIds narrows the targets
    assert expect_ok(api.patch(inst_path(insts[0]), member, json={"upgradePolicy": "auto"}))[
        "upgradePolicy"] == "auto"
    v3 = pub.republish(api, "3.0.0")
    r3 = create(api, author, pub, targetVersionId=v3["id"], workspaceIds=[ws0])
    assert r3["workspaceIds"] == [ws0]
    assert wait_state(api, author, r3)["counts"] == counts(upgraded=1)
    assert expect_ok(api.get(inst_path(insts[1]), subs[1]))["integrationVersionId"] == v2["id"]


def test_skip_conflicts(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 2)
    # subscriber 0 edits its alerts clone's label; upstream edits the same label
    clone = members_of(api, subs[0], insts[0])["alerts"]["entityId"]
    mine = expect_ok(api.get(epath(clone), subs[0]))["definition"]
    expect_ok(api.patch(epath(clone), subs[0], json={"definition": dict(mine, label="mine")}))
    alerts = pub.entities["alerts"]
    upstream = expect_ok(api.get(epath(alerts), author))["definition"]
    expect_ok(api.patch(epath(alerts), author, json={"definition": dict(upstream, label="theirs")}))
    v3 = pub.republish(api, "3.0.0")
    r = create(api, author, pub, targetVersionId=v3["id"], onConflict="skip")
    done = wait_state(api, author, r)
    assert done["state"] == "completed"
    assert done["counts"] == counts(upgraded=1, conflicted=1)
    (job,) = jobs(api, author, r, "conflicted")
    assert job["installId"] == insts[0]["id"] and job["operationId"] is None
    assert job["error"]["code"] == "merge_conflict" and job["error"]["status"] == 409
    assert expect_ok(api.get(inst_path(insts[0]), subs[0]))["integrationVersionId"] != v3["id"]
    assert expect_ok(api.get(epath(clone), subs[0]))["definition"]["label"] == "mine"


def test_halt_and_retry(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 3)
    # 3.0.0 requires a variable no install has: every upgrade is a rule failure (422, final)
    schema = dict(VARIABLES_SCHEMA, required=["channel", "token"],
                  properties=dict(VARIABLES_SCHEMA["properties"], token={"type": "string"}))
    set_manifest(api, author, pub.integration, *pub.members(), variablesSchema=schema)
    v3 = publish(api, author, pub.integration, "3.0.0")
    r = create(api, author, pub, targetVersionId=v3["id"],
               waves=[{"percent": 1, "maxFailures": 0}, {"percent": 100, "maxFailures": 5}])
    done = wait_state(api, author, r)
    failed = jobs(api, author, r, "failed")
    if done["state"] == "halted":
        assert done["counts"]["failed"] >= 1 and done["finishedAt"] is None
        assert done["currentWave"] == 0
        assert done["counts"]["pending"] == 3 - len(failed)
    else:  # no install fell into the 1 % wave: the second tolerates the failures
        assert done["state"] == "completed" and done["counts"] == counts(failed=3)
    assert failed and all(j["error"]["status"] == 422 and j["attempts"] == 1 for j in failed)
    assert failed[0]["error"]["errors"][0]["path"] == "/variables/token"
    again = expect_ok(api.post(rpath(r, "/retry"), author))
    assert again["state"] == "running" and again["finishedAt"] is None
    done = wait_state(api, author, r)
    assert {j["attempts"] for j in jobs(api, author, r, "failed")} == {2} or done["counts"]["failed"] == 0


def test_unknown_routes_and_methods(api, new_workspace):
    pub, author, subs, insts, v2 = fleet(api, new_workspace, 1)
    r = create(api, author, pub, targetVersionId=v2["id"], startAt="2099-01-01T00:00:00Z")
    expect_error(api.delete(rpath(r), author), 405, "method_not_allowed")
    expect_error(api.get(rpath(r, "/pause"), author), 405, "method_not_allowed")
    expect_error(api.get("/api/rollouts/rjob_0192f3a4b5c6d7e8f9a0b1c2d3ec", author), 404, "not_found")
