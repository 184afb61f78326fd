"""Install hardening (docs/sql.md): variables schema patterns the service cannot run in bounded
time and variable names no placeholder can have are refused where the schema is written;
an install lands only where its destination workspace may read the integration (upgrades
too, after a grant is revoked); an entity created while an install picks slugs never makes
the install fail."""
import json
import threading
import time

import pytest

from helpers import User, expect_error, expect_ok, ipath, new_slug, new_ws
from install_helpers import count, entity, inst_path, install, members_of, publish_integration
from publish_helpers import create_entity, member, publish, set_manifest

SLOW = "(((a{1,40}){1,40}){1,40})"  # ~0.4 s per compile in PostgreSQL 15 here

REFUSED_PATTERNS = {
    "nested-bounded": SLOW,
    "nested-plus": "^(a+)+$",
    "nested-star": "(a*)*b",
    "nested-deep": "((ab)?c)*",
    "nested-after-group": "((a|b){2}x){3}",
    "back-reference": "^(a)\\1$",
    "too-long": "a" * 257,
    "bounds-add-up": "\\w{0,255}\\w{0,255}\\w{0,255}\\w{0,255}",
    "long-operand": "(ab|cd|ef|gh|ij|kl|mn|op){0,250}",
    "director": "***=a",
    "expanded-option": "(?x)a +",
    "invalid": "((",
}
ACCEPTED_PATTERNS = ["^#", "^[a-z][a-z0-9_-]{0,62}$", "a+?b*", "(ab|cd){1,9}", "[(]+[)]*",
                     "\\(a+\\)+", "(?i)^x[[:alpha:]]{2,}$", "(?:ab)+c", "a{3}b{2,}c?",
                     "[]a]+", "^\\d{4}-\\d{2}$"]


def schema_with(pattern=None, name="region"):
    prop = {"type": "string"}
    if pattern is not None:
        prop["pattern"] = pattern
    return {"type": "object", "properties": {name: prop}}


def nested_schema(pattern):
    return {"type": "object", "properties": {"tags": {"type": "array", "items": {
        "type": "object", "properties": {"v": {"type": "string", "pattern": pattern}}}}}}


def legacy_draft_schema(db, integration_id, schema):
    """Gives a draft the variables schema a row written before the rules could hold: without
    the check trigger (the other triggers, its stored representation's included, run; its
    event trigger, deferred to commit, is fired before the second ALTER TABLE, which
    PostgreSQL refuses while the table has pending trigger events)."""
    db.query("begin;"
             " alter table core.integrations disable trigger integrations_variables_schema_update;"
             " update core.integrations set variables_schema = :'s' where id = :'id';"
             " set constraints core.integrations_events immediate;"
             " alter table core.integrations enable trigger integrations_variables_schema_update;"
             " commit;", s=json.dumps(schema), id=integration_id)


def legacy_version_schema(db, version_id, schema):
    """Gives a published version the variables schema snapshot a version published before
    the rules could hold: written without any trigger (versions are otherwise immutable)."""
    db.query("set session_replication_role = replica;"
             " update core.integration_versions set variables_schema_snapshot = :'s'"
             " where id = :'id';", s=json.dumps(schema), id=version_id)


# ----------------------------------------------------------------------- 1. pattern cost

@pytest.mark.parametrize("pattern", list(REFUSED_PATTERNS.values()), ids=list(REFUSED_PATTERNS))
def test_costly_pattern_is_refused_on_create(api, owner, pattern):
    started = time.monotonic()
    resp = api.post("/api/integrations", owner, json={
        "workspaceId": next(iter(owner.workspaces)), "slug": new_slug(), "name": "P",
        "variablesSchema": schema_with(pattern)})
    expect_error(resp, 422, "pattern_too_complex", "/variablesSchema/properties/region/pattern")
    assert time.monotonic() - started < 2, "refusing must not compile the pattern"


