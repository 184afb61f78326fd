"""Shared by the test_security_*.py files (hostile input, end to end): payloads, the
`still_serving` fixture and the assertions on errors and pages."""
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
