"""Visibility, public listing review and grants, and how they widen read access."""
import pytest

from helpers import (ETAG_RE, INTEGRATION_FIELDS, expect_error, expect_invalid_token, expect_ok,
                     ipath)
from publish_helpers import absent_id, publish, vpath

REVIEWER = ["platform_reviewer"]


def set_visibility(api, user, integration, visibility):
    return api.post(ipath(integration, "/visibility"), user, json={"visibility": visibility})


def review(api, user, integration, decision):
    return api.post(ipath(integration, "/review"), user, json={"decision": decision})


def grant(api, user, integration, workspace_id):
    return api.post(ipath(integration, "/grants"), user, json={"workspaceId": workspace_id})


def listed_ids(api, user, integration, **params):
    """Ids in `user`'s list of the integrations of `integration`'s workspace."""
    params["workspace_id"] = integration["workspaceId"]
    return [i["id"] for i in expect_ok(api.get("/api/integrations", user, params=params))["data"]]


@pytest.fixture
def reviewer(new_workspace):
    """A platform reviewer with no role in the author's workspace."""
    return new_workspace().user("owner", roles=REVIEWER)


# --------------------------------------------------------------------------- visibility

def test_unlisted_applies_at_once(api, owner, outsider, integration):
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")
    resp = set_visibility(api, owner, integration, "unlisted")
    got = expect_ok(resp)
    assert set(got) == INTEGRATION_FIELDS and got["visibility"] == "unlisted"
    assert ETAG_RE.match(resp.headers.get("ETag", "")) and got["updatedAt"] > integration["updatedAt"]
    assert expect_ok(api.get(ipath(integration), outsider))["visibility"] == "unlisted"
    # unlisted: readable by id, not in another workspace's list unless named in ids
    assert integration["id"] not in listed_ids(api, outsider, integration)
    assert listed_ids(api, outsider, integration, ids=integration["id"]) == [integration["id"]]
    back = expect_ok(set_visibility(api, owner, integration, "private"))
    assert back["visibility"] == "private"
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")


def test_same_visibility_again_changes_nothing(api, owner, integration):
    got = expect_ok(set_visibility(api, owner, integration, "private"))
    assert got == integration


def test_public_is_invisible_to_others_until_approved(api, owner, outsider, reviewer,
                                                      integration):
    resp = set_visibility(api, owner, integration, "public")
    assert expect_ok(resp, 202) == {"id": integration["id"], "visibility": "private",
                                    "reviewState": "pending"}
    assert expect_ok(api.get(ipath(integration), owner))["visibility"] == "private"
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")
    assert integration["id"] not in listed_ids(api, outsider, integration)

    decided = expect_ok(review(api, reviewer, integration, "approve"))
    assert decided == {"id": integration["id"], "visibility": "public", "reviewState": None}
    assert expect_ok(api.get(ipath(integration), outsider))["visibility"] == "public"
    assert integration["id"] in listed_ids(api, outsider, integration)
    # already public: asking again changes nothing
    assert expect_ok(set_visibility(api, owner, integration, "public"))["visibility"] == "public"


def test_unlisted_integration_asking_for_public_stays_unlisted_meanwhile(api, owner, outsider,
                                                                           integration):
    expect_ok(set_visibility(api, owner, integration, "unlisted"))
    assert expect_ok(set_visibility(api, owner, integration, "public"), 202)["visibility"] == \
        "unlisted"
    assert expect_ok(api.get(ipath(integration), outsider))["visibility"] == "unlisted"


def test_rejected_request_stays_invisible_and_can_be_asked_again(api, owner, outsider, reviewer,
                                                                   integration):
    expect_ok(set_visibility(api, owner, integration, "public"), 202)
    assert expect_ok(review(api, reviewer, integration, "reject")) == {
        "id": integration["id"], "visibility": "private", "reviewState": "rejected"}
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")
    expect_error(review(api, reviewer, integration, "approve"), 409, "conflict")
    expect_ok(set_visibility(api, owner, integration, "public"), 202)
    assert expect_ok(review(api, reviewer, integration, "approve"))["visibility"] == "public"


