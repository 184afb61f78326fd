"""Shared helpers of the end-to-end suite: environment, tokens, the checking HTTP client,
OpenAPI response validation and direct database reads.

Everything here is independent of the service's own code: tokens are minted by PyJWT (or by
hand, for the attacks PyJWT refuses to produce), schemas are checked by jsonschema.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import requests
import urllib3
import yaml

REPO = Path(__file__).resolve().parents[2]
OPENAPI_PATH = Path(os.environ.get("E2E_OPENAPI", REPO / "docs" / "openapi.yaml"))

INTEGRATION_FIELDS = frozenset({
    "id", "workspaceId", "slug", "name", "description", "iconUrl", "publisher", "trustTier",
    "currentVersion", "manifest", "variablesSchema", "authConfig", "visibility", "createdBy",
    "deletedAt", "retentionTier", "createdAt", "updatedAt",
})
PROBLEM_FIELDS = frozenset({"type", "title", "status", "detail", "code", "errors", "requestId"})
INT_ID_RE = re.compile(r"^int_[0-9a-f]{28}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
ETAG_RE = re.compile(r'^"[0-9a-f]{32}"$')
PROBLEM_TYPE_PREFIX = "https://docs.integrations.dev/problems/"
LEEWAY = 60

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


# --------------------------------------------------------------------------- environment

def load_env():
    """Return the INTEGRATIONS_* settings: the process environment first, then `.dev/env`
    (written by `./deploy/dev up`) for whatever the environment does not set."""
    env = {k: v for k, v in os.environ.items() if k.startswith("INTEGRATIONS_")}
    dev_env = REPO / ".dev" / "env"
    if dev_env.is_file():
        out = subprocess.run(
            ["bash", "-c", 'set -a; . "$1" >/dev/null; env -0', "bash", str(dev_env)],
            check=True, capture_output=True).stdout.decode()
        for item in out.split("\0"):
            key, sep, value = item.partition("=")
            if sep and key.startswith("INTEGRATIONS_"):
                env.setdefault(key, value)
    return env


class Settings:
    def __init__(self, env):
        self.env = env
        self.base_url = env.get("INTEGRATIONS_BASE_URL", "https://127.0.0.1:8443").rstrip("/")
        self.secret = env.get("INTEGRATIONS_JWT_SECRET")
        self.issuer = env.get("INTEGRATIONS_JWT_ISSUER")
        self.audience = env.get("INTEGRATIONS_JWT_AUDIENCE")
        self.dev_dir = Path(env["INTEGRATIONS_DEV_DIR"]) if env.get("INTEGRATIONS_DEV_DIR") \
            else REPO / ".dev"
        self.test_pg = env.get("INTEGRATIONS_TEST_PG")

    def missing(self):
        """Names of the settings the suite cannot run without."""
        need = {"INTEGRATIONS_JWT_SECRET": self.secret, "INTEGRATIONS_TEST_PG": self.test_pg,
                "INTEGRATIONS_DEV_DIR": self.dev_dir.is_dir() or None}
        return [k for k, v in need.items() if not v]

    def key(self, name):
        return (self.dev_dir / "keys" / name).read_bytes()

    @property
    def pg_port(self):
        m = re.search(r"\bport=(\d+)", self.test_pg or "")
        return m.group(1) if m else self.env.get("INTEGRATIONS_PG_PORT", "55432")


# --------------------------------------------------------------------------- ids and users

def new_ws():
    return "ws_" + secrets.token_hex(8)


def new_sub():
    return "usr_" + secrets.token_hex(8)


def new_slug(prefix="e2e"):
    return f"{prefix}-{secrets.token_hex(6)}"


def absent_int_id():
    """Well-formed integration id that no row has (time part far in the past)."""
    return "int_000000000001" + secrets.token_hex(8)


@dataclass
class User:
    """A caller: `sub`, its workspace roles and platform roles; `token()` mints its JWT."""
    settings: Settings
    workspaces: dict
    roles: list = None
    sub: str = field(default_factory=new_sub)

    def claims(self, **overrides):
        now = int(time.time())
        c = {"sub": self.sub, "workspaces": dict(self.workspaces), "iat": now, "exp": now + 600}
        if self.roles is not None:
            c["roles"] = list(self.roles)
        if self.settings.issuer:
            c["iss"] = self.settings.issuer
        if self.settings.audience:
            c["aud"] = self.settings.audience
        for k, v in overrides.items():
            if v is DROP:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def token(self, alg="HS256", kid=None, **overrides):
        return sign(self.settings, self.claims(**overrides), alg=alg, kid=kid)


DROP = object()  # claim override meaning "leave this claim out"

PRIVATE_KEYS = {"RS256": ("rs256-private.pem", "dev-rs"), "ES256": ("es256-private.pem", "dev-es")}


def sign(settings, claims, alg="HS256", kid=None):
    """A correctly signed token (PyJWT). RS256/ES256 get the dev key and its kid by default."""
    headers = {}
    if alg in PRIVATE_KEYS:
        keyfile, default_kid = PRIVATE_KEYS[alg]
        key = settings.key(keyfile)
        headers["kid"] = kid or default_kid
    else:
        key = settings.secret
        if kid:
            headers["kid"] = kid
    return jwt.encode(claims, key, algorithm=alg, headers=headers or None)


def b64url(data):
    if not isinstance(data, bytes):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_token(header, payload, hmac_key=None, hmac_hash=hashlib.sha256, signature=b""):
    """A token built by hand, for what PyJWT refuses to make (alg none, a public key used as
    an HMAC secret, a payload that is not an object). With `hmac_key` it is HMAC-signed."""
    signing_input = b64url(header) + "." + b64url(payload)
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), hmac_hash).digest()
    return signing_input + "." + (b64url(signature) if signature else "")


def ipath(integration_or_id, suffix=""):
    """`/api/integrations/<id><suffix>` for an integration body or an id."""
    iid = integration_or_id["id"] if isinstance(integration_or_id, dict) else integration_or_id
    return f"/api/integrations/{iid}{suffix}"


def bearer(token):
    return {"Authorization": "Bearer " + token}


# --------------------------------------------------------------------------- OpenAPI

class OpenApi:
    """Validates responses of documented operations against `docs/openapi.yaml`."""

    def __init__(self, path=OPENAPI_PATH):
        self.path = Path(path)
        self.error = None
        self.spec = None
        self.ops = []
        if os.environ.get("E2E_SKIP_OPENAPI") == "1":
            self.error = "skipped (E2E_SKIP_OPENAPI=1)"
            return
        if not self.path.is_file():
            self.error = (f"{self.path} does not exist (yet). Every response of a documented "
                          "operation must be validated against it: write docs/openapi.yaml "
                          "(OpenAPI 3.1) or set E2E_OPENAPI to its path.")
            return
        try:
            self.spec = yaml.safe_load(self.path.read_text())
            self._index()
        except Exception as exc:  # noqa: BLE001 - reported on every response
            self.error = f"{self.path} cannot be used: {exc!r}"

    def _index(self):
        bases = [""]
        for server in self.spec.get("servers") or []:
            m = re.match(r"^(?:[a-z]+://[^/]+)?(/[^?#]*)", server.get("url", ""))
            if m and m.group(1).rstrip("/"):
                bases.append(m.group(1).rstrip("/"))
        for tmpl, item in (self.spec.get("paths") or {}).items():
            item = self.deref(item)
            rx = "".join("[^/]+" if part.startswith("{") else re.escape(part)
                         for part in re.split(r"(\{[^}]+\})", tmpl))
            for base in bases:
                for method, op in item.items():
                    if method in ("get", "put", "post", "patch", "delete", "head", "options"):
                        self.ops.append((re.compile("^" + re.escape(base) + rx + "$"),
                                         tmpl.count("{"), method.upper(), tmpl, op))
        self.ops.sort(key=lambda o: o[1])  # literal segments win over templates

    def deref(self, node):
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) \
                and node["$ref"].startswith("#/"):
            target = self.spec
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def operation(self, method, path):
        for rx, _, m, tmpl, op in self.ops:
            if m == method and rx.match(path):
                return tmpl, op
        return None, None

    # Answers of routes or methods the document has no operation for.
    UNDOCUMENTED = {404: "NotFound", 405: "MethodNotAllowed"}

    def problems(self, method, path, resp):
        """List of reasons why `resp` does not match the document (empty when it does).
        An answer of an undocumented route or method is checked against the shared
        `NotFound`/`MethodNotAllowed` responses when the document has them."""
        if self.error:
            return [] if self.error.startswith("skipped") else [self.error]
        tmpl, op = self.operation(method, path)
        status = str(resp.status_code)
        if op is None:
            name = self.UNDOCUMENTED.get(resp.status_code)
            shared = (self.spec.get("components") or {}).get("responses") or {}
            if name not in shared:
                return []
            where, spec_resp = f"{method} {path} -> {status} (responses/{name})", shared[name]
        else:
            where = f"{method} {tmpl} -> {status}"
            responses = op.get("responses") or {}
            spec_resp = responses.get(status) or responses.get(status[0] + "XX") \
                or responses.get(status[0] + "xx") or responses.get("default")
            if spec_resp is None:
                return [f"{where}: status not documented (documented: {sorted(responses)})"]
        spec_resp = self.deref(spec_resp)
        return [f"{where}: {p}" for p in self.header_problems(spec_resp, resp)
                + self.body_problems(spec_resp, resp)]

    def header_problems(self, spec_resp, resp):
        found = []
        for name, spec_header in (spec_resp.get("headers") or {}).items():
            spec_header = self.deref(spec_header)
            value = resp.headers.get(name)
            if value is None:
                if spec_header.get("required"):
                    found.append(f"header {name} missing")
                continue
            schema = self.deref(spec_header.get("schema") or {})
            if schema.get("type") == "integer":
                try:
                    value = int(value)
                except ValueError:
                    found.append(f"header {name}: {value!r} is not an integer")
                    continue
            found += [f"header {name}: {e}" for e in self.validate(schema, value)]
        return found

    def body_problems(self, spec_resp, resp):
        content = spec_resp.get("content") or {}
        if not resp.content:
            return ["empty body, the document declares one"] if content else []
        if not content:
            return ["response has a body but the document declares none"]
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        media = content.get(ctype)
        if media is None:
            return [f"Content-Type {ctype!r} not documented ({sorted(content)})"]
        schema = media.get("schema")
        if schema is None:
            return []
        try:
            body = resp.json()
        except ValueError:
            return ["body is not JSON"]
        return self.validate(schema, body)

    def validate(self, schema, instance):
        from jsonschema import Draft202012Validator, RefResolver
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = RefResolver(base_uri="", referrer=self.spec)
            validator = Draft202012Validator(schema, resolver=resolver)
            errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        return ["at /" + "/".join(str(p) for p in e.path) + ": " + e.message[:300]
                for e in errors[:5]]


# --------------------------------------------------------------------------- HTTP client

_UNSET = object()


class Api:
    """HTTP client of the suite. Every response is checked on the way back:
    - `X-Request-Id` present (and equal to the caller's, when a valid one was sent);
    - an error is problem+json with every field, `status` equal to the HTTP status, `type`
      derived from `code`, `requestId` equal to the header;
    - the body matches the OpenAPI document for its operation and status;
    - 5xx answers are recorded in `server_errors` (the autouse fixture fails the test)."""

    REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

    def __init__(self, settings, openapi):
        self.settings = settings
        self.openapi = openapi
        self.http = requests.Session()
        self.server_errors = []

    def call(self, method, path, as_=None, json=_UNSET, data=None, headers=None,
             params=None, timeout=15):
        """`as_`: a User (HS256 token), a raw token string, or None (no Authorization)."""
        hdrs = {}
        if isinstance(as_, User):
            hdrs.update(bearer(as_.token()))
        elif isinstance(as_, str):
            hdrs.update(bearer(as_))
        hdrs.update(headers or {})
        # verify=False per request: a session-level False loses to REQUESTS_CA_BUNDLE
        kwargs = {"headers": hdrs, "params": params, "timeout": timeout, "verify": False}
        if json is not _UNSET:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = data
        base = self.settings.base_url
        if self.proxy_url and self.via_proxy(method, path, hdrs, json, data):
            base = self.proxy_url
        resp = self.http.request(method, base + path, **kwargs)
        if base != self.settings.base_url:
            self.note_proxy_violation(method, path, resp)
        self.check(method, path, hdrs, resp)
        return resp

    # ---- contract mode (tests/contract/run): a validating proxy between the suite and nginx
    #
    # With E2E_PROXY_URL set, the requests that a validating proxy (Prism) can pass through
    # faithfully go through it; it checks every response against docs/openapi.yaml and answers
    # a violation with a 500 of type https://stoplight.io/prism/errors#VIOLATIONS. The other
    # requests go straight to nginx as usual: Prism answers undocumented routes and methods
    # (HEAD, TRACE, PUT …) itself, refuses a request without the bearer token itself, and
    # re-serializes JSON bodies (so invalid JSON, NaN, duplicate keys, integers beyond 2^53 would
    # not reach the service as sent).
    proxy_url = os.environ.get("E2E_PROXY_URL", "").rstrip("/")
    PROXY_VIOLATIONS = os.environ.get("E2E_PROXY_VIOLATIONS")
    proxied = 0

    def via_proxy(self, method, path, hdrs, json_body, data):
        tmpl, op = self.openapi.operation(method, path.split("?")[0])
        if op is None or data is not None:
            return False
        if op.get("security", self.openapi.spec.get("security")) and \
                not re.match(r"^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$",
                             hdrs.get("Authorization", "")):
            return False
        if any(k.lower() in ("content-type", "content-length", "transfer-encoding")
               for k in hdrs):
            return False
        return json_body is _UNSET or json_safe(json_body)

    def note_proxy_violation(self, method, path, resp):
        Api.proxied += 1
        ctype = resp.headers.get("Content-Type", "")
        if resp.status_code < 400 or "json" not in ctype:
            return
        try:
            body = resp.json()
        except ValueError:
            return
        if isinstance(body, dict) and str(body.get("type", "")).startswith(
                "https://stoplight.io/prism/errors"):
            if self.PROXY_VIOLATIONS:
                with open(self.PROXY_VIOLATIONS, "a") as f:
                    f.write(json.dumps({"method": method, "path": path, "problem": body}) + "\n")

    def check(self, method, path, sent_headers, resp):
        what = f"{method} {path} -> {resp.status_code}"
        if resp.status_code >= 500:
            self.server_errors.append((what, resp.status_code, resp.text[:300]))
        rid = resp.headers.get("X-Request-Id")
        assert rid, f"{what}: no X-Request-Id header"
        sent_rid = sent_headers.get("X-Request-Id")
        if sent_rid is not None and self.REQUEST_ID_RE.match(sent_rid):
            assert rid == sent_rid, f"{what}: X-Request-Id {rid!r}, sent {sent_rid!r}"
        if resp.status_code >= 400:
            check_problem(resp, what)
        bad = self.openapi.problems(method, path.split("?")[0], resp)
        assert not bad, "response does not match docs/openapi.yaml:\n  " + "\n  ".join(bad)

    # shorthands
    def get(self, path, as_=None, **kw):
        return self.call("GET", path, as_, **kw)

    def post(self, path, as_=None, **kw):
        return self.call("POST", path, as_, **kw)

    def patch(self, path, as_=None, **kw):
        return self.call("PATCH", path, as_, **kw)

    def delete(self, path, as_=None, **kw):
        return self.call("DELETE", path, as_, **kw)


def json_safe(value):
    """True when a JSON parser of doubles (JavaScript's) gives `value` back unchanged: no float,
    no integer beyond 2^53, no surrogate."""
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) <= 2 ** 53
    if isinstance(value, float):
        return False
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return all(json_safe(k) and json_safe(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(json_safe(v) for v in value)
    return False


def check_problem(resp, what):
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/problem+json", \
        f"{what}: error Content-Type {ctype!r}, body {resp.text[:200]!r}"
    body = resp.json()
    assert isinstance(body, dict), f"{what}: problem is not an object"
    missing = PROBLEM_FIELDS - body.keys()
    assert not missing, f"{what}: problem lacks {sorted(missing)}: {body}"
    assert body["status"] == resp.status_code, f"{what}: problem status {body['status']}"
    assert isinstance(body["code"], str) and re.match(r"^[a-z_]+$", body["code"]), body
    assert body["type"] == PROBLEM_TYPE_PREFIX + body["code"], f"{what}: type {body['type']}"
    assert isinstance(body["title"], str) and body["title"], f"{what}: title {body['title']!r}"
    assert isinstance(body["detail"], str), f"{what}: detail {body['detail']!r}"
    assert isinstance(body["errors"], list), f"{what}: errors {body['errors']!r}"
    for e in body["errors"]:
        assert isinstance(e, dict) and isinstance(e.get("path"), str) \
            and isinstance(e.get("message"), str), f"{what}: errors entry {e!r}"
    assert body["requestId"] == resp.headers.get("X-Request-Id"), \
        f"{what}: requestId {body['requestId']!r} != header {resp.headers.get('X-Request-Id')!r}"


def expect_error(resp, status, code, path=None):
    """Assert an error answer: status, code and (optionally) the first `errors[].path`."""
    body = resp.json() if resp.content else None
    assert resp.status_code == status, f"expected {status} {code}, got {resp.status_code}: {body}"
    assert body["code"] == code, f"expected code {code}, got {body}"
    if path is not None:
        paths = [e["path"] for e in body["errors"]]
        assert paths and paths[0] == path, f"expected errors[0].path {path!r}, got {paths}"
    return body


def expect_ok(resp, status=200):
    assert resp.status_code == status, \
        f"{resp.request.method} {resp.request.path_url}: expected {status}, got " \
        f"{resp.status_code}: {resp.text[:500]}"
    return resp.json()


def expect_invalid_token(resp):
    expect_error(resp, 401, "invalid_token")
    www = resp.headers.get("WWW-Authenticate", "")
    assert re.match(r'^Bearer\b.*\berror="invalid_token"', www), f"WWW-Authenticate {www!r}"


# --------------------------------------------------------------------------- database

class Db:
    """Direct reads through psql as the superuser (INTEGRATIONS_TEST_PG)."""

    def __init__(self, conninfo):
        self.conninfo = conninfo
        self._tables = None

    def query(self, sql, **params):
        args = ["psql", self.conninfo, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"]
        for k, v in params.items():
            args += ["-v", f"{k}={v}"]
        out = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, f"psql failed: {out.stderr.strip()}"
        return [line for line in out.stdout.splitlines() if line]

    def tables_with_id(self):
        if self._tables is None:
            self._tables = self.query(
                "select format('%I.%I', c.table_schema, c.table_name) "
                "from information_schema.columns c join information_schema.tables t "
                "using (table_schema, table_name) where c.table_schema = 'core' "
                "and c.column_name = 'id' and t.table_type = 'BASE TABLE' order by 1;")
            assert self._tables, "no table with an `id` column in schema core"
        return self._tables

    def rows(self, row_id):
        """Every row of schema `core` whose `id` is `row_id`, as JSON text."""
        sql = " union all ".join(
            f"select to_jsonb(t)::text from {tbl} t where t.id::text = :'rid'"
            for tbl in self.tables_with_id()) + ";"
        return self.query(sql, rid=row_id)
