"""Helpers of the entity, publish and visibility tests: building entities, manifests and
versions through the API, and reading what the API does not show."""
import json
import re
import secrets

from helpers import expect_ok, ipath, new_slug

ENT_ID_RE = re.compile(r"^ent_[0-9a-f]{28}$")
ENTV_ID_RE = re.compile(r"^entv_[0-9a-f]{28}$")
INTV_ID_RE = re.compile(r"^intv_[0-9a-f]{28}$")
ENTITY_FIELDS = frozenset({
    "id", "workspaceId", "kind", "slug", "name", "definition", "currentVersionId",
    "sourceInstallMemberId", "createdBy", "createdAt", "updatedAt", "deletedAt",
})
VERSION_FIELDS = frozenset({
    "id", "integrationId", "version", "manifestSnapshot", "variablesSchemaSnapshot",
    "authConfigSnapshot", "memberEntityVersions", "changelog", "publishedBy", "publishedAt",
})
# SemVer 2.0 §11's own precedence examples, lowest first.
SEMVER_SPEC_ORDER = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                     "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0",
                     "2.1.1"]


def epath(entity_or_id):
    eid = entity_or_id["id"] if isinstance(entity_or_id, dict) else entity_or_id
    return f"/api/entities/{eid}"


def vpath(version_or_id):
    vid = version_or_id["id"] if isinstance(version_or_id, dict) else version_or_id
    return f"/api/integration-versions/{vid}"


def absent_id(prefix):
    """Well-formed id of `prefix` that no row has (time part far in the past)."""
    return f"{prefix}_000000000001" + secrets.token_hex(8)


def ref(entity):
    """A definition node that makes `entity` a dependency."""
    return {"$ref": entity["id"]}


def entity_body(ws_id, **fields):
    body = {"workspaceId": ws_id, "kind": "workflow", "slug": new_slug("ent"),
            "name": "E2E entity", "definition": {"steps": []}}
    body.update(fields)
    return body


def create_entity(api, user, ws_id=None, **fields):
    """A new entity of `user`'s (first) workspace; 201 asserted."""
    body = entity_body(ws_id or next(iter(user.workspaces)), **fields)
    return expect_ok(api.post("/api/entities", user, json=body), 201)


def member(entity, slug=None, **fields):
    m = {"slug": slug or new_slug("m"), "entityId": entity["id"]}
    m.update(fields)
    return m


def manifest(*members):
    return {"members": list(members)}


def set_manifest(api, user, integration, *members, **fields):
    """PATCHes the draft's manifest (and any other field); returns the integration."""
    body = {"manifest": manifest(*members)}
    body.update(fields)
    return expect_ok(api.patch(ipath(integration), user, json=body))


def publish(api, user, integration, version="1.0.0", **fields):
    """Publishes `version`; 201 asserted."""
    body = {"version": version}
    body.update(fields)
    return expect_ok(api.post(ipath(integration, "/publish"), user, json=body), 201)


def entity_version_refs(db, version_id):
    """The refs the database derived from an entity version's definition."""
    rows = db.query("select to_jsonb(refs)::text from core.entity_versions where id = :'vid';",
                    vid=version_id)
    return json.loads(rows[0]) if rows else None


def soft_delete_entity(db, entity):
    """Entities have no DELETE endpoint (installs soft-delete clones): the tests do it directly."""
    db.query("update core.entities set deleted_at = clock_timestamp() where id = :'eid';",
             eid=entity["id"])
