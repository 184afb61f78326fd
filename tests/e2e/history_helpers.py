"""Helpers of the merge upgrade, install history and diff tests (PRODUCT §12, §13)."""
import secrets

from helpers import expect_ok
from install_helpers import entity, inst_path, members_of
from publish_helpers import epath, ref

OPERATION_FIELDS = frozenset({
    "id", "installId", "kind", "actor", "requestId", "idempotencyKey", "fromVersionId",
    "toVersionId", "result", "createdAt", "hash", "prevHash",
})


def alerts_upstream(published, **changes):
    """The upstream definition of `alerts` (install_helpers.Published) with `changes` (a None
    value drops the key)."""
    e = published.entities
    d = {"channel": "{{channel}}", "retries": "{{retries}}",
         "label": "to {{ channel }} x{{retries}}", "schema": ref(e["lib"]), "tool": ref(e["tool"])}
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def publish_alerts(api, published, version, *extra_members, member_overrides=None, **changes):
    """Edits upstream `alerts` (changes as in alerts_upstream) and publishes `version`."""
    expect_ok(api.patch(epath(published.entities["alerts"]), published.author,
                        json={"definition": alerts_upstream(published, **changes)}))
    return published.republish(api, version, *extra_members, **(member_overrides or {}))


def alerts_clone(api, user, inst):
    """(member, clone entity) of the install's `alerts`."""
    m = members_of(api, user, inst)["alerts"]
    return m, entity(api, user, m["entityId"])


def edit_clone(api, user, inst, **changes):
    """The subscriber's edit of its `alerts` clone: changes applied to its current definition
    (a None value drops the key). Returns the new definition."""
    m, clone = alerts_clone(api, user, inst)
    d = dict(clone["definition"])
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    expect_ok(api.patch(epath(clone), user, json={"definition": d}))
    return d


def rid():
    return "e2e-" + secrets.token_hex(8)


def idem():
    return "idem-" + secrets.token_hex(8)


def traced(api, method, path, user, **kw):
    """A call with a fresh X-Request-Id and Idempotency-Key (POST): (response, request id, key)."""
    r, k = rid(), idem() if method == "POST" else None
    headers = {"X-Request-Id": r}
    if k:
        headers["Idempotency-Key"] = k
    resp = api.call(method, path, user, headers=headers, **kw)
    return resp, r, k


def operations(api, user, inst, **params):
    return expect_ok(api.get(inst_path(inst, "/operations"), user, params=params or None))


def all_operations(api, user, inst):
    """Every operation of the install, newest first, through the pages (limit 100)."""
    out, after = [], None
    while True:
        params = {"limit": 100}
        if after:
            params["after"] = after
        page = operations(api, user, inst, **params)
        out += page["data"]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def op_path(op_or_id):
    oid = op_or_id["id"] if isinstance(op_or_id, dict) else op_or_id
    return f"/api/integration-operations/{oid}"


def rollback(api, user, inst, op, **kw):
    return api.post(inst_path(inst, "/rollback"), user,
                    json={"operationId": op["id"] if isinstance(op, dict) else op}, **kw)
