"""Events (PRODUCT §15): every state change writes an event in its transaction, read with
GET /api/events?workspace_id=&types=&after= (§5 paging, oldest first).
Every event type after the real API calls that cause it, in the right workspace, with its
data; paging (limit, cursors both ways, after as a sequence number), the types filter, the
400s and the 403; N parallel writers in one workspace get sequences 1..N in commit order."""
import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from helpers import Api, expect_error, expect_ok, ipath, new_slug
from install_helpers import (VARIABLES_SCHEMA, detach_path, inst_path, install, members_of,
                             publish_integration, upgrade)
from publish_helpers import publish, set_manifest

EVT_ID_RE = re.compile(r"^evt_[0-9a-f]{28}$")
EVENT_FIELDS = {"id", "type", "workspaceId", "sequence", "occurredAt", "data"}
INSTALL_DATA = {"installId", "operationId", "integrationId", "fromVersionId", "toVersionId",
                "actor", "rolloutId"}
ROLLOUT_DATA = {"rolloutId", "integrationId", "targetVersionId", "state", "wave", "waveCount",
                "counts"}
TERMINAL = {"completed", "halted", "cancelled"}


def events(api, user, ws_id, **params):
    return expect_ok(api.get("/api/events", user, params=dict(params, workspace_id=ws_id)))


def stream(api, user, ws_id, **params):
    """Every event of the workspace, oldest first, page by page (limit 100)."""
    out, after = [], None
    while True:
        page = events(api, user, ws_id, **params, **({"after": after} if after else {}))
        out += page["data"]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def types(evs):
    return [e["type"] for e in evs]


