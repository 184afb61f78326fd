"""Integration lifecycle and rules: create, get, patch, delete, restore, purge."""
import pytest

from helpers import (ETAG_RE, INT_ID_RE, INTEGRATION_FIELDS, TIMESTAMP_RE, absent_int_id,
                     expect_error, expect_ok, ipath, new_slug)

TRUST_TIERS = ["first_party", "vendor_official", "verified_partner"]


def create_body(ws_id, **fields):
    body = {"workspaceId": ws_id, "slug": new_slug(), "name": "E2E integration"}
    body.update(fields)
    return body


def soft_delete(api, user, integration):
    assert expect_ok(api.delete(ipath(integration), user)) == {"success": True}


# --------------------------------------------------------------------------- create

def test_create_minimal_returns_all_fields_with_defaults(api, ws, owner):
    body = create_body(ws.id)
    resp = api.post("/api/integrations", owner, json=body)
    got = expect_ok(resp, 201)
    assert set(got) == INTEGRATION_FIELDS, f"fields: {sorted(got)}"
    assert INT_ID_RE.match(got["id"]), got["id"]
    assert resp.headers.get("Location") == f"/api/integrations/{got['id']}"
    assert got["workspaceId"] == ws.id
    assert got["slug"] == body["slug"]
    assert got["name"] == body["name"]
    assert got["description"] is None and got["iconUrl"] is None and got["publisher"] is None
    assert got["trustTier"] == "verified_publisher"
    assert got["currentVersion"] is None
    assert got["visibility"] == "private"
    assert got["retentionTier"] == "medium"
    assert got["manifest"] == {"members": []}
    assert got["variablesSchema"] == {}
    assert got["authConfig"] == {"type": "none"}
    assert got["createdBy"] == owner.sub
    assert got["deletedAt"] is None
    assert TIMESTAMP_RE.match(got["createdAt"]) and TIMESTAMP_RE.match(got["updatedAt"]), got
    assert got["updatedAt"] >= got["createdAt"]


def test_create_with_every_optional_field(api, ws, owner):
    body = create_body(
        ws.id, description="Sync contacts", iconUrl="https://example.com/icon.png",
        publisher="acme", trustTier="verified_publisher",
        manifest={"members": []},
        variablesSchema={"type": "object", "properties": {"region": {"type": "string"}}},
        authConfig={"type": "none"})
    got = expect_ok(api.post("/api/integrations", owner, json=body), 201)
    for key, value in body.items():
        assert got[key] == value, f"{key}: sent {value!r}, got {got[key]!r}"


def test_create_then_get_returns_the_same_representation(api, owner, create):
    created = create(owner, description="d")
    resp = api.get(ipath(created), owner)
    assert expect_ok(resp) == created
    assert ETAG_RE.match(resp.headers.get("ETag", "")), resp.headers.get("ETag")


def test_admin_can_create(api, ws):
    admin = ws.user("admin")
    got = expect_ok(api.post("/api/integrations", admin, json=create_body(ws.id)), 201)
    assert got["createdBy"] == admin.sub


# --------------------------------------------------------------------------- slug rules

@pytest.mark.parametrize("slug", [
    "A-upper", "-leading-dash", "a", "x" * 64, "under_score", "spa ce", "", "dot.ted",
    "ümlaut", "trailing-newline\n",
], ids=["upper", "leading-dash", "one-char", "64-chars", "underscore", "space", "empty", "dot",
        "non-ascii", "newline"])
def test_slug_pattern_violation_is_400(api, ws, owner, slug):
    resp = api.post("/api/integrations", owner, json=create_body(ws.id, slug=slug))
    expect_error(resp, 400, "validation_failed", "/slug")


@pytest.mark.parametrize("slug", ["ab", "0-9", "a" + "-" * 62, "z" * 63],
                         ids=["two-chars", "digit-first", "dashes", "63-chars"])
