"""Who may do what: each endpoint x each kind of caller is its own test.

Reading needs any role in the source workspace; authoring (create, patch, delete, restore,
purge) needs owner or admin (member/viewer -> 403); another workspace does not see a private
integration (404; creating in a workspace one has no role in -> 403); no token -> 401."""
from dataclasses import dataclass

import pytest

from helpers import expect_error, expect_invalid_token, expect_ok, ipath, new_slug


@dataclass(frozen=True)
class Action:
    method: str
    suffix: str
    deleted_first: bool  # soft-delete the integration before the call
    authoring: bool
    body: dict = None


ACTIONS = {
    "get": Action("GET", "", False, False),
    "get-deleted": Action("GET", "", True, False),
    "patch": Action("PATCH", "", False, True, {"name": "Changed"}),
    "delete": Action("DELETE", "", False, True),
    "restore": Action("POST", "/restore", True, True),
    "purge": Action("DELETE", "/purge", True, True),
}
ACTORS = ["owner", "admin", "member", "viewer", "other-workspace", "no-token"]


def make_actor(actor, ws, new_workspace):
    if actor == "no-token":
        return None
    if actor == "other-workspace":
        return new_workspace().user("owner")
    return ws.user(actor)


def expected_status(action_authoring, actor, ok, hidden=404):
    if actor == "no-token":
        return 401
    if actor == "other-workspace":
        return hidden
    if action_authoring and actor in ("member", "viewer"):
        return 403
    return ok


ERROR_CODES = {401: "invalid_token", 403: "forbidden", 404: "not_found"}


def check_denied(resp, status):
    if status == 401:
        expect_invalid_token(resp)
    else:
        expect_error(resp, status, ERROR_CODES[status])


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_integration_endpoint(api, db, ws, owner, create, new_workspace, name, actor):
    action = ACTIONS[name]
    integration = create(owner)
    if action.deleted_first:
        expect_ok(api.delete(ipath(integration), owner))
    before = db.rows(integration["id"])
    who = make_actor(actor, ws, new_workspace)
    kwargs = {"json": action.body} if action.body is not None else {}

    resp = api.call(action.method, ipath(integration, action.suffix), who, **kwargs)

    status = expected_status(action.authoring, actor, 200)
    if status != 200:
        check_denied(resp, status)
        assert db.rows(integration["id"]) == before, "a refused call changed the row"
        return
    body = expect_ok(resp)
    after = api.get(ipath(integration), owner)
    if name in ("get", "get-deleted"):
        assert body["id"] == integration["id"]
        assert (body["deletedAt"] is not None) == action.deleted_first
    elif name == "patch":
        assert body["name"] == "Changed" and expect_ok(after)["name"] == "Changed"
    elif name == "delete":
        assert body == {"success": True} and expect_ok(after)["deletedAt"] is not None
    elif name == "restore":
        assert body["deletedAt"] is None and expect_ok(after)["deletedAt"] is None
    elif name == "purge":
        assert body == {"success": True} and db.rows(integration["id"]) == []
        expect_error(after, 404, "not_found")


@pytest.mark.parametrize("actor", ACTORS)
def test_create(api, ws, new_workspace, actor):
    who = make_actor(actor, ws, new_workspace)
    body = {"workspaceId": ws.id, "slug": new_slug(), "name": "Matrix"}

    resp = api.post("/api/integrations", who, json=body)

    status = expected_status(True, actor, 201, hidden=403)
    if status != 201:
        check_denied(resp, status)
        # the refused call created nothing: the owner can still take the slug
        expect_ok(api.post("/api/integrations", ws.user("owner"), json=body), 201)
        return
    got = expect_ok(resp, 201)
    assert got["workspaceId"] == ws.id and got["createdBy"] == who.sub
