"""Merge upgrades (PRODUCT §12): the subscriber's edits of a clone survive an upgrade through a
three-way merge; onConflict, resolutions, the 409 merge_conflict, dry-run changes."""
from helpers import expect_error, expect_ok
from history_helpers import (alerts_clone, all_operations, edit_clone, publish_alerts)
from install_helpers import count, inst_path, upgrade
from publish_helpers import absent_id


def up(api, user, inst, **body):
    return api.post(inst_path(inst, "/upgrade"), user, json=body)


def test_a_merge_keeps_the_local_edit_and_takes_upstream(api, owner, published, installed):
    edit_clone(api, owner, installed, label="ours")
    publish_alerts(api, published, "1.1.0", note="new upstream")
    got = upgrade(api, owner, installed)
    assert got["updated"] == ["alerts"] and got["merged"] == ["alerts"]
    assert got["conflicts"] == [] and got["operationId"].startswith("iop_")
    m, clone = alerts_clone(api, owner, installed)
    assert clone["definition"]["label"] == "ours"
    assert clone["definition"]["note"] == "new upstream"
    assert m["locallyModified"] is True


def test_an_unedited_clone_fast_forwards(api, owner, published, installed):
    publish_alerts(api, published, "1.1.0", label="v2 {{channel}}")
    got = upgrade(api, owner, installed)
    assert got["updated"] == ["alerts"] and got["merged"] == [] and got["conflicts"] == []
    m, clone = alerts_clone(api, owner, installed)
    assert clone["definition"]["label"] == "v2 #ops"
    assert m["locallyModified"] is False


def conflicting(api, owner, published, installed):
    edit_clone(api, owner, installed, label="ours")
    publish_alerts(api, published, "1.1.0", label="v2 {{channel}}", note="n")


def test_keep_local_is_the_default(api, owner, published, installed):
    conflicting(api, owner, published, installed)
    got = upgrade(api, owner, installed)
    m, clone = alerts_clone(api, owner, installed)
    assert got["merged"] == ["alerts"]
    [c] = got["conflicts"]
    assert c["memberId"] == m["id"] and c["slug"] == "alerts" and c["path"] == "/label"
    assert (c["base"], c["local"], c["upstream"]) == ("to #ops x3", "ours", "v2 #ops")
    assert c["resolution"] == "local"
    assert clone["definition"]["label"] == "ours" and clone["definition"]["note"] == "n"
    assert m["locallyModified"] is True


def test_take_upstream(api, owner, published, installed):
    conflicting(api, owner, published, installed)
    got = upgrade(api, owner, installed, onConflict="take_upstream")
    assert [c["resolution"] for c in got["conflicts"]] == ["upstream"]
    m, clone = alerts_clone(api, owner, installed)
    assert clone["definition"]["label"] == "v2 #ops" and clone["definition"]["note"] == "n"
    assert m["locallyModified"] is False


def test_fail_is_a_409_merge_conflict_and_applies_nothing(api, db, owner, published,
                                                          installed):
    conflicting(api, owner, published, installed)
    before = all_operations(api, owner, installed)
    m, clone = alerts_clone(api, owner, installed)
    for dry in (True, False):
        body = expect_error(up(api, owner, installed, onConflict="fail", dryRun=dry), 409,
                            "merge_conflict")
        assert body["errors"] == []
        assert body["conflicts"] == [{"memberId": m["id"], "slug": "alerts", "path": "/label",
                                      "base": "to #ops x3", "local": "ours",
                                      "upstream": "v2 #ops", "resolution": "local"}]
    assert expect_ok(api.get(inst_path(installed), owner))["integrationVersionId"] == \
        published.version["id"]
    assert alerts_clone(api, owner, installed)[1]["definition"] == clone["definition"]
    assert all_operations(api, owner, installed) == before


def test_resolutions_decide_conflicts(api, owner, published, installed):
    conflicting(api, owner, published, installed)
    m, _ = alerts_clone(api, owner, installed)
    got = upgrade(api, owner, installed, onConflict="fail", resolutions=[
        {"memberId": m["id"], "path": "/label", "take": "value", "value": "both"}])
    assert [c["path"] for c in got["conflicts"]] == ["/label"]
    assert alerts_clone(api, owner, installed)[1]["definition"]["label"] == "both"


def test_resolution_take_upstream_for_one_path(api, owner, published, installed):
    conflicting(api, owner, published, installed)
    m, _ = alerts_clone(api, owner, installed)
    upgrade(api, owner, installed, onConflict="fail",
            resolutions=[{"memberId": m["id"], "path": "/label", "take": "upstream"}])
    assert alerts_clone(api, owner, installed)[1]["definition"]["label"] == "v2 #ops"


