"""SQL injection. Hostile input, end to end through nginx over HTTPS (issue 6, part 3; PRODUCT §3-5, §10;
docs/api-conventions.md): SQL injection in every parameter, path traversal and odd encodings
in ids, oversized and deeply nested bodies, oversized headers and tokens, many query
parameters, slow clients.

Every case asserts the status and the problem `code`, never a 5xx (the e2e 5xx guard is
active for requests made with `api`), that existing data is unchanged (`snapshot`: a hash of
every pre-existing row of core.integrations and its neighbours, read with psql before and
after), and that the stack still answers a normal request afterwards (`still_serving`).
Cases of one parameter run in one test and are reported together, so one failing payload
does not hide the others.
"""
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from sec_helpers import expect_raw_problem
from helpers import absent_int_id, expect_error, expect_ok, ipath, new_slug

from sec_common import *  # noqa: F401,F403 (payloads, helpers, still_serving)


# --------------------------------------------------------------------------- SQL injection

ID_ROUTES = [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/restore"),
             ("DELETE", "/purge")]


def test_sql_injection_in_path_ids_is_404(api, snapshot, owner, integration, db, still_serving):
    before = db.rows(integration["id"])
    failures = Failures()
    for payload in SQL_PAYLOADS + [integration["id"] + "' OR '1'='1", integration["id"] + "--"]:
        for method, suffix in ID_ROUTES:
            def case(method=method, suffix=suffix, payload=payload):
                kw = {"json": {"name": "pwned"}} if method == "PATCH" else {}
                resp, took = timed(lambda: api.call(
                    method, "/api/integrations/" + quote(payload, safe="") + suffix, owner, **kw))
                assert_error(resp, 404, "not_found", took)
            failures.check(f"{method} /api/integrations/{payload!r}{suffix}", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()
    assert db.rows(integration["id"]) == before


# Shorthands that take any text: a normal page whose rows match the value literally.
FREE_TEXT_SHORTHANDS = {
    "publisher": lambda p: (lambda row: row["publisher"] == p),
    "created_by": lambda p: (lambda row: row["createdBy"] == p),
    "name": lambda p: (lambda row: p.lower() in row["name"].lower()),
}
# Parameters whose value has a fixed shape: 400 (workspace_id: a workspace id, issue 18).
SHAPED_PARAMS = {
    "workspace_id": "validation_failed",
    "visibility": "validation_failed", "trust_tier": "validation_failed",
    "retention_tier": "validation_failed", "include_deleted": "validation_failed",
    "limit": "validation_failed", "ids": "validation_failed", "orderBy": "validation_failed",
    "filter": "validation_failed", "after": "invalid_cursor", "before": "invalid_cursor",
}


@pytest.mark.parametrize("param", sorted(FREE_TEXT_SHORTHANDS))
def test_sql_injection_in_free_text_shorthands_is_literal(api, snapshot, create, owner, param,
                                                          still_serving):
    # An integration whose name and publisher are an injection string must be found by it,
    # literally, and only rows matching it literally come back.
    victim = create(owner, name=SQL_PAYLOADS[0], publisher=SQL_PAYLOADS[0])
    failures = Failures()
    for payload in SQL_PAYLOADS:
        def case(payload=payload):
            # within the caller's workspace (an index scan)
            params = {param: payload, "workspace_id": victim["workspaceId"]}
            resp, took = timed(lambda: api.get(list_url(**params), owner))
            page = assert_page(resp, took, FREE_TEXT_SHORTHANDS[param](payload))
            if param == "created_by":
                assert page["data"] == [] and page["pageInfo"]["total"] == 0, page["pageInfo"]
        failures.check(f"?{param}={payload!r}", case)
    if param in ("name", "publisher"):
        def found():
            resp = api.get(list_url(**{param: SQL_PAYLOADS[0], "workspace_id": victim["workspaceId"]}),
                           owner)
            ids = [r["id"] for r in expect_ok(resp)["data"]]
            assert ids == [victim["id"]], f"expected exactly the victim, got {ids}"
        failures.check(f"?{param}= the victim's literal value", found)
    failures.raise_if_any()
    snapshot.assert_unchanged()


@pytest.mark.parametrize("param", sorted(SHAPED_PARAMS))
def test_sql_injection_in_shaped_query_parameters_is_400(api, snapshot, owner, param,
                                                         still_serving):
    failures = Failures()
    for payload in SQL_PAYLOADS:
        def case(payload=payload):
            resp, took = timed(lambda: api.get(list_url(**{param: payload}), owner))
            assert_error(resp, 400, SHAPED_PARAMS[param], took)
        failures.check(f"?{param}={payload!r}", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_sql_injection_as_query_parameter_name_is_400(api, snapshot, owner, still_serving):
    failures = Failures()
    for payload in SQL_PAYLOADS:
        def case(payload=payload):
            resp, took = timed(lambda: api.get(
                "/api/integrations?" + quote(payload, safe="") + "=1", owner))
            assert_error(resp, 400, "validation_failed", took)
        failures.check(f"?{payload!r}=1", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_sql_injection_in_filter_values_is_literal(api, snapshot, create, owner, still_serving):
    victim = create(owner, name=SQL_PAYLOADS[2], description=SQL_PAYLOADS[0])
    ws = victim["workspaceId"]
    failures = Failures()
    for payload in SQL_PAYLOADS:
        filters = {
            "eq": ({"name": {"eq": payload}}, lambda r, p=payload: r["name"] == p),
            "neq": ({"AND": [{"workspaceId": {"eq": ws}}, {"name": {"neq": payload}}]},
                    lambda r, p=payload: r["name"] != p),
            "in": ({"name": {"in": [payload, payload + "x"]}},
                   lambda r, p=payload: r["name"] in (p, p + "x")),
            "notIn": ({"AND": [{"workspaceId": {"eq": ws}}, {"slug": {"notIn": [payload]}}]},
                      None),
            "contains": ({"description": {"contains": payload, "mode": "insensitive"}},
                         lambda r, p=payload: p.lower() in (r["description"] or "").lower()),
            "startsWith": ({"name": {"startsWith": payload}},
                           lambda r, p=payload: r["name"].startswith(p)),
            "endsWith": ({"publisher": {"endsWith": payload}},
                         lambda r, p=payload: (r["publisher"] or "").endswith(p)),
            "hasKey": ({"manifest": {"hasKey": payload}}, lambda r, p=payload: p in r["manifest"]),
            "json contains": ({"authConfig": {"contains": {"type": payload}}},
                              lambda r, p=payload: r["authConfig"].get("type") == p),
            "relation": ({"versions": {"some": {"changelog": {"eq": payload}}}}, None),
            "installs": ({"installs": {"none": {"authStateId": {"eq": payload}}}}, None),
        }
        for label, (flt, pred) in filters.items():
            def case(flt=flt, pred=pred):
                resp, took = timed(lambda: api.get(
                    list_url(filter=json.dumps(flt), workspace_id=ws), owner))
                assert_page(resp, took, pred)
            failures.check(f"filter {label} {payload!r}", case)
    # the victim is found by its literal name, once
    def found():
        flt = {"AND": [{"workspaceId": {"eq": ws}}, {"name": {"eq": SQL_PAYLOADS[2]}}]}
        ids = [r["id"] for r in expect_ok(api.get(list_url(filter=json.dumps(flt)), owner))["data"]]
        assert ids == [victim["id"]], ids
    failures.check("filter eq the victim's literal name", found)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_sql_injection_in_filter_and_order_names_is_400(api, snapshot, owner, still_serving):
    failures = Failures()
    for payload in SQL_PAYLOADS + ["name) OR (true", "name\" OR \"1\"=\"1", "i.name", "id; --"]:
        cases = {
            "filter field": ("filter", {payload: {"eq": "x"}}),
            "filter operator": ("filter", {"name": {payload: "x"}}),
            "filter mode": ("filter", {"name": {"eq": "x", "mode": payload}}),
            "filter logic": ("filter", {"AND": [{payload: {"isNull": True}}]}),
            "relation quantifier": ("filter", {"versions": {payload: {}}}),
            "relation field": ("filter", {"versions": {"some": {payload: {"eq": "1.0.0"}}}}),
            "enum value": ("filter", {"visibility": {"eq": payload}}),
            "timestamp value": ("filter", {"createdAt": {"gt": payload}}),
            "semver value": ("filter", {"currentVersion": {"lt": payload}}),
            "orderBy field": ("orderBy", [{payload: "asc"}]),
            "orderBy direction": ("orderBy", [{"name": payload}]),
        }
        for label, (param, value) in cases.items():
            def case(param=param, value=value):
                resp, took = timed(lambda: api.get(list_url(**{param: json.dumps(value)}), owner))
                assert_error(resp, 400, "validation_failed", took)
                paths = [e["path"] for e in resp.json()["errors"]]
                assert paths and all(p.startswith("?" + param) for p in paths), paths
            failures.check(f"{label} {payload!r}", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_tampered_cursor_with_injection_is_400(api, snapshot, owner, create, still_serving):
    for _ in range(2):
        create(owner)
    page = expect_ok(api.get("/api/integrations?limit=1&workspace_id=" + next(iter(owner.workspaces)),
                             owner))
    cursor = page["pageInfo"]["endCursor"]
    assert cursor, page
    head, claims, sig = cursor.split(".")
    import base64

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    failures = Failures()
    for payload in SQL_PAYLOADS[:8]:
        forged = ".".join([head, b64({"f": "x", "v": [payload, payload]}), sig])
        for param in ("after", "before"):
            def case(param=param, forged=forged):
                resp, took = timed(lambda: api.get(list_url(**{param: forged, "limit": "1"}), owner))
                assert_error(resp, 400, "invalid_cursor", took)
            failures.check(f"{param} forged {payload!r}", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


# Body fields: free text is stored literally; shaped fields are refused.
BODY_TEXT_FIELDS = ["name", "description", "publisher"]
BODY_SHAPED_FIELDS = ["workspaceId", "slug", "trustTier", "iconUrl"]


def test_sql_injection_in_create_body_fields(api, snapshot, ws, owner, db, still_serving):
    failures = Failures()
    for payload in SQL_PAYLOADS:
        for field in BODY_TEXT_FIELDS:
            def stored(field=field, payload=payload):
                body = {"workspaceId": ws.id, "slug": new_slug("sec"), "name": "n", field: payload}
                resp, took = timed(lambda: api.post("/api/integrations", owner, json=body))
                assert resp.status_code == 201, f"{resp.status_code}: {resp.text[:300]}"
                assert took < SLOW, f"took {took:.1f} s"
                got = expect_ok(api.get(ipath(resp.json()), owner))
                assert got[field] == payload, f"stored {got[field]!r}"
            failures.check(f"POST {field}={payload!r}", stored)
        for field in BODY_SHAPED_FIELDS:
            def refused(field=field, payload=payload):
                slug = new_slug("sec")
                body = {"workspaceId": ws.id, "slug": slug, "name": "n", field: payload}
                resp, took = timed(lambda: api.post("/api/integrations", owner, json=body))
                assert_error(resp, 400, "validation_failed", took)
                assert resp.json()["errors"][0]["path"] == "/" + field, resp.json()["errors"]
            failures.check(f"POST {field}={payload!r}", refused)

        def unknown_field(payload=payload):
            body = {"workspaceId": ws.id, "slug": new_slug("sec"), "name": "n", payload: "x"}
            resp, took = timed(lambda: api.post("/api/integrations", owner, json=body))
            assert_error(resp, 400, "validation_failed", took)
        failures.check(f"POST unknown field {payload!r}", unknown_field)

        def in_json_fields(payload=payload):
            body = {"workspaceId": ws.id, "slug": new_slug("sec"), "name": "n",
                    "variablesSchema": {"type": "object",
                                        "properties": {payload: {"type": "string",
                                                                 "description": payload}}},
                    "authConfig": {"type": "none", payload: payload}}
            resp, took = timed(lambda: api.post("/api/integrations", owner, json=body))
            assert resp.status_code in (201, 400, 422), f"{resp.status_code}: {resp.text[:300]}"
            assert took < SLOW
            if resp.status_code == 201:
                got = expect_ok(api.get(ipath(resp.json()), owner))
                assert got["variablesSchema"] == body["variablesSchema"]
        failures.check(f"POST JSON members {payload!r}", in_json_fields)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_sql_injection_in_patch_body_fields(api, snapshot, owner, create, db, still_serving):
    victim = create(owner)
    failures = Failures()
    for payload in SQL_PAYLOADS:
        for field in BODY_TEXT_FIELDS[:2]:
            def stored(field=field, payload=payload):
                resp, took = timed(lambda: api.patch(ipath(victim), owner, json={field: payload}))
                assert resp.status_code == 200, f"{resp.status_code}: {resp.text[:300]}"
                assert took < SLOW
                assert expect_ok(api.get(ipath(victim), owner))[field] == payload
            failures.check(f"PATCH {field}={payload!r}", stored)
        for field, code in (("trustTier", "validation_failed"), ("iconUrl", "validation_failed"),
                            (payload, "validation_failed")):
            def refused(field=field, code=code, payload=payload):
                before = db.rows(victim["id"])
                resp, took = timed(lambda: api.patch(ipath(victim), owner, json={field: payload}))
                assert_error(resp, 400, code, took)
                assert db.rows(victim["id"]) == before
            failures.check(f"PATCH {field}={payload!r}", refused)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_sql_injection_in_headers(api, snapshot, ws, owner, create, db, still_serving):
    victim = create(owner)
    failures = Failures()
    for payload in SQL_PAYLOADS:
        def if_match(payload=payload):
            before = db.rows(victim["id"])
            resp, took = timed(lambda: api.patch(ipath(victim), owner, json={"name": "changed"},
                                                 headers={"If-Match": payload.encode()}))
            # Entity tags are printable ASCII: anything else is a malformed header (400),
            # an ASCII tag that matches nothing a stale one (412).
            if payload.isascii():
                assert_error(resp, 412, "precondition_failed", took)
            else:
                assert_error(resp, 400, "validation_failed", took)
            assert db.rows(victim["id"]) == before
        failures.check(f"If-Match: {payload!r}", if_match)

        def idempotency_key(payload=payload):
            # Keys are 1-255 visible ASCII characters: a payload with spaces or outside ASCII
            # is refused; one without is an ordinary key, replayed as such.
            key = payload
            body = {"workspaceId": ws.id, "slug": new_slug("sec"), "name": "idem"}
            resp, took = timed(lambda: api.post("/api/integrations", owner, json=body,
                                                headers={"Idempotency-Key": key.encode()}))
            if re.fullmatch(r"[\x21-\x7e]{1,255}", key):
                assert resp.status_code == 201, f"{resp.status_code}: {resp.text[:300]}"
                again = api.post("/api/integrations", owner, json=body,
                                 headers={"Idempotency-Key": key})
                assert again.status_code == 201 and again.json() == resp.json(), again.text[:300]
                assert again.headers.get("Idempotent-Replayed") == "true"
                other = api.post("/api/integrations", owner, json=dict(body, name="other"),
                                 headers={"Idempotency-Key": key})
                assert_error(other, 422, "idempotency_mismatch")
            else:
                assert_error(resp, 400, "validation_failed", took)
        failures.check(f"Idempotency-Key: {payload!r}", idempotency_key)

        def content_type(payload=payload):
            resp, took = timed(lambda: api.post("/api/integrations", owner,
                                                data=json.dumps({"workspaceId": ws.id}).encode(),
                                                headers={"Content-Type": payload.encode()}))
            assert_error(resp, 415, "unsupported_media_type", took)
        failures.check(f"Content-Type: {payload!r}", content_type)

        def authorization(payload=payload):
            resp, took = timed(lambda: api.get(ipath(victim), headers={
                "Authorization": ("Bearer x" + payload).encode()}))
            assert_error(resp, 401, "invalid_token", took)
        failures.check(f"Authorization: Bearer x{payload!r}", authorization)

        def request_id(payload=payload):
            resp = api.get(ipath(victim), owner, headers={"X-Request-Id": payload})
            assert resp.status_code == 200, resp.status_code
            assert resp.headers["X-Request-Id"] != payload
        if re.fullmatch(r"[\x20-\x7e]+", payload):
            failures.check(f"X-Request-Id: {payload!r}", request_id)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_sql_injection_in_token_claims_is_harmless(api, snapshot, ws, owner, still_serving):
    """Claims are signed, so only a trusted issuer could inject through them; still, a
    workspace id or sub that is not of the platform's shape is refused, never spliced."""
    failures = Failures()
    for payload in SQL_PAYLOADS[:10]:
        for claims in ({"sub": payload}, {"workspaces": {payload: "owner"}},
                       {"workspaces": {ws.id: payload}}, {"roles": [payload]}):
            def case(claims=claims):
                resp, took = timed(lambda: api.get("/api/integrations?limit=1",
                                                   owner.token(**claims)))
                assert_error(resp, 401, "invalid_token", took)
            failures.check(f"claims {claims!r}", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


# Bytes PostgreSQL cannot store as text (invalid UTF-8, overlong forms, surrogates): every
# parameter the worker hands to the database as text must refuse them with a 400 (or treat them
# as not matching), never let the database fail with 500.
INVALID_UTF8 = ["%FF", "%C0%AF", "%ED%A0%80", "a%80b", "%F4%90%80%80"]


@pytest.mark.parametrize("param", ["workspace_id", "publisher", "created_by", "name", "ids",
                                   "after", "orderBy", "filter", "visibility", "limit"])
def test_invalid_utf8_in_query_parameters_is_not_500(api, snapshot, owner, param, still_serving):
    failures = Failures()
    for raw_value in INVALID_UTF8:
        def case(raw_value=raw_value):
            resp = api.get(f"/api/integrations?{param}={raw_value}", owner)
            if param in FREE_TEXT_SHORTHANDS:
                assert resp.status_code in (200, 400), f"{resp.status_code}: {resp.text[:300]}"
                if resp.status_code == 200:
                    assert resp.json()["data"] == [], "rows matched bytes that no text holds"
                else:
                    expect_error(resp, 400, "validation_failed")
            else:
                assert_error(resp, 400, {"validation_failed", "invalid_cursor"})
        failures.check(f"?{param}={raw_value}", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_invalid_utf8_in_headers_is_a_400(raw, snapshot, owner, create, db, still_serving):
    victim = create(owner)
    token = owner.token()
    failures = Failures()
    for value in (b'"\xff"', b"\xc0\xaf", b'W/"\xed\xa0\x80"'):
        def if_match(value=value):
            before = db.rows(victim["id"])
            resp = raw.request("PATCH", ipath(victim), headers={
                "Authorization": "Bearer " + token, "Content-Type": "application/json",
                "If-Match": value}, body=b'{"name":"changed"}')
            expect_raw_problem(resp, 400, "validation_failed", f"If-Match {value!r}")
            assert db.rows(victim["id"]) == before
        failures.check(f"If-Match: {value!r}", if_match)

        def idem(value=value):
            resp = raw.request("POST", "/api/integrations", headers={
                "Authorization": "Bearer " + token, "Content-Type": "application/json",
                "Idempotency-Key": value},
                body=json.dumps({"workspaceId": next(iter(owner.workspaces)),
                                 "slug": new_slug("sec"), "name": "n"}).encode())
            expect_raw_problem(resp, 400, "validation_failed", f"Idempotency-Key {value!r}")
        failures.check(f"Idempotency-Key: {value!r}", idem)

        def authorization(value=value):
            resp = raw.request("GET", ipath(victim), headers={"Authorization": b"Bearer " + value})
            expect_raw_problem(resp, 401, "invalid_token", f"Authorization {value!r}")
        failures.check(f"Authorization: {value!r}", authorization)
    failures.raise_if_any()
    snapshot.assert_unchanged()
