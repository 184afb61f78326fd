"""Hostile input, end to end through nginx over HTTPS (issue 6, part 3; PRODUCT §3-5, §10;
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

MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}
SLOW = 2.5  # seconds: a request slower than this may have run a pg_sleep(3) payload

# Classic and less classic injection strings. None is a valid value of any enum or id shape.
SQL_PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE core.integrations; --",
    '"; DROP TABLE core.integrations; --',
    "1; DELETE FROM core.integrations",
    "') OR true --",
    "')) OR ((true",
    "' UNION SELECT id, workspace_id, name FROM core.integrations --",
    "'||(SELECT pg_sleep(3))||'",
    "1' AND (SELECT pg_sleep(3)) IS NULL --",
    "$1",
    "$1::text[]",
    "$$; TRUNCATE core.integrations; $$",
    "\\'; TRUNCATE core.integrations; --",
    "%' OR name LIKE '%",
    "x' /* comment */ OR '1'='1",
    "::text) or (true",
    "E'\\x27' OR true",
    'a","b"},{"c',
    "\uff07 OR \uff07\uff11\uff07=\uff07\uff11",  # fullwidth apostrophes
    "ws_a' OR 'x'='x",
]


# --------------------------------------------------------------------------- helpers

@pytest.fixture
def still_serving(api, owner):
    """After the test: the stack still answers a normal authenticated request."""
    yield
    resp = api.get("/api/integrations?limit=1&workspace_id=" + next(iter(owner.workspaces)), owner)
    assert resp.status_code == 200, f"the stack no longer serves: {resp.status_code} {resp.text[:200]}"


class Failures:
    """Collects the failing cases of one test, then fails once naming all of them."""

    def __init__(self):
        self.items = []

    def check(self, label, fn):
        try:
            fn()
        except AssertionError as exc:
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()][:3]
            self.items.append(f"{label}: {' | '.join(lines)[:600]}")

    def raise_if_any(self):
        if self.items:
            pytest.fail(f"{len(self.items)} case(s) failed:\n  " + "\n  ".join(self.items),
                        pytrace=False)


def timed(fn):
    start = time.monotonic()
    resp = fn()
    return resp, time.monotonic() - start


def assert_error(resp, statuses, codes, elapsed=0.0):
    statuses = statuses if isinstance(statuses, (set, tuple, list)) else {statuses}
    codes = codes if isinstance(codes, (set, tuple, list)) else {codes}
    body = resp.json() if resp.content else None
    assert resp.status_code in statuses, \
        f"expected {sorted(statuses)} {sorted(codes)}, got {resp.status_code}: {resp.text[:300]}"
    assert body and body.get("code") in codes, f"expected code {sorted(codes)}, got {body}"
    assert elapsed < SLOW, f"took {elapsed:.1f} s: did a pg_sleep payload run?"


def assert_page(resp, elapsed, predicate=None):
    """A normal list answer whose rows all satisfy predicate."""
    assert resp.status_code == 200, f"expected 200, got {resp.status_code}: {resp.text[:300]}"
    assert elapsed < SLOW, f"took {elapsed:.1f} s: did a pg_sleep payload run?"
    page = resp.json()
    assert set(page) == {"data", "pageInfo"}, page
    if predicate is not None:
        bad = [row.get("id") for row in page["data"] if not predicate(row)]
        assert not bad, f"rows that do not match the literal value: {bad[:5]}"
    return page


def list_url(**params):
    return "/api/integrations?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


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


# --------------------------------------------------------------------------- odd ids and paths

def odd_targets(iid):
    """(label, request target as sent, statuses allowed, codes). nginx decodes and normalises
    the path before it routes; a path that climbs above the root is nginx's own 400."""
    nf = ({404}, {"not_found"})
    climb = ({400, 404}, {"validation_failed", "not_found"})
    return [
        ("..%2f escaping the API", "/api/integrations/..%2f..%2f..%2fetc%2fpasswd", *climb),
        ("..%2f out of /api/", "/api/integrations/..%2f..%2fetc%2fpasswd", *nf),
        ("..%2f to a sibling", f"/api/integrations/{iid}/..%2f..%2fhealthz%2f", *nf),
        ("encoded dots", "/api/integrations/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", *climb),
        ("raw dots climbing", "/api/../../../../etc/passwd", *climb),
        ("dots in the id", f"/api/integrations/{iid}..", *nf),
        ("%00 after the id", f"/api/integrations/{iid}%00", *climb),
        ("%00 inside the id", f"/api/integrations/int_%00{iid[4:]}", *climb),
        ("double-encoded NUL", f"/api/integrations/{iid}%2500", *nf),
        ("double-encoded ../", "/api/integrations/%252e%252e%252f%252e%252e%252fhealthz", *nf),
        ("double-encoded slash", f"/api/integrations/{iid}%252f", *nf),
        ("encoded slash in the id", f"/api/integrations/int_%2f{iid[5:]}", *nf),
        ("cyrillic look-alike (UTF-8)", f"/api/integrations/{iid[:-1]}%D0%B5", *nf),
        ("fullwidth digits", "/api/integrations/int_" + "%EF%BC%90" * 28, *nf),
        ("cyrillic i in the prefix", f"/api/integrations/%D1%96nt_{iid[4:]}", *nf),
        ("raw UTF-8 bytes", f"/api/integrations/{iid[:-1]}\u0435".encode(), *nf),
        ("overlong UTF-8 dots", "/api/integrations/%C0%AE%C0%AE%C0%AFhealthz", *nf),
        ("overlong UTF-8 raw", b"/api/integrations/\xc0\xae\xc0\xae\xc0\xaf", *nf),
        ("invalid UTF-8", f"/api/integrations/{iid}%FF", *nf),
        ("trailing slash", f"/api/integrations/{iid}/", *nf),
        ("collection with trailing slash", "/api/integrations/", *nf),
        ("semicolon parameter", f"/api/integrations/{iid};jsessionid=1", *nf),
        ("encoded semicolon", f"/api/integrations/{iid}%3Bx=1", *nf),
        ("uppercase id", f"/api/integrations/{iid.upper()}", *nf),
        ("uppercase hex only", f"/api/integrations/int_{iid[4:].upper()}", *nf),
        ("encoded space", f"/api/integrations/{iid}%20", *nf),
        ("plus sign", f"/api/integrations/{iid}+", *nf),
        ("backslash", f"/api/integrations/{iid}%5C", *nf),
        ("wrong prefix", f"/api/integrations/intv_{iid[4:]}", *nf),
        ("one digit short", f"/api/integrations/{iid[:-1]}", *nf),
        ("one digit long", f"/api/integrations/{iid}0", *nf),
        ("ws id instead", "/api/integrations/ws_a", *nf),
        ("encoded question mark", f"/api/integrations/{iid}%3Fx=1", *nf),
        ("encoded hash", f"/api/integrations/{iid}%23", *nf),
    ]


