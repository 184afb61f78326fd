"""Numbers beyond 64 bits and the double range (issue 18): what the service emits it takes back.

A 201 keeps its Location whatever the body holds (the database returns it; the body is never
re-parsed), free-form members store every digit (jsonb numeric), and a GET body sent back as
a PATCH is accepted.
"""
import json
from decimal import Decimal

import pytest

from helpers import expect_error, expect_ok, ipath, new_slug
from publish_helpers import ENT_ID_RE, entity_body, epath, vpath

# The text sent, as JSON number literals.
NUMBERS = ["1e21", "1000000000000000000000", "-1e400", "1.5e300", "0.1", "1e-400",
           "-18446744073709551617", "123456789012345678901234567890.0123456789",
           "9223372036854775808", "1180591620717411303424", "-1180591620717411303424"]


def loads(text):
    """JSON with exact numbers: Decimal for non-integers, int for integers."""
    return json.loads(text, parse_float=Decimal)


def post_raw(api, path, user, text, method="POST"):
    return api.call(method, path, user, data=text.encode(),
                    headers={"Content-Type": "application/json"})


def member_text(emitted, key):
    """The text of object member `key` (an object without braces in strings) in `emitted`."""
    start = emitted.index('"%s"' % key) + len(key) + 2
    start = emitted.index("{", start)
    depth, end = 0, start
    while True:
        depth += {"{": 1, "}": -1}.get(emitted[end], 0)
        end += 1
        if depth == 0:
            return emitted[start:end]


def equal_number(got, literal):
    return Decimal(got) == Decimal(literal)


# Exact digits: Prism (contract mode) re-serializes GET answers as JavaScript doubles.
@pytest.mark.no_proxy
@pytest.mark.parametrize("number", NUMBERS)
def test_integration_create_keeps_location_and_every_digit(api, ws, owner, number):
    text = ('{"workspaceId": "%s", "slug": "%s", "name": "Big", '
            '"variablesSchema": {"type": "object", "maximum": %s}}' % (ws.id, new_slug(), number))
    resp = post_raw(api, "/api/integrations", owner, text)
    assert resp.status_code == 201, resp.text[:300]
    got = loads(resp.text)
    assert resp.headers.get("Location") == ipath(got)
    assert equal_number(got["variablesSchema"]["maximum"], number)

    fetched = api.get(ipath(got), owner)
    assert fetched.status_code == 200
    assert equal_number(loads(fetched.text)["variablesSchema"]["maximum"], number)
    # what the service emitted, sent back as is
    body = '{"variablesSchema": %s}' % member_text(fetched.text, "variablesSchema")
    patch = post_raw(api, ipath(got), owner, body, method="PATCH")
    assert patch.status_code == 200, patch.text[:300]
    assert equal_number(loads(patch.text)["variablesSchema"]["maximum"], number)


@pytest.mark.no_proxy  # the service's own text, byte for byte
def test_get_body_resent_as_patch_is_accepted(api, ws, owner):
    text = ('{"workspaceId": "%s", "slug": "%s", "name": "Big", "variablesSchema": '
            '{"a": 1e21, "b": -1e400, "c": 1.5e300, "d": 0.1, "e": 1e-400}, '
            '"authConfig": {"n": 100000000000000000000000000000}}' % (ws.id, new_slug()))
    created = post_raw(api, "/api/integrations", owner, text)
    assert created.status_code == 201, created.text[:300]
    iid = loads(created.text)["id"]
    emitted = api.get(ipath(iid), owner).text
    doc = loads(emitted)
    # the service's own text of the two free-form members, byte for byte
    body = '{"variablesSchema": %s, "authConfig": %s}' % (
        member_text(emitted, "variablesSchema"), member_text(emitted, "authConfig"))
    patched = post_raw(api, ipath(iid), owner, body, method="PATCH")
    assert patched.status_code == 200, patched.text[:300]
    after = loads(patched.text)
    assert after["variablesSchema"] == doc["variablesSchema"]
    assert after["authConfig"] == {"n": 10 ** 29}


@pytest.mark.parametrize("number", ["1e21", "1000000000000000000000", "-1e400", "0.1"])
def test_entity_create_and_patch(api, ws, owner, number):
    body = json.dumps(entity_body(ws.id, definition={"limit": "N"})).replace('"N"', number)
    resp = post_raw(api, "/api/entities", owner, body)
    assert resp.status_code == 201, resp.text[:300]
    got = loads(resp.text)
    assert ENT_ID_RE.match(got["id"]) and resp.headers.get("Location") == epath(got)
    assert equal_number(got["definition"]["limit"], number)
    patched = post_raw(api, epath(got), owner, '{"definition": {"limit": %s, "x": 1}}' % number,
                       method="PATCH")
    assert patched.status_code == 200, patched.text[:300]
    assert equal_number(loads(patched.text)["definition"]["limit"], number)


def test_publish_with_a_big_number_keeps_location(api, ws, owner):
    text = ('{"workspaceId": "%s", "slug": "%s", "name": "Big", '
            '"variablesSchema": {"type": "object", "maximum": 1e21}}' % (ws.id, new_slug()))
    created = post_raw(api, "/api/integrations", owner, text)
    assert created.status_code == 201, created.text[:300]
    integration = loads(created.text)
    resp = api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"})
    got = expect_ok(resp, 201)
    assert resp.headers.get("Location") == vpath(got)
    assert Decimal(str(got["variablesSchemaSnapshot"]["maximum"])) == Decimal("1e21")


def test_replayed_create_keeps_location(api, ws, owner):
    text = ('{"workspaceId": "%s", "slug": "%s", "name": "Big", '
            '"variablesSchema": {"maximum": 1e21}}' % (ws.id, new_slug()))
    headers = {"Content-Type": "application/json", "Idempotency-Key": "e2e-big-" + new_slug()}
    first = api.call("POST", "/api/integrations", owner, data=text.encode(), headers=headers)
    replay = api.call("POST", "/api/integrations", owner, data=text.encode(), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.headers["Location"] == first.headers["Location"] == ipath(loads(first.text))


@pytest.mark.parametrize("number", ["1e131072", "1e-16384", "0e5000000000"])
def test_numbers_the_database_cannot_store_are_400(api, ws, owner, number):
    text = ('{"workspaceId": "%s", "slug": "%s", "name": "Big", '
            '"variablesSchema": {"maximum": %s}}' % (ws.id, new_slug(), number))
    expect_error(post_raw(api, "/api/integrations", owner, text), 400, "invalid_json")
