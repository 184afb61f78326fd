"""An install's history (PRODUCT §13): operations of every kind with who and which request,
the hash chain and its verification, paging, rollback to earlier points, concurrency."""
import threading

from helpers import expect_error, expect_ok, new_slug
from history_helpers import (OPERATION_FIELDS, all_operations, alerts_clone, edit_clone,
                             op_path, operations, publish_alerts, rollback, traced)
from install_helpers import (count, detach_path, inst_path, install, members_of,
                             publish_integration)
from publish_helpers import absent_id, create_entity, member


def live_slugs(api, user, inst):
    return set(members_of(api, user, inst))


def test_every_kind_is_recorded_with_actor_request_and_key(api, owner, published):
    made = []  # (kind, request id, idempotency key)
    resp, r, k = traced(api, "POST", f"/api/integrations/{published.integration['id']}/install",
                        owner, json={"workspaceId": next(iter(owner.workspaces)),
                                     "variables": {"channel": "#ops"}})
    inst = expect_ok(resp, 201)
    made.append(("install", r, k))
    publish_alerts(api, published, "1.1.0", note="n")
    resp, r, k = traced(api, "POST", inst_path(inst, "/upgrade"), owner, json={})
    up = expect_ok(resp)
    made.append(("upgrade", r, k))
    alerts = members_of(api, owner, inst)["alerts"]
    for detached, kind in ((True, "detach"), (False, "attach")):
        resp, r, k = traced(api, "POST", detach_path(alerts), owner, json={"detached": detached})
        expect_ok(resp)
        made.append((kind, r, k))
    first = all_operations(api, owner, inst)[-1]
    resp, r, k = traced(api, "POST", inst_path(inst, "/rollback"), owner,
                        json={"operationId": first["id"]})
    back = expect_ok(resp)
    made.append(("rollback", r, k))
    # without an Idempotency-Key: recorded as null
    resp, r, _ = traced(api, "DELETE", inst_path(inst), owner)
    expect_ok(resp)
    made.append(("uninstall", r, None))

    ops = all_operations(api, owner, inst)
    assert [(o["kind"], o["requestId"], o["idempotencyKey"]) for o in reversed(ops)] == made
    assert all(set(o) == OPERATION_FIELDS for o in ops)
    assert all(o["actor"] == owner.sub and o["installId"] == inst["id"] for o in ops)
    assert ops[-1]["prevHash"] is None
    assert all(a["prevHash"] == b["hash"] for a, b in zip(ops, ops[1:]))
    assert up["operationId"] == ops[4]["id"] and back["operationId"] == ops[1]["id"]
    assert ops[4]["fromVersionId"] == published.version["id"] != ops[4]["toVersionId"]
    assert ops[3]["result"] == {"memberId": alerts["id"]}
    assert ops[0]["result"] == {} and ops[0]["toVersionId"] is None
    assert ops[1]["toVersionId"] == published.version["id"]
    # one operation; verify; readable after the uninstall
    for o in ops:
        assert expect_ok(api.get(op_path(o), owner)) == o
    assert expect_ok(api.get(inst_path(inst, "/operations/verify"), owner)) == {
        "valid": True, "operations": 6, "firstBrokenId": None}


def test_an_idempotent_replay_records_nothing_more(api, owner, installed):
    key = "idem-replay-" + new_slug()
    for _ in range(2):
        got = expect_ok(api.post(inst_path(installed, "/upgrade"), owner, json={},
                                 headers={"Idempotency-Key": key}))
    ops = all_operations(api, owner, installed)
    assert len(ops) == 2 and ops[0]["id"] == got["operationId"]
    assert ops[0]["idempotencyKey"] == key
    # a rollback too
    key = "idem-rollback-" + new_slug()
    answers = [expect_ok(rollback(api, owner, installed, ops[-1],
                                  headers={"Idempotency-Key": key})) for _ in range(2)]
    assert answers[0] == answers[1]
    ops = all_operations(api, owner, installed)
    assert len(ops) == 3 and ops[0]["id"] == answers[0]["operationId"]
    assert ops[0]["kind"] == "rollback" and ops[0]["idempotencyKey"] == key