def test_odd_encodings_and_traversal_in_ids(raw, snapshot, owner, integration, db, still_serving):
    before = db.rows(integration["id"])
    token = owner.token()
    failures = Failures()
    for method in ("GET", "PATCH", "DELETE"):
        for label, target, statuses, codes in odd_targets(integration["id"]):
            def case(target=target, statuses=statuses, codes=codes, label=label, method=method):
                headers = {"Authorization": "Bearer " + token}
                body = b""
                if method == "PATCH":
                    headers["Content-Type"] = "application/json"
                    body = b'{"name":"pwned"}'
                resp = raw.request(method, target, headers=headers, body=body)
                expect_raw_problem(resp, statuses, codes, f"{method} {label}")
            failures.check(f"{method} {label} ({target!r})", case)
    failures.raise_if_any()
    assert db.rows(integration["id"]) == before
    snapshot.assert_unchanged()


# --------------------------------------------------------------------------- sizes and depth

def test_2_mib_body_is_413_from_nginx(api, raw, snapshot, ws, owner, still_serving):
    big = b'{"workspaceId":"%s","slug":"%s","name":"' % (ws.id.encode(), new_slug().encode()) \
        + b"x" * (2 * MIB) + b'"}'
    resp = api.post("/api/integrations", owner, data=big, headers=JSON)
    expect_error(resp, 413, "payload_too_large")
    # the same, chunked (no Content-Length): nginx counts as it reads
    def chunks():
        for i in range(0, len(big), 64 * 1024):
            yield big[i:i + 64 * 1024]
    resp = api.post("/api/integrations", owner, data=chunks(), headers=JSON)
    expect_error(resp, 413, "payload_too_large")
    # and a Content-Length announcing 2 MiB without sending it: refused before reading
    resp = raw.request("POST", "/api/integrations", headers={
        "Authorization": "Bearer " + owner.token(), "Content-Type": "application/json",
        "Content-Length": str(2 * MIB)}, body=b"{")
    expect_raw_problem(resp, 413, "payload_too_large", "announced 2 MiB")
    snapshot.assert_unchanged()


