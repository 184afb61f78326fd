"""Install (materialization, policies, parents, errors), install reads and lists, members,
detach, uninstall, access per role, safe retries, and installs of a soft-deleted integration."""
import secrets

import pytest

from helpers import (TIMESTAMP_RE, expect_error, expect_invalid_token, expect_ok, ipath,
                     new_slug)
from install_helpers import (IMEM_ID_RE, INST_ID_RE, INSTALL_FIELDS, MEMBER_FIELDS, SOL_ID_RE,
                             count, detach_path, entity, inst_path, install, members_of,
                             publish_integration, upgrade)
from publish_helpers import absent_id, create_entity, epath, member, publish, set_manifest


def install_path(published):
    return ipath(published.integration, "/install")


# --------------------------------------------------------------------------- install

def test_install_answers_201_with_the_install(api, ws, owner, published):
    resp = api.post(install_path(published), owner,
                    json={"workspaceId": ws.id, "variables": {"channel": "#ops"}})
    got = expect_ok(resp, 201)
    assert set(got) == INSTALL_FIELDS
    assert INST_ID_RE.match(got["id"]) and resp.headers["Location"] == inst_path(got)
    assert SOL_ID_RE.match(got["solutionId"]) and TIMESTAMP_RE.match(got["installedAt"])
    assert {k: got[k] for k in INSTALL_FIELDS - {"id", "solutionId", "installedAt"}} == {
        "integrationId": published.integration["id"],
        "integrationVersionId": published.version["id"], "workspaceId": ws.id,
        "variables": {"channel": "#ops", "retries": 3}, "authStateId": None,
        "memberPolicy": "auto_defaults", "parentInstallId": None, "installedBy": owner.sub,
        "lastUpgradedAt": None, "deletedAt": None, "retentionTier": "medium",
        "upgradePolicy": "auto"}
    assert expect_ok(api.get(inst_path(got), owner)) == got


def test_install_materializes_clones_references_and_dependencies(api, ws, owner, published,
                                                                  installed):
    e = published.entities
    ms = members_of(api, owner, installed)
    assert set(ms) == {"alerts", "tool", "dep:" + e["lib"]["slug"], "dep:" + e["shared"]["slug"]}
    for m in ms.values():
        assert set(m) == MEMBER_FIELDS and IMEM_ID_RE.match(m["id"])
        assert m["installId"] == installed["id"] and not m["detached"]
        assert not m["locallyModified"] and m["removedAt"] is None
    alerts, tool = ms["alerts"], ms["tool"]
    lib, shared = ms["dep:" + e["lib"]["slug"]], ms["dep:" + e["shared"]["slug"]]
    assert (alerts["role"], alerts["mode"], lib["role"], lib["mode"]) == \
        ("member", "clone", "dependency", "clone")
    assert alerts["sourceEntityId"] == e["alerts"]["id"] and alerts["config"] == {"to": "#ops"}
    assert alerts["appliedEntityVersionId"] == \
        published.version["memberEntityVersions"][e["alerts"]["id"]]
    assert tool["mode"] == "reference" and tool["entityId"] == tool["sourceEntityId"] == \
        e["tool"]["id"]

    clone = entity(api, owner, alerts["entityId"])
    assert clone["workspaceId"] == ws.id and clone["slug"] == e["alerts"]["slug"]
    assert clone["kind"] == "workflow" and clone["sourceInstallMemberId"] == alerts["id"]
    assert clone["definition"] == {
        "channel": "#ops", "retries": 3, "label": "to #ops x3",
        "schema": {"$ref": lib["entityId"]}, "tool": {"$ref": e["tool"]["id"]}}
    assert entity(api, owner, lib["entityId"])["definition"] == {
        "title": "#ops", "uses": {"$ref": shared["entityId"]}}
    # the not-default member is not installed
    assert "digest" not in ms


def test_install_policies_and_selection(api, ws, owner, published, new_workspace):
    e = published.entities
    everything = install(api, owner, published.integration, memberPolicy="auto_all")
    ms = members_of(api, owner, everything)
    assert {"alerts", "digest", "tool"} <= set(ms)
    assert entity(api, owner, ms["digest"]["entityId"])["definition"] == {
        "alerts": {"$ref": ms["alerts"]["entityId"]}}

    other = new_workspace()
    user = other.user("member")
    expect_ok(api.post(ipath(published.integration, "/grants"), published.author,
                       json={"workspaceId": other.id}), 201)
    chosen = install(api, user, published.integration, memberPolicy="manual",
                     selectedMemberSlugs=["digest"])
    assert chosen["memberPolicy"] == "manual"
    assert set(members_of(api, user, chosen)) == {
        "digest", "dep:" + e["alerts"]["slug"], "dep:" + e["lib"]["slug"],
        "dep:" + e["shared"]["slug"]}


