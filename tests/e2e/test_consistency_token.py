"""X-Consistency-Token (read your writes, docs/api-conventions.md "Requests") on the one-connection
dev stack: writes answer it, reads accept it, a malformed one is refused. The standby side is
tests/ha."""
import re

from helpers import expect_error, expect_ok, ipath, new_slug

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")


def create(api, ws, owner):
    resp = api.post("/api/integrations", owner,
                    json={"workspaceId": ws.id, "slug": new_slug(), "name": "token"})
    return resp, expect_ok(resp, 201)


def test_writes_answer_a_token_and_reads_accept_it(api, ws, owner):
    resp, created = create(api, ws, owner)
    token = resp.headers.get("X-Consistency-Token")
    assert token and TOKEN_RE.match(token), token
    got = expect_ok(api.get(ipath(created), owner, headers={"X-Consistency-Token": token}))
    assert got["id"] == created["id"]
    patched = api.patch(ipath(created), owner, json={"name": "token 2"},
                        headers={"X-Consistency-Token": token})
    expect_ok(patched)
    later = patched.headers.get("X-Consistency-Token")
    assert later and TOKEN_RE.match(later), later
    got = expect_ok(api.get(ipath(created), owner, headers={"X-Consistency-Token": later}))
    assert got["name"] == "token 2"


def test_reads_and_failed_writes_answer_no_token(api, ws, owner):
    _, created = create(api, ws, owner)
    assert "X-Consistency-Token" not in api.get(ipath(created), owner).headers
    bad = api.post("/api/integrations", owner, json={"workspaceId": ws.id, "slug": "x"})
    assert bad.status_code in (400, 422)
    assert "X-Consistency-Token" not in bad.headers


def test_malformed_token_is_400(api, ws, owner):
    _, created = create(api, ws, owner)
    for bad in ("0/16B374D8", "AAAAABazdNh", "AAAAABazdNgA", "not a token"):
        expect_error(api.get(ipath(created), owner, headers={"X-Consistency-Token": bad}),
                     400, "validation_failed")