def test_slug_pattern_edges_are_accepted(api, ws, owner, slug):
    got = expect_ok(api.post("/api/integrations", owner, json=create_body(ws.id, slug=slug)), 201)
    assert got["slug"] == slug


def test_duplicate_slug_in_workspace_is_409(api, ws, owner, create):
    first = create(owner)
    resp = api.post("/api/integrations", owner, json=create_body(ws.id, slug=first["slug"]))
    expect_error(resp, 409, "conflict")


def test_duplicate_slug_of_soft_deleted_is_409_until_purged(api, ws, owner, create):
    first = create(owner)
    soft_delete(api, owner, first)
    again = create_body(ws.id, slug=first["slug"])
    expect_error(api.post("/api/integrations", owner, json=again), 409, "conflict")
    expect_ok(api.delete(ipath(first, "/purge"), owner))
    got = expect_ok(api.post("/api/integrations", owner, json=again), 201)
    assert got["slug"] == first["slug"] and got["id"] != first["id"]


def test_same_slug_in_another_workspace_is_allowed(api, owner, outsider, create):
    first = create(owner)
    other_ws = next(iter(outsider.workspaces))
    got = create(outsider, slug=first["slug"])
    assert got["slug"] == first["slug"] and got["workspaceId"] == other_ws


# --------------------------------------------------------------------------- trust tier

@pytest.mark.parametrize("tier", TRUST_TIERS)
def test_non_default_trust_tier_needs_platform_admin(api, ws, owner, tier):
    body = create_body(ws.id, trustTier=tier)
    expect_error(api.post("/api/integrations", owner, json=body), 403, "forbidden")
    # nothing was created: the slug is still free
    admin = ws.user("owner", roles=["platform_admin"])
    got = expect_ok(api.post("/api/integrations", admin, json=body), 201)
    assert got["trustTier"] == tier


def test_platform_reviewer_cannot_set_trust_tier(api, ws):
    reviewer = ws.user("owner", roles=["platform_reviewer"])
    body = create_body(ws.id, trustTier="first_party")
    expect_error(api.post("/api/integrations", reviewer, json=body), 403, "forbidden")


def test_patch_trust_tier_needs_platform_admin(api, ws, owner, integration):
    expect_error(api.patch(ipath(integration), owner, json={"trustTier": "first_party"}),
                 403, "forbidden")
    assert expect_ok(api.get(ipath(integration), owner))["trustTier"] == "verified_publisher"
    admin = ws.user("admin", roles=["platform_admin"])
    got = expect_ok(api.patch(ipath(integration), admin, json={"trustTier": "first_party"}))
    assert got["trustTier"] == "first_party"


def test_unknown_trust_tier_is_400(api, ws):
    admin = ws.user("owner", roles=["platform_admin"])
    resp = api.post("/api/integrations", admin, json=create_body(ws.id, trustTier="gold"))
    expect_error(resp, 400, "validation_failed", "/trustTier")


# --------------------------------------------------------------------------- body shape

@pytest.mark.parametrize("field,value", [
    ("foo", 1), ("id", "int_x"), ("currentVersion", "1.0.0"), ("createdBy", "usr_x"),
    ("deletedAt", None), ("visibility", "public"), ("retentionTier", "long"),
])
def test_create_unknown_or_read_only_field_is_400(api, ws, owner, field, value):
    resp = api.post("/api/integrations", owner, json=create_body(ws.id, **{field: value}))
    expect_error(resp, 400, "validation_failed", "/" + field)


@pytest.mark.parametrize("field,value", [
    ("name", 5), ("name", None), ("name", ["x"]), ("slug", 1), ("description", 3),
    ("iconUrl", {}), ("publisher", True), ("manifest", "x"), ("manifest", []),
    ("variablesSchema", "x"), ("authConfig", 1), ("trustTier", 1), ("workspaceId", 12),
])
def test_create_wrong_type_is_400(api, ws, owner, field, value):
    resp = api.post("/api/integrations", owner, json=create_body(ws.id, **{field: value}))
    expect_error(resp, 400, "validation_failed", "/" + field)