def test_clone_slugs_take_suffixes(api, ws, owner, published):
    e = published.entities
    create_entity(api, owner, slug=e["alerts"]["slug"])
    first = install(api, owner, published.integration)
    child = install(api, owner, published.integration, parentInstallId=first["id"])
    slugs = [entity(api, owner, members_of(api, owner, i)["alerts"]["entityId"])["slug"]
             for i in (first, child)]
    assert slugs == [e["alerts"]["slug"] + "-2", e["alerts"]["slug"] + "-3"]


def test_child_installs_share_the_solution(api, owner, published, installed):
    child = install(api, owner, published.integration, parentInstallId=installed["id"])
    assert child["parentInstallId"] == installed["id"]
    assert child["solutionId"] == installed["solutionId"]


def test_one_live_root_install_per_workspace(api, db, ws, owner, published, installed):
    resp = api.post(install_path(published), owner,
                    json={"workspaceId": ws.id, "variables": {"channel": "#ops"}})
    expect_error(resp, 409, "already_installed")
    expect_ok(api.delete(inst_path(installed), owner))
    again = install(api, owner, published.integration)
    assert again["solutionId"] != installed["solutionId"]


def test_install_at_an_older_version(api, owner, published):
    published.republish(api, "1.1.0")
    got = install(api, owner, published.integration,
                  integrationVersionId=published.version["id"])
    assert got["integrationVersionId"] == published.version["id"]


def test_install_refuses_data_that_does_not_fit(api, ws, owner, published):
    resp = api.post(install_path(published), owner, json={
        "workspaceId": ws.id, "variables": {"channel": "ops", "retries": -1},
        "memberPolicy": "manual", "selectedMemberSlugs": ["alerts", "nope"],
        "parentInstallId": absent_id("inst")})
    body = expect_error(resp, 422, "validation_failed")
    assert [e["path"] for e in body["errors"]] == [
        "/variables/channel", "/variables/retries", "/selectedMemberSlugs/1", "/parentInstallId"]
    expect_error(api.post(install_path(published), owner, json={"workspaceId": ws.id}),
                 422, "validation_failed", "/variables/channel")


def test_install_needs_an_auth_state_when_the_version_authenticates(api, ws, owner, author):
    tool = create_entity(api, author, kind="tool")
    integration = expect_ok(api.post("/api/integrations", author, json={
        "workspaceId": next(iter(author.workspaces)), "slug": new_slug(), "name": "Auth"}), 201)
    set_manifest(api, author, integration, member(tool, "tool", mode="reference"),
                 authConfig={"type": "oauth2"})
    publish(api, author, integration)
    expect_ok(api.post(ipath(integration, "/grants"), author, json={"workspaceId": ws.id}), 201)
    expect_error(api.post(ipath(integration, "/install"), owner, json={"workspaceId": ws.id}),
                 422, "validation_failed", "/authStateId")
    got = install(api, owner, integration, authStateId="auth_42")
    assert got["authStateId"] == "auth_42"


def test_install_refuses_a_parent_of_another_workspace(api, ws, owner, published,
                                                        new_workspace):
    elsewhere = new_workspace()
    both = elsewhere.user("owner")
    both.workspaces[ws.id] = "owner"
    expect_ok(api.post(ipath(published.integration, "/grants"), published.author,
                       json={"workspaceId": elsewhere.id}), 201)
    parent = install(api, both, published.integration, workspace_id=elsewhere.id)
    expect_error(api.post(install_path(published), both, json={
        "workspaceId": ws.id, "variables": {"channel": "#a"}, "parentInstallId": parent["id"]}),
        422, "validation_failed", "/parentInstallId")


def test_install_refuses_a_version_of_another_integration(api, ws, owner, published, author):
    other = publish_integration(api, author)
    expect_error(api.post(install_path(published), owner, json={
        "workspaceId": ws.id, "variables": {"channel": "#a"},
        "integrationVersionId": other.version["id"]}),
        422, "validation_failed", "/integrationVersionId")


def test_install_of_an_unpublished_integration_is_409(api, ws, owner):
    draft = expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "Draft"}), 201)
    expect_error(api.post(ipath(draft, "/install"), owner, json={"workspaceId": ws.id}),
                 409, "conflict")


WS = object()  # stands for the test's workspace id


