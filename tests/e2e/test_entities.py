"""Entities: create, get, patch (a new immutable version per definition change), list."""
import json

import pytest

from helpers import TIMESTAMP_RE, User, expect_error, expect_invalid_token, expect_ok, new_slug
from publish_helpers import (ENT_ID_RE, ENTITY_FIELDS, ENTV_ID_RE, absent_id, create_entity,
                             entity_body, entity_version_refs, epath, ref, soft_delete_entity)


# --------------------------------------------------------------------------- create

def test_create_returns_the_entity_with_location(api, ws, owner):
    body = entity_body(ws.id, kind="schema", name="Invoice", definition={"type": "object"})
    resp = api.post("/api/entities", owner, json=body)
    got = expect_ok(resp, 201)
    assert set(got) == ENTITY_FIELDS
    assert ENT_ID_RE.match(got["id"]) and ENTV_ID_RE.match(got["currentVersionId"]), got
    assert resp.headers.get("Location") == f"/api/entities/{got['id']}"
    for key in ("workspaceId", "kind", "slug", "name", "definition"):
        assert got[key] == body[key], key
    assert got["createdBy"] == owner.sub
    assert got["sourceInstallMemberId"] is None and got["deletedAt"] is None
    assert TIMESTAMP_RE.match(got["createdAt"]) and got["updatedAt"] == got["createdAt"]


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_writing_roles_create(api, ws, role):
    user = ws.user(role)
    assert expect_ok(api.post("/api/entities", user, json=entity_body(ws.id)), 201)[
        "createdBy"] == user.sub


@pytest.mark.parametrize("who", ["viewer", "other-workspace"])
def test_viewer_and_other_workspace_cannot_create(api, ws, new_workspace, who):
    user = ws.user("viewer") if who == "viewer" else new_workspace().user("owner")
    body = entity_body(ws.id)
    expect_error(api.post("/api/entities", user, json=body), 403, "forbidden")
    # nothing was created: the slug is still free
    expect_ok(api.post("/api/entities", ws.user("owner"), json=body), 201)


def test_create_without_token_is_401(api, ws):
    expect_invalid_token(api.post("/api/entities", None, json=entity_body(ws.id)))


def test_duplicate_live_slug_is_409_other_workspace_is_fine(api, ws, owner, outsider):
    first = create_entity(api, owner)
    resp = api.post("/api/entities", owner, json=entity_body(ws.id, slug=first["slug"]))
    expect_error(resp, 409, "conflict", "/slug")
    other = create_entity(api, outsider, slug=first["slug"])
    assert other["slug"] == first["slug"]


def test_slug_of_a_deleted_entity_can_be_taken_again(api, db, ws, owner):
    first = create_entity(api, owner)
    soft_delete_entity(db, first)
    again = create_entity(api, owner, slug=first["slug"])
    assert again["id"] != first["id"]


@pytest.mark.parametrize("field", ["workspaceId", "kind", "slug", "name", "definition"])
def test_create_missing_required_is_400(api, ws, owner, field):
    body = entity_body(ws.id)
    del body[field]
    expect_error(api.post("/api/entities", owner, json=body), 400, "validation_failed",
                 "/" + field)