def test_costly_pattern_is_refused_on_patch_at_any_depth(api, db, owner, integration):
    before = expect_ok(api.get(ipath(integration), owner))
    resp = api.patch(ipath(integration), owner, json={"variablesSchema": nested_schema(SLOW),
                                                      "name": "changed"})
    expect_error(resp, 422, "pattern_too_complex",
                 "/variablesSchema/properties/tags/items/properties/v/pattern")
    after = expect_ok(api.get(ipath(integration), owner))
    assert after == before


def test_more_than_32_patterns_are_refused(api, owner, create):
    props = {f"v{n}": {"type": "string", "pattern": "^x"} for n in range(33)}
    resp = api.post("/api/integrations", owner, json={
        "workspaceId": next(iter(owner.workspaces)), "slug": new_slug(), "name": "P",
        "variablesSchema": {"type": "object", "properties": props}})
    expect_error(resp, 422, "pattern_too_complex", "/variablesSchema")
    del props["v32"]
    create(owner, variablesSchema={"type": "object", "properties": props})


@pytest.mark.parametrize("pattern", ACCEPTED_PATTERNS)
def test_ordinary_patterns_are_accepted(api, owner, create, pattern):
    got = create(owner, variablesSchema=schema_with(pattern))
    assert got["variablesSchema"]["properties"]["region"]["pattern"] == pattern


def test_publish_does_not_snapshot_a_costly_pattern(api, db, owner, integration):
    legacy_draft_schema(db, integration["id"], schema_with(SLOW))
    resp = api.post(ipath(integration, "/publish"), owner, json={"version": "1.0.0"})
    expect_error(resp, 422, "pattern_too_complex", "/variablesSchema/properties/region/pattern")
    assert count(db, "select count(*) from core.integration_versions where integration_id = :'id';",
                 id=integration["id"]) == 0


def test_install_never_runs_a_costly_pattern_of_an_old_version(api, db, owner, ws):
    """A version published before the rule still holds its pattern: installing reports it
    as a problem of the value, at once, instead of compiling it."""
    e = create_entity(api, owner, kind="schema", slug=new_slug("p"), definition={"r": "{{region}}"})
    integ = expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "P"}), 201)
    set_manifest(api, owner, integ, member(e, "mm"), variablesSchema=schema_with("^[a-z]+$"))
    v = publish(api, owner, integ, "1.0.0")
    legacy_version_schema(db, v["id"], schema_with(SLOW))
    started = time.monotonic()
    for _ in range(3):
        resp = api.post(ipath(integ, "/install"), owner, json={
            "workspaceId": ws.id, "variables": {"region": "aaa"}})
        body = expect_error(resp, 422, "validation_failed", "/variables/region")
        assert "cannot be checked" in body["errors"][0]["message"]
    assert time.monotonic() - started < 1.5, "the pattern was compiled"
    assert count(db, "select count(*) from core.integration_installs where integration_id = :'id';",
                 id=integ["id"]) == 0


def test_statement_timeout_is_504_statement_timeout_without_retry_after(api, db, owner, ws):
    """A request that runs past the workers' 10 s statement_timeout (here: an entity create
    waiting for the workspace's slug lock, held by another session) is cancelled: 504
    statement_timeout, no Retry-After, nothing written."""
    slug = new_slug("slow")
    holder = threading.Thread(target=db.query, args=(
        "begin; select pg_advisory_xact_lock(hashtextextended('install slugs ' || :'ws', 0));"
        " select pg_sleep(12); commit;",), kwargs={"ws": ws.id})
    holder.start()
    try:
        time.sleep(0.5)
        resp = api.post("/api/entities", owner, json={"workspaceId": ws.id, "kind": "schema",
                                                      "slug": slug, "name": "S", "definition": {}})
    finally:
        holder.join(timeout=30)
    expect_error(resp, 504, "statement_timeout")
    assert "Retry-After" not in resp.headers
    assert count(db, "select count(*) from core.entities where workspace_id = :'ws';", ws=ws.id) == 0
    api.server_errors.clear()  # the 504 is what this test asks for


# ----------------------------------------------------------------- 2. install destination

@pytest.fixture
def two_workspace_user(settings):
    """Member of B (granted the integration) and admin of C (never granted)."""
    b, c = new_ws(), new_ws()
    return User(settings, {b: "member", c: "admin"}), b, c