def test_private_withdraws_a_pending_request(api, owner, reviewer, integration):
    expect_ok(set_visibility(api, owner, integration, "public"), 202)
    expect_ok(set_visibility(api, owner, integration, "private"))
    expect_error(review(api, reviewer, integration, "approve"), 409, "conflict")


def test_making_a_public_integration_private_applies_at_once(api, owner, outsider, reviewer,
                                                             integration):
    expect_ok(set_visibility(api, owner, integration, "public"), 202)
    expect_ok(review(api, reviewer, integration, "approve"))
    assert expect_ok(set_visibility(api, owner, integration, "private"))["visibility"] == "private"
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_visibility_needs_owner_or_admin(api, ws, integration, role):
    expect_error(set_visibility(api, ws.user(role), integration, "unlisted"), 403, "forbidden")
    assert expect_ok(set_visibility(api, ws.user("admin"), integration, "unlisted"))[
        "visibility"] == "unlisted"


def test_visibility_other_workspace_deleted_and_no_token(api, owner, outsider, integration):
    expect_error(set_visibility(api, outsider, integration, "public"), 404, "not_found")
    expect_invalid_token(set_visibility(api, None, integration, "public"))
    expect_ok(api.delete(ipath(integration), owner))
    expect_error(set_visibility(api, owner, integration, "unlisted"), 409, "conflict")


@pytest.mark.parametrize("body,path", [
    ({}, "/visibility"), ({"visibility": "secret"}, "/visibility"), ({"visibility": None},
                                                                     "/visibility"),
    ({"visibility": "public", "x": 1}, "/x"),
])
def test_visibility_bad_body_is_400(api, owner, integration, body, path):
    expect_error(api.post(ipath(integration, "/visibility"), owner, json=body), 400,
                 "validation_failed", path)


# --------------------------------------------------------------------------- review

def test_reviewer_cannot_approve_their_own(api, ws, integration):
    author = ws.user("owner", roles=REVIEWER)
    own = expect_ok(api.post("/api/integrations", author, json={
        "workspaceId": ws.id, "slug": "own-" + integration["slug"], "name": "Own"}), 201)
    expect_ok(set_visibility(api, author, own, "public"), 202)
    expect_error(review(api, author, own, "approve"), 403, "forbidden")
    assert expect_ok(api.get(ipath(own), author))["visibility"] == "private"
    # rejecting one's own request only withdraws it
    assert expect_ok(review(api, author, own, "reject"))["reviewState"] == "rejected"


def test_review_needs_the_reviewer_role(api, owner, outsider, integration):
    expect_ok(set_visibility(api, owner, integration, "public"), 202)
    expect_error(review(api, owner, integration, "approve"), 403, "forbidden")
    expect_error(review(api, outsider, integration, "approve"), 404, "not_found")
    expect_invalid_token(review(api, None, integration, "approve"))


def test_review_with_nothing_pending_or_deleted_is_409(api, owner, reviewer, integration):
    expect_error(review(api, reviewer, integration, "approve"), 409, "conflict")
    expect_ok(set_visibility(api, owner, integration, "public"), 202)
    expect_ok(api.delete(ipath(integration), owner))
    expect_error(review(api, reviewer, integration, "approve"), 409, "conflict")


def test_review_of_absent_integration_is_404(api, reviewer):
    expect_error(review(api, reviewer, absent_id("int"), "approve"), 404, "not_found")


@pytest.mark.parametrize("body,path", [
    ({}, "/decision"), ({"decision": "maybe"}, "/decision"), ({"decision": True}, "/decision"),
    ({"decision": "approve", "note": "x"}, "/note"),
])
def test_review_bad_body_is_400(api, reviewer, integration, body, path):
    expect_error(api.post(ipath(integration, "/review"), reviewer, json=body), 400,
                 "validation_failed", path)


# --------------------------------------------------------------------------- grants

