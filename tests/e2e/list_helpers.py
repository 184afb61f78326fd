"""Shared by the test_list_*.py files (`GET /api/integrations`, PRODUCT §5): the query
helpers and the module fixture `data`. The randomized comparison with the Python model is in
test_list_model.py.

Rows are inserted directly with SQL (list_model.load) into fresh random workspaces, and every
query is narrowed to those workspaces (filter, shorthand or ids), so other tests' data never
shows, except public rows where a test is about scope (and then it filters by its own ids).
"""
import base64
import json

import jwt
import pytest

from helpers import User, expect_error, expect_ok, new_ws
import list_model as lm
from list_model import install_row, integration_row, iso, version_row

LIST = "/api/integrations"
MEMBER = {"slug": "m1", "entityId": "ent_0192f3a4b5c6a1b2c3d4e5f60718", "mode": "clone",
          "default": True, "config": {}}
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z in microseconds


def ts(seconds, micros=0):
    return iso(T0 + seconds * 1_000_000 + micros)


def q(api, user, **params):
    """GET the list; dict/list parameters are sent as JSON."""
    sent = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v)
            for k, v in params.items() if v is not None}
    return api.get(LIST, user, params=sent)


def ok(api, user, **params):
    return expect_ok(q(api, user, **params))


def ids_of(page):
    return [r["id"] for r in page["data"]]


def names_of(page):
    return sorted(r["name"] for r in page["data"])


def in_ws(*ws_ids, **more):
    """A filter narrowed to the test's workspaces, ANDed with `more` (field conditions)."""
    return {"workspaceId": {"in": list(ws_ids)}, **more}


def bad(api, user, path_prefix, code="validation_failed", **params):
    resp = q(api, user, **params)
    body = expect_error(resp, 400, code)
    if path_prefix is not None:
        paths = [e["path"] for e in body["errors"]]
        assert paths and all(p.startswith(path_prefix) for p in paths), \
            f"{params}: errors[].path {paths}, expected under {path_prefix!r}"
    return body


class Data:
    """The module's rows: workspace `a` (the caller's), `b` (someone else's), `c` (a third
    one, granted a row of b); `rows` maps a key to an id, `mine` the live keys of a."""


@pytest.fixture(scope="module")
def data(settings, db):
    d = Data()
    d.a, d.b, d.c = new_ws(), new_ws(), new_ws()
    d.user = User(settings, {d.a: "viewer"})
    a, b = d.a, d.b
    rows = {}

    def add(key, ws, **fields):
        rows[key] = integration_row(ws, **fields)

    # text literals: % _ \ and case
    add("pct", a, name="50% off", createdAt=ts(1))
    add("pctx", a, name="50x off", createdAt=ts(2))
    add("und", a, name="a_b", createdAt=ts(3))
    add("undx", a, name="aXb", createdAt=ts(4))
    add("bsl", a, name="c\\d", createdAt=ts(5))
    add("bslx", a, name="cd", createdAt=ts(6))
    add("slack", a, name="Slack", publisher="acme", description="Team chat", createdAt=ts(7),
        currentVersion="2.0.0", trustTier="first_party", retentionTier="long",
        authConfig={"type": "oauth2", "scopes": ["read", "write"]},
        variablesSchema={"type": "object", "properties": {"region": {"type": "string"}}})
    add("slack2", a, name="slack", publisher="Acme", description=None, createdAt=ts(8),
        currentVersion="1.0.0", createdBy="usr_other_author", visibility="unlisted",
        authConfig={"type": "api_key"}, manifest={"members": [MEMBER]})
    add("slack3", a, name="SLACK pro", publisher=None, description="team CHAT", createdAt=ts(9),
        currentVersion="1.0.0-beta.2", visibility="public", retentionTier="short")
    add("nover", a, name="Zendesk", createdAt=ts(10))
    add("deleted", a, name="Deleted own", createdAt=ts(11), deletedAt=ts(100))
    # another workspace
    add("b_private", b, name="B private", createdAt=ts(12))
    add("b_public", b, name="B public", visibility="public", createdAt=ts(13))
    add("b_unlisted", b, name="B unlisted", visibility="unlisted", createdAt=ts(14))
    add("b_granted", b, name="B granted", createdAt=ts(15))
    add("b_granted_other", b, name="B granted elsewhere", createdAt=ts(16))
    add("b_public_deleted", b, name="B public deleted", visibility="public",
        createdAt=ts(17), deletedAt=ts(101))
    add("b_granted_deleted", b, name="B granted deleted", createdAt=ts(18), deletedAt=ts(102))
    add("b_unlisted_deleted", b, name="B unlisted deleted", visibility="unlisted",
        createdAt=ts(19), deletedAt=ts(103))

    versions = {
        "s1": version_row(rows["slack"]["id"], "1.0.0", changelog="first"),
        "s2": version_row(rows["slack"]["id"], "2.0.0", changelog="second"),
        "t1": version_row(rows["slack2"]["id"], "1.0.0", changelog=None),
        "u1": version_row(rows["slack3"]["id"], "1.0.0-beta.2", changelog="beta"),
        "bp": version_row(rows["b_public"]["id"], "3.0.0"),
    }
    installs = [
        # slack installed in the caller's workspace a; b_public installed in b only
        install_row(rows["slack"]["id"], versions["s2"]["id"], a, memberPolicy="auto_all"),
        install_row(rows["b_public"]["id"], versions["bp"]["id"], b, memberPolicy="manual"),
    ]
    grants = [(rows["b_granted"]["id"], a), (rows["b_granted_other"]["id"], d.c),
              (rows["b_granted_deleted"]["id"], a)]
    lm.load(db, rows.values(), versions.values(), grants, installs)
    d.rows = {k: r["id"] for k, r in rows.items()}
    d.key_of = {r["id"]: k for k, r in rows.items()}
    d.mine = [k for k, r in rows.items() if r["workspaceId"] == a and r["deletedAt"] is None]
    yield d
    lm.purge_workspaces(db, [a, b])


def keys(d, page):
    return sorted(d.key_of[i] for i in ids_of(page))