def test_install_only_where_the_destination_may_read(api, db, author, two_workspace_user):
    user, b, c = two_workspace_user
    published = publish_integration(api, author, grant_to=[b])
    resp = api.post(ipath(published.integration, "/install"), user, json={
        "workspaceId": c, "variables": {"channel": "#ops"}})
    body = expect_error(resp, 403, "forbidden")
    assert c in body["detail"]
    assert count(db, "select count(*) from core.integration_installs where workspace_id = :'ws';",
                 ws=c) == 0
    assert count(db, "select count(*) from core.entities where workspace_id = :'ws';", ws=c) == 0
    # the granted workspace may
    install(api, user, published.integration, workspace_id=b)


def test_unlisted_installs_anywhere_private_only_where_granted(api, author, two_workspace_user):
    user, b, c = two_workspace_user
    published = publish_integration(api, author, grant_to=[b])
    expect_ok(api.post(ipath(published.integration, "/visibility"), author,
                       json={"visibility": "unlisted"}))
    install(api, user, published.integration, workspace_id=c)


def test_revoked_grant_keeps_installs_but_refuses_upgrades(api, db, author, two_workspace_user):
    user, b, _ = two_workspace_user
    published = publish_integration(api, author, grant_to=[b])
    inst = install(api, user, published.integration, workspace_id=b)
    clones = [m["entityId"] for m in members_of(api, user, inst).values() if m["mode"] == "clone"]
    assert len(clones) == 3
    v2 = published.republish(api, "1.1.0")
    expect_ok(api.delete(ipath(published.integration, f"/grants/{b}"), author))
    # The caller still reads the integration (a viewer of another granted workspace): only
    # the install's workspace lost access.
    other = new_ws()
    expect_ok(api.post(ipath(published.integration, "/grants"), author,
                       json={"workspaceId": other}), 201)
    caller = User(user.settings, dict(user.workspaces, **{other: "viewer"}), sub=user.sub)
    for body in ({}, {"dryRun": True}, {"integrationVersionId": published.version["id"]}):
        body = expect_error(api.post(inst_path(inst, "/upgrade"), caller, json=body),
                            403, "forbidden")
        assert b in body["detail"]
    # the install and its clones stay as they were
    got = expect_ok(api.get(inst_path(inst), caller))
    assert got["deletedAt"] is None and got["integrationVersionId"] == published.version["id"]
    for entity_id in clones:
        assert entity(api, caller, entity_id)["deletedAt"] is None
    # access back: the upgrade goes through
    expect_ok(api.post(ipath(published.integration, "/grants"), author, json={"workspaceId": b}),
              201)
    expect_ok(api.post(inst_path(inst, "/upgrade"), caller, json={}))
    assert expect_ok(api.get(inst_path(inst), caller))["integrationVersionId"] == v2["id"]


# ------------------------------------------------------------------- 3. variable names

@pytest.mark.parametrize("name", ["{{x}}", "x}}", "a b", "x\"", "9lives", "", "a" * 65,
                                  "x\u0003\"}, {\"b\": \"\u0002y", "é"])
def test_variable_name_no_placeholder_can_have_is_refused(api, owner, integration, name):
    resp = api.patch(ipath(integration), owner, json={"variablesSchema": schema_with(name=name)})
    token = name.replace("~", "~0").replace("/", "~1")
    expect_error(resp, 422, "validation_failed", f"/variablesSchema/properties/{token}")


@pytest.mark.parametrize("name", ["x", "_", "Region_2", "a" * 64])
def test_variable_names_placeholders_can_have_are_accepted(api, owner, create, name):
    create(owner, variablesSchema=schema_with(name=name))


def spanning(a, key, b):
    """A variable name whose placeholder marker would span from {{a}}'s to {{b}}'s, across
    the end of one document and the start of the next in the batch the install fills."""
    return a + '\u0003"}, {"' + key + '": "\u0002' + b


