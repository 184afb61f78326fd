"""`GET /api/integrations` (PRODUCT §5): ids, shorthands and scope. Shared helpers and the `data` fixture:
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
