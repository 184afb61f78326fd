"""Helpers of the install, upgrade and install concurrency tests: a published integration to
install, installing, upgrading, members, and direct reads of what the API does not show."""
import re
from dataclasses import dataclass

from helpers import expect_ok, ipath, new_slug
from publish_helpers import create_entity, epath, member, publish, ref, set_manifest

INST_ID_RE = re.compile(r"^inst_[0-9a-f]{28}$")
IMEM_ID_RE = re.compile(r"^imem_[0-9a-f]{28}$")
SOL_ID_RE = re.compile(r"^sol_[0-9a-f]{28}$")
INSTALL_FIELDS = frozenset({
    "id", "integrationId", "integrationVersionId", "workspaceId", "variables", "authStateId",
    "memberPolicy", "parentInstallId", "solutionId", "installedBy", "installedAt",
    "lastUpgradedAt", "deletedAt", "retentionTier", "upgradePolicy",
})
MEMBER_FIELDS = frozenset({
    "id", "installId", "slug", "role", "mode", "sourceEntityId", "entityId",
    "appliedEntityVersionId", "detached", "config", "locallyModified", "lastAppliedAt",
    "removedAt",
})
NOTHING_CHANGED = {"updated": [], "added": [], "removed": []}

VARIABLES_SCHEMA = {
    "type": "object",
    "required": ["channel"],
    "properties": {
        "channel": {"type": "string", "pattern": "^#"},
        "retries": {"type": "integer", "minimum": 0, "default": 3},
    },
}


def inst_path(install_or_id, suffix=""):
    iid = install_or_id["id"] if isinstance(install_or_id, dict) else install_or_id
    return f"/api/integration-installs/{iid}{suffix}"


def detach_path(member_or_id):
    mid = member_or_id["id"] if isinstance(member_or_id, dict) else member_or_id
    return f"/api/integration-members/{mid}/detach"


@dataclass
class Published:
    """An integration of the source workspace with version 1.0.0 published: `alerts` (clone,
    default; uses `lib`, which uses `shared`), `digest` (clone, not default; uses `alerts`),
    `tool` (reference, default)."""
    integration: dict
    version: dict
    entities: dict
    author: object

    def members(self, **overrides):
        """The manifest members (overrides: slug -> extra fields, or None to drop one)."""
        e = self.entities
        base = {
            "alerts": member(e["alerts"], "alerts", config={"to": "{{channel}}"}),
            "digest": member(e["digest"], "digest", default=False),
            "tool": member(e["tool"], "tool", mode="reference"),
        }
        out = []
        for slug, m in base.items():
            if slug in overrides and overrides[slug] is None:
                continue
            out.append(dict(m, **overrides.get(slug, {})))
        return out

    def republish(self, api, version, *extra_members, **overrides):
        """Sets the manifest (with extra members) and publishes `version`."""
        set_manifest(api, self.author, self.integration, *self.members(**overrides),
                     *extra_members, variablesSchema=VARIABLES_SCHEMA)
        return publish(api, self.author, self.integration, version)


def publish_integration(api, author, grant_to=()):
    """Authors and publishes the `Published` integration in `author`'s workspace, granting it
    to the workspaces `grant_to`."""
    ws = next(iter(author.workspaces))
    shared = create_entity(api, author, kind="schema", slug=new_slug("shared"),
                           definition={"type": "string"})
    lib = create_entity(api, author, kind="schema", slug=new_slug("lib"),
                        definition={"title": "{{channel}}", "uses": ref(shared)})
    tool = create_entity(api, author, kind="tool", slug=new_slug("tool"),
                         definition={"url": "https://hooks.example.com"})
    alerts = create_entity(api, author, kind="workflow", slug=new_slug("alerts"),
                           definition={"channel": "{{channel}}", "retries": "{{retries}}",
                                       "label": "to {{ channel }} x{{retries}}",
                                       "schema": ref(lib), "tool": ref(tool)})
    digest = create_entity(api, author, kind="workflow", slug=new_slug("digest"),
                           definition={"alerts": ref(alerts)})
    integration = expect_ok(api.post("/api/integrations", author, json={
        "workspaceId": ws, "slug": new_slug("int"), "name": "Alerts"}), 201)
    entities = {"shared": shared, "lib": lib, "tool": tool, "alerts": alerts, "digest": digest}
    published = Published(integration, None, entities, author)
    set_manifest(api, author, integration, *published.members(), variablesSchema=VARIABLES_SCHEMA)
    published.version = publish(api, author, integration, "1.0.0")
    for target in grant_to:
        expect_ok(api.post(ipath(integration, "/grants"), author, json={"workspaceId": target}),
                  201)
    return published


def install(api, user, integration, workspace_id=None, **fields):
    """Installs `integration` into `workspace_id` (default: `user`'s first workspace) with
    channel #ops unless told otherwise; 201 asserted."""
    body = {"workspaceId": workspace_id or next(iter(user.workspaces)),
            "variables": {"channel": "#ops"}}
    body.update(fields)
    return expect_ok(api.post(ipath(integration, "/install"), user, json=body), 201)


def upgrade(api, user, inst, **body):
    """Upgrades (body fields as keyword arguments, none: no body at all); 200 asserted."""
    kwargs = {"json": body} if body else {}
    return expect_ok(api.post(inst_path(inst, "/upgrade"), user, **kwargs))


def members_of(api, user, inst, removed=False):
    """The install's members by slug (dependencies as 'dep:<slug>'); live ones unless
    `removed`, which returns the removed ones."""
    got = expect_ok(api.get(inst_path(inst, "/members"), user))["members"]
    return {("dep:" if m["role"] == "dependency" else "") + m["slug"]: m for m in got
            if (m["removedAt"] is not None) == removed}


def entity(api, user, entity_id):
    return expect_ok(api.get(epath(entity_id), user))


def count(db, sql, **params):
    """A count(*) query's value."""
    return int(db.query(sql, **params)[0])