def test_dry_run_answers_changes_and_records_nothing(api, db, owner, published, installed):
    conflicting(api, owner, published, installed)
    m, clone = alerts_clone(api, owner, installed)
    ops = count(db, "select count(*) from core.install_operations where install_id = :'i';",
                i=installed["id"])
    plan = upgrade(api, owner, installed, dryRun=True)
    assert plan["operationId"] is None
    [change] = plan["changes"]
    assert change["memberId"] == m["id"] and change["slug"] == "alerts"
    assert change["outcome"] == "conflict"
    assert {"op": "add", "path": "/note", "value": "n"} in change["patch"]
    assert count(db, "select count(*) from core.install_operations where install_id = :'i';",
                 i=installed["id"]) == ops
    assert alerts_clone(api, owner, installed)[1]["definition"] == clone["definition"]
    real = upgrade(api, owner, installed)
    assert {k: real[k] for k in ("updated", "added", "removed", "skipped", "merged",
                                 "conflicts")} == \
        {k: plan[k] for k in ("updated", "added", "removed", "skipped", "merged", "conflicts")}


def test_a_second_upgrade_changes_nothing_but_is_recorded(api, owner, published, installed):
    conflicting(api, owner, published, installed)
    upgrade(api, owner, installed)
    again = upgrade(api, owner, installed)
    assert {k: again[k] for k in ("updated", "added", "removed", "merged", "conflicts")} == {
        "updated": [], "added": [], "removed": [], "merged": [], "conflicts": []}
    ops = all_operations(api, owner, installed)
    assert ops[0]["id"] == again["operationId"] and ops[0]["kind"] == "upgrade"
    assert alerts_clone(api, owner, installed)[1]["definition"]["label"] == "ours"


def test_upgrade_body_shapes(api, owner, installed):
    imem = absent_id("imem")
    for body, path in [
        ({"onConflict": "merge"}, "/onConflict"),
        ({"onConflict": None}, "/onConflict"),
        ({"resolutions": {}}, "/resolutions"),
        ({"resolutions": [7]}, "/resolutions/0"),
        ({"resolutions": [{"path": "/a", "take": "local"}]}, "/resolutions/0/memberId"),
        ({"resolutions": [{"memberId": "inst_1", "path": "/a", "take": "local"}]},
         "/resolutions/0/memberId"),
        ({"resolutions": [{"memberId": imem, "take": "local"}]}, "/resolutions/0/path"),
        ({"resolutions": [{"memberId": imem, "path": 1, "take": "local"}]},
         "/resolutions/0/path"),
        ({"resolutions": [{"memberId": imem, "path": "/a"}]}, "/resolutions/0/take"),
        ({"resolutions": [{"memberId": imem, "path": "/a", "take": "mine"}]},
         "/resolutions/0/take"),
        ({"resolutions": [{"memberId": imem, "path": "/a", "take": "value"}]},
         "/resolutions/0/value"),
        ({"resolutions": [{"memberId": imem, "path": "/a", "take": "local", "value": 1}]},
         "/resolutions/0/value"),
        ({"resolutions": [{"memberId": imem, "path": "/a", "take": "local", "x": 1}]},
         "/resolutions/0/x"),
    ]:
        expect_error(up(api, owner, installed, **body), 400, "validation_failed", path)


def test_resolutions_the_database_refuses(api, owner, published, installed):
    conflicting(api, owner, published, installed)
    m, _ = alerts_clone(api, owner, installed)
    expect_error(up(api, owner, installed, resolutions=[
        {"memberId": absent_id("imem"), "path": "/label", "take": "local"}]),
        422, "validation_failed", "/resolutions/0/memberId")
    expect_error(up(api, owner, installed, resolutions=[
        {"memberId": m["id"], "path": "/retries", "take": "local"}]),
        422, "validation_failed", "/resolutions/0/path")
    tool = [x for x in expect_ok(api.get(inst_path(installed, "/members"), owner))["members"]
            if x["mode"] == "reference"][0]
    expect_error(up(api, owner, installed, resolutions=[
        {"memberId": tool["id"], "path": "/label", "take": "local"}]),
        422, "validation_failed", "/resolutions/0/memberId")


def test_merge_upgrade_access(api, owner, ws, published, installed, outsider):
    expect_error(up(api, ws.user("viewer"), installed, onConflict="fail"), 403, "forbidden")
    expect_error(up(api, outsider, installed, onConflict="fail"), 404, "not_found")
    expect_error(api.post(inst_path(absent_id("inst"), "/upgrade"), owner, json={}), 404,
                 "not_found")