def test_operations_paging(api, owner, installed):
    for _ in range(4):
        expect_ok(api.post(inst_path(installed, "/upgrade"), owner))
    every = all_operations(api, owner, installed)
    assert len(every) == 5 and [o["kind"] for o in every] == ["upgrade"] * 4 + ["install"]
    assert [o["createdAt"] for o in every] == sorted((o["createdAt"] for o in every),
                                                     reverse=True)
    p1 = operations(api, owner, installed, limit=2)
    assert p1["data"] == every[:2]
    assert p1["pageInfo"]["total"] == 5 and p1["pageInfo"]["hasNextPage"] is True
    assert p1["pageInfo"]["hasPreviousPage"] is False
    p2 = operations(api, owner, installed, limit=2, after=p1["pageInfo"]["endCursor"])
    assert p2["data"] == every[2:4] and p2["pageInfo"]["hasPreviousPage"] is True
    p3 = operations(api, owner, installed, limit=2, after=p2["pageInfo"]["endCursor"])
    assert p3["data"] == every[4:] and p3["pageInfo"]["hasNextPage"] is False
    back = operations(api, owner, installed, limit=2, before=p3["pageInfo"]["startCursor"])
    assert back["data"] == every[2:4]
    oldest = operations(api, owner, installed, orderBy='[{"createdAt": "asc"}]')
    assert oldest["data"] == list(reversed(every))
    kind = operations(api, owner, installed, filter='{"kind": {"eq": "install"}}')
    assert [o["kind"] for o in kind["data"]] == ["install"] and kind["pageInfo"]["total"] == 1
    for params, path in [({"limit": 0}, "?limit"), ({"after": "x"}, None),
                         ({"orderBy": '[{"hash": "asc"}]'}, "?orderBy/0"),
                         ({"workspace_id": "ws_x"}, "?workspace_id")]:
        resp = api.get(inst_path(installed, "/operations"), owner, params=params)
        assert resp.status_code == 400, (params, resp.text)


def test_history_access(api, owner, ws, installed, outsider, author):
    op = all_operations(api, owner, installed)[0]
    viewer = ws.user("viewer")
    assert operations(api, viewer, installed)["data"] == [op]
    expect_ok(api.get(op_path(op), viewer))
    expect_ok(api.get(inst_path(installed, "/operations/verify"), viewer))
    for path in (inst_path(installed, "/operations"), inst_path(installed, "/operations/verify"),
                 op_path(op)):
        expect_error(api.get(path, outsider), 404, "not_found")
    for path in (inst_path(absent_id("inst"), "/operations"),
                 inst_path(absent_id("inst"), "/operations/verify"), op_path(absent_id("iop"))):
        expect_error(api.get(path, owner), 404, "not_found")
    expect_error(api.get("/api/integration-operations/iop_1", owner), 404, "not_found")


def test_rollback_to_several_points(api, db, owner, published, installed):
    e = published.entities
    # point A: 1.0.0 with the subscriber's first edit
    edit_clone(api, owner, installed, label="edit A")
    expect_ok(api.post(detach_path(members_of(api, owner, installed)["alerts"]), owner,
                       json={"detached": False}))
    point_a = all_operations(api, owner, installed)[0]
    assert point_a["kind"] == "attach"
    slugs_a = live_slugs(api, owner, installed)
    # point B: 1.1.0 adds `fresh`, drops `tool`; a second edit
    fresh = create_entity(api, published.author, kind="tool", slug=new_slug("fresh"),
                          definition={"n": 1})
    publish_alerts(api, published, "1.1.0", member_overrides={"tool": None}, note="v2",
                   tool=None)
    expect_ok(api.patch(f"/api/entities/{e['alerts']['id']}", published.author, json={
        "definition": {"channel": "{{channel}}", "label": "to {{ channel }} x{{retries}}",
                       "note": "v2", "fresh": {"$ref": fresh["id"]}}}))
    published.republish(api, "1.2.0", member(fresh, "fresh"), tool=None)
    got = expect_ok(api.post(inst_path(installed, "/upgrade"), owner,
                             json={"integrationVersionId": None}))
    assert "fresh" in got["added"] and "tool" in got["removed"]
    edit_clone(api, owner, installed, label="edit B")
    # an edit is no operation: an attach (a no-op) records the state with it
    expect_ok(api.post(detach_path(members_of(api, owner, installed)["alerts"]), owner,
                       json={"detached": False}))
    point_b = all_operations(api, owner, installed)[0]
    slugs_b = live_slugs(api, owner, installed)
    def_b = alerts_clone(api, owner, installed)[1]["definition"]
    assert "fresh" in slugs_b and "tool" not in slugs_b
    # a later edit, then back to A
    edit_clone(api, owner, installed, label="edit C")
    back = expect_ok(rollback(api, owner, installed, point_a))
    assert "fresh" in back["removed"] and "tool" in back["added"]
    assert back["merged"] == [] and back["conflicts"] == []
    assert live_slugs(api, owner, installed) == slugs_a
    m, clone = alerts_clone(api, owner, installed)
    assert clone["definition"]["label"] == "edit A" and "note" not in clone["definition"]
    assert m["locallyModified"] is True
    assert expect_ok(api.get(inst_path(installed), owner))["integrationVersionId"] == \
        published.version["id"]
    # forward again to B: the member removed by the first rollback comes back
    expect_ok(rollback(api, owner, installed, point_b))
    assert live_slugs(api, owner, installed) == slugs_b
    assert alerts_clone(api, owner, installed)[1]["definition"] == def_b
    # and to the install itself
    first = all_operations(api, owner, installed)[-1]
    assert first["kind"] == "install"
    expect_ok(rollback(api, owner, installed, first))
    assert alerts_clone(api, owner, installed)[1]["definition"]["label"] == "to #ops x3"
    ops = all_operations(api, owner, installed)
    assert [o["kind"] for o in ops[:3]] == ["rollback"] * 3
    assert expect_ok(api.get(inst_path(installed, "/operations/verify"), owner))["valid"] is True