def test_private_integration_is_invisible_until_granted(api, owner, outsider, integration):
    other_ws = next(iter(outsider.workspaces))
    version = publish(api, owner, integration)
    for path in (ipath(integration), ipath(integration, "/versions"),
                 ipath(integration, "/members"), vpath(version)):
        expect_error(api.get(path, outsider), 404, "not_found")
    assert integration["id"] not in listed_ids(api, outsider, integration)

    resp = grant(api, owner, integration, other_ws)
    got = expect_ok(resp, 201)
    assert set(got) == {"integrationId", "workspaceId", "grantedBy", "createdAt"}
    assert (got["integrationId"], got["workspaceId"], got["grantedBy"]) == \
        (integration["id"], other_ws, owner.sub)
    assert resp.headers["Location"] == ipath(integration, f"/grants/{other_ws}")

    for path in (ipath(integration), ipath(integration, "/versions"),
                 ipath(integration, "/members"), vpath(version)):
        expect_ok(api.get(path, outsider))
    assert integration["id"] in listed_ids(api, outsider, integration)
    # a grantee reads but does not author, and does not see the other grants
    expect_error(set_visibility(api, outsider, integration, "unlisted"), 403, "forbidden")
    expect_error(api.get(ipath(integration, "/grants"), outsider), 403, "forbidden")

    assert expect_ok(api.delete(resp.headers["Location"], owner)) == {"success": True}
    expect_error(api.get(ipath(integration), outsider), 404, "not_found")


def test_grant_list_and_conflicts(api, ws, owner, new_workspace, integration):
    a, b = new_workspace().id, new_workspace().id
    first = expect_ok(grant(api, owner, integration, a), 201)
    second = expect_ok(grant(api, ws.user("admin"), integration, b), 201)
    expect_error(grant(api, owner, integration, a), 409, "conflict", "/workspaceId")
    expect_error(grant(api, owner, integration, ws.id), 422, "validation_failed", "/workspaceId")
    for role in ("owner", "viewer"):
        assert expect_ok(api.get(ipath(integration, "/grants"), ws.user(role))) == \
            {"data": [first, second]}


def test_grant_delete_absent_is_404(api, owner, new_workspace, integration):
    expect_error(api.delete(ipath(integration, f"/grants/{new_workspace().id}"), owner), 404,
                 "not_found")
    expect_error(api.delete(ipath(integration, "/grants/not-a-workspace"), owner), 404,
                 "not_found")


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_grants_need_owner_or_admin(api, ws, owner, new_workspace, integration, role):
    target = new_workspace().id
    expect_error(grant(api, ws.user(role), integration, target), 403, "forbidden")
    expect_ok(grant(api, owner, integration, target), 201)
    expect_error(api.delete(ipath(integration, f"/grants/{target}"), ws.user(role)), 403,
                 "forbidden")


def test_grants_of_other_workspace_deleted_and_no_token(api, owner, outsider, new_workspace,
                                                        integration):
    target = new_workspace().id
    expect_error(grant(api, outsider, integration, target), 404, "not_found")
    expect_error(api.get(ipath(integration, "/grants"), outsider), 404, "not_found")
    expect_invalid_token(api.get(ipath(integration, "/grants"), None))
    expect_ok(grant(api, owner, integration, target), 201)
    expect_ok(api.delete(ipath(integration), owner))
    expect_error(grant(api, owner, integration, new_workspace().id), 409, "conflict")
    expect_error(api.delete(ipath(integration, f"/grants/{target}"), owner), 409, "conflict")
    # the source workspace still sees the grants of its deleted integration
    assert len(expect_ok(api.get(ipath(integration, "/grants"), owner))["data"]) == 1


@pytest.mark.parametrize("body,path", [
    ({}, "/workspaceId"), ({"workspaceId": "nope"}, "/workspaceId"),
    ({"workspaceId": 5}, "/workspaceId"), ({"workspaceId": "ws_a", "role": "admin"}, "/role"),
])
def test_grant_bad_body_is_400(api, owner, integration, body, path):
    expect_error(api.post(ipath(integration, "/grants"), owner, json=body), 400,
                 "validation_failed", path)


def test_grant_routes_refuse_other_methods(api, owner, integration):
    resp = api.delete(ipath(integration, "/grants"), owner)
    expect_error(resp, 405, "method_not_allowed")
    assert resp.headers["Allow"] == "GET, HEAD, POST"
