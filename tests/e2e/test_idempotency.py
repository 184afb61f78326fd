"""`Idempotency-Key` on POST: the first response is replayed unchanged, per caller and key."""
import secrets

from helpers import expect_error, expect_ok, ipath, new_slug


def key():
    return "e2e-" + secrets.token_hex(8)


def test_replayed_create_returns_the_first_response(api, db, ws, owner):
    body = {"workspaceId": ws.id, "slug": new_slug(), "name": "Once"}
    headers = {"Idempotency-Key": key()}
    first = api.post("/api/integrations", owner, json=body, headers=headers)
    created = expect_ok(first, 201)
    replay = api.post("/api/integrations", owner, json=body, headers=headers)
    assert expect_ok(replay, 201) == created
    assert replay.headers.get("Location") == first.headers.get("Location")
    assert len(db.rows(created["id"])) == 1


def test_same_key_with_another_body_is_422(api, ws, owner):
    headers = {"Idempotency-Key": key()}
    body = {"workspaceId": ws.id, "slug": new_slug(), "name": "First"}
    expect_ok(api.post("/api/integrations", owner, json=body, headers=headers), 201)
    other = dict(body, slug=new_slug(), name="Second")
    resp = api.post("/api/integrations", owner, json=other, headers=headers)
    expect_error(resp, 422, "idempotency_mismatch")
    # the refused body created nothing: its slug is still free
    expect_ok(api.post("/api/integrations", owner, json=other), 201)


def test_keys_are_per_caller(api, owner, outsider):
    headers = {"Idempotency-Key": key()}
    mine = expect_ok(api.post("/api/integrations", owner, headers=headers, json={
        "workspaceId": next(iter(owner.workspaces)), "slug": new_slug(), "name": "Mine"}), 201)
    theirs = expect_ok(api.post("/api/integrations", outsider, headers=headers, json={
        "workspaceId": next(iter(outsider.workspaces)), "slug": new_slug(), "name": "Theirs"}),
        201)
    assert theirs["id"] != mine["id"] and theirs["createdBy"] == outsider.sub


def test_replayed_restore_returns_the_first_response(api, owner, integration):
    expect_ok(api.delete(ipath(integration), owner))
    headers = {"Idempotency-Key": key()}
    first = expect_ok(api.post(ipath(integration, "/restore"), owner, headers=headers))
    # without the key a second restore is a 409: the replay answers from the stored response
    replay = api.post(ipath(integration, "/restore"), owner, headers=headers)
    assert expect_ok(replay) == first
    expect_error(api.post(ipath(integration, "/restore"), owner), 409, "conflict")


# --------------------------------------------------------------------------- access at replay
# A replay is answered only if the caller may still make the request (PRODUCT §3, §10): the
# same sub with a token that lost the workspace gets what a fresh request would get, never the
# kept body, and nothing runs twice.

def same_sub(user, workspaces):
    from helpers import User
    return User(user.settings, workspaces, sub=user.sub)


def test_replay_after_losing_the_workspace_is_refused(api, db, ws, new_workspace):
    admin = ws.user("admin")
    body = {"workspaceId": ws.id, "slug": new_slug(), "name": "Private data",
            "description": "secret roadmap"}
    headers = {"Idempotency-Key": key()}
    created = expect_ok(api.post("/api/integrations", admin, json=body, headers=headers), 201)
    # Still admin: the kept response, unchanged.
    replay = api.post("/api/integrations", admin, json=body, headers=headers)
    assert expect_ok(replay, 201) == created
    assert replay.headers.get("Idempotent-Replayed") == "true"
    # A new token of the same sub without that workspace (another one instead), or with only a
    # role that may not create: answered as a fresh request, 403, without the kept body.
    for workspaces in ({}, {new_workspace().id: "owner"}, {ws.id: "viewer"}, {ws.id: "member"}):
        resp = api.post("/api/integrations", same_sub(admin, workspaces), json=body,
                        headers=headers)
        refused = expect_error(resp, 403, "forbidden")
        assert "Idempotent-Replayed" not in resp.headers
        assert created["id"] not in resp.text and "secret roadmap" not in resp.text, refused
    assert len(db.rows(created["id"])) == 1
    # Admin again: the replay works again (the refusals kept nothing and changed nothing).
    assert expect_ok(api.post("/api/integrations", admin, json=body, headers=headers),
                     201) == created


def test_replay_of_a_grant_after_losing_read_access_is_404(api, db, ws, new_workspace):
    admin = ws.user("admin")
    integration = expect_ok(api.post("/api/integrations", admin, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "Granted"}), 201)
    target = new_workspace().id
    headers = {"Idempotency-Key": key()}
    path = ipath(integration, "/grants")
    granted = expect_ok(api.post(path, admin, json={"workspaceId": target}, headers=headers), 201)
    # No role in the source workspace nor in a granted one: the integration is invisible, 404.
    resp = api.post(path, same_sub(admin, {new_workspace().id: "owner"}),
                    json={"workspaceId": target}, headers=headers)
    expect_error(resp, 404, "not_found")
    assert "Idempotent-Replayed" not in resp.headers
    # Visible (a role in the source workspace, or in the granted one) but not allowed: 403.
    for workspaces in ({ws.id: "viewer"}, {target: "owner"}):
        resp = api.post(path, same_sub(admin, workspaces), json={"workspaceId": target},
                        headers=headers)
        expect_error(resp, 403, "forbidden")
        assert "Idempotent-Replayed" not in resp.headers
    again = api.post(path, admin, json={"workspaceId": target}, headers=headers)
    assert expect_ok(again, 201) == granted and again.headers.get("Idempotent-Replayed") == "true"


def test_replay_of_an_install_after_losing_the_destination_workspace(api, db, ws, owner,
                                                                       published):
    body = {"workspaceId": ws.id, "variables": {"channel": "#ops"}}
    headers = {"Idempotency-Key": key()}
    path = ipath(published.integration, "/install")
    installed = expect_ok(api.post(path, owner, json=body, headers=headers), 201)
    count = "select count(*) from core.integration_installs where workspace_id = :'ws'"
    before = db.query(count, ws=ws.id)
    # The integration was granted to ws only: without ws it is invisible (404); as a viewer of
    # ws it is visible but installing is not allowed (403).
    for workspaces, status, code in (({}, 404, "not_found"), ({ws.id: "viewer"}, 403, "forbidden")):
        resp = api.post(path, same_sub(owner, workspaces), json=body, headers=headers)
        expect_error(resp, status, code)
        assert installed["id"] not in resp.text
    assert db.query(count, ws=ws.id) == before
    again = api.post(path, owner, json=body, headers=headers)
    assert expect_ok(again, 201) == installed
    assert db.query(count, ws=ws.id) == before
