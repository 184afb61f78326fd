"""Upgrade: the walk-through (author -> publish -> install -> edit upstream -> publish 1.1.0 ->
upgrade with one member detached), dry runs, a second run, rollback, variables, errors."""
from helpers import expect_error, expect_ok, ipath, new_slug
from install_helpers import (NOTHING_CHANGED, VARIABLES_SCHEMA, count, detach_path, entity,
                             inst_path, install, members_of, publish_integration, upgrade)
from publish_helpers import create_entity, epath, member, publish, ref, set_manifest


def changed(result):
    return {k: result[k] for k in ("updated", "added", "removed")}


def lists(result):
    """The reference's four lists of an upgrade's answer (merged, conflicts, operationId and a
    dry run's changes aside: tests/sql/api/upgrade.sql covers them)."""
    return {k: result[k] for k in ("updated", "added", "removed", "skipped")}


def test_walk_through(api, db, new_workspace):
    """README: a publisher authors and publishes; a partner installs; the publisher edits an
    entity and publishes 1.1.0; the partner detaches one member and upgrades."""
    acme = new_workspace()
    publisher = acme.user("admin")
    globex = new_workspace()
    partner = globex.user("member")

    # author
    schema = create_entity(api, publisher, kind="schema", slug="alert-schema",
                           definition={"type": "object", "title": "Alert for {{channel}}"})
    flow = create_entity(api, publisher, kind="workflow", slug="alert-workflow",
                         definition={"post_to": "{{channel}}", "payload": ref(schema)})
    bot = create_entity(api, publisher, kind="agent", slug="alert-bot",
                        definition={"prompt": "Summarize alerts for {{channel}}"})
    integration = expect_ok(api.post("/api/integrations", publisher, json={
        "workspaceId": acme.id, "slug": new_slug("alerts"), "name": "Alerts"}), 201)
    set_manifest(api, publisher, integration,
                 member(flow, "alert-workflow"), member(bot, "alert-bot"),
                 variablesSchema={"type": "object", "required": ["channel"],
                                  "properties": {"channel": {"type": "string"}}})
    v1 = publish(api, publisher, integration, "1.0.0")
    expect_ok(api.post(ipath(integration, "/grants"), publisher,
                       json={"workspaceId": globex.id}), 201)

    # install
    inst = install(api, partner, integration, variables={"channel": "#ops"})
    assert inst["integrationVersionId"] == v1["id"]
    ms = members_of(api, partner, inst)
    assert set(ms) == {"alert-workflow", "alert-bot", "dep:alert-schema"}
    flow_clone = entity(api, partner, ms["alert-workflow"]["entityId"])
    assert flow_clone["definition"] == {"post_to": "#ops",
                                        "payload": {"$ref": ms["dep:alert-schema"]["entityId"]}}

    # edit upstream, publish 1.1.0
    expect_ok(api.patch(epath(schema), publisher, json={"definition": {
        "type": "object", "title": "Alert for {{channel}}", "required": ["severity"]}}))
    expect_ok(api.patch(epath(bot), publisher, json={"definition": {
        "prompt": "Summarize and rank alerts for {{channel}}"}}))
    v11 = publish(api, publisher, integration, "1.1.0")

    # the partner keeps its own bot: detach it, then upgrade
    expect_ok(api.patch(epath(ms["alert-bot"]["entityId"]), partner,
                        json={"definition": {"prompt": "Our own prompt"}}))
    assert members_of(api, partner, inst)["alert-bot"]["locallyModified"] is True
    expect_ok(api.post(detach_path(ms["alert-bot"]), partner, json={"detached": True}))
    plan = upgrade(api, partner, inst, dryRun=True)
    assert lists(plan) == {"updated": ["alert-schema"], "added": [], "removed": [],
                           "skipped": ["alert-bot"]}
    assert lists(upgrade(api, partner, inst)) == lists(plan)
    assert expect_ok(api.get(inst_path(inst), partner))["integrationVersionId"] == v11["id"]
    assert entity(api, partner, ms["dep:alert-schema"]["entityId"])["definition"] == {
        "type": "object", "title": "Alert for #ops", "required": ["severity"]}
    assert entity(api, partner, ms["alert-bot"]["entityId"])["definition"] == {
        "prompt": "Our own prompt"}
    assert changed(upgrade(api, partner, inst)) == NOTHING_CHANGED
    # one clone per member, the schema's with a second version
    assert count(db, "select count(*) from core.entities where workspace_id = :'ws';",
                 ws=globex.id) == 3
    assert count(db, "select count(*) from core.entity_versions where entity_id = :'e';",
                 e=ms["dep:alert-schema"]["entityId"]) == 2


