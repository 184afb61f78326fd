"""Publish (snapshots, SemVer, reference and placeholder checks), versions, member preview."""
import json
import threading

import pytest

from helpers import TIMESTAMP_RE, expect_error, expect_invalid_token, expect_ok, ipath
from publish_helpers import (INTV_ID_RE, SEMVER_SPEC_ORDER, VERSION_FIELDS, absent_id,
                             create_entity, epath, manifest, member, publish, ref, set_manifest,
                             soft_delete_entity, vpath)

VARIABLES = {"type": "object", "properties": {"channel": {"type": "string"},
                                              "region": {"type": "string"}}}


@pytest.fixture
def graph(api, owner):
    """Entities of `owner`'s workspace: a member `flow` -> `schema` -> `leaf`, and `leaf`
    -> `schema` back (a cycle); `shared` is reached from both `flow` and `schema` (a diamond)."""
    leaf = create_entity(api, owner, kind="schema", definition={"type": "string"})
    shared = create_entity(api, owner, kind="tool", definition={"url": "https://x"})
    schema = create_entity(api, owner, kind="schema",
                           definition={"items": ref(leaf), "tool": ref(shared)})
    expect_ok(api.patch(epath(leaf), owner,
                        json={"definition": {"type": "string", "parent": ref(schema)}}))
    flow = create_entity(api, owner, kind="workflow",
                         definition={"steps": [{"schema": ref(schema)}, {"tool": ref(shared)}],
                                     "channel": "{{ channel }}"})
    other = create_entity(api, owner, kind="agent", definition={"prompt": "hi {{region}}"})
    return {"leaf": expect_ok(api.get(epath(leaf), owner)), "shared": shared, "schema": schema,
            "flow": flow, "other": other}


@pytest.fixture
def authored(api, owner, integration, graph):
    """`integration` with members flow (clone, default) and other (reference, not default)."""
    return set_manifest(api, owner, integration,
                        member(graph["flow"], "flow", config={"to": "{{channel}}"}),
                        member(graph["other"], "other", mode="reference", default=False),
                        variablesSchema=VARIABLES, authConfig={"type": "api_key"})


def pins_of(graph, *names):
    return {graph[n]["id"]: graph[n]["currentVersionId"] for n in names}


# --------------------------------------------------------------------------- publish

def test_publish_snapshots_the_draft_and_pins_the_closure(api, owner, authored, graph):
    resp = api.post(ipath(authored, "/publish"), owner,
                    json={"version": "1.0.0", "changelog": "First"})
    got = expect_ok(resp, 201)
    assert set(got) == VERSION_FIELDS
    assert INTV_ID_RE.match(got["id"]) and resp.headers["Location"] == vpath(got)
    assert got["integrationId"] == authored["id"] and got["version"] == "1.0.0"
    assert got["manifestSnapshot"] == authored["manifest"]
    assert got["variablesSchemaSnapshot"] == VARIABLES
    assert got["authConfigSnapshot"] == {"type": "api_key"}
    assert got["memberEntityVersions"] == pins_of(graph, "flow", "other", "schema", "leaf",
                                                  "shared")
    assert got["changelog"] == "First" and got["publishedBy"] == owner.sub
    assert TIMESTAMP_RE.match(got["publishedAt"])
    after = expect_ok(api.get(ipath(authored), owner))
    assert after["currentVersion"] == "1.0.0" and after["updatedAt"] > authored["updatedAt"]
    assert expect_ok(api.get(vpath(got), owner)) == got


def test_admin_publishes_and_changelog_may_be_null(api, ws, integration):
    got = publish(api, ws.user("admin"), integration, "0.1.0", changelog=None)
    assert got["changelog"] is None and got["memberEntityVersions"] == {}
    assert got["manifestSnapshot"] == {"members": []}