def test_legacy_spanning_variable_name_cannot_break_an_install(api, db, owner, ws):
    """Before the rules this install answered 500: the name's marker replaced the text between
    two members' placeholders, and a member lost its definition."""
    e1 = create_entity(api, owner, kind="schema", slug=new_slug("p"), definition={"a": "{{x}}"})
    e2 = create_entity(api, owner, kind="schema", slug=new_slug("p"), definition={"b": "{{y}}"})
    integ = expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "P"}), 201)
    set_manifest(api, owner, integ, member(e1, "m1"), member(e2, "m2"),
                 variablesSchema={"type": "object", "properties": {"x": {}, "y": {}}})
    v = publish(api, owner, integ, "1.0.0")
    legacy = {"type": "object", "properties": {
        "x": {}, "y": {},
        spanning("x", "b", "y"): {"type": "integer", "default": 5},
        spanning("y", "a", "x"): {"type": "integer", "default": 5}}}
    legacy_version_schema(db, v["id"], legacy)
    # x and y unset: their placeholders give null, and the spanning names are ignored
    inst = install(api, owner, integ, variables={})
    got = members_of(api, owner, inst)
    assert entity(api, owner, got["m1"]["entityId"])["definition"] == {"a": None}
    assert entity(api, owner, got["m2"]["entityId"])["definition"] == {"b": None}


def test_a_value_holding_a_placeholder_is_not_filled_again(api, owner, ws):
    e = create_entity(api, owner, kind="schema", slug=new_slug("p"),
                      definition={"a": "{{x}}", "b": "{{y}}", "c": "<{{x}}|{{y}}>",
                                  "d": ["{{x}}"]})
    integ = expect_ok(api.post("/api/integrations", owner, json={
        "workspaceId": ws.id, "slug": new_slug(), "name": "P"}), 201)
    set_manifest(api, owner, integ, member(e, "mm", config={"k": "{{y}}"}),
                 variablesSchema={"type": "object", "properties": {"x": {}, "y": {}}})
    publish(api, owner, integ, "1.0.0")
    inst = install(api, owner, integ, variables={"x": "{{y}} \"}}", "y": "Y"})
    got = members_of(api, owner, inst)["mm"]
    assert got["config"] == {"k": "Y"}
    assert entity(api, owner, got["entityId"])["definition"] == {
        "a": "{{y}} \"}}", "b": "Y", "c": "<{{y}} \"}}|Y>", "d": ["{{y}} \"}}"]}


# --------------------------------------------------------------- 4. slug race with creates

ROUNDS = 12


def test_entity_created_while_installing_never_fails_the_install(api, db, author, new_workspace):
    published = publish_integration(api, author)
    expect_ok(api.post(ipath(published.integration, "/visibility"), author,
                       json={"visibility": "unlisted"}))
    slugs = [published.entities[k]["slug"] for k in ("alerts", "lib", "shared")]
    failures = []
    for _ in range(ROUNDS):
        dest = new_workspace()
        user = dest.user("owner")
        start = threading.Barrier(1 + len(slugs))
        results = {}

        def run(key, call):
            start.wait()
            results[key] = call()

        threads = [threading.Thread(target=run, args=("install", lambda: api.post(
            ipath(published.integration, "/install"), user,
            json={"workspaceId": dest.id, "variables": {"channel": "#ops"}})))]
        for s in slugs:
            threads.append(threading.Thread(target=run, args=(s, lambda s=s: api.post(
                "/api/entities", user, json={"workspaceId": dest.id, "kind": "schema",
                                             "slug": s, "name": s, "definition": {}}))))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        if results["install"].status_code != 201:
            failures.append(results["install"].text[:200])
            continue
        for s in slugs:
            assert results[s].status_code in (201, 409), results[s].text
        # every live slug once, and every clone has one of base, base-2, ...
        assert count(db, "select count(*) - count(distinct slug) from core.entities "
                         "where workspace_id = :'ws' and deleted_at is null;", ws=dest.id) == 0
        clones = members_of(api, user, results["install"].json())
        assert len(clones) == 4  # alerts, tool (reference), dep:lib, dep:shared
    assert not failures, f"{len(failures)}/{ROUNDS} installs failed: {failures[:2]}"