ENTITY_ID = "ent_0192f3a4b5c6a1b2c3d4e5f60718"


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", "   "), ("name", "\t\n"), ("name", "n" * 201), ("name", "é" * 101),
    ("description", "d" * 4001), ("publisher", ""), ("publisher", " "),
    ("publisher", "p" * 101), ("iconUrl", "ftp://example.com/i.png"),
    ("iconUrl", "javascript:alert(1)"), ("iconUrl", "https://"),
    ("iconUrl", "https://exa mple.com/i.png"), ("iconUrl", "example.com/i.png"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_create_value_out_of_rule_is_400(api, ws, owner, field, value):
    resp = api.post("/api/integrations", owner, json=create_body(ws.id, **{field: value}))
    expect_error(resp, 400, "validation_failed", "/" + field)


@pytest.mark.parametrize("field,value", [
    ("name", "n" * 200), ("name", "é" * 100), ("description", "d" * 4000),
    ("description", None), ("iconUrl", None), ("publisher", None),
    ("iconUrl", "http://example.com"), ("publisher", "p" * 100),
])
def test_create_value_at_rule_edge_is_accepted(api, ws, owner, field, value):
    got = expect_ok(api.post("/api/integrations", owner,
                             json=create_body(ws.id, **{field: value})), 201)
    assert got[field] == value


@pytest.mark.parametrize("manifest", [
    {},
    {"members": "x"},
    {"members": [{"slug": "a"}]},
    {"members": [{"entityId": ENTITY_ID}]},
    {"members": [{"slug": "a", "entityId": "ent_x"}]},
    {"members": [{"slug": "a", "entityId": ENTITY_ID, "mode": "copy"}]},
    {"members": [{"slug": "a", "entityId": ENTITY_ID, "default": "yes"}]},
    {"members": [{"slug": "a", "entityId": ENTITY_ID, "config": []}]},
    {"members": [{"slug": "a", "entityId": ENTITY_ID, "extra": 1}]},
    {"members": [], "extra": 1},
    {"members": [{"slug": "a", "entityId": ENTITY_ID}, {"slug": "a", "entityId": ENTITY_ID}]},
], ids=["no-members", "members-string", "no-entity-id", "no-slug", "bad-entity-id", "bad-mode",
        "default-string", "config-array", "member-extra-key", "extra-key", "duplicate-slugs"])
def test_manifest_shape_is_checked_on_create_and_patch(api, ws, owner, integration, manifest):
    resp = api.post("/api/integrations", owner, json=create_body(ws.id, manifest=manifest))
    body = expect_error(resp, 400, "validation_failed")
    assert body["errors"] and body["errors"][0]["path"].startswith("/manifest"), body["errors"]
    resp = api.patch(ipath(integration), owner, json={"manifest": manifest})
    body = expect_error(resp, 400, "validation_failed")
    assert body["errors"] and body["errors"][0]["path"].startswith("/manifest"), body["errors"]


def test_manifest_with_members_is_kept_as_given(api, ws, owner):
    manifest = {"members": [
        {"slug": "alerts", "entityId": ENTITY_ID, "mode": "reference", "default": False,
         "config": {"channel": "#ops"}},
        {"slug": "bare", "entityId": "ent_" + "1" * 28},
    ]}
    got = expect_ok(api.post("/api/integrations", owner,
                             json=create_body(ws.id, manifest=manifest)), 201)
    assert got["manifest"] == manifest


@pytest.mark.parametrize("field", ["workspaceId", "slug", "name"])
def test_create_missing_required_is_400(api, ws, owner, field):
    body = create_body(ws.id)
    del body[field]
    resp = api.post("/api/integrations", owner, json=body)
    expect_error(resp, 400, "validation_failed", "/" + field)


@pytest.mark.parametrize("workspace_id", ["nope", "ws_", "ws_bad!", "ws_" + "a" * 65, "WS_abc",
                                          "ws_a/b"])
def test_create_malformed_workspace_id_is_400(api, owner, workspace_id):
    resp = api.post("/api/integrations", owner, json=create_body(workspace_id))
    expect_error(resp, 400, "validation_failed", "/workspaceId")


# --------------------------------------------------------------------------- get

def test_get_etag_is_stable(api, owner, integration):
    first = api.get(ipath(integration), owner)
    second = api.get(ipath(integration), owner)
    expect_ok(first)
    expect_ok(second)
    assert first.headers["ETag"] == second.headers["ETag"]


def test_get_private_integration_of_other_workspace_is_404(api, outsider, integration):
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")


@pytest.mark.parametrize("bad_id", [
    "ent_" + "0" * 28, "int_xyz", "ABSENT", "int_" + "A" * 28, "int_" + "0" * 27,
    "int_" + "0" * 29, "%27%20or%201%3D1", "int_0192f3a4b5c6d7e8f9a0b1c2d3e4%27",
], ids=["ent-prefix", "int-xyz", "absent", "upper-hex", "27-hex", "29-hex", "sql-injection",
        "quote-suffix"])
@pytest.mark.parametrize("method,suffix", [
    ("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/restore"), ("DELETE", "/purge"),
])
def test_bad_or_absent_id_in_path_is_404(api, owner, method, suffix, bad_id):
    if bad_id == "ABSENT":
        bad_id = absent_int_id()
    kwargs = {"json": {"name": "x"}} if method == "PATCH" else {}
    resp = api.call(method, f"/api/integrations/{bad_id}{suffix}", owner, **kwargs)
    expect_error(resp, 404, "not_found")


# --------------------------------------------------------------------------- patch

def test_patch_name_changes_etag_and_updated_at(api, owner, integration):
    before = api.get(ipath(integration), owner)
    resp = api.patch(ipath(integration), owner, json={"name": "Renamed"})
    got = expect_ok(resp)
    assert got["name"] == "Renamed"
    assert got["updatedAt"] > integration["updatedAt"]
    assert {k: v for k, v in got.items() if k not in ("name", "updatedAt")} == \
        {k: v for k, v in integration.items() if k not in ("name", "updatedAt")}
    assert ETAG_RE.match(resp.headers.get("ETag", "")), resp.headers.get("ETag")
    assert resp.headers["ETag"] != before.headers["ETag"]
    after = api.get(ipath(integration), owner)
    assert expect_ok(after) == got
    assert after.headers["ETag"] == resp.headers["ETag"]


@pytest.mark.parametrize("field,value", [
    ("description", "Long text"), ("iconUrl", "https://example.com/i.svg"),
])
def test_patch_null_clears_optional_text(api, owner, create, field, value):
    created = create(owner, **{field: value})
    assert created[field] == value
    got = expect_ok(api.patch(ipath(created), owner, json={field: None}))
    assert got[field] is None
    assert expect_ok(api.get(ipath(created), owner))[field] is None


def test_patch_json_fields(api, owner, integration):
    patch = {"variablesSchema": {"type": "object", "properties": {"n": {"type": "integer"}}},
             "authConfig": {"type": "none"}, "manifest": {"members": []}}
    got = expect_ok(api.patch(ipath(integration), owner, json=patch))
    for key, value in patch.items():
        assert got[key] == value


def test_patch_if_match_stale_is_412_and_changes_nothing(api, db, owner, integration):
    stale = api.get(ipath(integration), owner).headers["ETag"]
    expect_ok(api.patch(ipath(integration), owner, json={"name": "First"}))
    before = db.rows(integration["id"])
    resp = api.patch(ipath(integration), owner, json={"name": "Second"},
                     headers={"If-Match": stale})
    expect_error(resp, 412, "precondition_failed")
    assert db.rows(integration["id"]) == before
    assert expect_ok(api.get(ipath(integration), owner))["name"] == "First"


def test_patch_if_match_current_and_star_succeed(api, owner, integration):
    current = api.get(ipath(integration), owner).headers["ETag"]
    resp = api.patch(ipath(integration), owner, json={"name": "A"}, headers={"If-Match": current})
    assert expect_ok(resp)["name"] == "A"
    resp = api.patch(ipath(integration), owner, json={"name": "B"}, headers={"If-Match": "*"})
    assert expect_ok(resp)["name"] == "B"


@pytest.mark.parametrize("field,value", [
    ("foo", 1), ("slug", "new-slug"), ("workspaceId", "ws_other"), ("publisher", "acme"),
    ("visibility", "public"), ("retentionTier", "long"), ("name", None), ("name", 1),
    ("name", ""), ("manifest", "x"), ("description", 1), ("iconUrl", "ftp://example.com"),
])
def test_patch_bad_body_is_400_and_changes_nothing(api, db, owner, integration, field, value):
    before = db.rows(integration["id"])
    resp = api.patch(ipath(integration), owner, json={field: value})
    expect_error(resp, 400, "validation_failed", "/" + field)
    assert db.rows(integration["id"]) == before


# --------------------------------------------------------------------------- delete

def test_delete_soft_deletes(api, db, owner, outsider, integration):
    resp = api.delete(ipath(integration), owner)
    assert expect_ok(resp) == {"success": True}
    got = expect_ok(api.get(ipath(integration), owner))
    assert TIMESTAMP_RE.match(got["deletedAt"] or ""), got["deletedAt"]
    assert got["name"] == integration["name"]
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")
    assert len(db.rows(integration["id"])) == 1


def test_deleted_cannot_be_patched_or_deleted_again(api, db, owner, integration):
    soft_delete(api, owner, integration)
    before = db.rows(integration["id"])
    expect_error(api.patch(ipath(integration), owner, json={"name": "x"}), 409, "conflict")
    expect_error(api.delete(ipath(integration), owner), 409, "conflict")
    assert db.rows(integration["id"]) == before


# --------------------------------------------------------------------------- restore

def test_restore_undoes_delete(api, owner, integration):
    soft_delete(api, owner, integration)
    got = expect_ok(api.post(ipath(integration, "/restore"), owner))
    assert set(got) == INTEGRATION_FIELDS
    assert got["id"] == integration["id"] and got["deletedAt"] is None
    assert expect_ok(api.get(ipath(integration), owner))["deletedAt"] is None
    # live again: can be edited
    assert expect_ok(api.patch(ipath(integration), owner, json={"name": "Back"}))["name"] == "Back"


def test_restore_accepts_an_empty_object_and_refuses_fields(api, owner, integration):
    soft_delete(api, owner, integration)
    expect_error(api.post(ipath(integration, "/restore"), owner, json={"foo": 1}),
                 400, "validation_failed", "/foo")
    assert expect_ok(api.get(ipath(integration), owner))["deletedAt"] is not None
    assert expect_ok(api.post(ipath(integration, "/restore"), owner, json={}))["deletedAt"] is None


def test_restore_of_live_integration_is_409(api, owner, integration):
    expect_error(api.post(ipath(integration, "/restore"), owner), 409, "conflict")


# --------------------------------------------------------------------------- purge

def test_purge_of_live_integration_is_409(api, db, owner, integration):
    expect_error(api.delete(ipath(integration, "/purge"), owner), 409, "conflict")
    assert len(db.rows(integration["id"])) == 1
    expect_ok(api.get(ipath(integration), owner))


def test_purge_removes_for_good(api, db, owner, integration):
    soft_delete(api, owner, integration)
    assert expect_ok(api.delete(ipath(integration, "/purge"), owner)) == {"success": True}
    expect_error(api.get(ipath(integration), owner), 404, "not_found")
    expect_error(api.post(ipath(integration, "/restore"), owner), 404, "not_found")
    expect_error(api.delete(ipath(integration, "/purge"), owner), 404, "not_found")
    assert db.rows(integration["id"]) == []
