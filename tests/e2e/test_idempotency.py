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