def test_upgrade_applies_additions_removals_and_changes(api, owner, published, installed):
    e = published.entities
    fresh = create_entity(api, published.author, kind="tool", slug=new_slug("fresh"),
                          definition={"n": "{{retries}}"})
    expect_ok(api.patch(epath(e["alerts"]), published.author, json={"definition": {
        "channel": "{{channel}}", "schema": ref(e["lib"])}}))
    published.republish(api, "1.1.0", member(fresh, "fresh"), tool=None)
    got = upgrade(api, owner, installed)
    assert lists(got) == {"updated": ["alerts"], "added": ["fresh"], "removed": ["tool"],
                   "skipped": ["digest"]}
    ms = members_of(api, owner, installed)
    assert entity(api, owner, ms["fresh"]["entityId"])["definition"] == {"n": 3}
    assert "tool" in members_of(api, owner, installed, removed=True)
    inst = expect_ok(api.get(inst_path(installed), owner))
    assert inst["lastUpgradedAt"] is not None
    assert changed(upgrade(api, owner, installed)) == NOTHING_CHANGED
    assert expect_ok(api.get(inst_path(installed), owner))["lastUpgradedAt"] == \
        inst["lastUpgradedAt"], "a second upgrade wrote nothing"


def test_dry_run_changes_nothing(api, db, owner, published, installed):
    published.republish(api, "1.1.0", tool=None)
    before = db.rows(installed["id"])
    plan = upgrade(api, owner, installed, dryRun=True)
    assert plan["removed"] == ["tool"]
    assert db.rows(installed["id"]) == before
    assert "tool" in members_of(api, owner, installed)
    assert lists(upgrade(api, owner, installed)) == lists(plan)


def test_rollback_to_an_older_version(api, owner, published, installed):
    fresh = create_entity(api, published.author, kind="tool", slug=new_slug("fresh"),
                          definition={"n": 1})
    expect_ok(api.patch(epath(published.entities["alerts"]), published.author,
                        json={"definition": {"channel": "{{channel}}",
                                             "schema": ref(published.entities["lib"]),
                                             "tool": ref(published.entities["tool"])}}))
    published.republish(api, "1.1.0", member(fresh, "fresh"))
    assert changed(upgrade(api, owner, installed)) == {
        "updated": ["alerts"], "added": ["fresh"], "removed": []}
    back = upgrade(api, owner, installed, integrationVersionId=published.version["id"])
    assert lists(back) == {"updated": ["alerts"], "added": [], "removed": ["fresh"], "skipped": ["digest"]}
    assert expect_ok(api.get(inst_path(installed), owner))["integrationVersionId"] == \
        published.version["id"]
    alerts = members_of(api, owner, installed)["alerts"]
    assert entity(api, owner, alerts["entityId"])["definition"]["label"] == "to #ops x3"


def test_a_dropped_member_that_is_still_used_becomes_a_dependency(api, owner, published,
                                                                  installed):
    """1.1.0 drops the reference member `tool`, but `alerts` still uses it: it is no longer
    declared a reference, so it is cloned as a dependency."""
    tool = published.entities["tool"]
    published.republish(api, "1.1.0", tool=None)
    got = upgrade(api, owner, installed)
    assert changed(got) == {"updated": ["alerts"], "added": [tool["slug"]], "removed": ["tool"]}
    ms = members_of(api, owner, installed)
    clone = ms["dep:" + tool["slug"]]["entityId"]
    assert clone != tool["id"]
    assert entity(api, owner, ms["alerts"]["entityId"])["definition"]["tool"] == {"$ref": clone}


