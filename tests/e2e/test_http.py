"""HTTP-level rules: routes, methods, media types, sizes, JSON parsing, query strings,
request ids, health check."""
import json
import re
import socket
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from helpers import bearer, expect_error, expect_ok, ipath, new_slug

MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}


def body_text(ws_id, extra="", slug=None):
    """A valid create body as text; `extra` is spliced in as further members."""
    return (f'{{"workspaceId":"{ws_id}","slug":"{slug or new_slug()}","name":"x"'
            + (("," + extra) if extra else "") + "}")


def body_of_size(ws_id, size):
    """A valid create body of exactly `size` bytes (padded in a variables schema's text)."""
    base = body_text(ws_id, '"variablesSchema":{"description":""}')
    text = base[:-3] + "d" * (size - len(base)) + '"}}'
    assert len(text) == size
    return text.encode()


def assert_slug_free(api, user, ws_id, slug):
    """Nothing was created by an earlier refused request: the slug can still be used."""
    expect_ok(api.post("/api/integrations", user, data=body_text(ws_id, slug=slug).encode(),
                       headers=JSON), 201)


# --------------------------------------------------------------------------- routes, methods

@pytest.mark.parametrize("path", ["/api/nope", "/api/integrations/{id}/nope", "/api/",
                                  "/api/integration", "/api/integrations/{id}/restore/x"])
def test_unknown_route_is_404(api, owner, integration, path):
    resp = api.get(path.format(id=integration["id"]), owner)
    expect_error(resp, 404, "not_found")


@pytest.mark.parametrize("method,path,allowed", [
    ("PUT", "/api/integrations/{id}", {"GET", "PATCH", "DELETE"}),
    ("POST", "/api/integrations/{id}", {"GET", "PATCH", "DELETE"}),
    ("GET", "/api/integrations/{id}/restore", {"POST"}),
    ("DELETE", "/api/integrations/{id}/restore", {"POST"}),
    ("GET", "/api/integrations/{id}/purge", {"DELETE"}),
    ("PUT", "/api/integrations", {"POST"}),
    ("DELETE", "/api/integrations", {"POST"}),
    ("POST", "/api/healthz", {"GET", "HEAD"}),
    ("PUT", "/api/integrations", {"GET", "HEAD", "POST"}),
])
def test_wrong_method_is_405_with_allow(api, owner, integration, method, path, allowed):
    resp = api.call(method, path.format(id=integration["id"]), owner)
    expect_error(resp, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in resp.headers.get("Allow", "").split(",") if m.strip()}
    assert allowed <= allow, f"Allow {resp.headers.get('Allow')!r} lacks {allowed - allow}"
    assert method not in allow, f"Allow {resp.headers.get('Allow')!r} lists {method}"


def test_405_changes_nothing(api, db, owner, integration):
    before = db.rows(integration["id"])
    resp = api.call("PUT", ipath(integration), owner, json={"name": "put"})
    expect_error(resp, 405, "method_not_allowed")
    assert db.rows(integration["id"]) == before


# --------------------------------------------------------------------------- media types

@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/xml",
    None,
])
def test_create_with_other_media_type_is_415(api, ws, owner, content_type):
    slug = new_slug()
    headers = {"Content-Type": content_type} if content_type else {}
    resp = api.post("/api/integrations", owner, data=body_text(ws.id, slug=slug).encode(),
                    headers=headers)
    expect_error(resp, 415, "unsupported_media_type")
    assert_slug_free(api, owner, ws.id, slug)


def test_patch_with_text_plain_is_415(api, db, owner, integration):
    before = db.rows(integration["id"])
    resp = api.patch(ipath(integration), owner, data=b'{"name":"y"}',
                     headers={"Content-Type": "text/plain"})
    expect_error(resp, 415, "unsupported_media_type")
    assert db.rows(integration["id"]) == before


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "application/json;charset=UTF-8"])
def test_json_with_charset_is_accepted(api, ws, owner, content_type):
    resp = api.post("/api/integrations", owner, data=body_text(ws.id).encode(),
                    headers={"Content-Type": content_type})
    expect_ok(resp, 201)


def test_restore_accepts_empty_body_without_content_type(api, owner, integration):
    expect_ok(api.delete(ipath(integration), owner))
    resp = api.post(ipath(integration, "/restore"), owner, data=b"")
    assert expect_ok(resp)["deletedAt"] is None


