"""GET /api/readyz and the Prometheus counters at /metrics (docs/operations.md, "Observability").

/metrics is not part of the API: nginx passes it only on its loopback metrics server, which adds
the FastCGI parameter INTEGRATIONS_METRICS_SCRAPE=1; the worker refuses it (404) without that
parameter. These tests talk FastCGI to the dev socket directly to check the worker's side, and
HTTPS to check that the public server does not serve it.
"""
import re
import socket
import struct

import pytest

from helpers import expect_error, expect_ok

READYZ_GRANT = "grant select on public.schema_migrations to integrations_api;"


@pytest.fixture(scope="module")
def readable_migrations(db):
    # deploy/prod/migrate grants this; the dev stack's pg_prepare_database should too (hook
    # requested in the issue-7 report). Idempotent.
    db.query(READYZ_GRANT)


# ----------------------------------------------------------------------------- readiness

def test_readyz_is_ready_without_a_token(api, readable_migrations):
    resp = api.get("/api/readyz")
    expect_ok(resp, 200)
    assert resp.json() == {"status": "ready"}


@pytest.mark.allow_503
def test_readyz_is_503_while_a_migration_is_not_recorded(api, db, readable_migrations):
    name = db.query("select filename from public.schema_migrations order by 1 limit 1;")[0]
    hidden = name + ".readyz-test"
    db.query("update public.schema_migrations set filename = :'h' where filename = :'n';",
             h=hidden, n=name)
    try:
        resp = api.get("/api/readyz")
    finally:
        db.query("update public.schema_migrations set filename = :'n' where filename = :'h';",
                 h=hidden, n=name)
    expect_error(resp, 503, "unavailable")
    assert "not applied" in resp.json()["detail"]
    assert resp.headers.get("Retry-After")
    expect_ok(api.get("/api/readyz"), 200)


@pytest.mark.allow_503
def test_readyz_is_503_when_the_migrations_table_cannot_be_read(api, db, readable_migrations):
    db.query("revoke select on public.schema_migrations from integrations_api;")
    try:
        resp = api.get("/api/readyz")
    finally:
        db.query(READYZ_GRANT)
    expect_error(resp, 503, "unavailable")


def test_readyz_takes_only_get(api):
    resp = api.post("/api/readyz", json={})
    assert resp.status_code == 405
    assert "GET" in resp.headers.get("Allow", "")


# ----------------------------------------------------------------------------- FastCGI client

def _record(rtype, content, request_id=1):
    pad = (8 - len(content) % 8) % 8
    return struct.pack("!BBHHBB", 1, rtype, request_id, len(content), pad, 0) + content + b"\0" * pad


def _nv(name, value):
    out = b""
    for n in (len(name), len(value)):
        out += struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    return out + name + value


def fastcgi_get(sock_path, uri, extra=None):
    """One GET over FastCGI; returns (status, headers dict, body bytes)."""
    params = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": uri, "REQUEST_URI": uri,
              "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_ID": "fcgi-e2e"}
    params.update(extra or {})
    blob = b"".join(_nv(k.encode(), v.encode()) for k, v in params.items())
    msg = (_record(1, struct.pack("!HB5x", 1, 0)) + _record(4, blob) + _record(4, b"")
           + _record(5, b""))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(str(sock_path))
    s.sendall(msg)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out, pos = b"", 0
    while pos + 8 <= len(data):
        _, rtype, _, clen, plen, _ = struct.unpack("!BBHHBB", data[pos:pos + 8])
        if rtype == 6:
            out += data[pos + 8:pos + 8 + clen]
        pos += 8 + clen + plen
    head, _, body = out.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n"):
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body


@pytest.fixture(scope="module")
def api_sock(settings):
    path = settings.dev_dir / "run" / "api.sock"
    assert path.exists(), f"{path} is missing: is the dev stack up?"
    return path


SCRAPE = {"INTEGRATIONS_METRICS_SCRAPE": "1"}
SERIES = re.compile(r'^integrations_http_requests_total\{method="([A-Z]*)",route="([^"]+)",'
                    r'status="(\d{3}|other)"\} (\d+)$')


def scrape(api_sock):
    status, headers, body = fastcgi_get(api_sock, "/metrics", SCRAPE)
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    series = {}
    for line in body.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        m = SERIES.match(line)
        if m:
            series[(m[1], m[2], m[3])] = int(m[4])
            continue
        m = re.match(r'^integrations_db_errors_total\{kind="(unavailable|internal)"\} (\d+)$', line)
        assert m, f"unexpected exposition line: {line!r}"
        series[("db_errors", m[1])] = int(m[2])
    return series


# ----------------------------------------------------------------------------- metrics

def test_metrics_is_not_served_by_the_public_server(api):
    for path in ("/metrics", "/api/metrics"):
        resp = api.get(path)
        assert resp.status_code == 404, (path, resp.status_code)
        assert "integrations_http_requests_total" not in resp.text


def test_worker_refuses_metrics_without_the_loopback_parameter(api_sock):
    status, _, body = fastcgi_get(api_sock, "/metrics")
    assert status == 404 and b"integrations_http_requests_total" not in body
    status, _, _ = fastcgi_get(api_sock, "/metrics", {"HTTP_INTEGRATIONS_METRICS_SCRAPE": "1"})
    assert status == 404, "an HTTP header (HTTP_*) must not unlock /metrics"


def test_metrics_counts_requests_by_route_and_status_across_workers(api, api_sock):
    key = ("GET", "/api/healthz", "200")
    before = scrape(api_sock)
    n = 40
    for _ in range(n):
        expect_ok(api.get("/api/healthz"), 200)
    # Every worker answers from the same shared counters: successive scrapes, whichever
    # worker serves them, never go backwards, and the delta covers our requests.
    values = [scrape(api_sock)[key] for _ in range(8)]
    assert values == sorted(values), values
    assert values[0] - before.get(key, 0) >= n
    after = scrape(api_sock)
    assert ("db_errors", "unavailable") in after and ("db_errors", "internal") in after


def test_metrics_labels_by_route_pattern_not_by_path(api, api_sock, owner):
    api.get("/api/integrations/int_" + "0" * 28, owner)  # 404 of a well-formed id
    series = scrape(api_sock)
    assert ("GET", "/api/integrations/{int}", "404") in series
    assert not any("int_0000" in k[1] for k in series if len(k) == 3)


def test_loopback_metrics_server(settings):
    """nginx's loopback metrics server (INTEGRATIONS_METRICS_URL, 127.0.0.1:9145 by default)."""
    import requests
    url = settings.env.get("INTEGRATIONS_METRICS_URL", "http://127.0.0.1:9145")
    resp = requests.get(url + "/metrics", timeout=5)
    assert resp.status_code == 200
    assert "integrations_http_requests_total" in resp.text
