"""Model-based test of `GET /api/integrations` (issue 3): thousands of rows with many nulls
and ties, random filters × random orderBy, every result paged through forwards (`after`)
and backwards (`before`) at random page sizes, and compared on every page with the
independent Python evaluation in list_model.py: same rows in the same order, nothing missing
or repeated, `total`, `hasNextPage`, `hasPreviousPage` and the cursors right.

Reproduce a failure with the seed it prints: `E2E_LIST_SEED=<seed> pytest … test_list_model.py`
(E2E_LIST_COMBOS: number of query combinations, default 40; E2E_LIST_BUDGET: seconds after
which no new combination starts, default 30 — the first 17 always run; the seed changes every
run, so runs add up).
"""
import json
import os
import random
import time

import pytest

from helpers import User, expect_ok
import list_model as lm
from list_model import DIRECTIONS, SORTABLE, iso

SEED = int(os.environ.get("E2E_LIST_SEED") or random.SystemRandom().randrange(1 << 32))
COMBOS = int(os.environ.get("E2E_LIST_COMBOS") or 40)
# Time budget for the combinations: once it is spent no new one starts (the fixed "focus"
# combinations, the first 17, always run). The number run is printed.
BUDGET = float(os.environ.get("E2E_LIST_BUDGET") or 30)
N_ROWS = 3000
MAX_PAGES = 12          # page sizes are drawn so that one pass takes at most about this many
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z

NAMES = ["Slack", "slack", "Slack Pro", "SLACK", "Salesforce", "GitHub", "github", "Jira",
         "Zendesk", "zendesk cloud", "a_b", "50% off", "back\\slash", "Ärger", "émoji 😀",
         "Ωmega", "", " leading space", "ärger", "ÉCOLE", "école", "ДОМ", "дом", "ΣΟΦΊΑ"]
DESCRIPTIONS = ["", "Sync contacts", "sync contacts", "Sync_all", "50% faster", "Ärger", "x"]
PUBLISHERS = ["acme", "Acme", "ACME", "globex", "initech", "Ümlaut GmbH", "a_b"]
ICONS = ["https://example.com/a.png", "https://example.com/b.png", "https://cdn.example.com/%"]
USERS = ["usr_alice", "usr_bob", "usr_carol", "usr_Dave"]
SEMVERS = ["0.1.0", "0.9.12", "1.0.0-0.3.7", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha-1",
           "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
           "1.0.0", "1.0.0+build.7", "1.0.0+other", "1.2.3", "1.10.0", "1.9.0", "2.0.0",
           "10.0.0", "2.0.0-x.7.z.92"]
OPERAND_SEMVERS = SEMVERS + ["1.0.0-alpha.0", "1.0.0-beta.3", "3.0.0", "0.0.1", "1.0.0-rc.1+b"]
MEMBER = {"slug": "m1", "entityId": "ent_0192f3a4b5c6a1b2c3d4e5f60718", "mode": "clone",
          "default": True, "config": {}}
MANIFESTS = [{"members": []}, {"members": [MEMBER]}]
VSCHEMAS = [{}, {"type": "object", "properties": {"region": {"type": "string"}}},
            {"type": "object", "required": ["token"]}]
AUTHS = [{"type": "none"}, {"type": "oauth2", "scopes": ["read", "write"]},
         {"type": "api_key", "header": "X-Key"}, {"type": "oauth2", "scopes": ["read"]}]
CHANGELOGS = [None, None, "first", "Fixes", "fixes", "50% better"]


