"""`GET /api/integrations` (PRODUCT §5): limit, after/before, cursors and pageInfo. Shared helpers and the `data` fixture:
list_helpers.py."""
import base64
import json

import jwt
import pytest

from helpers import User, expect_error, expect_ok, new_ws
import list_model as lm
from list_model import install_row, integration_row, iso, version_row

from list_helpers import *  # noqa: F401,F403 (helpers and the data fixture)
from list_helpers import Data, data  # noqa: F401


# --------------------------------------------------------------------------- limit, after/before

@pytest.mark.parametrize("limit", ["0", "101", "x", "", "1.5", "-1", "1e2", "0x10"])
def test_limit_out_of_range_or_not_an_integer(api, data, limit):
    bad(api, data.user, "?limit", limit=limit)


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_accepted(api, data, limit):
    page = ok(api, data.user, limit=limit, filter=in_ws(data.a))
    assert len(page["data"]) == min(int(limit), len(data.mine))


def test_default_limit_is_100(api, settings, db):
    ws = new_ws()
    user = User(settings, {ws: "viewer"})
    rows = [integration_row(ws, createdAt=ts(0)) for _ in range(101)]
    lm.load(db, rows)
    try:
        page = ok(api, user, workspace_id=ws)
        assert len(page["data"]) == 100 and page["pageInfo"]["total"] == 101
        assert page["pageInfo"]["hasNextPage"] is True
    finally:
        lm.purge_workspaces(db, [ws])


def test_after_and_before_together(api, data):
    first = ok(api, data.user, limit=2, filter=in_ws(data.a))
    c = first["pageInfo"]["endCursor"]
    body = bad(api, data.user, "?", after=c, before=c, filter=in_ws(data.a))
    assert {e["path"] for e in body["errors"]} <= {"?after", "?before"}


def test_unknown_query_parameter(api, data):
    bad(api, data.user, "?sort", sort="name")


# --------------------------------------------------------------------------- cursors, pageInfo

def test_paging_forwards_and_backwards(api, data):
    d = data
    flt, order = in_ws(d.a), [{"publisher": "asc"}, {"name": "desc"}]
    whole = ok(api, d.user, filter=flt, orderBy=order)
    expected = ids_of(whole)
    assert expected == [r["id"] for r in lm.sort_rows(whole["data"], order)]
    assert sorted(expected) == sorted(d.rows[k] for k in d.mine)
    p1 = ok(api, d.user, filter=flt, orderBy=order, limit=3)
    assert ids_of(p1) == expected[:3]
    assert p1["pageInfo"]["hasPreviousPage"] is False and p1["pageInfo"]["hasNextPage"] is True
    p2 = ok(api, d.user, filter=flt, orderBy=order, limit=4, after=p1["pageInfo"]["endCursor"])
    assert ids_of(p2) == expected[3:7]
    assert p2["pageInfo"]["hasPreviousPage"] is True
    assert p2["pageInfo"]["total"] == p1["pageInfo"]["total"] == len(expected)
    back = ok(api, d.user, filter=flt, orderBy=order, limit=2,
              before=p2["pageInfo"]["startCursor"])
    assert ids_of(back) == expected[1:3]
    assert back["pageInfo"]["hasPreviousPage"] is True and back["pageInfo"]["hasNextPage"] is True
    back = ok(api, d.user, filter=flt, orderBy=order, limit=5,
              before=p2["pageInfo"]["startCursor"])
    assert ids_of(back) == expected[:3]
    assert back["pageInfo"]["hasPreviousPage"] is False
    assert back["pageInfo"]["total"] == len(expected)


def test_empty_page_page_info(api, data):
    page = ok(api, data.user, filter=in_ws(data.a, name={"eq": "no such name"}))
    assert page == {"data": [], "pageInfo": {"total": 0, "hasNextPage": False,
                                             "hasPreviousPage": False, "startCursor": None,
                                             "endCursor": None}}


def test_empty_page_after_the_last_row(api, data):
    flt = in_ws(data.a)
    full = ok(api, data.user, filter=flt)
    n = len(full["data"])
    assert n == len(data.mine) and full["pageInfo"]["hasNextPage"] is False
    page = ok(api, data.user, filter=flt, after=full["pageInfo"]["endCursor"])
    assert page["data"] == []
    assert page["pageInfo"] == {"total": n, "hasNextPage": False, "hasPreviousPage": True,
                                "startCursor": None, "endCursor": None}
    page = ok(api, data.user, filter=flt, before=full["pageInfo"]["startCursor"])
    assert page["data"] == []
    assert page["pageInfo"] == {"total": n, "hasNextPage": True, "hasPreviousPage": False,
                                "startCursor": None, "endCursor": None}


def test_total_ignores_the_cursor(api, data):
    flt = in_ws(data.a)
    p1 = ok(api, data.user, filter=flt, limit=1)
    p2 = ok(api, data.user, filter=flt, limit=1, after=p1["pageInfo"]["endCursor"])
    p3 = ok(api, data.user, filter=flt, limit=1, before=p2["pageInfo"]["endCursor"])
    assert p1["pageInfo"]["total"] == p2["pageInfo"]["total"] == p3["pageInfo"]["total"] \
        == len(data.mine)


def test_cursor_survives_a_change_of_limit(api, data):
    flt = in_ws(data.a)
    p1 = ok(api, data.user, filter=flt, limit=2)
    all_ids = ids_of(ok(api, data.user, filter=flt))
    assert ids_of(ok(api, data.user, filter=flt, limit=5, after=p1["pageInfo"]["endCursor"])) \
        == all_ids[2:7]