def wait_rollout(api, user, rollout_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        got = expect_ok(api.get(f"/api/rollouts/{rollout_id}", user))
        if got["state"] in TERMINAL and got["counts"]["running"] == 0:
            return got
        assert time.monotonic() < deadline, f"rollout still {got['state']}"
        time.sleep(0.2)


def check_shape(evs, ws_id):
    for e in evs:
        assert set(e) == EVENT_FIELDS and EVT_ID_RE.match(e["id"]) and e["workspaceId"] == ws_id
    assert [e["sequence"] for e in evs] == list(range(1, len(evs) + 1)), "sequences 1..n"


def test_integration_events(api, ws, owner):
    slug = new_slug()
    i = expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": slug, "name": "Ev"}), 201)
    expect_ok(api.patch(ipath(i), owner, json={"name": "Ev"}))  # nothing visible changes
    expect_ok(api.patch(ipath(i), owner, json={"name": "Ev2", "description": "d"}))
    v = publish(api, owner, i, "1.0.0", changelog="first")
    expect_ok(api.delete(ipath(i), owner))
    expect_ok(api.post(ipath(i, "/restore"), owner))
    expect_ok(api.delete(ipath(i), owner))
    expect_ok(api.delete(ipath(i, "/purge"), owner))
    evs = stream(api, ws.user("viewer"), ws.id)
    check_shape(evs, ws.id)
    assert types(evs) == ["integration.created", "integration.updated", "integration.published",
                          "integration.deleted", "integration.restored", "integration.deleted",
                          "integration.purged"]
    assert evs[0]["data"] == {"integrationId": i["id"], "slug": slug, "name": "Ev",
                              "visibility": "private", "currentVersion": None}
    assert evs[1]["data"]["changes"] == ["name", "description"]
    pub = evs[2]["data"]
    assert (pub["versionId"], pub["version"], pub["changelog"], pub["publishedBy"],
            pub["currentVersion"]) == (v["id"], "1.0.0", "first", owner.sub, "1.0.0")
    assert evs[3]["data"]["deletedAt"]
    assert all(e["data"]["integrationId"] == i["id"] for e in evs)
    stamps = [e["occurredAt"] for e in evs]
    assert stamps == sorted(stamps)


def test_install_member_and_rollback_events(api, ws, owner, author, published):
    inst = install(api, owner, published.integration)
    alerts = members_of(api, owner, inst)["alerts"]
    expect_ok(api.post(detach_path(alerts), owner, json={"detached": True}))
    expect_ok(api.post(detach_path(alerts), owner, json={"detached": False}))
    v2 = published.republish(api, "2.0.0")
    up = upgrade(api, owner, inst, integrationVersionId=v2["id"])
    ops = expect_ok(api.get(inst_path(inst, "/operations"), owner,
                            params={"orderBy": '[{"createdAt": "asc"}]'}))["data"]
    rb = expect_ok(api.post(inst_path(inst, "/rollback"), owner, json={"operationId": ops[0]["id"]}))
    expect_ok(api.delete(inst_path(inst), owner))
    evs = stream(api, owner, ws.id)
    check_shape(evs, ws.id)
    assert types(evs) == ["install.created", "member.detached", "member.attached",
                          "install.upgraded", "install.rolled_back", "install.uninstalled"]
    v1 = published.version["id"]
    for e in evs:
        assert INSTALL_DATA <= set(e["data"])
        assert e["data"]["installId"] == inst["id"]
        assert e["data"]["integrationId"] == published.integration["id"]
        assert e["data"]["actor"] == owner.sub and e["data"]["rolloutId"] is None
    created, detached, attached, upgraded, rolled_back, uninstalled = (e["data"] for e in evs)
    assert created["operationId"] == ops[0]["id"] and created["toVersionId"] == v1
    assert created["fromVersionId"] is None and created["parentInstallId"] is None
    assert "alerts" in created["result"]["added"]
    assert detached["memberId"] == alerts["id"] and detached["memberSlug"] == "alerts"
    assert attached["memberId"] == alerts["id"]
    assert (upgraded["operationId"], upgraded["fromVersionId"], upgraded["toVersionId"]) == \
        (up["operationId"], v1, v2["id"])
    assert (rolled_back["operationId"], rolled_back["toVersionId"]) == (rb["operationId"], v1)
    assert uninstalled["toVersionId"] is None
    # The publisher's workspace has its integration.* events only.
    src = next(iter(author.workspaces))
    assert {t.split(".")[0] for t in types(stream(api, author, src))} == {"integration"}


def test_rollout_events(api, new_workspace):
    author = new_workspace().user("owner")
    src = next(iter(author.workspaces))
    subs = [new_workspace().user("owner") for _ in range(2)]
    pub = publish_integration(api, author, grant_to=[next(iter(u.workspaces)) for u in subs])
    insts = [install(api, u, pub.integration) for u in subs]
    v2 = pub.republish(api, "2.0.0")
    before = stream(api, author, src)[-1]["sequence"]

    r = expect_ok(api.post(ipath(pub.integration, "/rollouts"), author, json={
        "targetVersionId": v2["id"], "waves": [{"percent": 50}, {"percent": 100}]}), 202)
    assert wait_rollout(api, author, r["id"])["state"] == "completed"
    evs = events(api, author, src, after=before, types="rollout.started,rollout.wave_completed,"
                 "rollout.completed,rollout.halted,rollout.cancelled")["data"]
    assert types(evs) == ["rollout.started", "rollout.wave_completed", "rollout.wave_completed",
                          "rollout.completed"]
    assert [e["data"]["wave"] for e in evs] == [0, 0, 1, 1]
    for e in evs:
        assert set(e["data"]) == ROLLOUT_DATA and e["data"]["rolloutId"] == r["id"]
        assert e["data"]["targetVersionId"] == v2["id"] and e["data"]["waveCount"] == 2
    assert evs[-1]["data"]["state"] == "completed" and evs[-1]["data"]["counts"]["upgraded"] == 2
    for u, i in zip(subs, insts):
        ups = events(api, u, next(iter(u.workspaces)), types="install.upgraded")["data"]
        assert [(e["data"]["installId"], e["data"]["rolloutId"], e["data"]["actor"]) for e in ups] \
            == [(i["id"], r["id"], "rollout:" + r["id"])]

    # cancelled: a scheduled rollout, never started
    set_manifest(api, author, pub.integration, *pub.members(), variablesSchema=VARIABLES_SCHEMA)
    v3 = publish(api, author, pub.integration, "3.0.0")
    last = stream(api, author, src)[-1]["sequence"]
    r2 = expect_ok(api.post(ipath(pub.integration, "/rollouts"), author, json={
        "targetVersionId": v3["id"], "startAt": "2099-01-01T00:00:00Z"}), 202)
    expect_ok(api.post(f"/api/rollouts/{r2['id']}/cancel", author))
    assert types(events(api, author, src, after=last)["data"]) == ["rollout.cancelled"]

    # halted: 4.0.0 requires a variable no install has, so every job fails
    schema = dict(VARIABLES_SCHEMA, required=["channel", "token"],
                  properties=dict(VARIABLES_SCHEMA["properties"], token={"type": "string"}))
    set_manifest(api, author, pub.integration, *pub.members(), variablesSchema=schema)
    v4 = publish(api, author, pub.integration, "4.0.0")
    last = stream(api, author, src)[-1]["sequence"]
    r3 = expect_ok(api.post(ipath(pub.integration, "/rollouts"), author, json={
        "targetVersionId": v4["id"]}), 202)
    assert wait_rollout(api, author, r3["id"])["state"] == "halted"
    got = events(api, author, src, after=last, types="rollout.started,rollout.halted")["data"]
    assert types(got) == ["rollout.started", "rollout.halted"]
    assert got[1]["data"]["counts"]["failed"] == 2


def test_paging_after_and_types(api, ws, owner):
    i = expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "P0"}), 201)
    for n in range(1, 5):
        expect_ok(api.patch(ipath(i), owner, json={"name": f"P{n}"}))
    all_ = stream(api, owner, ws.id)
    assert len(all_) == 5
    first = events(api, owner, ws.id, limit=2)
    assert [e["sequence"] for e in first["data"]] == [1, 2]
    assert first["pageInfo"] == dict(first["pageInfo"], total=5, hasNextPage=True,
                                     hasPreviousPage=False)
    second = events(api, owner, ws.id, limit=2, after=first["pageInfo"]["endCursor"])
    assert [e["sequence"] for e in second["data"]] == [3, 4]
    assert second["pageInfo"]["hasPreviousPage"] and second["pageInfo"]["hasNextPage"]
    back = events(api, owner, ws.id, limit=2, before=second["pageInfo"]["startCursor"])
    assert [e["sequence"] for e in back["data"]] == [1, 2]
    # after as a sequence number: the same as a cursor at that event
    by_seq = events(api, owner, ws.id, limit=2, after=2)
    assert [e["sequence"] for e in by_seq["data"]] == [3, 4]
    assert by_seq["pageInfo"]["total"] == 5 and by_seq["pageInfo"]["hasPreviousPage"]
    nxt = events(api, owner, ws.id, limit=2, after=by_seq["pageInfo"]["endCursor"])
    assert [e["sequence"] for e in nxt["data"]] == [5] and not nxt["pageInfo"]["hasNextPage"]
    assert [e["sequence"] for e in events(api, owner, ws.id, after=0)["data"]] == [1, 2, 3, 4, 5]
    empty = events(api, owner, ws.id, after=5)
    assert empty["data"] == [] and empty["pageInfo"]["startCursor"] is None
    # types
    assert types(events(api, owner, ws.id, types="integration.created")["data"]) == \
        ["integration.created"]
    upd = events(api, owner, ws.id, types="integration.updated,install.created", after=3)
    assert [e["sequence"] for e in upd["data"]] == [4, 5] and upd["pageInfo"]["total"] == 4
    # a cursor is tied to its types
    c = events(api, owner, ws.id, limit=1, types="integration.updated")["pageInfo"]["endCursor"]
    expect_error(api.get("/api/events", owner, params={"workspace_id": ws.id, "after": c}),
                 400, "invalid_cursor")