def test_rollback_errors(api, owner, ws, author, published, installed, outsider):
    other = install(api, owner, publish_integration(api, author, grant_to=[ws.id]).integration)
    foreign = all_operations(api, owner, other)[0]
    expect_error(rollback(api, owner, installed, foreign), 422, "validation_failed",
                 "/operationId")
    expect_error(rollback(api, owner, installed, absent_id("iop")), 422, "validation_failed",
                 "/operationId")
    mine = all_operations(api, owner, installed)[0]
    for body, path in [({}, "/operationId"), ({"operationId": "inst_1"}, "/operationId"),
                       ({"operationId": 7}, "/operationId"),
                       ({"operationId": mine["id"], "x": 1}, "/x")]:
        expect_error(api.post(inst_path(installed, "/rollback"), owner, json=body), 400,
                     "validation_failed", path)
    expect_error(api.post(inst_path(installed, "/rollback"), owner), 400, "validation_failed")
    expect_error(rollback(api, ws.user("viewer"), installed, mine), 403, "forbidden")
    expect_error(rollback(api, outsider, installed, mine), 404, "not_found")
    expect_error(rollback(api, owner, absent_id("inst"), mine), 404, "not_found")
    expect_ok(api.delete(inst_path(installed), owner))
    expect_error(rollback(api, owner, installed, mine), 409, "conflict")


def test_concurrent_upgrades_and_rollbacks(api, db, owner, published, installed):
    """20 threads upgrade (to 1.1.0, to 1.0.0, merging) and roll back one install at once:
    no 500, a gapless valid chain, and the members are the state the last operation recorded."""
    v10 = published.version["id"]
    fresh = create_entity(api, published.author, kind="tool", slug=new_slug("fresh"),
                          definition={"n": 1})
    v11 = publish_alerts(api, published, "1.1.0", member(fresh, "fresh"), note="v2")["id"]
    edit_clone(api, owner, installed, label="ours")
    expect_ok(api.post(inst_path(installed, "/upgrade"), owner, json={"integrationVersionId": v11}))
    points = all_operations(api, owner, installed)
    statuses, errors = [], []
    lock = threading.Lock()

    def work(i):
        try:
            if i % 3 == 0:
                resp = rollback(api, owner, installed, points[i % len(points)])
            else:
                resp = api.post(inst_path(installed, "/upgrade"), owner, json={
                    "integrationVersionId": v11 if i % 2 else v10, "onConflict": "keep_local"})
            with lock:
                statuses.append(resp.status_code)
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(statuses) == 20 and set(statuses) <= {200, 409}, statuses
    ok = statuses.count(200)
    ops = all_operations(api, owner, installed)
    assert len(ops) == len(points) + ok
    assert expect_ok(api.get(inst_path(installed, "/operations/verify"), owner)) == {
        "valid": True, "operations": len(ops), "firstBrokenId": None}
    seqs = db.query("select seq from core.install_operations where install_id = :'i' "
                    "order by seq;", i=installed["id"])
    assert [int(s) for s in seqs] == list(range(1, len(ops) + 1))
    # the install as it is now is the state the last operation recorded
    assert count(db, "select count(*) from core.install_operations as o "
                     "join core.json_documents as d on d.hash = o.state_hash "
                     "where o.install_id = :'i' and o.seq = (select max(seq) from "
                     "core.install_operations where install_id = :'i') "
                     "and d.doc = core.install_snapshot(:'i');", i=installed["id"]) == 1
    last = ops[0]
    inst = expect_ok(api.get(inst_path(installed), owner))
    assert inst["integrationVersionId"] == last["toVersionId"]
    slugs = live_slugs(api, owner, installed)
    assert ("fresh" in slugs) == (last["toVersionId"] == v11)
    assert {"alerts", "tool"} <= slugs
    print(f"concurrency: {ok} of 20 succeeded, {statuses.count(409)} answered 409")
