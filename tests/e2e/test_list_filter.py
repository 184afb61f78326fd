"""`GET /api/integrations` (PRODUCT §5): filter errors, text operators, nulls, JSON and relations. Shared helpers and the `data` fixture:
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