@pytest.mark.parametrize("depth,opener,closer", [
    (33, "[", "]"), (33, '{"a":', "}"), (10_000, "[", "]"), (10_000, '{"a":', "}"),
    (200_000, "[", "]"),
])
def test_deeply_nested_bodies_are_refused(api, snapshot, ws, owner, integration, depth, opener,
                                          closer, still_serving):
    nested = opener * depth + "1" + closer * depth
    bodies = {
        "create manifest": ("POST", "/api/integrations",
                            f'{{"workspaceId":"{ws.id}","slug":"{new_slug()}","name":"n",'
                            f'"manifest":{nested}}}'),
        "create top level": ("POST", "/api/integrations", nested),
        "patch": ("PATCH", ipath(integration), f'{{"variablesSchema":{nested}}}'),
    }
    failures = Failures()
    for label, (method, path, text) in bodies.items():
        def case(method=method, path=path, text=text):
            resp = api.call(method, path, owner, data=text.encode(), headers=JSON)
            if len(text) > MIB:
                assert_error(resp, 413, "payload_too_large")
            elif depth + 1 > 32 or label == "create top level":
                # depth counts the enclosing body object; 33 levels in all is one too many
                assert_error(resp, 400, {"invalid_json", "validation_failed"})
        failures.check(f"{label}, depth {depth}", case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_depth_33_is_invalid_json_and_32_is_not(api, ws, owner, still_serving):
    def body(levels):  # levels of nesting in all, the body object included
        inner = "[" * (levels - 1) + "]" * (levels - 1)
        return f'{{"workspaceId":"{ws.id}","slug":"{new_slug()}","name":"n","manifest":{inner}}}'
    resp = api.post("/api/integrations", owner, data=body(33).encode(), headers=JSON)
    expect_error(resp, 400, "invalid_json")
    resp = api.post("/api/integrations", owner, data=body(32).encode(), headers=JSON)
    assert resp.status_code == 400, resp.text  # parses, then the manifest shape is refused
    assert resp.json()["code"] == "validation_failed", resp.json()


def test_deeply_nested_filter_and_order_are_400(api, snapshot, owner, still_serving):
    failures = Failures()
    for label, param, text in [
        ("filter NOT x9", "filter", '{"NOT":' * 9 + "{}" + "}" * 9),
        ("filter 33 arrays", "filter", '{"AND":' + "[" * 32 + "]" * 32 + "}"),
        ("filter 3000 arrays", "filter", "[" * 3000 + "]" * 3000),
        ("filter 8 KiB + 1", "filter", '{"name":{"eq":"' + "x" * 8192 + '"}}'),
        ("orderBy 3000 arrays", "orderBy", "[" * 3000 + "]" * 3000),
        ("orderBy 6 keys", "orderBy", json.dumps([{f: "asc"} for f in (
            "name", "slug", "publisher", "createdAt", "updatedAt", "visibility")])),
    ]:
        def case(param=param, text=text):
            resp = api.get(list_url(**{param: text}), owner)
            assert_error(resp, 400, "validation_failed")
        failures.check(label, case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_oversized_headers_are_nginx_problems(raw, snapshot, owner, still_serving):
    token = owner.token()
    failures = Failures()
    cases = [
        ("64 KiB header", {"X-Big": "a" * 65536}),
        ("64 KiB Authorization", {"Authorization": "Bearer " + "a" * 65536}),
        ("64 KiB cookie", {"Cookie": "c=" + "a" * 65536}),
        ("200 headers of 1 KiB", {f"X-H{i}": "b" * 1024 for i in range(200)}),
        ("64 KiB If-Match", {"If-Match": '"' + "a" * 65536 + '"'}),
    ]
    for label, headers in cases:
        def case(headers=headers, label=label):
            hdrs = {"Authorization": "Bearer " + token}
            hdrs.update(headers)
            resp = raw.request("GET", "/api/integrations?limit=1", headers=hdrs)
            expect_raw_problem(resp, {400, 431, 494}, "validation_failed", label)
        failures.check(label, case)
    def long_uri():
        resp = raw.request("GET", "/api/integrations?name=" + "a" * 70000,
                           headers={"Authorization": "Bearer " + token})
        expect_raw_problem(resp, {400, 414}, "validation_failed", "70 KB URI")
    failures.check("70 KB URI", long_uri)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_oversized_tokens_are_401(api, raw, settings, snapshot, owner, still_serving):
    failures = Failures()
    # correctly signed, but larger than 8 KiB: refused by size (docs/api-conventions.md)
    for size in (8193, 12_000, 20_000):  # the header stays under nginx's 32 KiB line limit
        def case(size=size):
            token = owner.token(pad="p" * size)
            assert len(token) > 8192
            resp = api.get("/api/integrations?limit=1", token)
            assert_error(resp, 401, "invalid_token")
            assert 'error="invalid_token"' in resp.headers.get("WWW-Authenticate", "")
        failures.check(f"signed token of ~{size} bytes of claims", case)
    for label, token in [
        ("9 KiB garbage", "a" * 9000),
        ("9 KiB of dots", "." * 9000),
        ("many segments", ".".join(["eyJhbGciOiJIUzI1NiJ9"] * 400)),
        ("huge header segment", "eyJ" + "A" * 20000 + ".e30.sig"),
    ]:
        def garbage(token=token):
            resp = api.get("/api/integrations?limit=1", token)
            assert_error(resp, 401, "invalid_token")
        failures.check(label, garbage)
    # a token just under the limit still works
    def under():
        token = owner.token(pad="p" * 100)
        assert expect_ok(api.get("/api/integrations?limit=1", token))
    failures.check("a small padded token", under)
    # a deeply nested claim in a correctly signed token
    def nested_claim():
        resp = api.get("/api/integrations?limit=1", owner.token(deep=json.loads("[" * 40 + "]" * 40)))
        assert_error(resp, 401, "invalid_token")
    failures.check("claims nested 41 deep", nested_claim)
    failures.raise_if_any()
    snapshot.assert_unchanged()


def test_many_query_parameters(api, snapshot, owner, still_serving):
    failures = Failures()
    cases = [
        ("2000 repeated limit", "&".join(["limit=1"] * 2000), 400),
        ("3000 unknown names", "&".join(f"p{i}=1" for i in range(3000)), 400),
        ("5000 empty pairs", "&" * 5000 + "limit=1", 200),
        ("every known parameter", "limit=1&orderBy=%5B%5D&filter=%7B%7D&name=a&publisher=b"
         "&workspace_id=ws_x&created_by=usr_x&visibility=public&trust_tier=first_party"
         "&retention_tier=short&include_deleted=false&ids=" + absent_int_id(), 400),
        ("100 ids", "ids=" + ",".join(absent_int_id() for _ in range(100)), 200),
        ("101 ids", "ids=" + ",".join(absent_int_id() for _ in range(101)), 400),
        ("1000 commas", "ids=" + "," * 1000, 400),
    ]
    for label, query, status in cases:
        def case(query=query, status=status):
            resp = api.get("/api/integrations?" + query, owner)
            if status == 200:
                assert resp.status_code == 200, f"{resp.status_code}: {resp.text[:300]}"
            else:
                assert_error(resp, 400, "validation_failed")
                assert len(resp.json()["errors"]) <= 32
        failures.check(label, case)
    failures.raise_if_any()
    snapshot.assert_unchanged()


# --------------------------------------------------------------------------- slow clients

def nginx_timeout(settings, name, default=60):
    """A timeout of the running nginx (its rendered configuration), in seconds."""
    conf = Path(settings.dev_dir) / "nginx" / "nginx.conf"
    m = re.search(rf"^\s*{name}\s+(\d+)(ms|s|m)?\s*;", conf.read_text(), re.M) if conf.is_file() \
        else None
    if not m:
        return default
    value, unit = int(m.group(1)), m.group(2) or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


MAX_WAIT = 15  # seconds: a timeout longer than this is not tested by waiting (and is too long)


def slow_client(raw, prefix, trickle, interval, stop_after):
    """Sends prefix, then one byte of trickle every `interval` s; returns (seconds until the
    server closed the connection, what it answered) or (None, ...) if it never did."""
    start = time.monotonic()
    sock = raw.connect(timeout=stop_after + 5)
    try:
        sock.sendall(prefix)
        i = 0
        while time.monotonic() - start < stop_after:
            if trickle is not None and i < len(trickle):
                try:
                    sock.sendall(trickle[i:i + 1])
                except OSError:
                    break
                i += 1
            sock.settimeout(interval)
            try:
                data = sock.recv(65536)
            except (socket_timeout_errors()):
                continue
            except OSError:
                return time.monotonic() - start, b""
            if not data:
                return time.monotonic() - start, b""
            sock.settimeout(5)
            return time.monotonic() - start, data + raw.read_all(sock)
        return None, b""
    finally:
        sock.close()


def socket_timeout_errors():
    import socket
    import ssl
    return (socket.timeout, ssl.SSLWantReadError)


def check_cut_off(name, settings, raw, prefix, trickle, interval):
    timeout = nginx_timeout(settings, name)
    if timeout > MAX_WAIT:
        pytest.skip(f"nginx {name} is {timeout:g} s: too long to test by waiting, and too long "
                    f"for slow-client floods; set it to 10s in nginx/dev.conf.in")
    took, answer = slow_client(raw, prefix, trickle, interval, timeout + 6)
    assert took is not None, f"a client slower than {name} ({timeout:g} s) was not cut off " \
        f"within {timeout + 6:g} s"
    assert took >= timeout - 1, f"cut off after {took:.1f} s, before {name} ({timeout:g} s)"
    return took, answer


def test_slow_header_is_cut_off(raw, settings, owner, still_serving):
    """Headers trickling in one byte every 0.5 s never complete: after client_header_timeout
    nginx drops the connection (nginx sends nothing for a header timeout, or a 408)."""
    prefix = b"GET /api/integrations?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    trickle = b"X-Slow: " + b"a" * 200
    took, answer = check_cut_off("client_header_timeout", settings, raw, prefix, trickle, 0.5)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_slow_body_is_cut_off(raw, settings, ws, owner, db, still_serving):
    """A body announced with Content-Length that trickles in slower than client_body_timeout
    (nothing for longer than the timeout) is cut off with 408 (or a closed connection) and
    creates nothing."""
    slug = new_slug("slow")
    body = json.dumps({"workspaceId": ws.id, "slug": slug, "name": "slow"}).encode()
    prefix = (f"POST /api/integrations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              f"Authorization: Bearer {owner.token()}\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:10]
    took, answer = check_cut_off("client_body_timeout", settings, raw, prefix, None, 1.0)
    if answer:
        assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert db.query("select count(*) from core.integrations where slug = :'s';", s=slug) == ["0"]


def test_slow_clients_do_not_starve_others(api, raw, owner, still_serving):
    """40 slowloris connections (headers trickling in) and 20 stalled bodies hold no worker:
    normal requests meanwhile are answered, quickly."""
    stop = threading.Event()
    socks = []

    def hold(prefix):
        try:
            s = raw.connect(timeout=5)
            s.sendall(prefix)
            socks.append(s)
            while not stop.wait(0.5):
                s.sendall(b"a")
        except OSError:
            pass

    token = owner.token()
    threads = [threading.Thread(target=hold, args=(
        b"GET /api/integrations HTTP/1.1\r\nHost: x\r\nX-Slow: ",), daemon=True) for _ in range(40)]
    threads += [threading.Thread(target=hold, args=((
        "POST /api/integrations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
        "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"name\":\"").encode(),),
        daemon=True) for _ in range(20)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        worst = 0.0
        for _ in range(20):
            resp, took = timed(lambda: api.get("/api/integrations?limit=1", owner))
            assert resp.status_code == 200, resp.text[:300]
            worst = max(worst, took)
        assert worst < 2.0, f"a normal request took {worst:.2f} s while slow clients were connected"
    finally:
        stop.set()
        for s in socks:
            try:
                s.close()
            except OSError:
                pass
        for t in threads:
            t.join(timeout=5)