# --------------------------------------------------------------------------- sizes

@pytest.mark.parametrize("size", [2 * MIB, MIB + 1024])
def test_body_over_1_mib_is_413(api, ws, owner, size):
    slug = new_slug()
    data = body_text(ws.id, slug=slug).encode()
    data = data[:-1] + b',"description":"' + b"d" * size + b'"}'
    resp = api.post("/api/integrations", owner, data=data, headers=JSON)
    expect_error(resp, 413, "payload_too_large")
    assert_slug_free(api, owner, ws.id, slug)


def test_chunked_body_over_1_mib_is_413(api, ws, owner):
    chunks = [body_text(ws.id).encode()[:-1] + b',"description":"'] \
        + [b"d" * 65536] * 32 + [b'"}']
    resp = api.post("/api/integrations", owner, data=iter(chunks), headers=JSON)
    expect_error(resp, 413, "payload_too_large")


def test_patch_body_over_1_mib_is_413(api, db, owner, integration):
    before = db.rows(integration["id"])
    data = b'{"description":"' + b"d" * (2 * MIB) + b'"}'
    expect_error(api.patch(ipath(integration), owner, data=data, headers=JSON),
                 413, "payload_too_large")
    assert db.rows(integration["id"]) == before


def test_body_just_under_1_mib_is_accepted(api, ws, owner):
    """The limit is 1 MiB, not less."""
    resp = api.post("/api/integrations", owner, data=body_of_size(ws.id, MIB - 1024),
                    headers=JSON)
    got = expect_ok(resp, 201)
    assert len(got["variablesSchema"]["description"]) > MIB - 2048


# --------------------------------------------------------------------------- JSON parsing

INVALID_JSON = {
    "syntax-missing-value": '{{"workspaceId":"{ws}","slug":"abc","name":}}',
    "syntax-trailing-comma": '{{"workspaceId":"{ws}","slug":"abc","name":"x",}}',
    "syntax-unterminated": '{{"workspaceId":"{ws}","slug":"abc","name":"x"',
    "syntax-comment": '{{/* c */"workspaceId":"{ws}","slug":"abc","name":"x"}}',
    "trailing-garbage": '{{"workspaceId":"{ws}","slug":"abc","name":"x"}} x',
    "trailing-second-object": '{{"workspaceId":"{ws}","slug":"abc","name":"x"}}{{}}',
    "nan": '{{"workspaceId":"{ws}","slug":"abc","name":"x","variablesSchema":{{"maximum":NaN}}}}',
    "infinity": '{{"workspaceId":"{ws}","slug":"abc","name":"x",'
                '"variablesSchema":{{"maximum":Infinity}}}}',
    "minus-infinity": '{{"workspaceId":"{ws}","slug":"abc","name":"x",'
                      '"variablesSchema":{{"minimum":-Infinity}}}}',
    "single-quoted-keys": "{{'workspaceId':'{ws}','slug':'abc','name':'x'}}",
    "duplicate-keys": '{{"workspaceId":"{ws}","slug":"abc","name":"x","name":"y"}}',
    "duplicate-keys-nested": '{{"workspaceId":"{ws}","slug":"abc","name":"x",'
                             '"variablesSchema":{{"type":"object","type":"string"}}}}',
    "nesting-40-deep": '{{"workspaceId":"{ws}","slug":"abc","name":"x","variablesSchema":'
                       + '{{"a":' * 39 + "1" + "}}" * 39 + "}}",
    # integers beyond 64 bits are taken (test_big_numbers.py); what jsonb cannot hold is not
    "number-131073-digits": '{{"workspaceId":"{ws}","slug":"abc","name":"x",'
                            '"variablesSchema":{{"maximum":1e131072}}}}',
    "number-16384-decimals": '{{"workspaceId":"{ws}","slug":"abc","name":"x",'
                             '"variablesSchema":{{"minimum":1e-16384}}}}',
}
INVALID_UTF8 = {
    "utf8-ff-byte": b"\xff",
    "utf8-overlong-slash": b"\xc0\xaf",
    "utf8-truncated-euro": b"\xe2\x82",
    "utf8-lone-continuation": b"\x80",
}