def test_webhook_test_events_are_not_in_the_stream(api, db, ws, owner):
    expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "T"}), 201)
    db.query("insert into core.events (workspace_id, type, data) values (:'w', 'webhook.test', '{}');",
             w=ws.id)
    assert types(stream(api, owner, ws.id)) == ["integration.created"]
    assert events(api, owner, ws.id, types="webhook.test")["data"] == []


def test_bad_requests_and_access(api, ws, owner, outsider):
    def bad(params, path, code="validation_failed"):
        return expect_error(api.get("/api/events", owner, params=params), 400, code, path)

    bad({}, "?workspace_id")
    bad({"workspace_id": "nope"}, "?workspace_id")
    bad({"workspace_id": ws.id, "types": "integration.created,integration.exploded"}, "?types")
    body = bad({"workspace_id": ws.id, "types": "integration.exploded"}, "?types")
    assert "integration.exploded" in body["errors"][0]["message"]
    bad({"workspace_id": ws.id, "types": ""}, "?types")
    bad({"workspace_id": ws.id, "types": "integration.created,"}, "?types")
    bad({"workspace_id": ws.id, "limit": 0}, "?limit")
    bad({"workspace_id": ws.id, "limit": 101}, "?limit")
    bad({"workspace_id": ws.id, "orderBy": '[{"sequence": "desc"}]'}, "?orderBy")
    bad({"workspace_id": ws.id, "filter": "{}"}, "?filter")
    bad({"workspace_id": ws.id, "after": "-1"}, None, "invalid_cursor")
    bad({"workspace_id": ws.id, "after": "01"}, None, "invalid_cursor")
    bad({"workspace_id": ws.id, "after": "99999999999999999999"}, None, "invalid_cursor")
    bad({"workspace_id": ws.id, "after": "x.y.z"}, None, "invalid_cursor")
    bad({"workspace_id": ws.id, "after": "1", "before": "x"}, "?before")
    expect_error(api.get("/api/events", outsider, params={"workspace_id": ws.id}), 403, "forbidden")
    for role in ("owner", "admin", "member", "viewer"):
        expect_ok(api.get("/api/events", ws.user(role), params={"workspace_id": ws.id}))
    assert api.get("/api/events", None, params={"workspace_id": ws.id}).status_code == 401
    assert api.post("/api/events", owner, json={}).status_code == 405


