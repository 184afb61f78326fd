"""`GET /api/integrations` (PRODUCT §5): orderBy. Shared helpers and the `data` fixture:
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