def test_semver_precedence_of_the_spec(api, owner, integration):
    for version in SEMVER_SPEC_ORDER:
        publish(api, owner, integration, version)
    listed = expect_ok(api.get(ipath(integration, "/versions"), owner,
                               params={"orderBy": json.dumps([{"version": "asc"}])}))
    assert [v["version"] for v in listed["data"]] == SEMVER_SPEC_ORDER
    for lower in ["2.1.0", "2.0.0-rc.1", "1.0.0-beta.11", "0.9.9"]:
        expect_error(api.post(ipath(integration, "/publish"), owner, json={"version": lower}),
                     422, "validation_failed", "/version")
    assert expect_ok(api.get(ipath(integration), owner))["currentVersion"] == "2.1.1"


def test_publishing_a_version_twice_is_409_version_exists(api, db, owner, integration):
    publish(api, owner, integration, "1.0.0")
    before = db.rows(integration["id"])
    expect_error(api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"}),
                 409, "version_exists", "/version")
    # build metadata does not count in precedence: the same version
    expect_error(api.post(ipath(integration, "/publish"), owner,
                          json={"version": "1.0.0+build.7"}), 409, "version_exists")
    assert db.rows(integration["id"]) == before


def test_publishing_1_0_0_after_1_1_0_is_422(api, owner, integration):
    publish(api, owner, integration, "1.1.0")
    body = expect_error(api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"}),
                        422, "validation_failed", "/version")
    assert "1.1.0" in body["errors"][0]["message"]
    assert expect_ok(api.get(ipath(integration), owner))["currentVersion"] == "1.1.0"


@pytest.mark.parametrize("body,path", [
    ({}, "/version"), ({"version": "1.0"}, "/version"), ({"version": "v1.0.0"}, "/version"),
    ({"version": "01.0.0"}, "/version"), ({"version": "1.0.0-01"}, "/version"),
    ({"version": "1.0.0-"}, "/version"), ({"version": 1}, "/version"),
    ({"version": None}, "/version"), ({"version": "1.0.0", "notes": "x"}, "/notes"),
    ({"version": "1.0.0", "changelog": 5}, "/changelog"),
    ({"version": "1.0.0", "changelog": "c" * 20001}, "/changelog"),
])
def test_publish_bad_body_is_400(api, owner, integration, body, path):
    expect_error(api.post(ipath(integration, "/publish"), owner, json=body), 400,
                 "validation_failed", path)


@pytest.mark.parametrize("role,status,code", [
    ("member", 403, "forbidden"), ("viewer", 403, "forbidden"),
])
def test_publish_needs_owner_or_admin(api, ws, integration, role, status, code):
    resp = api.post(ipath(integration, "/publish"), ws.user(role), json={"version": "1.0.0"})
    expect_error(resp, status, code)


def test_publish_by_other_workspace_or_without_token(api, outsider, integration):
    expect_error(api.post(ipath(integration, "/publish"), outsider, json={"version": "1.0.0"}),
                 404, "not_found")
    expect_invalid_token(api.post(ipath(integration, "/publish"), None, json={"version": "1.0.0"}))


def test_publish_of_deleted_integration_is_409(api, owner, integration):
    expect_ok(api.delete(ipath(integration), owner))
    expect_error(api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"}),
                 409, "conflict")


@pytest.mark.parametrize("bad_id", ["ABSENT", "int_xyz", "ent_" + "0" * 28])
def test_publish_bad_or_absent_id_is_404(api, owner, bad_id):
    bad_id = absent_id("int") if bad_id == "ABSENT" else bad_id
    expect_error(api.post(f"/api/integrations/{bad_id}/publish", owner, json={"version": "1.0.0"}),
                 404, "not_found")