@pytest.mark.parametrize("body, path", [
    ({}, "/workspaceId"),
    ({"workspaceId": "acme"}, "/workspaceId"),
    ({"workspaceId": WS, "unknown": 1}, "/unknown"),
    ({"workspaceId": WS, "integrationVersionId": "int_0192f3a4b5c6d7e8f9a0b1c2d3e4"},
     "/integrationVersionId"),
    ({"workspaceId": WS, "parentInstallId": "inst_1"}, "/parentInstallId"),
    ({"workspaceId": WS, "variables": []}, "/variables"),
    ({"workspaceId": WS, "memberPolicy": "some"}, "/memberPolicy"),
    ({"workspaceId": WS, "selectedMemberSlugs": ["alerts"]}, "/selectedMemberSlugs"),
    ({"workspaceId": WS, "memberPolicy": "manual"}, "/selectedMemberSlugs"),
    ({"workspaceId": WS, "memberPolicy": "manual", "selectedMemberSlugs": ["Alerts!"]},
     "/selectedMemberSlugs/0"),
    ({"workspaceId": WS, "memberPolicy": "manual", "selectedMemberSlugs": [1]},
     "/selectedMemberSlugs/0"),
    ({"workspaceId": WS, "authStateId": "  "}, "/authStateId"),
])
def test_install_shape_errors_are_400(api, ws, owner, published, body, path):
    body = {k: ws.id if v is WS else v for k, v in body.items()}
    expect_error(api.post(install_path(published), owner, json=body), 400, "validation_failed",
                 path)


