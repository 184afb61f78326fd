"""Helpers of the security suite: a raw HTTP client and a database snapshot."""
import json
import re
import socket
import ssl
import time
from urllib.parse import urlsplit

from requests.structures import CaseInsensitiveDict

from helpers import check_problem


# --------------------------------------------------------------------------- raw HTTP

class RawResponse:
    """A parsed HTTP/1.1 response (or `status` None when the server closed without one)."""

    def __init__(self, raw, elapsed):
        self.raw = raw
        self.elapsed = elapsed
        self.status = None
        self.headers = CaseInsensitiveDict()
        self.body = b""
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            return
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"^HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            return
        self.status = int(m.group(1))
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip()] = v.strip()
        if "chunked" in self.headers.get("transfer-encoding", ""):
            out, rest = b"", body
            while rest:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0] or b"0", 16)
                if size == 0:
                    break
                out, rest = out + rest[:size], rest[size + 2:]
            body = out
        self.body = body

    # the interface helpers.check_problem expects of a `requests` response
    @property
    def status_code(self):
        return self.status

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<RawResponse {self.status} {self.body[:200]!r}>"


class Raw:
    """Sends bytes exactly as given over TLS (or plain TCP) to nginx: odd paths, bytes outside
    ASCII, oversized headers and slow clients, none of which `requests` sends as written."""

    def __init__(self, base_url):
        u = urlsplit(base_url)
        self.host, self.port, self.tls = u.hostname, u.port or 443, u.scheme == "https"
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.ctx.set_alpn_protocols(["http/1.1"])

    def connect(self, timeout=10):
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        if self.tls:
            sock = self.ctx.wrap_socket(sock, server_hostname=self.host)
        return sock

    @staticmethod
    def read_all(sock, limit=8 * 1024 * 1024):
        chunks, total = [], 0
        while total < limit:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError, socket.timeout, OSError):
                break
            if not data:
                break
            chunks.append(data)
            total += len(data)
        return b"".join(chunks)

    def request(self, method, target, headers=None, body=b"", timeout=15):
        """One request on a fresh connection (Connection: close). target and header values
        may be bytes and are sent untouched."""
        def b(x):
            return x if isinstance(x, bytes) else x.encode()
        hdrs = {"Host": f"{self.host}:{self.port}", "Connection": "close"}
        hdrs.update(headers or {})
        if body and not any(k.lower() in ("content-length", "transfer-encoding") for k in hdrs):
            hdrs["Content-Length"] = str(len(body))
        head = b(method) + b" " + b(target) + b" HTTP/1.1\r\n" + b"".join(
            b(k) + b": " + b(v) + b"\r\n" for k, v in hdrs.items()) + b"\r\n"
        start = time.monotonic()
        with self.connect(timeout) as sock:
            sock.sendall(head + b(body))
            raw = self.read_all(sock)
        return RawResponse(raw, time.monotonic() - start)


def expect_raw_problem(resp, statuses, code=None, what=""):
    """A raw answer is one of `statuses`, is problem+json in the API's shape (helpers'
    check_problem) and, when given, has `code`."""
    statuses = statuses if isinstance(statuses, (set, list, tuple)) else {statuses}
    assert resp.status in statuses, f"{what}: expected {sorted(statuses)}, got {resp!r}"
    check_problem(resp, what)
    if code is not None:
        got = resp.json()["code"]
        codes = code if isinstance(code, (set, list, tuple)) else {code}
        assert got in codes, f"{what}: expected code {code}, got {got}: {resp!r}"
    return resp.json()


# --------------------------------------------------------------------------- data unchanged

# Rows committed before the snapshot, per table, reduced to (count, sum of row hashes). A row
# belongs to that set when its xmin (the transaction that wrote it) is older than every
# transaction still running at the snapshot; an UPDATE gives a row a new xmin and a DELETE
# removes it, so either shrinks the set, while rows other clients insert meanwhile stay out
# of it. Cheap on 100,000 rows. A dropped table fails the query; 'tables' counts them.
SNAPSHOT_SQL = """
select * from (
select 'integrations', count(*), coalesce(sum(hashtextextended(id || updated_at::text
       || coalesce(deleted_at::text, '') || name || slug || visibility::text, 0)::numeric), 0)
  from core.integrations where xmin::text::bigint < :'b'::bigint
union all
select 'integration_versions', count(*), coalesce(sum(hashtextextended(id, 0)::numeric), 0)
  from core.integration_versions where xmin::text::bigint < :'b'::bigint
union all
select 'integration_installs', count(*), coalesce(sum(hashtextextended(id
       || coalesce(deleted_at::text, ''), 0)::numeric), 0)
  from core.integration_installs where xmin::text::bigint < :'b'::bigint
union all
select 'integration_grants', count(*), coalesce(sum(hashtextextended(integration_id
       || workspace_id, 0)::numeric), 0)
  from core.integration_grants where xmin::text::bigint < :'b'::bigint
union all
select 'entities', count(*), coalesce(sum(hashtextextended(id || updated_at::text, 0)::numeric), 0)
  from core.entities where xmin::text::bigint < :'b'::bigint
union all
select 'tables', count(*), coalesce(sum(hashtextextended(c.relname, 0)::numeric), 0)
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname in ('core', 'api') and c.relkind in ('r', 'p', 'v')
) as s order by 1;
"""


class Snapshot:
    def __init__(self, db):
        self.db = db
        # the oldest transaction still running, as a 32-bit xid like xmin (a young dev cluster
        # is far from xid wraparound)
        self.boundary = db.query(
            "select txid_snapshot_xmin(txid_current_snapshot()) % 4294967296;")[0]
        self.before = self.take()

    def take(self):
        return self.db.query(SNAPSHOT_SQL, b=self.boundary)

    def assert_unchanged(self, what="the data"):
        after = self.take()
        changed = [f"{b} -> {a}" for b, a in zip(self.before, after) if a != b]
        assert not changed, f"{what}: existing rows changed:\n  " + "\n  ".join(changed)
