"""Odd ids and paths; sizes and depth. Hostile input, end to end through nginx over HTTPS (issue 6, part 3; PRODUCT §3-5, §10;
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
