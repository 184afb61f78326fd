"""Slow clients. Hostile input, end to end through nginx over HTTPS (issue 6, part 3; PRODUCT §3-5, §10;
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