def test_install_needs_json(api, ws, owner, published):
    expect_error(api.post(install_path(published), owner, data=f'{{"workspaceId": "{ws.id}"}}',
                          headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")
    expect_error(api.post(install_path(published), owner), 400, "validation_failed")


def test_install_of_a_deleted_integration_is_410(api, ws, owner, published):
    expect_ok(api.delete(ipath(published.integration), published.author))
    expect_error(api.post(install_path(published), owner,
                          json={"workspaceId": ws.id, "variables": {"channel": "#a"}}),
                 410, "gone")


@pytest.mark.parametrize("method, path, body", [
    ("POST", ipath(absent_id("int"), "/install"), {"workspaceId": "ws_x"}),
    ("POST", "/api/integrations/int_1/install", {"workspaceId": "ws_x"}),
    ("GET", inst_path(absent_id("inst")), None),
    ("GET", "/api/integration-installs/int_0192f3a4b5c6d7e8f9a0b1c2d3e4", None),
    ("DELETE", inst_path(absent_id("inst")), None),
    ("GET", inst_path(absent_id("inst"), "/members"), None),
    ("POST", inst_path(absent_id("inst"), "/upgrade"), None),
    ("POST", detach_path(absent_id("imem")), {"detached": True}),
    ("POST", "/api/integration-members/imem_x/detach", {"detached": True}),
])
def test_unknown_and_malformed_ids_are_404(api, owner, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    expect_error(api.call(method, path, owner, **kwargs), 404, "not_found")


# --------------------------------------------------------------------------- reads and lists

def test_list_installs_of_the_callers_workspaces(api, ws, owner, outsider, published, installed):
    child = install(api, owner, published.integration, parentInstallId=installed["id"])
    page = expect_ok(api.get("/api/integration-installs", owner))
    assert [i["id"] for i in page["data"]] == [child["id"], installed["id"]]
    assert page["pageInfo"]["total"] == 2 and not page["pageInfo"]["hasNextPage"]
    assert expect_ok(api.get("/api/integration-installs", outsider))["data"] == []

    got = expect_ok(api.get("/api/integration-installs", owner, params={
        "workspace_id": ws.id, "integration_id": published.integration["id"], "limit": 1}))
    assert [i["id"] for i in got["data"]] == [child["id"]] and got["pageInfo"]["hasNextPage"]
    nxt = expect_ok(api.get("/api/integration-installs", owner, params={
        "workspace_id": ws.id, "integration_id": published.integration["id"], "limit": 1,
        "after": got["pageInfo"]["endCursor"]}))
    assert [i["id"] for i in nxt["data"]] == [installed["id"]]
    assert [i["id"] for i in expect_ok(api.get("/api/integration-installs", owner, params={
        "ids": installed["id"]}))["data"]] == [installed["id"]]
    assert [i["id"] for i in expect_ok(api.get("/api/integration-installs", owner, params={
        "filter": '{"parentInstallId": {"isNull": false}}'}))["data"]] == [child["id"]]
    assert [i["id"] for i in expect_ok(api.get("/api/integration-installs", owner, params={
        "orderBy": '[{"installedAt": "asc"}]'}))["data"]] == [installed["id"], child["id"]]

    expect_ok(api.delete(inst_path(child), owner))
    assert [i["id"] for i in expect_ok(api.get("/api/integration-installs", owner))["data"]] == \
        [installed["id"]]
    deleted = expect_ok(api.get("/api/integration-installs", owner,
                                params={"include_deleted": "true"}))["data"]
    assert [i["id"] for i in deleted] == [child["id"], installed["id"]]
    assert deleted[0]["deletedAt"] is not None


@pytest.mark.parametrize("params, path", [
    ({"workspace_id": "acme"}, "?workspace_id"),
    ({"integration_id": "int_1"}, "?integration_id"),
    ({"include_deleted": "yes"}, "?include_deleted"),
    ({"ids": "int_0192f3a4b5c6d7e8f9a0b1c2d3e4"}, "?ids"),
    ({"limit": "0"}, "?limit"),
    ({"orderBy": '[{"createdAt": "desc"}]'}, None),
    ({"filter": '{"nope": {"eq": 1}}'}, None),
    ({"name": "x"}, "?name"),
])
def test_list_parameter_errors_are_400(api, owner, params, path):
    expect_error(api.get("/api/integration-installs", owner, params=params), 400,
                 "validation_failed", path)


def test_get_of_an_install_is_for_its_workspace(api, owner, outsider, installed, ws):
    assert expect_ok(api.get(inst_path(installed), ws.user("viewer")))["id"] == installed["id"]
    expect_error(api.get(inst_path(installed), outsider), 404, "not_found")
    expect_error(api.get(inst_path(installed, "/members"), outsider), 404, "not_found")


def test_members_show_local_modifications(api, owner, installed):
    alerts = members_of(api, owner, installed)["alerts"]
    expect_ok(api.patch(epath(alerts["entityId"]), owner, json={"definition": {"mine": True}}))
    assert members_of(api, owner, installed)["alerts"]["locallyModified"] is True


# --------------------------------------------------------------------------- detach

def test_detach_and_reattach(api, owner, installed):
    alerts = members_of(api, owner, installed)["alerts"]
    assert expect_ok(api.post(detach_path(alerts), owner, json={"detached": True})) == \
        {"success": True}
    assert members_of(api, owner, installed)["alerts"]["detached"] is True
    expect_ok(api.post(detach_path(alerts), owner, json={"detached": True}))
    expect_ok(api.post(detach_path(alerts), owner, json={"detached": False}))
    assert members_of(api, owner, installed)["alerts"]["detached"] is False


@pytest.mark.parametrize("body, path", [
    ({}, "/detached"), ({"detached": "yes"}, "/detached"), ({"detached": None}, "/detached"),
    ({"detached": True, "other": 1}, "/other"),
])
def test_detach_shape_errors_are_400(api, owner, installed, body, path):
    alerts = members_of(api, owner, installed)["alerts"]
    expect_error(api.post(detach_path(alerts), owner, json=body), 400, "validation_failed", path)


def test_detach_of_a_removed_member_or_an_uninstalled_install_is_409(api, owner, published,
                                                                      installed):
    published.republish(api, "1.1.0", alerts=None)
    upgrade(api, owner, installed)
    gone = members_of(api, owner, installed, removed=True)["alerts"]
    expect_error(api.post(detach_path(gone), owner, json={"detached": True}), 409, "conflict")
    tool = members_of(api, owner, installed)["tool"]
    expect_ok(api.delete(inst_path(installed), owner))
    expect_error(api.post(detach_path(tool), owner, json={"detached": True}), 409, "conflict")


# --------------------------------------------------------------------------- uninstall

def test_uninstall_soft_deletes_attached_clones_and_keeps_detached_ones(api, owner, published,
                                                                         installed):
    ms = members_of(api, owner, installed)
    lib = ms["dep:" + published.entities["lib"]["slug"]]
    expect_ok(api.post(detach_path(lib), owner, json={"detached": True}))
    assert expect_ok(api.delete(inst_path(installed), owner)) == {"success": True}
    assert entity(api, owner, ms["alerts"]["entityId"])["deletedAt"] is not None
    assert entity(api, owner, lib["entityId"])["deletedAt"] is None
    assert entity(api, published.author, published.entities["tool"]["id"])["deletedAt"] is None
    got = expect_ok(api.get(inst_path(installed), owner))
    assert got["deletedAt"] is not None
    assert len(expect_ok(api.get(inst_path(installed, "/members"), owner))["members"]) == 4
    expect_error(api.delete(inst_path(installed), owner), 409, "conflict")
    expect_error(api.post(inst_path(installed, "/upgrade"), owner), 409, "conflict")


# --------------------------------------------------------------------------- a deleted integration

def test_a_deleted_integrations_installs_stay_listable_and_readable(api, owner, published,
                                                                     installed):
    expect_ok(api.delete(ipath(published.integration), published.author))
    assert [i["id"] for i in expect_ok(api.get("/api/integration-installs", owner, params={
        "integration_id": published.integration["id"]}))["data"]] == [installed["id"]]
    assert expect_ok(api.get(inst_path(installed), owner))["deletedAt"] is None
    ms = members_of(api, owner, installed)
    assert set(ms) >= {"alerts", "tool"}
    assert entity(api, owner, ms["alerts"]["entityId"])["deletedAt"] is None
    expect_error(api.post(inst_path(installed, "/upgrade"), owner), 410, "gone")
    expect_ok(api.post(detach_path(ms["alerts"]), owner, json={"detached": True}))


# --------------------------------------------------------------------------- safe retries

def test_install_with_an_idempotency_key_is_replayed(api, db, ws, owner, published):
    key = {"Idempotency-Key": "e2e-" + secrets.token_hex(8)}
    body = {"workspaceId": ws.id, "variables": {"channel": "#ops"}}
    first = api.post(install_path(published), owner, json=body, headers=key)
    created = expect_ok(first, 201)
    replay = api.post(install_path(published), owner, json=body, headers=key)
    assert expect_ok(replay, 201) == created
    assert replay.headers.get("Location") == first.headers["Location"]
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert count(db, "select count(*) from core.integration_installs where workspace_id = :'ws';",
                 ws=ws.id) == 1
    other = dict(body, variables={"channel": "#other"})
    expect_error(api.post(install_path(published), owner, json=other, headers=key),
                 422, "idempotency_mismatch")


def test_upgrade_with_an_idempotency_key_is_replayed(api, owner, published, installed):
    published.republish(api, "1.1.0", tool=None)
    key = {"Idempotency-Key": "e2e-" + secrets.token_hex(8)}
    first = expect_ok(api.post(inst_path(installed, "/upgrade"), owner, headers=key))
    assert first["removed"] == ["tool"]
    replay = api.post(inst_path(installed, "/upgrade"), owner, headers=key)
    assert expect_ok(replay) == first and replay.headers.get("Idempotent-Replayed") == "true"
    assert expect_ok(api.post(inst_path(installed, "/upgrade"), owner))["removed"] == []


# --------------------------------------------------------------------------- access

ACTORS = ["owner", "admin", "member", "viewer", "other-workspace", "no-token"]
# action: (method, path of the fixture `target`, body, writes)
ACTIONS = {
    "install": ("POST", "install", {"variables": {"channel": "#ops"}}, True),
    "get": ("GET", "install-get", None, False),
    "list": ("GET", "list", None, False),
    "members": ("GET", "members", None, False),
    "detach": ("POST", "detach", {"detached": True}, True),
    "upgrade": ("POST", "upgrade", None, True),
    "uninstall": ("DELETE", "install-get", None, True),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_access(api, db, ws, owner, published, new_workspace, name, actor):
    method, target, body, writes = ACTIONS[name]
    existing = None if name == "install" else install(api, owner, published.integration)
    if actor == "no-token":
        who = None
    elif actor == "other-workspace":
        who = new_workspace().user("owner")
    else:
        who = ws.user(actor)
    paths = {"install": ipath(published.integration, "/install"),
             "install-get": existing and inst_path(existing),
             "list": "/api/integration-installs",
             "members": existing and inst_path(existing, "/members"),
             "upgrade": existing and inst_path(existing, "/upgrade")}
    if target == "detach":
        paths["detach"] = detach_path(members_of(api, owner, existing)["alerts"])
    if name == "install":
        body = dict(body, workspaceId=ws.id)
    kwargs = {"json": body} if body is not None else {}
    before = count(db, "select count(*) from core.integration_installs where workspace_id = :'ws';",
                   ws=ws.id)

    resp = api.call(method, paths[target], who, **kwargs)

    if actor == "no-token":
        expect_invalid_token(resp)
    elif actor == "other-workspace" and name == "list":
        assert expect_ok(resp)["data"] == []
    elif actor == "other-workspace":
        # the integration is private to its source workspace and `ws`: not there at all
        expect_error(resp, 404, "not_found")
    elif writes and actor == "viewer":
        expect_error(resp, 403, "forbidden")
    else:
        expect_ok(resp, 201 if name == "install" else 200)
        return
    after = count(db, "select count(*) from core.integration_installs where workspace_id = :'ws';",
                  ws=ws.id)
    assert after == before, "a refused call changed the installs"