def build_data(rng, workspaces):
    """Rows in API shape; created_at in batches of identical values, many nulls and ties."""
    rows, versions, installs, grants = [], [], [], []
    live_roots = set()
    ws_weights = [3, 3, 2, 2, 2]
    for i in range(N_ROWS):
        ws = rng.choices(workspaces, ws_weights)[0]
        created = T0 + (i // 37) * 1_000_000 + rng.choice([0, 0, 0, 250_000])
        updated = created + rng.choice([0, 0, 1_000_000, 86_400_000_000, 7])
        current = None if rng.random() < 0.35 else rng.choice(SEMVERS)
        row = lm.integration_row(
            ws, id=lm.new_prefixed_id("int_", rng), slug=f"lm-{i}",
            name=rng.choice(NAMES),
            description=None if rng.random() < 0.5 else rng.choice(DESCRIPTIONS),
            iconUrl=None if rng.random() < 0.7 else rng.choice(ICONS),
            publisher=None if rng.random() < 0.4 else rng.choice(PUBLISHERS),
            trustTier=rng.choice(lm.ENUMS["trustTier"]),
            currentVersion=current,
            manifest=rng.choice(MANIFESTS), variablesSchema=rng.choice(VSCHEMAS),
            authConfig=rng.choice(AUTHS),
            visibility=rng.choices(lm.ENUMS["visibility"], [5, 2, 3])[0],
            createdBy=rng.choice(USERS),
            deletedAt=iso(T0 + rng.choice([3, 3, 9]) * 3_600_000_000)
            if rng.random() < 0.1 else None,
            retentionTier=rng.choice(lm.ENUMS["retentionTier"]),
            createdAt=iso(created), updatedAt=iso(updated))
        rows.append(row)
        if current is not None:
            vs = {current} | set(rng.sample(SEMVERS, rng.choice([0, 0, 1, 2])))
            for v in sorted(vs):
                versions.append(lm.version_row(
                    row["id"], v, id=lm.new_prefixed_id("intv_", rng),
                    changelog=rng.choice(CHANGELOGS), publishedBy=rng.choice(USERS),
                    publishedAt=iso(created + rng.choice([0, 0, 60_000_000]))))
                if rng.random() < 0.15:
                    dest = rng.choice(workspaces)
                    deleted = rng.random() < 0.2 or (row["id"], dest) in live_roots
                    if not deleted:  # at most one live root install per workspace
                        live_roots.add((row["id"], dest))
                    installs.append(lm.install_row(
                        row["id"], versions[-1]["id"], dest,
                        id=lm.new_prefixed_id("inst_", rng),
                        solutionId=lm.new_prefixed_id("sol_", rng),
                        memberPolicy=rng.choice(lm.ENUMS["memberPolicy"]),
                        installedBy=rng.choice(USERS), installedAt=iso(created),
                        deletedAt=iso(created) if deleted else None))
        # some of the outsider workspace's rows are granted to one of the caller's
        if ws == workspaces[-1] and rng.random() < 0.2:
            grants.append((row["id"], rng.choice(workspaces[:-1])))
    return rows, versions, installs, grants


@pytest.fixture(scope="module")
def loaded(settings, db):
    rng = random.Random(SEED)
    tag = "%08x" % SEED
    workspaces = [f"ws_lm{tag}_{k}" for k in range(5)]
    lm.purge_workspaces(db, workspaces)  # leftovers of an interrupted run with this seed
    rows, versions, installs, grants = build_data(rng, workspaces)
    t = time.monotonic()
    lm.load(db, rows, versions, grants, installs)
    db.query("analyze core.integrations; analyze core.integration_versions;")
    model = lm.dump(db, workspaces)
    assert len(model.integrations) == N_ROWS
    # the caller has a role in the first four workspaces; the fifth is someone else's, seen
    # only through public rows and grants
    caller = User(settings, {w: r for w, r in zip(workspaces[:4],
                                                  ["viewer", "member", "admin", "owner"])})
    print(f"list model: seed {SEED}, loaded {len(rows)} integrations, {len(versions)} versions, "
          f"{len(installs)} installs, {len(grants)} grants in {time.monotonic() - t:.1f}s")
    yield workspaces, caller, model, rng
    lm.purge_workspaces(db, workspaces)


# --------------------------------------------------------------------------- random queries

class Gen:
    """Random filters and orders whose operands come mostly from the data (so they match)."""

    def __init__(self, rng, model, workspaces):
        self.rng = rng
        self.ws = workspaces
        self.values = {}
        for f in lm.INTEGRATION:
            self.values[f] = sorted({json.dumps(r[f]) for r in model.integrations})
        vals = [v for vs in model.versions.values() for v in vs]
        self.version_values = {f: sorted({json.dumps(v[f]) for v in vals})
                               for f in ("changelog", "publishedBy", "publishedAt")}

    def pick(self, field, pool=None):
        pool = pool if pool is not None else self.values[field]
        v = json.loads(self.rng.choice(pool))
        return v

    def operand(self, field, ftype, pool=None):
        r = self.rng
        if ftype == lm.SEMVER:
            return r.choice(OPERAND_SEMVERS)
        if ftype == lm.ENUM:
            return r.choice(lm.ENUMS[field])
        if ftype == lm.TIMESTAMP:
            v = self.pick(field, pool)
            if v is None or r.random() < 0.3:
                v = iso(T0 + r.randrange(0, 90) * 1_000_000 + r.choice([0, 250_000]))
            if r.random() < 0.3:  # the same instant with an offset
                micros = lm.instant(v) + 2 * 3_600_000_000
                v = iso(micros)[:-1] + "+02:00"
            return v
        v = self.pick(field, pool)
        if v is None or r.random() < 0.15:
            v = r.choice(["", "a", "S", "sl", "Z", "zz", "%", "_", "\\", "Ä", "acme", "usr_b"])
        return v

    def text_part(self, v):
        r = self.rng
        if not v:
            return v
        i = r.randrange(len(v))
        j = r.randrange(i, len(v)) + 1
        part = v[i:j]
        return part.upper() if r.random() < 0.3 else part

    def field_cond(self, fields, field, pool=None):
        r = self.rng
        ftype, nullable = fields[field]
        if ftype == lm.JSON:
            if r.random() < 0.5:
                return {"hasKey": r.choice(["type", "scopes", "properties", "required",
                                            "members", "header", "nope"])}
            return {"contains": r.choice([{"type": "oauth2"}, {"scopes": ["read"]},
                                          {"scopes": ["write"]}, {"members": [{"slug": "m1"}]},
                                          {"type": "object"}, {}, {"required": ["token"]}])}
        ops = ["eq", "neq", "lt", "lte", "gt", "gte", "in", "notIn"]
        if nullable:
            ops += ["isNull"] * 2
        if ftype == lm.TEXT:
            ops += ["contains", "startsWith", "endsWith"] * 2
        op = r.choice(ops)
        cond = {}
        if op == "isNull":
            cond[op] = r.random() < 0.5
        elif op in ("in", "notIn"):
            cond[op] = [self.operand(field, ftype, pool) for _ in range(r.randint(0, 4))]
        elif op in ("contains", "startsWith", "endsWith"):
            cond[op] = self.text_part(self.operand(field, ftype, pool))
        else:
            cond[op] = self.operand(field, ftype, pool)
        if ftype == lm.TEXT and op != "isNull" and r.random() < 0.35:
            cond["mode"] = "insensitive"
        if r.random() < 0.15 and op not in ("isNull",) and ftype != lm.JSON:
            # a second operator in the same field object (ANDed)
            op2 = r.choice(["lt", "gte", "neq"])
            if op2 not in cond:
                cond[op2] = self.operand(field, ftype, pool)
        return cond

    def node(self, depth, fields=lm.INTEGRATION, relation_ok=True):
        r = self.rng
        roll = r.random()
        if depth < 4 and roll < 0.25:
            kind = r.choice(["AND", "OR"])
            return {kind: [self.node(depth + 1, fields, relation_ok)
                           for _ in range(r.randint(1, 3))]}
        if depth < 4 and roll < 0.35:
            return {"NOT": self.node(depth + 1, fields, relation_ok)}
        if relation_ok and fields is lm.INTEGRATION and roll < 0.47:
            rel = r.choice(["versions", "versions", "installs"])
            q = r.choice(["some", "every", "none"])
            inner = {} if r.random() < 0.15 else self.node(depth + 1, lm.RELATIONS[rel], False)
            return {rel: {q: inner}}
        if fields is lm.VERSION:
            field = r.choice(["version", "changelog", "publishedBy", "publishedAt"])
            pool = self.version_values.get(field)
        elif fields is lm.INSTALL:
            field = r.choice(["memberPolicy", "workspaceId", "deletedAt", "installedBy"])
            pool = None
            if field == "workspaceId":
                return {field: {"eq": r.choice(self.ws)}}
            if field == "installedBy":
                return {field: {"in": r.sample(USERS, 2)}}
            if field == "deletedAt":
                return {field: {"isNull": r.random() < 0.5}}
        else:
            field = r.choice([f for f in lm.INTEGRATION if f not in ("id", "slug")]
                             + ["name", "description", "publisher", "currentVersion",
                                "createdAt", "deletedAt"])
            pool = None
        if fields is not lm.INTEGRATION and field == "version":
            return {field: self.field_cond(fields, field, [json.dumps(s) for s in SEMVERS])}
        return {field: self.field_cond(fields, field, pool)}

    def focus(self, k):
        """The k-th of a fixed list of conditions every run exercises at least once (with
        random operands): the rules that are easiest to get wrong."""
        templates = self.focus_templates()
        return templates[k % len(templates)](), len(templates)

    def focus_templates(self):
        r = self.rng
        txt = lambda f: self.operand(f, lm.TEXT)
        sv = lambda: r.choice(OPERAND_SEMVERS)
        tsv = lambda: self.operand("createdAt", lm.TIMESTAMP)
        nullable = lambda: r.choice(["publisher", "description", "iconUrl"])
        templates = [
            lambda: {nullable(): {"neq": txt("publisher")}},
            lambda: {nullable(): {"notIn": [txt("publisher"), txt("description")]}},
            lambda: {"currentVersion": {"neq": sv()}},
            lambda: {"currentVersion": {"notIn": [sv(), sv()]}},
            lambda: {"NOT": {"currentVersion": {"gte": sv()}}},
            lambda: {"NOT": {nullable(): {"eq": txt("publisher")}}},
            lambda: {"currentVersion": {r.choice(["lt", "lte", "gt", "gte"]): sv()}},
            lambda: {"versions": {"every": {"changelog": {"startsWith": txt("description")}}}},
            lambda: {"versions": {"every": {"version": {"lt": sv()}}}},
            lambda: {"versions": {"none": {"version": {"gt": sv()}}}},
            lambda: {"versions": {"some": {"publishedAt": {"lt": tsv()}}}},
            lambda: {"installs": {r.choice(["some", "every", "none"]): {
                "memberPolicy": {"eq": r.choice(lm.ENUMS["memberPolicy"])}}}},
            lambda: {"name": {r.choice(["startsWith", "contains", "endsWith", "eq"]):
                              self.text_part(txt("name")), "mode": "insensitive"}},
            lambda: {"createdAt": {r.choice(["lt", "gte", "eq"]): tsv()}},
            lambda: {"OR": [{nullable(): {"isNull": True}},
                            {"description": {"contains": self.text_part(txt("description"))}}]},
            lambda: {"deletedAt": {"isNull": False}},
            lambda: {"authConfig": {"contains": r.choice([{"scopes": ["read"]},
                                                          {"type": "oauth2"}])}},
        ]
        return templates

    def filter(self, combo=None):
        r = self.rng
        scope = {"workspaceId": {"in": list(self.ws)}}
        extra = [self.node(1) for _ in range(r.choice([0, 1, 1, 2, 3]))]
        if combo is not None:
            focus, n = self.focus(combo)
            if combo < n:
                extra = [focus] + extra[:1]
        if r.random() < 0.5:
            return {"AND": [scope] + extra}
        out = dict(scope)
        for e in extra:
            for k, v in e.items():
                if k not in out:
                    out[k] = v
        return out

    def order_by(self):
        r = self.rng
        nullable = ["description", "publisher", "currentVersion", "deletedAt", "iconUrl"]
        fields = []
        for _ in range(r.choice([1, 2, 2, 3, 3])):
            f = r.choice(nullable if r.random() < 0.6 else SORTABLE)
            if f not in fields:
                fields.append(f)
        return [{f: r.choice(list(DIRECTIONS))} for f in fields]

    def shorthands(self, model):
        r = self.rng
        s = {}
        if r.random() < 0.3:
            s["include_deleted"] = r.choice(["true", "true", "false"])
        if r.random() < 0.1:
            s["visibility"] = r.choice(lm.ENUMS["visibility"])
        if r.random() < 0.1:
            s["publisher"] = r.choice(PUBLISHERS)
        if r.random() < 0.1:
            s["name"] = r.choice(["slack", "A_B", "%", "ä", "GIT", "o"])
        if r.random() < 0.05:
            s["created_by"] = r.choice(USERS)
        return s


# --------------------------------------------------------------------------- paging

SLOWEST = []  # (seconds, params) of the slowest requests, reported at the end


def _fetch(api, caller, params):
    sent = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in params.items()}
    t = time.monotonic()
    page = expect_ok(api.get("/api/integrations", caller, params=sent))
    SLOWEST.append((time.monotonic() - t, {k: v for k, v in sent.items()
                                           if k not in ("after", "before")}))
    SLOWEST.sort(key=lambda x: -x[0])
    del SLOWEST[5:]
    return page


