"""Concurrency: 20 parallel upgrades of one install, and 20 parallel installs (with one
Idempotency-Key, and without): exactly one applies, the others see its result or a 409; the
database holds no duplicated clone and loses no member."""
import secrets
import threading

from helpers import expect_ok, ipath
from install_helpers import NOTHING_CHANGED, count, inst_path, install, members_of

PARALLEL = 20


def in_parallel(call, n=PARALLEL):
    """Runs call() in n threads released together; returns the responses."""
    start = threading.Barrier(n)
    responses = [None] * n
    errors = []

    def run(i):
        try:
            start.wait()
            responses[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, f"requests failed: {errors[:3]}"
    return responses


def clone_counts(db, workspace_id):
    """(clones in the workspace, live member rows of its installs, clones per member > 1)."""
    clones = count(db, "select count(*) from core.entities where workspace_id = :'ws';",
                   ws=workspace_id)
    members = count(db, "select count(*) from core.install_members m "
                        "join core.integration_installs i on i.id = m.install_id "
                        "where i.workspace_id = :'ws' and m.removed_at is null;", ws=workspace_id)
    duplicated = count(db, "select count(*) from (select m.id from core.install_members m "
                           "join core.entities e on e.source_install_member_id = m.id "
                           "where e.workspace_id = :'ws' group by m.id having count(*) > 1) d;",
                       ws=workspace_id)
    return clones, members, duplicated


def test_parallel_upgrades_of_one_install_apply_once(api, db, ws, owner, published):
    inst = install(api, owner, published.integration)
    before = clone_counts(db, ws.id)
    # 1.1.0: alerts changes (and no longer uses tool), digest becomes a default member
    # (added), tool goes (removed)
    expect_ok(api.patch(f"/api/entities/{published.entities['alerts']['id']}", published.author,
                        json={"definition": {"channel": "{{channel}}", "v": 2,
                                             "schema": {"$ref": published.entities["lib"]["id"]}}}))
    published.republish(api, "1.1.0", digest={"default": True}, tool=None)

    responses = in_parallel(lambda: api.post(inst_path(inst, "/upgrade"), owner))

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    bodies = [r.json() for r in responses if r.status_code == 200]
    applied = [b for b in bodies if {k: b[k] for k in NOTHING_CHANGED} != NOTHING_CHANGED]
    assert len(applied) == 1, f"{len(applied)} upgrades applied: {applied}"
    assert applied[0]["updated"] == ["alerts"] and applied[0]["added"] == ["digest"]
    assert applied[0]["removed"] == ["tool"]
    for b in bodies:
        assert b == applied[0] or {k: b[k] for k in NOTHING_CHANGED} == NOTHING_CHANGED

    clones, members, duplicated = clone_counts(db, ws.id)
    assert duplicated == 0
    assert clones == before[0] + 1, "one clone added (digest), none twice"
    assert members == before[1], "digest added, tool removed: as many live members as before"
    ms = members_of(api, owner, inst)
    assert {"alerts", "digest"} <= set(ms) and "tool" not in ms
    assert count(db, "select count(*) from core.entity_versions where entity_id = :'e';",
                 e=ms["alerts"]["entityId"]) == 2, "the update wrote one clone version"


def test_parallel_installs_with_one_idempotency_key(api, db, ws, owner, published):
    key = {"Idempotency-Key": "e2e-" + secrets.token_hex(8)}
    body = {"workspaceId": ws.id, "variables": {"channel": "#ops"}}

    responses = in_parallel(lambda: api.post(ipath(published.integration, "/install"), owner,
                                             json=body, headers=key))

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = [r.json() for r in responses if r.status_code == 201]
    assert created, "no install succeeded"
    assert all(c == created[0] for c in created), "replays must return the first response"
    for r in responses:
        if r.status_code == 409:
            assert r.json()["code"] == "request_in_progress"
    assert count(db, "select count(*) from core.integration_installs where workspace_id = :'ws';",
                 ws=ws.id) == 1
    clones, members, duplicated = clone_counts(db, ws.id)
    assert duplicated == 0 and clones == 3 and members == 4


def test_parallel_installs_without_a_key_install_once(api, db, ws, owner, published):
    body = {"workspaceId": ws.id, "variables": {"channel": "#ops"}}

    responses = in_parallel(lambda: api.post(ipath(published.integration, "/install"), owner,
                                             json=body))

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert all(r.json()["code"] == "already_installed" for r in responses if r.status_code != 201)
    clones, members, duplicated = clone_counts(db, ws.id)
    assert duplicated == 0 and clones == 3 and members == 4