def _cursor(api, data, **params):
    params.setdefault("filter", in_ws(data.a))
    page = ok(api, data.user, limit=2, **params)
    return page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("change", [
    {"orderBy": [{"name": "asc"}]},
    {"orderBy": [{"createdAt": "asc"}]},
    {"orderBy": [{"createdAt": "desc"}, {"id": "desc"}]},
    {"filter": {"workspaceId": {"in": ["ws_other"]}}},
    {"filter": {"workspaceId": {"eq": "__A__"}}},
    {"publisher": "acme"},
    {"include_deleted": "true"},
    {"name": "s"},
    {"ids": "__SLACK__"},
])
def test_cursor_bound_to_its_query(api, data, change):
    cursor = _cursor(api, data)
    params = {"filter": in_ws(data.a)}
    for k, v in change.items():
        if v == "__SLACK__":
            v = data.rows["slack"]
        if isinstance(v, dict) and v.get("workspaceId", {}).get("eq") == "__A__":
            v = {"workspaceId": {"eq": data.a}}
        params[k] = v
    for which in ("after", "before"):
        resp = q(api, data.user, **{which: cursor}, **params)
        expect_error(resp, 400, "invalid_cursor")


def test_cursor_of_another_order_by_direction(api, data):
    cursor = _cursor(api, data, orderBy=[{"name": "asc"}])
    for order in ([{"name": "desc"}], [{"name": "asc_nulls_first"}], [{"slug": "asc"}]):
        expect_error(q(api, data.user, orderBy=order, filter=in_ws(data.a), after=cursor),
                     400, "invalid_cursor")
    ok(api, data.user, orderBy=[{"name": "asc"}], filter=in_ws(data.a), after=cursor)


def _b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()) \
        .rstrip(b"=").decode()


def _unb64(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_tampered_cursors(api, data):
    flt = in_ws(data.a)
    cursor = _cursor(api, data)
    assert ok(api, data.user, filter=flt, after=cursor)  # the genuine one works
    head, payload, sig = cursor.split(".")
    claims = _unb64(payload)
    forged = dict(claims, v=["2000-01-01 00:00:00+00", claims["v"][-1]])
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    candidates = [
        "abc",
        "",
        cursor + "x",
        cursor[:-1],
        ".".join([head, payload, flipped]),
        ".".join([head, _b64(forged), sig]),                          # values changed
        ".".join([_b64({"alg": "none", "typ": "JWT"}), _b64(forged), ""]),
        jwt.encode(forged, "not-the-server-key", algorithm="HS256"),  # foreign key
        ".".join([head, payload]),
        "a" * 5000,
    ]
    for bad_cursor in candidates:
        for which in ("after", "before"):
            expect_error(q(api, data.user, filter=flt, **{which: bad_cursor}), 400,
                         "invalid_cursor")


def test_cursor_values_are_bound_to_the_order_length(api, data):
    """A correctly signed cursor can't be made by a client; a cursor of a 2-key order is not
    accepted by a 3-key order even where the fingerprint part is the same text."""
    c = _cursor(api, data, orderBy=[{"name": "asc"}])
    expect_error(q(api, data.user, filter=in_ws(data.a), after=c,
                   orderBy=[{"name": "asc"}, {"slug": "asc"}]), 400, "invalid_cursor")


@pytest.mark.parametrize("made_for,used_with", [
    ({"publisher": "acme&created_by=usr_x"}, {"publisher": "acme", "created_by": "usr_x"}),
    ({"publisher": "acme&name=x"}, {"publisher": "acme", "name": "x"}),
    ({"publisher": "x&visibility=private"}, {"publisher": "x", "visibility": "private"}),
])
def test_cursor_bound_to_shorthands_whatever_their_values(api, settings, db, made_for, used_with):
    """PRODUCT §5: a cursor is tied to its shorthands. Values containing the characters that
    separate shorthands must not make two different sets of shorthands look alike."""
    ws = new_ws()
    user = User(settings, {ws: "viewer"})
    rows = [integration_row(ws, name=n, publisher=p, createdBy=c) for n, p, c in [
        ("x", "acme&created_by=usr_x", "usr_y"), ("x", "acme&name=x", "usr_y"),
        ("x", "x&visibility=private", "usr_y"), ("x", "x", "usr_y"), ("x", "x", "usr_y"),
        ("x", "acme", "usr_x"), ("x", "acme", "usr_x")]]
    lm.load(db, rows)
    try:
        page = ok(api, user, workspace_id=ws, limit=1, **made_for)
        assert page["data"], made_for
        cursor = page["pageInfo"]["endCursor"]
        ok(api, user, workspace_id=ws, after=cursor, **made_for)  # its own query: accepted
        expect_error(q(api, user, workspace_id=ws, after=cursor, **used_with), 400,
                     "invalid_cursor")
    finally:
        lm.purge_workspaces(db, [ws])


@pytest.mark.parametrize("value", ["nope", "", "ws_", "WS_ABC", "ws_a b", "int_" + "0" * 28])
def test_malformed_workspace_id_shorthand_is_400(api, data, value):
    """issue 18: a malformed workspace_id was a 200 with an empty page."""
    expect_error(q(api, data.user, workspace_id=value), 400, "validation_failed",
                 "?workspace_id")