def test_parallel_writers_get_gapless_sequences_in_commit_order(api, settings, openapi, ws, owner):
    n = 24
    taken = [new_slug() for _ in range(n // 3)]
    for slug in taken:
        expect_ok(api.post("/api/integrations", owner, json={
            "workspaceId": ws.id, "slug": slug, "name": "first"}), 201)

    def write(k):
        # every third writer's create fails in its transaction (a taken slug): no event, no gap
        slug = taken[k // 3] if k % 3 == 0 else new_slug()
        return Api(settings, openapi).post("/api/integrations", owner, json={
            "workspaceId": ws.id, "slug": slug, "name": f"W{k}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(write, range(n)))
    assert statuses.count(409) == n // 3 and statuses.count(201) == n - n // 3
    evs = stream(api, owner, ws.id)
    check_shape(evs, ws.id)
    assert len(evs) == n, "one event per committed create, none for a failed one"
    assert len({e["data"]["integrationId"] for e in evs}) == n
    # in commit order: each event is written under the workspace's lock at commit, so its
    # occurredAt follows the previous one's
    stamps = [e["occurredAt"] for e in evs]
    assert stamps == sorted(stamps)


def test_a_long_transaction_blocks_no_other_writer_and_numbers_follow_commits(api, settings, ws,
                                                                              owner):
    """A change whose transaction is still open (a long install, say) holds no lock on the
    workspace's sequence: its event is numbered at commit. Another change in the workspace
    commits meanwhile without waiting, and takes the earlier number."""
    caller = json.dumps({"sub": owner.sub, "workspaces": {ws.id: "owner"}})
    body = json.dumps({"workspaceId": ws.id, "slug": new_slug(), "name": "Long"})
    sql = ("begin;\n"
           "select (api.integration_create(:'caller', :'body')).body ->> 'id';\n"
           "select pg_sleep(3);\n"
           "commit;\n")
    long_tx = subprocess.Popen(
        ["psql", settings.test_pg, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
         "-v", f"caller={caller}", "-v", f"body={body}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    long_tx.stdin.write(sql)
    long_tx.stdin.flush()
    time.sleep(1)  # the long transaction has created its integration and sleeps
    started = time.monotonic()
    quick = expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "Quick"}), 201)
    assert time.monotonic() - started < 1.5, "the quick writer waited for the long transaction"
    out, err = long_tx.communicate(timeout=30)
    assert long_tx.returncode == 0, err
    long_id = out.split()[0]
    evs = stream(api, owner, ws.id)
    assert [(e["sequence"], e["data"]["integrationId"]) for e in evs] == \
        [(1, quick["id"]), (2, long_id)], "numbered in commit order, not in order of the change"