def test_members_must_be_live_entities_of_the_workspace(api, db, owner, outsider, integration):
    good = create_entity(api, owner)
    deleted = create_entity(api, owner)
    soft_delete_entity(db, deleted)
    foreign = create_entity(api, outsider)
    uses_foreign = create_entity(api, owner, definition={"x": [ref(foreign)]})
    set_manifest(api, owner, integration, member(good), member({"id": absent_id("ent")}),
                 member(deleted), member(foreign), member(uses_foreign))
    body = expect_error(api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"}),
                        422, "validation_failed")
    assert [e["path"] for e in body["errors"]] == [f"/manifest/members/{n}/entityId"
                                                   for n in (1, 2, 3, 4)]
    assert foreign["id"] in body["errors"][3]["message"]
    assert expect_ok(api.get(ipath(integration), owner))["currentVersion"] is None
    assert expect_ok(api.get(ipath(integration, "/versions"), owner))["data"] == []


def test_placeholders_must_name_variables(api, owner, integration, graph):
    set_manifest(api, owner, integration, member(graph["flow"], config={"a": "{{nope}}"}),
                 member(graph["other"]), variablesSchema={"properties": {"channel": {}}})
    body = expect_error(api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"}),
                        422, "validation_failed")
    assert [e["path"] for e in body["errors"]] == ["/manifest/members/0/config",
                                                   "/manifest/members/1/entityId"]
    assert "{{nope}}" in body["errors"][0]["message"]
    assert "{{region}}" in body["errors"][1]["message"]
    # once the schema defines them, the same manifest publishes
    expect_ok(api.patch(ipath(integration), owner, json={"variablesSchema": {"properties": {
        "channel": {}, "region": {}, "nope": {}}}}))
    publish(api, owner, integration)


def test_placeholder_in_a_closure_entity_is_checked(api, owner, integration):
    dep = create_entity(api, owner, definition={"host": "{{missing_host}}"})
    top = create_entity(api, owner, definition={"uses": ref(dep)})
    set_manifest(api, owner, integration, member(top))
    body = expect_error(api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"}),
                        422, "validation_failed", "/manifest/members/0/entityId")
    assert dep["id"] in body["errors"][0]["message"]


def test_editing_an_entity_after_publish_does_not_change_the_snapshot(api, owner, authored,
                                                                      graph):
    first = publish(api, owner, authored, "1.0.0")
    edited = expect_ok(api.patch(epath(graph["schema"]), owner,
                                 json={"definition": {"items": ref(graph["leaf"]), "v": 2}}))
    assert edited["currentVersionId"] != graph["schema"]["currentVersionId"]
    assert expect_ok(api.get(vpath(first), owner)) == first
    preview = expect_ok(api.get(ipath(authored, "/members"), owner))
    flow_closure = {c["entityId"]: c["entityVersionId"] for c in preview["members"][0]["closure"]}
    assert flow_closure[graph["schema"]["id"]] == graph["schema"]["currentVersionId"]
    second = publish(api, owner, authored, "1.1.0")
    assert second["memberEntityVersions"][graph["schema"]["id"]] == edited["currentVersionId"]
    # schema no longer refers to shared, but flow still does
    assert graph["shared"]["id"] in second["memberEntityVersions"]
    assert expect_ok(api.get(vpath(first), owner)) == first


def test_concurrent_publishes_of_one_version_exactly_one_wins(api, owner, integration):
    results = []

    def attempt():
        results.append(api.post(ipath(integration, "/publish"), owner, json={"version": "3.0.0"}))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 7, statuses
    for r in results:
        if r.status_code == 409:
            expect_error(r, 409, "version_exists")
    listed = expect_ok(api.get(ipath(integration, "/versions"), owner))
    assert [v["version"] for v in listed["data"]] == ["3.0.0"]


# --------------------------------------------------------------------------- versions

def test_version_get_follows_the_integration_read_rule(api, owner, outsider, integration):
    version = publish(api, owner, integration)
    expect_error(api.get(vpath(version), outsider), 404, "not_found")
    expect_ok(api.post(ipath(integration, "/visibility"), owner, json={"visibility": "unlisted"}))
    assert expect_ok(api.get(vpath(version), outsider)) == version
    expect_ok(api.delete(ipath(integration), owner))
    expect_error(api.get(vpath(version), outsider), 404, "not_found")
    assert expect_ok(api.get(vpath(version), owner)) == version