@pytest.mark.parametrize("case", sorted(INVALID_JSON) + sorted(INVALID_UTF8))
def test_invalid_json_is_400_invalid_json(api, ws, owner, case):
    if case in INVALID_JSON:
        data = INVALID_JSON[case].format(ws=ws.id).encode()
    else:
        data = f'{{"workspaceId":"{ws.id}","slug":"abc","name":"'.encode() \
            + INVALID_UTF8[case] + b'"}'
    resp = api.post("/api/integrations", owner, data=data, headers=JSON)
    expect_error(resp, 400, "invalid_json")


def test_invalid_json_in_patch_is_400(api, db, owner, integration):
    before = db.rows(integration["id"])
    resp = api.patch(ipath(integration), owner, data=b'{"name":"a","name":"b"}', headers=JSON)
    expect_error(resp, 400, "invalid_json")
    assert db.rows(integration["id"]) == before


@pytest.mark.parametrize("value", ["2^63-1", "nested-10", "unicode", "trailing-whitespace"])
def test_valid_json_edges_are_accepted(api, ws, owner, value):
    nested = {"type": "object"}
    for _ in range(5):
        nested = {"type": "object", "properties": {"a": nested}}
    cases = {
        "2^63-1": body_text(ws.id, '"variablesSchema":{"maximum":9223372036854775807}'),
        "nested-10": body_text(ws.id, '"variablesSchema":' + json.dumps(nested)),
        "unicode": body_text(ws.id, '"description":"Zürich ✓ 🚀 \\u00e9"'),
        "trailing-whitespace": body_text(ws.id) + " \r\n\t",
    }
    got = expect_ok(api.post("/api/integrations", owner, data=cases[value].encode("utf-8"),
                             headers=JSON), 201)
    if value == "unicode":
        assert got["description"] == "Zürich ✓ 🚀 é"
    if value == "2^63-1":
        assert got["variablesSchema"] == {"maximum": 9223372036854775807}


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udc00x"])
def test_string_escapes_postgres_cannot_store_are_400(api, ws, owner, escape):
    """NUL and lone surrogates are legal JSON text, but no jsonb value: a 400, never a 500."""
    resp = api.post("/api/integrations", owner, headers=JSON,
                    data=body_text(ws.id, f'"description":"a{escape}b"').encode())
    assert resp.status_code == 400, resp.text[:300]
    assert resp.json()["code"] in ("invalid_json", "validation_failed"), resp.json()


def test_missing_body_is_400(api, owner, integration):
    expect_error(api.post("/api/integrations", owner, data=b"", headers=JSON),
                 400, "validation_failed")
    expect_error(api.post("/api/integrations", owner), 400, "validation_failed")
    expect_error(api.patch(ipath(integration), owner, data=b"", headers=JSON),
                 400, "validation_failed")


def test_body_on_delete_is_400_and_deletes_nothing(api, owner, integration):
    resp = api.delete(ipath(integration), owner, json={"force": True})
    expect_error(resp, 400, "validation_failed")
    assert expect_ok(api.get(ipath(integration), owner))["deletedAt"] is None


@pytest.mark.parametrize("text", ["[]", '"string"', "1", "null", "true"])
def test_body_not_an_object_is_400(api, owner, integration, text):
    expect_error(api.post("/api/integrations", owner, data=text.encode(), headers=JSON),
                 400, "validation_failed")
    expect_error(api.patch(ipath(integration), owner, data=text.encode(), headers=JSON),
                 400, "validation_failed")


# --------------------------------------------------------------------------- query string

def test_unknown_query_parameter_on_get_is_400(api, owner, integration):
    resp = api.get(ipath(integration), owner, params={"foo": "1"})
    expect_error(resp, 400, "validation_failed", "?foo")


def test_unknown_query_parameter_on_delete_is_400_and_deletes_nothing(api, owner, integration):
    resp = api.delete(ipath(integration), owner, params={"force": "true"})
    expect_error(resp, 400, "validation_failed", "?force")
    assert expect_ok(api.get(ipath(integration), owner))["deletedAt"] is None


def test_unknown_query_parameter_on_create_is_400_and_creates_nothing(api, ws, owner):
    slug = new_slug()
    resp = api.post("/api/integrations", owner, params={"dryRun": "1"},
                    data=body_text(ws.id, slug=slug).encode(), headers=JSON)
    expect_error(resp, 400, "validation_failed", "?dryRun")
    assert_slug_free(api, owner, ws.id, slug)