def test_upgrade_bodies(api, owner, published, installed):
    # no body, no Content-Type; an empty object; nulls
    expect_ok(api.post(inst_path(installed, "/upgrade"), owner))
    expect_ok(api.post(inst_path(installed, "/upgrade"), owner, json={}))
    expect_ok(api.post(inst_path(installed, "/upgrade"), owner,
                       json={"integrationVersionId": None}))
    for body, path in [({"dry_run": True}, "/dry_run"), ({"dryRun": "yes"}, "/dryRun"),
                       ({"integrationVersionId": "intv_1"}, "/integrationVersionId"),
                       ({"variables": "x"}, "/variables")]:
        expect_error(api.post(inst_path(installed, "/upgrade"), owner, json=body),
                     400, "validation_failed", path)
    expect_error(api.post(inst_path(installed, "/upgrade"), owner, data="{}",
                          headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")


def test_new_required_variables_are_named(api, owner, published, installed):
    schema = dict(VARIABLES_SCHEMA, required=["channel", "team", "zone"],
                  properties=dict(VARIABLES_SCHEMA["properties"], team={"type": "string"},
                                  zone={"type": "string", "default": "eu"}))
    set_manifest(api, published.author, published.integration, *published.members(),
                 variablesSchema=schema)
    publish(api, published.author, published.integration, "1.1.0")
    body = expect_error(api.post(inst_path(installed, "/upgrade"), owner), 422,
                        "validation_failed")
    assert [e["path"] for e in body["errors"]] == ["/variables/team"]
    expect_error(api.post(inst_path(installed, "/upgrade"), owner,
                          json={"variables": {"team": 7}}), 422, "validation_failed",
                 "/variables/team")
    upgrade(api, owner, installed, variables={"team": "core"})
    assert expect_ok(api.get(inst_path(installed), owner))["variables"] == {
        "channel": "#ops", "retries": 3, "team": "core", "zone": "eu"}


def test_changed_variables_are_re_applied(api, owner, published, installed):
    got = upgrade(api, owner, installed, variables={"channel": "#alerts"})
    assert got["updated"] == ["alerts", published.entities["lib"]["slug"]]
    alerts = members_of(api, owner, installed)["alerts"]
    assert alerts["config"] == {"to": "#alerts"}
    assert entity(api, owner, alerts["entityId"])["definition"]["channel"] == "#alerts"


def test_reattached_members_are_brought_up_to_date(api, owner, published, installed):
    alerts = members_of(api, owner, installed)["alerts"]
    expect_ok(api.post(detach_path(alerts), owner, json={"detached": True}))
    expect_ok(api.patch(epath(published.entities["alerts"]), published.author,
                        json={"definition": {"channel": "{{channel}}"}}))
    published.republish(api, "1.1.0")
    e = published.entities
    # the detached clone keeps what it uses, though 1.1.0's alerts no longer needs it
    assert lists(upgrade(api, owner, installed)) == {
        "updated": [], "added": [], "removed": [],
        "skipped": sorted(["alerts", "digest", e["lib"]["slug"], e["shared"]["slug"]])}
    expect_ok(api.post(detach_path(alerts), owner, json={"detached": False}))
    assert lists(upgrade(api, owner, installed)) == {
        "updated": ["alerts"], "added": [], "removed": sorted([e["lib"]["slug"], e["shared"]["slug"]]),
        "skipped": ["digest"]}
    assert entity(api, owner, alerts["entityId"])["definition"] == {"channel": "#ops"}


def test_upgrade_errors(api, owner, ws, published, installed, author, outsider):
    other = publish_integration(api, author)
    expect_error(api.post(inst_path(installed, "/upgrade"), owner,
                          json={"integrationVersionId": other.version["id"]}),
                 422, "validation_failed", "/integrationVersionId")
    expect_error(api.post(inst_path(installed, "/upgrade"), ws.user("viewer")), 403, "forbidden")
    expect_error(api.post(inst_path(installed, "/upgrade"), outsider), 404, "not_found")
    expect_ok(api.delete(ipath(published.integration, f"/grants/{ws.id}"), published.author))
    expect_error(api.post(inst_path(installed, "/upgrade"), owner), 403, "forbidden")
