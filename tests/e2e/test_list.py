"""`GET /api/integrations` (PRODUCT §5): parameter validation, filter semantics, relations,
ids, shorthands, scope, cursors and pageInfo — targeted cases. The randomized comparison
with the Python model is in test_list_model.py.

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


# --------------------------------------------------------------------------- orderBy

@pytest.mark.parametrize("order_by", [
    [{"nope": "asc"}],                       # unknown field
    [{"manifest": "asc"}],                   # JSON field: not sortable
    [{"authConfig": "desc"}],
    [{"name": "up"}],                        # bad direction
    [{"name": "ASC"}],
    [{"name": 1}],
    [{"name": "asc", "slug": "asc"}],        # two fields in one key
    [{}],
    ["name"],
    [{"name": "asc"}, {"name": "desc"}],     # a field twice
    [{"name": "asc"}, {"slug": "asc"}, {"publisher": "asc"}, {"createdAt": "asc"},
     {"updatedAt": "asc"}, {"description": "asc"}],   # 6 keys
    [],
    {"name": "asc"},
    "name",
])
def test_order_by_invalid(api, data, order_by):
    bad(api, data.user, "?orderBy", orderBy=order_by, filter=in_ws(data.a))


def test_order_by_not_json(api, data):
    bad(api, data.user, "?orderBy", orderBy="[{name:asc}]")


def test_order_by_error_points_at_the_key(api, data):
    body = bad(api, data.user, "?orderBy",
               orderBy=[{"name": "asc"}, {"nope": "asc"}], filter=in_ws(data.a))
    assert body["errors"][0]["path"] == "?orderBy/1/nope"


def test_order_by_five_keys_accepted(api, data):
    order = [{"publisher": "asc_nulls_first"}, {"currentVersion": "desc_nulls_last"},
             {"name": "asc"}, {"createdAt": "desc"}, {"slug": "asc"}]
    page = ok(api, data.user, orderBy=order, filter=in_ws(data.a))
    rows = page["data"]
    assert [r["id"] for r in lm.sort_rows(rows, order)] == ids_of(page)


def test_order_by_semver_precedence_and_nulls(api, data):
    f = in_ws(data.a)
    asc = ids_of(ok(api, data.user, orderBy=[{"currentVersion": "asc"}], filter=f))
    # 1.0.0-beta.2 < 1.0.0 < 2.0.0, then the nulls (ties by id ascending)
    nulls = sorted(data.rows[k] for k in data.mine
                   if k not in ("slack", "slack2", "slack3"))
    assert asc == [data.rows["slack3"], data.rows["slack2"], data.rows["slack"]] + nulls
    desc = ids_of(ok(api, data.user, orderBy=[{"currentVersion": "desc"}], filter=f))
    assert desc == sorted(nulls, reverse=True) + \
        [data.rows["slack"], data.rows["slack2"], data.rows["slack3"]]
    dnl = ids_of(ok(api, data.user, orderBy=[{"currentVersion": "desc_nulls_last"}], filter=f))
    assert dnl == [data.rows["slack"], data.rows["slack2"], data.rows["slack3"]] + \
        sorted(nulls, reverse=True)
    anf = ids_of(ok(api, data.user, orderBy=[{"currentVersion": "asc_nulls_first"}], filter=f))
    assert anf == nulls + [data.rows["slack3"], data.rows["slack2"], data.rows["slack"]]


def test_order_by_text_is_bytewise(api, data):
    page = ok(api, data.user, orderBy=[{"name": "asc"}], filter=in_ws(data.a))
    names = [r["name"] for r in page["data"]]
    assert names == sorted(names, key=lambda s: s.encode())
    assert names.index("SLACK pro") < names.index("Slack") < names.index("Zendesk") \
        < names.index("a_b") < names.index("slack")


def test_default_order_is_created_at_desc_then_id_desc(api, settings, db):
    ws = new_ws()
    user = User(settings, {ws: "viewer"})
    rows = [integration_row(ws, createdAt=ts(5)) for _ in range(4)] + \
        [integration_row(ws, createdAt=ts(6)), integration_row(ws, createdAt=ts(4))]
    lm.load(db, rows)
    try:
        got = ids_of(ok(api, user, workspace_id=ws))
        assert got == [r["id"] for r in lm.sort_rows(rows, None)]
        assert got[0] == rows[4]["id"] and got[-1] == rows[5]["id"]
        assert got[1:5] == sorted((r["id"] for r in rows[:4]), reverse=True)
    finally:
        lm.purge_workspaces(db, [ws])


def test_id_tie_breaker_follows_the_last_key(api, data):
    f = in_ws(data.a)
    for direction in lm.DIRECTIONS:
        order = [{"visibility": "asc"}, {"publisher": direction}]
        page = ok(api, data.user, orderBy=order, filter=f)
        assert ids_of(page) == [r["id"] for r in lm.sort_rows(page["data"], order)], direction


# --------------------------------------------------------------------------- filter errors

def nest_not(depth, field="name"):
    """A filter whose objects are nested `depth` deep (the root counts as 1)."""
    node = {field: {"eq": "x"}}
    for _ in range(depth - 1):
        node = {"NOT": node}
    return node


FILTER_ERRORS = [
    ({"nope": {"eq": "x"}}, "?filter/nope"),
    ({"name": {"like": "x"}}, "?filter/name/like"),
    ({"name": {"eq": 5}}, "?filter/name/eq"),
    ({"name": {"eq": None}}, "?filter/name/eq"),
    ({"name": {"in": "x"}}, "?filter/name/in"),
    ({"name": {"in": ["x", 1]}}, "?filter/name/in/1"),
    ({"name": "x"}, "?filter/name"),
    ({"name": {}}, "?filter/name"),
    ({"name": {"isNull": "yes"}}, "?filter/name/isNull"),
    ({"name": {"eq": "x", "mode": "Insensitive"}}, "?filter/name/mode"),
    ({"visibility": {"eq": "secret"}}, "?filter/visibility/eq"),
    ({"visibility": {"startsWith": "pub"}}, "?filter/visibility/startsWith"),
    ({"visibility": {"eq": "public", "mode": "insensitive"}}, "?filter/visibility/mode"),
    ({"createdAt": {"gt": "2026-01-01"}}, "?filter/createdAt/gt"),
    ({"createdAt": {"gt": "2026-01-01T00:00:00"}}, "?filter/createdAt/gt"),
    ({"createdAt": {"gt": "2026-02-30T00:00:00Z"}}, "?filter/createdAt/gt"),
    ({"createdAt": {"lt": "yesterday"}}, "?filter/createdAt/lt"),
    ({"createdAt": {"in": ["2026-01-01T00:00:00Z", "nope"]}}, "?filter/createdAt/in/1"),
    ({"currentVersion": {"eq": "1.0"}}, "?filter/currentVersion/eq"),
    ({"currentVersion": {"gte": "01.0.0"}}, "?filter/currentVersion/gte"),
    ({"currentVersion": {"lt": "1.0.0-"}}, "?filter/currentVersion/lt"),
    ({"currentVersion": {"contains": "1."}}, "?filter/currentVersion/contains"),
    ({"manifest": {"eq": {}}}, "?filter/manifest/eq"),
    ({"manifest": {"lt": "x"}}, "?filter/manifest/lt"),
    ({"authConfig": {"hasKey": 1}}, "?filter/authConfig/hasKey"),
    ({"AND": {"name": {"eq": "x"}}}, "?filter/AND"),
    ({"AND": []}, "?filter/AND"),
    ({"OR": []}, "?filter/OR"),
    ({"NOT": []}, "?filter/NOT"),
    ({"AND": [{"name": {"eq": "x"}}, {"nope": {"eq": 1}}]}, "?filter/AND/1/nope"),
    ({"versions": {"any": {}}}, "?filter/versions"),
    ({"versions": {"some": {}, "none": {}}}, "?filter/versions"),
    ({"versions": {"some": {"nope": {"eq": "x"}}}}, "?filter/versions/some/nope"),
    ({"versions": {"some": {"version": {"eq": "2"}}}}, "?filter/versions/some/version/eq"),
    ({"versions": {"every": {"name": {"eq": "x"}}}}, "?filter/versions/every/name"),
    ({"installs": {"none": {"memberPolicy": {"eq": "all"}}}},
     "?filter/installs/none/memberPolicy/eq"),
    ({"versions": {"some": {"versions": {"some": {}}}}}, "?filter/versions/some/versions"),
    ([{"name": {"eq": "x"}}], "?filter"),
    ("name", "?filter"),
]


@pytest.mark.parametrize("flt,path", FILTER_ERRORS, ids=[p for _, p in FILTER_ERRORS])
def test_filter_invalid(api, data, flt, path):
    body = bad(api, data.user, "?filter", filter=flt)
    assert body["errors"][0]["path"] == path, body["errors"]


def test_filter_not_json(api, data):
    bad(api, data.user, "?filter", filter='{"name": {"eq": "x"}')
    bad(api, data.user, "?filter", filter='{"name": {"eq": "x"}, "name": {"eq": "y"}}')


def test_filter_depth_8_accepted_9_refused(api, data):
    ok(api, data.user, filter=in_ws(data.a, AND=[nest_not(7)]))  # root + AND item + 7 = depth 8
    assert len(ok(api, data.user, filter={"AND": [in_ws(data.a), nest_not(7)]})["data"]) >= 0
    bad(api, data.user, "?filter", filter={"AND": [in_ws(data.a), nest_not(8)]})
    bad(api, data.user, "?filter", filter=nest_not(9))
    # relations count as a level
    deep = {"versions": {"some": nest_not(7, "changelog")}}
    ok(api, data.user, filter=deep | in_ws(data.a))
    bad(api, data.user, "?filter", filter={"versions": {"some": nest_not(8, "changelog")}})


def test_filter_64_conditions_accepted_65_refused(api, data):
    conds = [{"name": {"neq": f"n{i}"}} for i in range(63)]
    page = ok(api, data.user, filter={"AND": [in_ws(data.a)] + conds})
    assert page["pageInfo"]["total"] == len(data.mine)
    conds.append({"slug": {"neq": "x"}})
    bad(api, data.user, "?filter", filter={"AND": [in_ws(data.a)] + conds})
    # several operators in one field object count one each
    bad(api, data.user, "?filter",
        filter={"AND": [in_ws(data.a)] + conds[:62] + [{"name": {"neq": "a", "gte": ""}}]})


def test_filter_in_100_values_accepted_101_refused(api, data):
    values = [f"v{i}" for i in range(99)] + ["Slack"]
    page = ok(api, data.user, filter=in_ws(data.a, name={"in": values}))
    assert keys(data, page) == ["slack"]
    bad(api, data.user, "?filter/name/in", filter=in_ws(data.a, name={"in": values + ["x"]}))
    bad(api, data.user, "?filter/name/notIn",
        filter=in_ws(data.a, name={"notIn": values + ["x"]}))


def test_filter_larger_than_8_kib(api, data):
    flt = in_ws(data.a, name={"neq": ""})
    base = len(json.dumps(flt))
    flt["name"]["neq"] = "a" * (8192 - base)       # exactly 8192 bytes: allowed
    assert len(json.dumps(flt)) == 8192
    ok(api, data.user, filter=flt)
    flt["name"]["neq"] += "a"                       # 8193 bytes
    bad(api, data.user, "?filter", filter=flt)


# --------------------------------------------------------------------------- text operators

@pytest.mark.parametrize("op,operand,expected", [
    ("contains", "%", ["pct"]),
    ("contains", "0% o", ["pct"]),
    ("startsWith", "50%", ["pct"]),
    ("endsWith", "% off", ["pct"]),
    ("contains", "_", ["und"]),
    ("startsWith", "a_", ["und"]),
    ("endsWith", "_b", ["und"]),
    ("contains", "\\", ["bsl"]),
    ("startsWith", "c\\", ["bsl"]),
    ("endsWith", "\\d", ["bsl"]),
    ("contains", "\\d", ["bsl"]),
    ("contains", "%%", []),
])
def test_like_metacharacters_match_literally(api, data, op, operand, expected):
    page = ok(api, data.user, filter=in_ws(data.a, name={op: operand}))
    assert keys(data, page) == sorted(expected)
    page = ok(api, data.user, filter=in_ws(data.a, name={op: operand, "mode": "insensitive"}))
    assert keys(data, page) == sorted(expected)


def test_name_shorthand_matches_literally_and_insensitively(api, data):
    assert keys(data, ok(api, data.user, workspace_id=data.a, name="%")) == ["pct"]
    assert keys(data, ok(api, data.user, workspace_id=data.a, name="A_B")) == ["und"]
    assert keys(data, ok(api, data.user, workspace_id=data.a, name="\\")) == ["bsl"]
    assert keys(data, ok(api, data.user, workspace_id=data.a, name="lAcK")) == \
        ["slack", "slack2", "slack3"]


@pytest.mark.parametrize("ops,expected", [
    ({"eq": "slack"}, ["slack2"]),
    ({"eq": "slack", "mode": "insensitive"}, ["slack", "slack2"]),
    ({"startsWith": "SLACK", "mode": "insensitive"}, ["slack", "slack2", "slack3"]),
    ({"startsWith": "SLACK"}, ["slack3"]),
    ({"contains": "LAC", "mode": "insensitive"}, ["slack", "slack2", "slack3"]),
    ({"endsWith": "PRO", "mode": "insensitive"}, ["slack3"]),
    ({"in": ["SLACK", "zendesk"], "mode": "insensitive"}, ["nover", "slack", "slack2"]),
    ({"in": ["SLACK", "zendesk"]}, []),
    ({"neq": "SLACK", "mode": "insensitive", "startsWith": "s"}, ["slack3"]),
    ({"neq": "SLACK", "startsWith": "s"}, ["slack2"]),
    ({"gte": "s", "mode": "insensitive", "lt": "t"}, ["slack", "slack2", "slack3"]),
])
def test_insensitive_mode(api, data, ops, expected):
    page = ok(api, data.user, filter=in_ws(data.a, name=ops))
    assert keys(data, page) == sorted(expected)


def test_insensitive_on_a_nullable_field(api, data):
    page = ok(api, data.user, filter=in_ws(data.a, description={"eq": "TEAM CHAT",
                                                                "mode": "insensitive"}))
    assert keys(data, page) == ["slack", "slack3"]


# --------------------------------------------------------------------------- nulls

def test_neq_and_not_in_match_nulls(api, data):
    mine = set(data.mine)
    page = ok(api, data.user, filter=in_ws(data.a, publisher={"neq": "acme"}))
    assert set(keys(data, page)) == mine - {"slack"}
    page = ok(api, data.user, filter=in_ws(data.a, publisher={"notIn": ["acme", "Acme"]}))
    assert set(keys(data, page)) == mine - {"slack", "slack2"}
    page = ok(api, data.user, filter=in_ws(data.a, currentVersion={"neq": "1.0.0"}))
    assert set(keys(data, page)) == mine - {"slack2"}
    page = ok(api, data.user, filter=in_ws(data.a, currentVersion={"notIn": ["2.0.0"]}))
    assert set(keys(data, page)) == mine - {"slack"}


def test_other_comparisons_with_null_are_false(api, data):
    for ops in ({"eq": "acme"}, {"lt": "zzz"}, {"gte": ""}, {"in": ["acme", "Acme"]},
                {"contains": ""}, {"startsWith": ""}):
        page = ok(api, data.user, filter=in_ws(data.a, publisher=ops))
        assert set(keys(data, page)) <= {"slack", "slack2"}, ops
    page = ok(api, data.user, filter=in_ws(data.a, currentVersion={"lt": "99.0.0"}))
    assert keys(data, page) == ["slack", "slack2", "slack3"]
    page = ok(api, data.user, filter=in_ws(data.a, publisher={"gte": ""}))
    assert keys(data, page) == ["slack", "slack2"]


def test_not_of_a_comparison_includes_nulls(api, data):
    page = ok(api, data.user, filter=in_ws(data.a, NOT={"publisher": {"eq": "acme"}}))
    assert set(keys(data, page)) == set(data.mine) - {"slack"}
    page = ok(api, data.user, filter=in_ws(data.a, NOT={"publisher": {"isNull": True}}))
    assert keys(data, page) == ["slack", "slack2"]


def test_is_null(api, data):
    page = ok(api, data.user, filter=in_ws(data.a, currentVersion={"isNull": False}))
    assert keys(data, page) == ["slack", "slack2", "slack3"]
    page = ok(api, data.user, filter=in_ws(data.a, description={"isNull": True},
                                           currentVersion={"isNull": False}))
    assert keys(data, page) == ["slack2"]
    page = ok(api, data.user, filter=in_ws(data.a, name={"isNull": True}))
    assert page["data"] == [] and page["pageInfo"]["total"] == 0


def test_semver_comparisons_use_precedence(api, data):
    f = lambda ops: keys(data, ok(api, data.user, filter=in_ws(data.a, currentVersion=ops)))
    assert f({"lt": "1.0.0"}) == ["slack3"]
    assert f({"gt": "1.0.0-beta.11"}) == ["slack", "slack2"]   # beta.11 > beta.2 numerically
    assert f({"lt": "1.0.0-beta.11"}) == ["slack3"]
    assert f({"gte": "1.0.0-beta"}) == ["slack", "slack2", "slack3"]
    assert f({"lt": "10.0.0"}) == ["slack", "slack2", "slack3"]
    assert f({"eq": "1.0.0+build.5"}) == ["slack2"]           # build metadata ignored
    assert f({"in": ["2.0.0", "1.0.0-beta.2"]}) == ["slack", "slack3"]


def test_timestamps_compare_as_instants(api, data):
    instant = ts(7)  # slack's createdAt, 2026-01-01T00:00:07Z
    f = lambda ops: keys(data, ok(api, data.user, filter=in_ws(data.a, createdAt=ops)))
    assert f({"eq": "2026-01-01T02:00:07+02:00"}) == ["slack"]
    assert f({"eq": "2025-12-31T23:00:07.000-01:00"}) == ["slack"]
    assert f({"eq": instant.replace("T", "t").replace("Z", "z")}) == ["slack"]
    assert f({"gt": "2026-01-01T01:00:08+01:00", "lte": "2026-01-01T00:00:10Z"}) == \
        ["nover", "slack3"]
    assert f({"in": ["2026-01-01T00:00:07Z", "2026-01-01T01:00:01+01:00"]}) == ["pct", "slack"]
    assert f({"lt": "2026-01-01T00:00:01.000001Z"}) == ["pct"]


def test_enum_comparisons_are_textual(api, data):
    f = lambda ops: keys(data, ok(api, data.user, filter=in_ws(data.a, retentionTier=ops)))
    # text order: long < medium < none < short
    assert f({"lt": "medium"}) == ["slack"]
    assert f({"gt": "none"}) == ["slack3"]


# --------------------------------------------------------------------------- JSON

def test_json_has_key_and_contains(api, data):
    f = lambda **c: keys(data, ok(api, data.user, filter=in_ws(data.a, **c)))
    assert f(authConfig={"hasKey": "scopes"}) == ["slack"]
    assert f(variablesSchema={"hasKey": "properties"}) == ["slack"]
    assert f(authConfig={"contains": {"type": "api_key"}}) == ["slack2"]
    assert f(authConfig={"contains": {"scopes": ["write"]}}) == ["slack"]
    assert f(authConfig={"contains": {"scopes": ["write", "admin"]}}) == []
    assert f(variablesSchema={"contains": {"properties": {"region": {"type": "string"}}}}) == \
        ["slack"]
    assert f(manifest={"contains": {"members": [{"slug": "m1"}]}}) == ["slack2"]
    assert f(manifest={"contains": {"members": [{"slug": "m2"}]}}) == []
    assert set(f(authConfig={"contains": {"type": "none"}})) == \
        set(data.mine) - {"slack", "slack2"}
    assert f(authConfig={"contains": {}}) == sorted(data.mine)
    assert f(manifest={"isNull": True}) == []
    # a key with LIKE or JSON-path characters is just a key
    assert f(authConfig={"hasKey": "scope%"}) == []


# --------------------------------------------------------------------------- relations

def test_versions_some_every_none(api, data):
    f = lambda rel: keys(data, ok(api, data.user, filter=in_ws(data.a, versions=rel)))
    no_versions = sorted(set(data.mine) - {"slack", "slack2", "slack3"})
    assert f({"some": {"version": {"eq": "2.0.0"}}}) == ["slack"]
    assert f({"some": {}}) == ["slack", "slack2", "slack3"]
    assert f({"none": {}}) == no_versions
    assert f({"every": {"version": {"lt": "2.0.0"}}}) == sorted(no_versions + ["slack2", "slack3"])
    assert f({"none": {"version": {"eq": "2.0.0"}}}) == sorted(no_versions + ["slack2", "slack3"])
    assert f({"some": {"version": {"gte": "1.0.0"}, "changelog": {"eq": "first"}}}) == ["slack"]
    assert f({"some": {"version": {"eq": "2.0.0"}, "changelog": {"eq": "first"}}}) == []
    # a version with a null changelog fails "every changelog is …": unknown counts as failing
    assert f({"every": {"changelog": {"startsWith": ""}}}) == sorted(no_versions + ["slack",
                                                                                  "slack3"])
    assert f({"some": {"changelog": {"isNull": True}}}) == ["slack2"]
    assert f({"some": {"changelog": {"neq": "first"}}}) == ["slack", "slack2", "slack3"]
    assert f({"some": {"NOT": {"changelog": {"eq": "second"}}}}) == ["slack", "slack2", "slack3"]
    assert f({"some": {"OR": [{"version": {"lt": "1.0.0"}}, {"changelog": {"eq": "second"}}]}}) \
        == ["slack", "slack3"]


def test_relation_combined_with_logic(api, data):
    flt = {"AND": [in_ws(data.a),
                   {"OR": [{"versions": {"some": {"version": {"eq": "2.0.0"}}}},
                           {"NOT": {"versions": {"some": {}}}}]},
                   {"name": {"startsWith": "Z"}}]}
    assert keys(data, ok(api, data.user, filter=flt)) == ["nover"]


def test_installs_relation_sees_only_the_callers_workspaces(api, data, settings):
    b_owner = User(settings, {data.b: "member"})
    both = [data.rows["b_public"], data.rows["slack"]]
    flt = {"id": {"in": both}, "installs": {"some": {}}}
    # the caller (a) sees slack installed in a; b_public's install is in b: invisible
    assert keys(data, ok(api, data.user, filter=flt)) == ["slack"]
    assert keys(data, ok(api, data.user,
                         filter={"id": {"in": both}, "installs": {"none": {}}})) == ["b_public"]
    assert keys(data, ok(api, data.user, filter={
        "id": {"in": both}, "installs": {"some": {"workspaceId": {"eq": data.b}}}})) == []
    # a member of b sees b_public's install; slack is a's private row: not visible to b at all
    assert keys(data, ok(api, b_owner, filter=flt)) == ["b_public"]
    assert keys(data, ok(api, b_owner, filter={
        "id": {"in": both}, "installs": {"some": {"memberPolicy": {"eq": "manual"}}}})) \
        == ["b_public"]
    assert keys(data, ok(api, data.user, filter={
        "id": {"in": both}, "installs": {"every": {"memberPolicy": {"eq": "auto_all"}}}})) \
        == ["b_public", "slack"]


# --------------------------------------------------------------------------- ids

def test_ids_narrow(api, data):
    pick = [data.rows["slack"], data.rows["nover"], data.rows["b_private"]]
    page = ok(api, data.user, ids=",".join(pick))
    assert keys(data, page) == ["nover", "slack"]
    assert page["pageInfo"]["total"] == 2
    page = ok(api, data.user, ids=",".join(pick), name="zen")
    assert keys(data, page) == ["nover"]


def test_ids_reveal_another_workspaces_unlisted_only(api, data):
    d = data
    assert keys(d, ok(api, d.user, filter={"workspaceId": {"eq": d.b}})) == \
        ["b_granted", "b_public"]
    got = ok(api, d.user, ids=",".join(d.rows[k] for k in (
        "b_unlisted", "b_private", "b_public", "b_unlisted_deleted", "b_public_deleted")))
    assert keys(d, got) == ["b_public", "b_unlisted"]
    got = ok(api, d.user, ids=d.rows["b_unlisted"], include_deleted="true")
    assert keys(d, got) == ["b_unlisted"]


def test_ids_do_not_bring_back_deleted_rows(api, data):
    assert ok(api, data.user, ids=data.rows["deleted"])["data"] == []
    got = ok(api, data.user, ids=data.rows["deleted"], include_deleted="true")
    assert keys(data, got) == ["deleted"]


def test_ids_at_most_100(api, data):
    many = [lm.new_int_id() for _ in range(99)] + [data.rows["slack"]]
    assert keys(data, ok(api, data.user, ids=",".join(many))) == ["slack"]
    bad(api, data.user, "?ids", ids=",".join(many + [lm.new_int_id()]))


@pytest.mark.parametrize("ids", ["int_xyz", "ent_0192f3a4b5c6d7e8f9a0b1c2d3e4", "",
                                 "int_0192F3A4B5C6D7E8F9A0B1C2D3E4", "'; select 1 --", ","])
def test_ids_invalid(api, data, ids):
    bad(api, data.user, "?ids", ids=ids)


# --------------------------------------------------------------------------- shorthands

@pytest.mark.parametrize("param,value,expected", [
    ("publisher", "acme", ["slack"]),
    ("publisher", "Acme", ["slack2"]),
    ("visibility", "public", ["slack3"]),
    ("visibility", "unlisted", ["slack2"]),
    ("trust_tier", "first_party", ["slack"]),
    ("created_by", "usr_other_author", ["slack2"]),
    ("retention_tier", "short", ["slack3"]),
    ("retention_tier", "long", ["slack"]),
    ("name", "SLACK", ["slack", "slack2", "slack3"]),
    ("name", "pro", ["slack3"]),
])
def test_equality_shorthands(api, data, param, value, expected):
    page = ok(api, data.user, workspace_id=data.a, **{param: value})
    assert keys(data, page) == expected
    assert page["pageInfo"]["total"] == len(expected)


def test_shorthands_are_anded_with_the_filter_and_each_other(api, data):
    page = ok(api, data.user, workspace_id=data.a, name="slack", visibility="private",
              filter={"currentVersion": {"isNull": False}})
    assert keys(data, page) == ["slack"]


def test_workspace_id_shorthand(api, data):
    assert sorted(keys(data, ok(api, data.user, workspace_id=data.a))) == sorted(data.mine)
    assert keys(data, ok(api, data.user, workspace_id=data.b)) == ["b_granted", "b_public"]
    assert ok(api, data.user, workspace_id=new_ws())["data"] == []


def test_include_deleted(api, data):
    base = set(data.mine)
    assert set(keys(data, ok(api, data.user, workspace_id=data.a))) == base
    assert set(keys(data, ok(api, data.user, workspace_id=data.a, include_deleted="false"))) == base
    assert set(keys(data, ok(api, data.user, workspace_id=data.a, include_deleted="true"))) == \
        base | {"deleted"}
    # never another workspace's deleted rows, public or granted
    assert keys(data, ok(api, data.user, workspace_id=data.b, include_deleted="true")) == \
        ["b_granted", "b_public"]
    page = ok(api, data.user, workspace_id=data.a, include_deleted="true",
              filter={"deletedAt": {"isNull": False}})
    assert keys(data, page) == ["deleted"]
    assert page["data"][0]["deletedAt"] == ts(100)


@pytest.mark.parametrize("param,value", [
    ("include_deleted", "yes"), ("include_deleted", "TRUE"), ("include_deleted", ""),
    ("visibility", "secret"), ("trust_tier", "gold"), ("retention_tier", "forever")])
def test_shorthand_invalid(api, data, param, value):
    bad(api, data.user, "?" + param, **{param: value})


# --------------------------------------------------------------------------- scope

def test_scope(api, data, settings):
    d = data
    b_ids = [r for k, r in d.rows.items() if k.startswith("b_")]
    # the caller (a): public and granted-to-a rows of b, nothing private, unlisted, granted to
    # another workspace, or deleted
    assert keys(d, ok(api, d.user, filter={"id": {"in": b_ids}})) == ["b_granted", "b_public"]
    # someone with no workspace at all: public only
    nobody = User(settings, {})
    assert keys(d, ok(api, nobody, filter={"id": {"in": b_ids}})) == ["b_public"]
    # a member of c sees what is granted to c
    c_user = User(settings, {d.c: "viewer"})
    assert keys(d, ok(api, c_user, filter={"id": {"in": b_ids}})) == \
        ["b_granted_other", "b_public"]
    # b's own member sees all live rows of b, and the deleted ones on request
    b_user = User(settings, {d.b: "viewer"})
    live = sorted(k for k in d.rows if k.startswith("b_") and "deleted" not in k)
    assert keys(d, ok(api, b_user, filter={"id": {"in": b_ids}})) == live
    assert keys(d, ok(api, b_user, filter={"id": {"in": b_ids}}, include_deleted="true")) == \
        sorted(k for k in d.rows if k.startswith("b_"))
    # a's public row is visible to b; a's private and unlisted rows are not
    a_ids = [d.rows[k] for k in d.mine]
    assert keys(d, ok(api, b_user, filter={"id": {"in": a_ids}})) == ["slack3"]


def test_scope_total_counts_only_visible_rows(api, data):
    b_ids = [r for k, r in data.rows.items() if k.startswith("b_")]
    page = ok(api, data.user, filter={"id": {"in": b_ids}}, limit=1)
    assert page["pageInfo"]["total"] == 2 and len(page["data"]) == 1


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