@pytest.mark.parametrize("bad_id", ["ABSENT", "int_" + "0" * 28, "intv_xyz"])
def test_version_get_bad_or_absent_id_is_404(api, owner, bad_id):
    bad_id = absent_id("intv") if bad_id == "ABSENT" else bad_id
    expect_error(api.get(f"/api/integration-versions/{bad_id}", owner), 404, "not_found")


def test_versions_list_default_order_filter_and_pages(api, owner, integration):
    for version in ["0.1.0", "0.2.0", "1.0.0-rc.1", "1.0.0"]:
        publish(api, owner, integration, version)
    path = ipath(integration, "/versions")
    page = expect_ok(api.get(path, owner))
    assert [v["version"] for v in page["data"]] == ["1.0.0", "1.0.0-rc.1", "0.2.0", "0.1.0"]
    assert page["pageInfo"]["total"] == 4 and not page["pageInfo"]["hasNextPage"]
    ge = expect_ok(api.get(path, owner, params={
        "filter": json.dumps({"version": {"gte": "1.0.0-rc.1"}}),
        "orderBy": json.dumps([{"version": "asc"}])}))
    assert [v["version"] for v in ge["data"]] == ["1.0.0-rc.1", "1.0.0"]
    first = expect_ok(api.get(path, owner, params={"limit": 3}))
    rest = expect_ok(api.get(path, owner, params={"limit": 3,
                                                  "after": first["pageInfo"]["endCursor"]}))
    assert [v["version"] for v in first["data"] + rest["data"]] == \
        [v["version"] for v in page["data"]]
    assert rest["pageInfo"]["hasPreviousPage"]


def test_versions_list_is_404_for_whoever_cannot_read(api, owner, outsider, integration):
    publish(api, owner, integration)
    expect_error(api.get(ipath(integration, "/versions"), outsider), 404, "not_found")
    expect_error(api.get(f"/api/integrations/{absent_id('int')}/versions", owner), 404,
                 "not_found")


def test_versions_list_cursor_is_tied_to_its_integration(api, owner, create):
    a, b = create(owner), create(owner)
    for integration in (a, b):
        publish(api, owner, integration, "1.0.0")
        publish(api, owner, integration, "2.0.0")
    cursor = expect_ok(api.get(ipath(a, "/versions"), owner,
                               params={"limit": 1}))["pageInfo"]["endCursor"]
    expect_error(api.get(ipath(b, "/versions"), owner, params={"limit": 1, "after": cursor}),
                 400, "invalid_cursor")


@pytest.mark.parametrize("params,path", [
    ({"ids": "x"}, "?ids"), ({"filter": json.dumps({"nope": {"eq": 1}})}, "?filter/nope"),
    ({"filter": json.dumps({"version": {"gt": "1.0"}})}, "?filter/version/gt"),
])
def test_versions_list_bad_parameters_are_400(api, owner, integration, params, path):
    expect_error(api.get(ipath(integration, "/versions"), owner, params=params), 400,
                 "validation_failed", path)


# --------------------------------------------------------------------------- preview

def closure_ids(preview_member):
    return [c["entityId"] for c in preview_member["closure"]]


