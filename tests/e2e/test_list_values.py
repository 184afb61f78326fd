"""Values that reach SQL from a list request (PRODUCT §5): every timestamp operand is checked in
C against what PostgreSQL accepts (a zone offset of ±16:00 or more was a 500), and every value
of a correctly signed cursor is checked against the type of its order key (a signed cursor
carrying a value that does not parse was a 500). Both are 400s, on every list.

Cursors are signed here with the dev stack's cursor key (INTEGRATIONS_CURSOR_KEY in .dev/env),
as app/list/cursor.c signs them: an HS256 JWT of {"f": fingerprint, "v": [values]}.
"""
import base64
import json

import jwt
import pytest

from helpers import expect_error, expect_ok
from install_helpers import install, publish_integration

BAD_OFFSETS = ["+16:00", "-16:00", "+23:59", "+15:60"]


@pytest.fixture(scope="module")
def lists(settings, api):
    """One row in each list, and the path, caller and timestamp fields of each list."""
    from conftest import Workspace
    author = Workspace(settings).user("owner")
    ws = Workspace(settings)
    owner = ws.user("owner")
    published = publish_integration(api, author, grant_to=[ws.id])
    install(api, owner, published.integration)
    iid = published.integration["id"]
    return {
        "integrations": ("/api/integrations", author, ["createdAt", "updatedAt", "deletedAt"]),
        "entities": ("/api/entities", author, ["createdAt", "updatedAt", "deletedAt"]),
        "versions": (f"/api/integrations/{iid}/versions", author, ["publishedAt"]),
        "installs": ("/api/integration-installs", owner,
                     ["installedAt", "lastUpgradedAt", "deletedAt"]),
    }


def get(api, user, path, **params):
    sent = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in params.items()}
    return api.get(path, user, params=sent)


def payload(cursor):
    body = cursor.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def resign(settings, claims):
    key = settings.env["INTEGRATIONS_CURSOR_KEY"]
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.mark.parametrize("name", ["integrations", "entities", "versions", "installs"])
@pytest.mark.parametrize("offset", BAD_OFFSETS)
def test_timestamp_offset_out_of_range_is_400_on_every_timestamp_field(api, lists, name, offset):
    path, user, fields = lists[name]
    for field in fields:
        for op, operand in [("gt", f"2026-01-01T00:00:00{offset}"),
                            ("in", [f"2026-01-01T00:00:00{offset}"])]:
            flt = {field: {op: operand}}
            where = f"?filter/{field}/{op}" + ("/0" if op == "in" else "")
            expect_error(get(api, user, path, filter=flt), 400, "validation_failed", where)


@pytest.mark.parametrize("name", ["integrations", "entities", "versions", "installs"])
def test_timestamp_offset_within_range_accepted(api, lists, name):
    path, user, fields = lists[name]
    for field in fields:
        for offset in ["+15:59", "-15:59", "Z"]:
            expect_ok(get(api, user, path, filter={field: {"lte": f"9999-12-31T23:59:59{offset}"}}))
        expect_ok(get(api, user, path, filter={field: {"gte": "0001-01-01T00:00:00+15:59"}}))


def test_timestamp_in_relation_filters(api, lists):
    path, user, _ = lists["integrations"]
    for rel, field in [("versions", "publishedAt"), ("installs", "installedAt")]:
        flt = {rel: {"some": {field: {"gt": "2026-01-01T00:00:00+16:00"}}}}
        expect_error(get(api, user, path, filter=flt), 400, "validation_failed",
                     f"?filter/{rel}/some/{field}/gt")


@pytest.mark.parametrize("name", ["integrations", "entities", "versions", "installs"])
def test_signed_cursor_with_values_of_the_wrong_type_is_400(api, settings, lists, name):
    path, user, _ = lists[name]
    page = expect_ok(get(api, user, path, limit=1))
    cursor = page["pageInfo"]["endCursor"]
    claims = payload(cursor)
    time_value, id_value = claims["v"]
    # The test's own signing is right: the genuine values re-signed are accepted.
    expect_ok(get(api, user, path, limit=1, after=resign(settings, claims)))
    bad_values = [
        ["2026-01-01 00:00:00+16", id_value],
        ["2026-01-01T00:00:00+16:00", id_value],
        ["not a time", id_value],
        ["2026-02-30 00:00:00+00", id_value],
        [None, id_value],
        [time_value, "x'); select pg_sleep(1); --"],
        [time_value, "int_" + "g" * 28],
        [time_value, None],
    ]
    for values in bad_values:
        forged = resign(settings, {"f": claims["f"], "v": values})
        for which in ("after", "before"):
            expect_error(get(api, user, path, limit=1, **{which: forged}), 400, "invalid_cursor")


def test_signed_cursor_semver_and_enum_keys_checked(api, settings, lists):
    path, user, _ = lists["integrations"]
    for order, bad in [([{"currentVersion": "asc"}], "1.0.0"),
                       ([{"currentVersion": "asc"}], "00000000000000000001.0.0~"),
                       ([{"trustTier": "asc"}], "gold"),
                       ([{"visibility": "desc"}], "secret")]:
        page = expect_ok(get(api, user, path, limit=1, orderBy=order))
        claims = payload(page["pageInfo"]["endCursor"])
        expect_ok(get(api, user, path, limit=1, orderBy=order, after=resign(settings, claims)))
        forged = resign(settings, {"f": claims["f"], "v": [bad, claims["v"][1]]})
        expect_error(get(api, user, path, limit=1, orderBy=order, after=forged), 400,
                     "invalid_cursor")