# --------------------------------------------------------------------------- request id

@pytest.mark.parametrize("rid", ["e2e-abc.123_X", "a", "Z" * 128])
def test_valid_request_id_is_echoed(api, owner, integration, rid):
    ok = api.get(ipath(integration), owner, headers={"X-Request-Id": rid})
    expect_ok(ok)
    assert ok.headers["X-Request-Id"] == rid
    err = api.get("/api/nope", owner, headers={"X-Request-Id": rid})
    assert err.headers["X-Request-Id"] == rid and err.json()["requestId"] == rid


@pytest.mark.parametrize("rid", ["has space", "Z" * 129, "<script>", "semi;colon"])
def test_invalid_request_id_is_replaced(api, owner, integration, rid):
    resp = api.get(ipath(integration), owner, headers={"X-Request-Id": rid})
    expect_ok(resp)
    assert resp.headers["X-Request-Id"] not in ("", rid)


def test_request_ids_differ_between_requests(api, owner, integration):
    ids = {api.get(ipath(integration), owner).headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3


# --------------------------------------------------------------------------- health

def test_healthz_needs_no_token(api):
    assert expect_ok(api.get("/api/healthz")) == {"status": "ok"}


# --------------------------------------------------------------------------- HEAD

def head(settings, path, user=None):
    hdrs = bearer(user.token()) if user is not None else {}
    return requests.head(settings.base_url + path, headers=hdrs, verify=False, timeout=15)


@pytest.mark.parametrize("path", ["/api/healthz", "/api/readyz"])
def test_head_on_health_routes(api, settings, path):
    """Load balancers probe with HEAD: the GET's status and headers, no body."""
    got, resp = api.get(path), head(settings, path)
    assert resp.status_code == got.status_code == 200
    assert resp.content == b""
    assert resp.headers["Content-Type"] == got.headers["Content-Type"]
    assert resp.headers["Content-Length"] == str(len(got.content))


@pytest.mark.no_proxy  # Content-Length of GET via the proxy vs HEAD straight to nginx
def test_head_on_get_routes_answers_like_get(api, settings, owner, integration):
    for path in (ipath(integration), "/api/integrations?limit=1", ipath(integration, "/versions")):
        got, resp = api.get(path, owner), head(settings, path, owner)
        assert resp.status_code == got.status_code == 200, path
        assert resp.content == b"", path
        assert resp.headers["Content-Length"] == str(len(got.content)), path
    assert head(settings, ipath(integration), owner).headers["ETag"] == \
        api.get(ipath(integration), owner).headers["ETag"]


def test_head_keeps_the_get_rules(settings, owner, integration):
    """Same status as GET: no token is 401, a foreign id 404, a POST-only path 405."""
    resp = head(settings, ipath(integration))
    assert resp.status_code == 401 and resp.content == b""
    assert resp.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert head(settings, "/api/integrations/int_" + "0" * 28, owner).status_code == 404
    resp = head(settings, ipath(integration, "/restore"), owner)
    assert resp.status_code == 405 and resp.headers["Allow"] == "POST"


# --------------------------------------------------------------------------- nginx's own errors

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors", "requestId"}


def listeners(settings):
    http = settings.env.get("INTEGRATIONS_HTTP_URL", "http://127.0.0.1:8080")
    return {"https": urlsplit(settings.base_url), "http": urlsplit(http)}


def raw(settings, listener, data):
    """Sends bytes on a new connection to a listener; returns (status, headers, body)."""
    url = listeners(settings)[listener]
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    if url.scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        sock = ctx.wrap_socket(sock, server_hostname=url.hostname)
    with sock:
        sock.sendall(data)
        out = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not chunk:
                break
            out += chunk
    head_, _, body = out.partition(b"\r\n\r\n")
    lines = head_.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def request_line(method, path, version="HTTP/1.1", extra=""):
    return (f"{method} {path} {version}\r\nHost: localhost\r\n{extra}"
            "Connection: close\r\n\r\n").encode()


def assert_raw_problem(status, headers, body, want_status, code):
    assert status == want_status, (status, body[:200])
    assert headers.get("content-type") == "application/problem+json", headers
    problem = json.loads(body)
    assert set(problem) == PROBLEM_KEYS, problem
    assert problem["status"] == want_status and problem["code"] == code
    assert problem["type"] == "https://docs.integrations.dev/problems/" + code
    assert problem["errors"] == [] and problem["title"] and problem["detail"]
    assert problem["requestId"] == headers.get("x-request-id")
    assert headers.get("x-content-type-options") == "nosniff"
    return problem


@pytest.mark.parametrize("listener", ["https", "http"])
@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/3.0"])
def test_other_http_version_is_505_problem(settings, listener, version):
    got = raw(settings, listener, request_line("GET", "/api/healthz", version))
    assert_raw_problem(*got, 505, "http_version_not_supported")


@pytest.mark.parametrize("listener", ["https", "http"])
@pytest.mark.parametrize("coding", ["gzip", "gzip, chunked", "identity"])
def test_unimplemented_transfer_encoding_is_501_problem(settings, listener, coding):
    got = raw(settings, listener, request_line(
        "POST", "/api/integrations", extra=f"Transfer-Encoding: {coding}\r\n"))
    assert_raw_problem(*got, 501, "not_implemented")


def test_501_keeps_the_callers_request_id(settings):
    got = raw(settings, "http", request_line("POST", "/api/integrations", extra=(
        "X-Request-Id: my-rid-501\r\nTransfer-Encoding: gzip\r\n")))
    assert assert_raw_problem(*got, 501, "not_implemented")["requestId"] == "my-rid-501"


@pytest.mark.parametrize("listener", ["https", "http"])
def test_trace_is_405_with_allow(settings, listener):
    got = raw(settings, listener, request_line("TRACE", "/api/healthz"))
    assert_raw_problem(*got, 405, "method_not_allowed")
    assert got[1].get("allow") == "GET, HEAD"
    got = raw(settings, listener, request_line("TRACE", "/api/integrations?limit=1"))
    assert_raw_problem(*got, 405, "method_not_allowed")
    assert got[1].get("allow") == "GET, HEAD, POST"


@pytest.mark.parametrize("path", ["/api/nope", "/nope", "/api/integrations/int_x"])
def test_trace_to_no_known_path_is_404(settings, path):
    assert_raw_problem(*raw(settings, "http", request_line("TRACE", path)), 404, "not_found")


@pytest.mark.parametrize("path", ["/docs/", "/api/openapi.json"])
def test_static_locations_405_with_allow(settings, path):
    got = raw(settings, "https", request_line("POST", path, extra="Content-Length: 0\r\n"))
    assert_raw_problem(*got, 405, "method_not_allowed")
    assert got[1].get("allow") == "GET, HEAD"


ROUTES_C = Path(__file__).resolve().parents[2] / "app" / "handlers" / "routes.c"
SAMPLE_IDS = {"int": "int_" + "0" * 28, "ent": "ent_" + "1" * 28, "intv": "intv_" + "2" * 28,
              "inst": "inst_" + "3" * 28, "imem": "imem_" + "4" * 28, "iop": "iop_" + "5" * 28,
              "ws": "ws_Team-1", "rol": "rol_" + "6" * 28, "whe": "whe_" + "7" * 28,
              "whd": "whd_" + "8" * 28}


def route_paths():
    """One concrete path per pattern of app/handlers/routes.c (the public server's, not /metrics)."""
    patterns = sorted(set(re.findall(r'ROUTE\(HTTP_[A-Z]+, "([^"]+)"', ROUTES_C.read_text())))
    assert len(patterns) > 10
    return [re.sub(r"\{(\w+)\}", lambda m: SAMPLE_IDS[m.group(1)], p)
            for p in patterns if p.startswith("/api/")]


@pytest.mark.parametrize("path", route_paths())
def test_nginx_trace_allow_is_the_workers_allow(settings, path):
    """nginx refuses TRACE itself (nginx/problem-allow.conf gives its Allow); any other unknown
    method reaches the worker, whose Allow comes from the route table: they must agree."""
    status, worker, _ = raw(settings, "http", request_line("FOO", path))
    assert status == 405
    got = raw(settings, "http", request_line("TRACE", path))
    assert_raw_problem(*got, 405, "method_not_allowed")
    assert got[1].get("allow") == worker["allow"], path
