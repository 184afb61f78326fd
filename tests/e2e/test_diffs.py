"""Diffs (PRODUCT §12): a cloned member's local edits, and what changed between versions."""
from helpers import expect_error, expect_ok, new_slug
from history_helpers import alerts_clone, edit_clone, publish_alerts
from install_helpers import VARIABLES_SCHEMA, members_of, publish_integration
from publish_helpers import absent_id, create_entity, member, publish, set_manifest, vpath


def mdiff(member_or_id):
    mid = member_or_id["id"] if isinstance(member_or_id, dict) else member_or_id
    return f"/api/integration-members/{mid}/diff"


def test_member_diff(api, owner, ws, published, installed):
    m, clone = alerts_clone(api, owner, installed)
    got = expect_ok(api.get(mdiff(m), owner))
    assert got == {"memberId": m["id"], "base": clone["definition"],
                   "local": clone["definition"], "patch": []}
    local = edit_clone(api, owner, installed, label="ours", extra=[1, 2], retries=None)
    got = expect_ok(api.get(mdiff(m), ws.user("viewer")))
    assert got["base"] == clone["definition"] and got["local"] == local
    assert got["patch"] == [{"op": "add", "path": "/extra", "value": [1, 2]},
                            {"op": "replace", "path": "/label", "value": "ours"},
                            {"op": "remove", "path": "/retries"}]
    # after a merge upgrade the base is the new upstream, the edit is still the diff
    publish_alerts(api, published, "1.1.0", note="n")
    expect_ok(api.post(f"/api/integration-installs/{installed['id']}/upgrade", owner, json={}))
    got = expect_ok(api.get(mdiff(m), owner))
    assert got["base"]["note"] == "n" and got["local"]["note"] == "n"
    assert {"op": "replace", "path": "/label", "value": "ours"} in got["patch"]


def test_member_diff_errors(api, owner, installed, outsider):
    ms = members_of(api, owner, installed)
    expect_error(api.get(mdiff(ms["tool"]), owner), 422, "validation_failed", "")
    expect_error(api.get(mdiff(ms["alerts"]), outsider), 404, "not_found")
    expect_error(api.get(mdiff(absent_id("imem")), owner), 404, "not_found")
    expect_error(api.get("/api/integration-members/imem_1/diff", owner), 404, "not_found")


def test_version_diff(api, owner, published, installed):
    fresh = create_entity(api, published.author, kind="tool", slug=new_slug("fresh"),
                          definition={"n": 1})
    schema = dict(VARIABLES_SCHEMA, properties=dict(VARIABLES_SCHEMA["properties"],
                                                    team={"type": "string"}))
    v11 = publish_alerts(api, published, "1.1.0", note="v2")
    set_manifest(api, published.author, published.integration,
                 *published.members(tool=None), member(fresh, "fresh"), variablesSchema=schema)
    v12 = publish(api, published.author, published.integration, "1.2.0")
    v10 = published.version
    got = expect_ok(api.get(vpath(v12) + "/diff", owner, params={"from": v10["id"]}))
    assert got["fromVersionId"] == v10["id"] and got["toVersionId"] == v12["id"]
    assert got["members"]["added"] == ["fresh"] and got["members"]["removed"] == ["tool"]
    [changed] = got["members"]["changed"]
    assert changed["slug"] == "alerts"
    assert {"op": "add", "path": "/definition/note", "value": "v2"} in changed["patch"]
    assert got["variablesSchema"] == [
        {"op": "add", "path": "/properties/team", "value": {"type": "string"}}]
    assert got["authConfig"] == []
    same = expect_ok(api.get(vpath(v11) + "/diff", owner, params={"from": v11["id"]}))
    assert same["members"] == {"added": [], "removed": [], "changed": []}
    # the other way round
    back = expect_ok(api.get(vpath(v10) + "/diff", owner, params={"from": v12["id"]}))
    assert back["members"]["added"] == ["tool"] and back["members"]["removed"] == ["fresh"]


def test_version_diff_errors(api, owner, author, published, outsider):
    v = published.version
    path = vpath(v) + "/diff"
    expect_error(api.get(path, owner), 400, "validation_failed", "?from")
    expect_error(api.get(path, owner, params={"from": "int_1"}), 400, "validation_failed",
                 "?from")
    expect_error(api.get(path, owner, params={"from": v["id"], "x": "1"}), 400,
                 "validation_failed")
    other = publish_integration(api, author)
    expect_error(api.get(path, owner, params={"from": other.version["id"]}), 422,
                 "validation_failed", "/from")
    expect_error(api.get(path, owner, params={"from": absent_id("intv")}), 422,
                 "validation_failed", "/from")
    expect_error(api.get(path, outsider, params={"from": v["id"]}), 404, "not_found")
    expect_error(api.get(vpath(absent_id("intv")) + "/diff", owner, params={"from": v["id"]}),
                 404, "not_found")