def _check_page(page, expected_rows, total, has_next, has_prev, what):
    got = [r["id"] for r in page["data"]]
    want = [r["id"] for r in expected_rows]
    if got != want:
        first = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b),
                     min(len(got), len(want)))
        raise AssertionError(
            f"{what}: rows differ at position {first}: got {len(got)} rows, expected "
            f"{len(want)}\n  got      {got[first:first + 5]}\n  expected {want[first:first + 5]}")
    assert page["data"] == expected_rows, f"{what}: row bodies differ from the database's JSON"
    info = page["pageInfo"]
    assert info["total"] == total, f"{what}: total {info['total']}, expected {total}"
    assert info["hasNextPage"] is has_next, f"{what}: hasNextPage {info['hasNextPage']}"
    assert info["hasPreviousPage"] is has_prev, \
        f"{what}: hasPreviousPage {info['hasPreviousPage']}"
    if want:
        assert isinstance(info["startCursor"], str) and isinstance(info["endCursor"], str), what
    else:
        assert info["startCursor"] is None and info["endCursor"] is None, what


def _page_size(rng, n):
    low = max(1, -(-n // MAX_PAGES))
    if rng.random() < 0.2:
        return rng.randint(1, min(100, max(low, 3)) if n <= 3 * MAX_PAGES else 100)
    return rng.randint(min(low, 100), 100)


def run_combo(api, caller, rng, params, expected, what):
    n = len(expected)
    pages = 0
    # forwards
    pos, cursor = 0, None
    while True:
        limit = _page_size(rng, n)
        req = dict(params, limit=limit)
        if cursor is not None:
            req["after"] = cursor
        page = _fetch(api, caller, req)
        pages += 1
        want = expected[pos:pos + limit]
        _check_page(page, want, n, pos + limit < n, cursor is not None,
                    f"{what}, forward page {pages} (rows {pos}..{pos + len(want) - 1}, "
                    f"limit {limit}, after={'yes' if cursor else 'no'})")
        if not want:
            break
        pos += len(want)
        cursor = page["pageInfo"]["endCursor"]
        if pos >= n:
            last_cursor = cursor
            break
    if n == 0:
        return pages
    # one more page after the last row: empty, hasPreviousPage
    page = _fetch(api, caller, dict(params, after=last_cursor, limit=rng.randint(1, 100)))
    pages += 1
    _check_page(page, [], n, False, True, f"{what}, page after the last row")
    # backwards from the last row: every row before it, in order
    end, cursor = n - 1, last_cursor
    back_cursors = []
    while end > 0:
        limit = _page_size(rng, n)
        page = _fetch(api, caller, dict(params, before=cursor, limit=limit))
        pages += 1
        start = max(0, end - limit)
        _check_page(page, expected[start:end], n, True, start > 0,
                    f"{what}, backward page ending before row {end} (limit {limit})")
        back_cursors.append((start, end, page["pageInfo"]))
        cursor = page["pageInfo"]["startCursor"]
        end = start
    if n > 0:
        page = _fetch(api, caller, dict(params, before=cursor, limit=rng.randint(1, 100)))
        pages += 1
        _check_page(page, [], n, True, False, f"{what}, page before the first row")
    # forwards again from a cursor made by a backward page
    if back_cursors:
        start, end, info = rng.choice(back_cursors)
        limit = rng.randint(1, 100)
        page = _fetch(api, caller, dict(params, after=info["endCursor"], limit=limit))
        pages += 1
        _check_page(page, expected[end:end + limit], n, end + limit < n, True,
                    f"{what}, forward page after a backward page's endCursor (row {end})")
    return pages


def test_list_matches_the_model(api, loaded):
    workspaces, caller, model, _ = loaded
    rng = random.Random(SEED + 1)
    gen = Gen(rng, model, workspaces)
    caller_ws = set(caller.workspaces)
    started = time.monotonic()
    stats = []
    n_focus = len(gen.focus_templates())
    for combo in range(COMBOS):
        if combo >= n_focus and time.monotonic() - started > BUDGET:
            break
        flt, order = gen.filter(combo), gen.order_by()
        shorthands = gen.shorthands(model)
        if "deletedAt" in json.dumps(flt) and rng.random() < 0.7:
            shorthands["include_deleted"] = "true"
        params = dict(shorthands, filter=flt)
        if rng.random() < 0.9:
            params["orderBy"] = order
        else:
            order = None
        expected = model.query(caller_ws, flt, order, shorthands)
        what = (f"seed {SEED} combo {combo}: GET /api/integrations?"
                + "&".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}"
                           for k, v in params.items() if k != "filter")
                + f" filter={json.dumps(flt)}")
        pages = run_combo(api, caller, rng, params, expected, what)
        stats.append((len(expected), pages))
    elapsed = time.monotonic() - started
    sizes = sorted(s for s, _ in stats)
    print(f"list model: seed {SEED}, {len(stats)} of {COMBOS} combinations, "
          f"{sum(p for _, p in stats)} pages "
          f"in {elapsed:.1f}s; result sizes min {sizes[0]} median {sizes[len(sizes) // 2]} "
          f"max {sizes[-1]}")
    for secs, params in SLOWEST:
        print(f"  slowest: {secs * 1000:.0f} ms {params}")
    # the generator must produce both empty and large results, or the test proves little
    assert sizes[-1] >= 200, f"seed {SEED}: no large result among {sizes}"


def test_scope_of_the_outsider_workspace(api, loaded):
    """The fifth workspace is someone else's: only its public and granted (live) rows show."""
    workspaces, caller, model, _ = loaded
    outsider = workspaces[-1]
    expected = model.query(set(caller.workspaces), {"workspaceId": {"eq": outsider}},
                           [{"name": "asc"}], {"include_deleted": "true"})
    assert expected and all(r["deletedAt"] is None for r in expected), f"seed {SEED}"
    got, cursor = [], None
    while True:
        params = {"filter": {"workspaceId": {"eq": outsider}}, "orderBy": [{"name": "asc"}],
                  "include_deleted": "true", "limit": 100}
        if cursor:
            params["after"] = cursor
        page = _fetch(api, caller, params)
        got += page["data"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert [r["id"] for r in got] == [r["id"] for r in expected], f"seed {SEED}"
    assert all(r["deletedAt"] is None for r in got)
    assert all(r["visibility"] == "public"
               or any((r["id"], w) in model.grants for w in caller.workspaces) for r in got)