@pytest.mark.parametrize("field,value", [
    ("kind", "Workflow"), ("kind", "1abc"), ("kind", "_a"), ("kind", ""), ("kind", "a" * 33),
    ("kind", "a-b"), ("kind", 3), ("slug", "A"), ("slug", "-a"), ("slug", "a"),
    ("slug", "x" * 64), ("name", ""), ("name", "  "), ("name", "n" * 201), ("name", None),
    ("definition", []), ("definition", "x"), ("definition", None), ("workspaceId", "nope"),
    ("id", "ent_x"), ("currentVersionId", "entv_x"), ("extra", 1),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None)
def test_create_bad_body_is_400(api, ws, owner, field, value):
    body = entity_body(ws.id, **{field: value})
    expect_error(api.post("/api/entities", owner, json=body), 400, "validation_failed",
                 "/" + field)


@pytest.mark.parametrize("kind", ["a", "a" * 32, "schema_v2", "x9"])
def test_kind_pattern_edges_are_accepted(api, owner, kind):
    assert create_entity(api, owner, kind=kind)["kind"] == kind


def test_refs_are_extracted_from_ref_nodes_anywhere(api, db, owner):
    a, b = create_entity(api, owner), create_entity(api, owner)
    definition = {
        "steps": [{"use": ref(a)}, [{"deep": {"$ref": b["id"], "note": "extra keys are fine"}}]],
        "again": ref(a),
        "schema": {"$ref": "#/definitions/x"},   # a JSON Schema pointer, not an entity
        "notRef": {"ref": a["id"]},
    }
    got = create_entity(api, owner, definition=definition)
    assert got["definition"] == definition
    assert entity_version_refs(db, got["currentVersionId"]) == sorted([a["id"], b["id"]])


# --------------------------------------------------------------------------- get

@pytest.mark.parametrize("role", ["owner", "admin", "member", "viewer"])
def test_any_role_of_the_workspace_reads(api, ws, owner, role):
    created = create_entity(api, owner)
    assert expect_ok(api.get(epath(created), ws.user(role))) == created


def test_other_workspace_gets_404(api, owner, outsider):
    created = create_entity(api, owner)
    expect_error(api.get(epath(created), outsider), 404, "not_found")


@pytest.mark.parametrize("bad_id", ["ABSENT", "int_" + "0" * 28, "ent_xyz", "ent_" + "A" * 28,
                                    "ent_" + "0" * 27])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_bad_or_absent_id_is_404(api, owner, method, bad_id):
    if bad_id == "ABSENT":
        bad_id = absent_id("ent")
    kwargs = {"json": {"name": "x"}} if method == "PATCH" else {}
    expect_error(api.call(method, f"/api/entities/{bad_id}", owner, **kwargs), 404, "not_found")


def test_deleted_entity_is_shown_with_deleted_at_and_cannot_be_patched(api, db, owner):
    created = create_entity(api, owner)
    soft_delete_entity(db, created)
    got = expect_ok(api.get(epath(created), owner))
    assert TIMESTAMP_RE.match(got["deletedAt"] or ""), got
    expect_error(api.patch(epath(created), owner, json={"name": "x"}), 409, "conflict")


def test_entity_routes_refuse_other_methods(api, owner):
    created = create_entity(api, owner)
    resp = api.delete(epath(created), owner)
    expect_error(resp, 405, "method_not_allowed")
    assert resp.headers["Allow"] == "GET, HEAD, PATCH"


# --------------------------------------------------------------------------- patch

def test_patch_name_keeps_the_version(api, owner):
    created = create_entity(api, owner)
    got = expect_ok(api.patch(epath(created), owner, json={"name": "Renamed"}))
    assert got["name"] == "Renamed" and got["currentVersionId"] == created["currentVersionId"]
    assert got["updatedAt"] > created["updatedAt"]


def test_patch_equal_definition_adds_no_version(api, db, owner):
    created = create_entity(api, owner, definition={"a": [1, 2], "b": {"c": True}})
    got = expect_ok(api.patch(epath(created), owner,
                              json={"definition": {"b": {"c": True}, "a": [1, 2]}}))
    assert got["currentVersionId"] == created["currentVersionId"]
    assert db.query("select count(*) from core.entity_versions where entity_id = :'eid';",
                    eid=created["id"]) == ["1"]


def test_patch_changed_definition_makes_a_new_version(api, db, owner):
    dep = create_entity(api, owner)
    created = create_entity(api, owner, definition={"v": 1})
    got = expect_ok(api.patch(epath(created), owner, json={"definition": {"v": 2, "d": ref(dep)}}))
    assert got["definition"] == {"v": 2, "d": ref(dep)}
    assert got["currentVersionId"] != created["currentVersionId"]
    assert entity_version_refs(db, got["currentVersionId"]) == [dep["id"]]
    # the old version is still there, unchanged
    old = db.query("select definition::text from core.entity_versions where id = :'vid';",
                   vid=created["currentVersionId"])
    assert json.loads(old[0]) == {"v": 1}
    assert expect_ok(api.get(epath(created), owner)) == got


def test_patch_empty_body_only_moves_updated_at(api, owner):
    created = create_entity(api, owner)
    got = expect_ok(api.patch(epath(created), owner, json={}))
    assert {k: v for k, v in got.items() if k != "updatedAt"} == \
        {k: v for k, v in created.items() if k != "updatedAt"}


@pytest.mark.parametrize("role,status", [("admin", 200), ("member", 200), ("viewer", 403)])
def test_patch_roles(api, ws, owner, role, status):
    created = create_entity(api, owner)
    resp = api.patch(epath(created), ws.user(role), json={"name": "By " + role})
    if status == 200:
        assert expect_ok(resp)["name"] == "By " + role
    else:
        expect_error(resp, 403, "forbidden")


def test_patch_other_workspace_is_404(api, owner, outsider):
    created = create_entity(api, owner)
    expect_error(api.patch(epath(created), outsider, json={"name": "x"}), 404, "not_found")


@pytest.mark.parametrize("field,value", [
    ("kind", "schema"), ("slug", "new-slug"), ("workspaceId", "ws_x"), ("name", None),
    ("name", ""), ("definition", None), ("definition", [1]), ("foo", 1),
])
def test_patch_bad_body_is_400(api, owner, field, value):
    created = create_entity(api, owner)
    expect_error(api.patch(epath(created), owner, json={field: value}), 400,
                 "validation_failed", "/" + field)


# --------------------------------------------------------------------------- list

def test_list_scope_is_the_callers_workspaces(api, ws, new_workspace):
    other = new_workspace()
    user = User(ws.settings, {ws.id: "viewer", other.id: "member"})
    mine = [create_entity(api, ws.user("owner")) for _ in range(2)]
    theirs = create_entity(api, other.user("owner"))
    hidden = create_entity(api, new_workspace().user("owner"))
    page = expect_ok(api.get("/api/entities", user))
    ids = [e["id"] for e in page["data"]]
    assert ids == [theirs["id"], mine[1]["id"], mine[0]["id"]]   # createdAt desc
    assert hidden["id"] not in ids
    assert page["pageInfo"]["total"] == 3


def test_list_shorthands(api, db, ws, owner):
    schema = create_entity(api, owner, kind="schema", name="Big Invoice_100%")
    flow = create_entity(api, owner, kind="workflow", name="Other")
    gone = create_entity(api, owner, kind="schema", name="Gone")
    soft_delete_entity(db, gone)

    def ids(**params):
        return [e["id"] for e in expect_ok(api.get("/api/entities", owner, params=params))["data"]]

    assert ids(kind="schema") == [schema["id"]]
    assert ids(kind="schema", include_deleted="true") == [gone["id"], schema["id"]]
    assert ids(include_deleted="false") == [flow["id"], schema["id"]]
    assert ids(name="invoice_100%") == [schema["id"]]
    assert ids(name="invoice_1000") == []
    assert ids(workspace_id=ws.id, kind="workflow") == [flow["id"]]
    assert ids(workspace_id="ws_elsewhere") == []
    assert ids(ids=f"{flow['id']},{absent_id('ent')}") == [flow["id"]]


def test_list_filter_order_and_pages(api, owner):
    made = [create_entity(api, owner, kind="schema", slug=f"s{i}-{new_slug()}") for i in range(5)]
    params = {"filter": json.dumps({"kind": {"eq": "schema"}}),
              "orderBy": json.dumps([{"slug": "asc"}]), "limit": 2}
    seen, after = [], None
    while True:
        page = expect_ok(api.get("/api/entities", owner,
                                 params=dict(params, **({"after": after} if after else {}))))
        seen += [e["id"] for e in page["data"]]
        assert page["pageInfo"]["total"] == 5
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [e["id"] for e in made]


@pytest.mark.parametrize("params,path", [
    ({"include_deleted": "yes"}, "?include_deleted"), ({"ids": "int_" + "0" * 28}, "?ids"),
    ({"ids": ""}, "?ids"), ({"limit": "0"}, "?limit"), ({"visibility": "public"}, "?visibility"),
    ({"filter": json.dumps({"definition": {"eq": "x"}})}, "?filter/definition"),
    ({"orderBy": json.dumps([{"nope": "asc"}])}, "?orderBy/0/nope"),
    # issue 18: malformed shorthands were a 200 with an empty page
    ({"workspace_id": "nope"}, "?workspace_id"), ({"workspace_id": ""}, "?workspace_id"),
    ({"workspace_id": "ws_"}, "?workspace_id"), ({"kind": "Workflow"}, "?kind"),
    ({"kind": ""}, "?kind"), ({"kind": "1tool"}, "?kind"), ({"kind": "a" * 33}, "?kind"),
    ({"kind": "work-flow"}, "?kind"),
])
def test_list_bad_parameters_are_400(api, owner, params, path):
    expect_error(api.get("/api/entities", owner, params=params), 400, "validation_failed", path)


def test_list_tampered_cursor_is_400(api, owner):
    for _ in range(2):
        create_entity(api, owner)
    page = expect_ok(api.get("/api/entities", owner, params={"limit": 1}))
    cursor = page["pageInfo"]["endCursor"]
    expect_error(api.get("/api/entities", owner, params={"limit": 1, "after": cursor[:-2] + "xx"}),
                 400, "invalid_cursor")
    expect_error(api.get("/api/entities", owner, params={"limit": 1, "after": cursor,
                                                          "kind": "schema"}),
                 400, "invalid_cursor")
