#!/usr/bin/env python3
"""A local HTTPS webhook receiver for the tests and the bench (PRODUCT §15).

It verifies EVERY request's signature with an implementation of its own (Standard Webhooks
1.0, independent of the SQL that signs: the secret is the base64-decoded part after `whsec_`,
the signed content `id.timestamp.body`, any of the space-separated `v1,` signatures may match),
checks that webhook-timestamp is within 5 minutes of now, and records every request (path,
webhook-id, timestamp, body, the signatures, verified?, arrival time, the connection). Each
path (one per endpoint) has its secrets and a behaviour: answer a status (2xx by default, 500, 410, 503 …)
for a number of requests or until an instant, redirect, or wait before answering.

Threaded (one thread per connection), HTTP/1.1 with keep-alive, TLS with the dev stack's
certificate (.dev/nginx/cert.pem + key.pem). Used in process (tests/e2e, tests/faults,
bench/webhook_bench.sh import it); `receiver.py --port N` runs one alone, printing one JSON
line per request on stdout.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 300  # seconds a webhook-timestamp may be off


def sign(secret, msg_id, timestamp, body):
    """One v1 signature: base64 HMAC-SHA256 of id.timestamp.body, keyed with the decoded secret."""
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def verify(secrets, msg_id, timestamp, body, header):
    """True when one of the header's v1 signatures is that of one of the secrets."""
    given = [s for s in (header or "").split(" ") if s.startswith("v1,")]
    return any(hmac.compare_digest(sign(sec, msg_id, timestamp, body), g)
               for sec in secrets for g in given)


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


class Receiver:
    def __init__(self, host="127.0.0.1", port=0, cert=None, key=None):
        dev = Path(os.environ.get("INTEGRATIONS_DEV_DIR", REPO / ".dev"))
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert or dev / "nginx" / "cert.pem", key or dev / "nginx" / "key.pem")
        self.lock = threading.Lock()
        self.records = []
        self.secrets = {}      # path → [secret, …]
        self.behaviours = {}   # path → dict(status, delay, location, count, until)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                status, delay, location = receiver._record(self.path, self.headers, body,
                                                           self.client_address)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                if location:
                    self.send_header("location", location)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def finish_request(self, request, client_address):
                # TLS in the connection's own thread: a slow handshake blocks nobody else.
                try:
                    request = receiver.ctx.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                super().finish_request(request, client_address)

            def handle_error(self, request, client_address):
                # A sender killed mid-request (tests/faults) resets its connection: expected.
                if not isinstance(sys.exc_info()[1], OSError):
                    super().handle_error(request, client_address)

        self.server = Server((host, port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        self.thread.start()
        return self

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path):
        return f"https://127.0.0.1:{self.port}{path}"

    def endpoint(self, path, secrets):
        """Registers a path's secrets (the ones its signatures are checked against)."""
        with self.lock:
            self.secrets[path] = list(secrets)

    def behave(self, path, status=200, delay=0.0, location=None, count=None, seconds=None):
        """Answer status (after delay seconds) to the next `count` requests or for `seconds`
        (both None: until told otherwise); afterwards 200 again."""
        with self.lock:
            self.behaviours[path] = {
                "status": status, "delay": delay, "location": location, "count": count,
                "until": time.time() + seconds if seconds is not None else None}

    def _record(self, path, headers, body, peer):
        now = time.time()
        msg_id = headers.get("webhook-id")
        ts = headers.get("webhook-timestamp")
        sig = headers.get("webhook-signature")
        with self.lock:
            secrets = self.secrets.get(path, [])
            b = self.behaviours.get(path)
            if b is not None and ((b["count"] is not None and b["count"] <= 0)
                                  or (b["until"] is not None and now >= b["until"])):
                self.behaviours.pop(path)
                b = None
            if b is not None and b["count"] is not None:
                b["count"] -= 1
        status, delay, location = (b["status"], b["delay"], b["location"]) if b else (200, 0, None)
        try:
            fresh = abs(now - int(ts)) <= TOLERANCE
        except (TypeError, ValueError):
            fresh = False
        rec = {
            "path": path, "id": msg_id, "timestamp": ts, "body": body.decode("utf-8", "replace"),
            "signature": sig, "verified": bool(secrets) and verify(secrets, msg_id, ts, body, sig),
            "fresh": fresh, "arrived": now, "status": status,
            "peer": f"{peer[0]}:{peer[1]}", "content_type": headers.get("content-type"), "user_agent": headers.get("user-agent"),
        }
        with self.lock:
            self.records.append(rec)
        return status, delay, location

    def received(self, path=None):
        with self.lock:
            return [r for r in self.records if path is None or r["path"] == path]

    def wait_for(self, predicate, timeout):
        """Polls until predicate(self) is true; returns whether it became true in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.05)
        return predicate(self)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--path", default="/hook")
    ap.add_argument("--secret", action="append", default=[])
    args = ap.parse_args()
    r = Receiver(port=args.port)
    r.endpoint(args.path, args.secret)
    seen = 0
    with r:
        print(json.dumps({"port": r.port}), flush=True)
        try:
            while True:
                time.sleep(0.2)
                recs = r.received()
                for rec in recs[seen:]:
                    print(json.dumps(rec), flush=True)
                seen = len(recs)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