def test_draft_preview_uses_current_versions_with_transitive_closure(api, owner, authored,
                                                                     graph):
    got = expect_ok(api.get(ipath(authored, "/members"), owner))
    flow, other = got["members"]
    assert {k: flow[k] for k in ("slug", "kind", "mode", "default", "config", "entityId",
                                 "entityVersionId")} == {
        "slug": "flow", "kind": "workflow", "mode": "clone", "default": True,
        "config": {"to": "{{channel}}"}, "entityId": graph["flow"]["id"],
        "entityVersionId": graph["flow"]["currentVersionId"]}
    # flow -> schema -> leaf -> schema (cycle), flow -> shared and schema -> shared (diamond):
    # each once, ordered by id, never flow itself
    assert closure_ids(flow) == sorted([graph["schema"]["id"], graph["leaf"]["id"],
                                        graph["shared"]["id"]])
    by_id = {c["entityId"]: c for c in flow["closure"]}
    assert by_id[graph["leaf"]["id"]] == {
        "entityId": graph["leaf"]["id"], "entityVersionId": graph["leaf"]["currentVersionId"],
        "kind": "schema", "slug": graph["leaf"]["slug"]}
    assert (other["mode"], other["default"], other["config"], other["closure"]) == \
        ("reference", False, {}, [])


def test_a_member_in_its_own_cycle_is_not_in_its_closure(api, owner, integration):
    a = create_entity(api, owner)
    b = create_entity(api, owner, definition={"back": ref(a)})
    expect_ok(api.patch(epath(a), owner, json={"definition": {"to": ref(b)}}))
    set_manifest(api, owner, integration, member(a), member(b))
    got = expect_ok(api.get(ipath(integration, "/members"), owner))
    assert [closure_ids(m) for m in got["members"]] == [[b["id"]], [a["id"]]]
    version = publish(api, owner, integration)
    assert set(version["memberEntityVersions"]) == {a["id"], b["id"]}
    got = expect_ok(api.get(ipath(integration, "/members"), owner))
    assert [closure_ids(m) for m in got["members"]] == [[b["id"]], [a["id"]]]


def test_preview_after_publish_shows_the_published_version_not_the_draft(api, owner, authored,
                                                                         graph):
    publish(api, owner, authored)
    set_manifest(api, owner, authored, member(graph["leaf"], "only-leaf"))
    got = expect_ok(api.get(ipath(authored, "/members"), owner))
    assert [m["slug"] for m in got["members"]] == ["flow", "other"]


def test_draft_preview_of_unknown_entities_reveals_nothing(api, owner, outsider, integration):
    foreign = create_entity(api, outsider, kind="secret_kind")
    mine = create_entity(api, owner, definition={"x": ref(foreign)})
    set_manifest(api, owner, integration, member(foreign), member(mine))
    got = expect_ok(api.get(ipath(integration, "/members"), owner))
    assert (got["members"][0]["kind"], got["members"][0]["entityVersionId"]) == (None, None)
    assert got["members"][1]["closure"] == [{"entityId": foreign["id"], "entityVersionId": None,
                                             "kind": None, "slug": None}]


def test_preview_read_rule(api, owner, outsider, integration):
    expect_error(api.get(ipath(integration, "/members"), outsider), 404, "not_found")
    expect_ok(api.post(ipath(integration, "/grants"), owner,
                       json={"workspaceId": next(iter(outsider.workspaces))}), 201)
    assert expect_ok(api.get(ipath(integration, "/members"), outsider)) == {"members": []}


def test_preview_of_empty_integration(api, ws, integration):
    assert expect_ok(api.get(ipath(integration, "/members"), ws.user("viewer"))) == \
        {"members": []}


def test_new_routes_refuse_other_methods(api, owner, integration):
    for suffix, allow in [("/publish", "POST"), ("/members", "GET, HEAD"), ("/versions", "GET, HEAD")]:
        resp = api.call("PUT", ipath(integration, suffix), owner, json={})
        expect_error(resp, 405, "method_not_allowed")
        assert resp.headers["Allow"] == allow


def test_manifest_member_slugs_are_checked_with_their_paths(api, owner, integration):
    entity = create_entity(api, owner)
    resp = api.patch(ipath(integration), owner,
                     json={"manifest": manifest(member(entity, "ok-slug"), member(entity, "Bad"),
                                                member(entity, "ok-slug"))})
    body = expect_error(resp, 400, "validation_failed")
    assert [e["path"] for e in body["errors"]] == ["/manifest/members/1/slug",
                                                   "/manifest/members/2/slug"]
