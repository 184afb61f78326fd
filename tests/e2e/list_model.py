"""An independent Python model of `GET /api/integrations` (PRODUCT §5), used by the
list tests as the oracle, plus the direct-SQL loader those tests seed their data with.

Nothing here imports or mirrors the C engine: the rules are the contract's.
- Text compares bytewise (UTF-8 bytes, the database's C collation); enums compare as text;
  timestamps as instants; `currentVersion` / `version` by SemVer 2.0 precedence (build
  metadata ignored, so "1.0.0+b" equals "1.0.0").
- `mode: insensitive` and the `name` shorthand fold case in every script (ICU's `lower()`,
  sql/migrations/0002; Python's `str.lower()` agrees on the data here), then compare bytewise.
- A comparison with null is false, except `neq` and `notIn`, which match nulls (SQL
  `IS DISTINCT FROM`); `isNull` tests it. `NOT F` is true wherever F is not true.
- Relations: `some` = at least one related row matches; `every` = no related row fails to
  match (vacuously true without related rows); `none` = no related row matches. `installs`
  only ever sees installs in the caller's own workspaces.
- Order: keys in turn; plain `asc` = nulls last, plain `desc` = nulls first; the id is the
  final tie-breaker in the direction of the last key.
- Scope: the caller's own workspaces, public rows, rows granted to one of the caller's
  workspaces; another workspace's unlisted row only when named in `ids`; soft-deleted rows
  only of the caller's own workspaces and only with `include_deleted=true`.
"""
import calendar
import decimal
import functools
import json
import re
import secrets
import time

# --------------------------------------------------------------------------- field types

TEXT, ENUM, TIMESTAMP, SEMVER, JSON = "text", "enum", "timestamp", "semver", "json"

ENUMS = {
    "trustTier": ("first_party", "vendor_official", "verified_partner", "verified_publisher"),
    "visibility": ("private", "unlisted", "public"),
    "retentionTier": ("short", "medium", "long", "none"),
    "memberPolicy": ("auto_all", "auto_defaults", "manual"),
}

# API field name -> (type, nullable)
INTEGRATION = {
    "id": (TEXT, False), "workspaceId": (TEXT, False), "slug": (TEXT, False),
    "name": (TEXT, False), "description": (TEXT, True), "iconUrl": (TEXT, True),
    "publisher": (TEXT, True), "trustTier": (ENUM, False), "currentVersion": (SEMVER, True),
    "manifest": (JSON, False), "variablesSchema": (JSON, False), "authConfig": (JSON, False),
    "visibility": (ENUM, False), "createdBy": (TEXT, False), "deletedAt": (TIMESTAMP, True),
    "retentionTier": (ENUM, False), "createdAt": (TIMESTAMP, False),
    "updatedAt": (TIMESTAMP, False),
}
VERSION = {
    "id": (TEXT, False), "integrationId": (TEXT, False), "version": (SEMVER, False),
    "manifestSnapshot": (JSON, False), "variablesSchemaSnapshot": (JSON, False),
    "authConfigSnapshot": (JSON, False), "memberEntityVersions": (JSON, False),
    "changelog": (TEXT, True), "publishedBy": (TEXT, False), "publishedAt": (TIMESTAMP, False),
}
INSTALL = {
    "id": (TEXT, False), "integrationId": (TEXT, False), "integrationVersionId": (TEXT, False),
    "workspaceId": (TEXT, False), "variables": (JSON, False), "authStateId": (TEXT, True),
    "memberPolicy": (ENUM, False), "parentInstallId": (TEXT, True), "solutionId": (TEXT, False),
    "installedBy": (TEXT, False), "installedAt": (TIMESTAMP, False),
    "lastUpgradedAt": (TIMESTAMP, True), "deletedAt": (TIMESTAMP, True),
    "retentionTier": (ENUM, False),
}
RELATIONS = {"versions": VERSION, "installs": INSTALL}
SORTABLE = tuple(f for f, (t, _) in INTEGRATION.items() if t != JSON)
DIRECTIONS = {  # direction -> (descending, nulls first)
    "asc": (False, False), "desc": (True, True),
    "asc_nulls_first": (False, True), "asc_nulls_last": (False, False),
    "desc_nulls_first": (True, True), "desc_nulls_last": (True, False),
}

# --------------------------------------------------------------------------- values

SEMVER_RE = re.compile(
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def semver_key(s):
    """A tuple ordered by SemVer 2.0 precedence: release after its pre-releases, numeric
    identifiers numerically and below alphanumeric ones (ASCII order), a longer list of
    equal identifiers after the shorter; build metadata ignored."""
    m = SEMVER_RE.match(s)
    if m is None:
        raise ValueError(f"not a SemVer version: {s!r}")
    major, minor, patch = (int(m.group(i)) for i in (1, 2, 3))
    if m.group(4) is None:
        return (major, minor, patch, 1, ())
    idents = tuple((0, int(x), b"") if x.isdigit() else (1, 0, x.encode())
                   for x in m.group(4).split("."))
    return (major, minor, patch, 0, idents)


def instant(s):
    """An ISO 8601 date-time with a zone as integer microseconds since the epoch (fractions
    beyond microseconds rounded half to even, as PostgreSQL's input does)."""
    m = TIMESTAMP_RE.match(s)
    if m is None:
        raise ValueError(f"not a timestamp: {s!r}")
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in range(1, 7))
    frac = decimal.Decimal("0." + (m.group(7) or "0"))
    micros = int((frac * 1000000).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_EVEN))
    zone = m.group(8)
    offset = 0
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    secs = calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0)) - offset
    return secs * 1000000 + micros


def norm(ftype, value, insensitive=False):
    """The comparable form of a field value or operand (None stays None)."""
    if value is None:
        return None
    if ftype in (TEXT, ENUM):
        # mode insensitive folds every script (ICU's lower(), sql/migrations/0002), then compares the
        # UTF-8 bytes ("C"); str.lower() folds as ICU's root locale does for these names.
        return (value.lower() if insensitive else value).encode("utf-8")
    if ftype == TIMESTAMP:
        return instant(value)
    if ftype == SEMVER:
        return semver_key(value)
    return value


def _json_eq(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def jsonb_contains(a, b, top=True):
    """PostgreSQL's `a @> b` for the JSON shapes the tests use."""
    if isinstance(b, dict):
        return isinstance(a, dict) and all(
            k in a and jsonb_contains(a[k], v, False) for k, v in b.items())
    if isinstance(b, list):
        return isinstance(a, list) and all(
            any(jsonb_contains(x, y, False) for x in a) for y in b)
    if isinstance(a, list) and top:
        return any(not isinstance(x, (dict, list)) and _json_eq(x, b) for x in a)
    return not isinstance(a, (dict, list)) and _json_eq(a, b)


# --------------------------------------------------------------------------- filters

class Context:
    """What a filter's relations can see: related rows by parent id, and the caller's
    workspaces (installs elsewhere are invisible to the installs relation)."""

    def __init__(self, versions=None, installs=None, caller_workspaces=()):
        self.related = {"versions": versions or {}, "installs": installs or {}}
        self.caller_workspaces = set(caller_workspaces)

    def rows(self, relation, parent_id):
        rows = self.related[relation].get(parent_id, [])
        if relation == "installs":
            rows = [r for r in rows if r["workspaceId"] in self.caller_workspaces]
        return rows


def _field_matches(ftype, ops, value):
    insensitive = ops.get("mode") == "insensitive"
    for op, operand in ops.items():
        if op == "mode":
            continue
        if not _op_matches(ftype, op, operand, value, insensitive):
            return False
    return True


def _op_matches(ftype, op, operand, value, insensitive):
    if op == "isNull":
        return (value is None) == operand
    if ftype == JSON:
        if value is None:
            return False
        if op == "hasKey":
            return isinstance(value, dict) and operand in value
        if op == "contains":
            return jsonb_contains(value, operand)
        raise ValueError(f"operator {op} on a JSON field")
    v = norm(ftype, value, insensitive)
    if op in ("in", "notIn"):
        values = [norm(ftype, x, insensitive) for x in operand]
        if op == "in":
            return v is not None and v in values
        return v is None or v not in values
    if op == "neq":
        return v is None or v != norm(ftype, operand, insensitive)
    if v is None:
        return False
    x = norm(ftype, operand, insensitive)
    if op == "eq":
        return v == x
    if op == "lt":
        return v < x
    if op == "lte":
        return v <= x
    if op == "gt":
        return v > x
    if op == "gte":
        return v >= x
    if op == "contains":
        return x in v
    if op == "startsWith":
        return v.startswith(x)
    if op == "endsWith":
        return v.endswith(x)
    raise ValueError(f"unknown operator {op}")


def matches(node, row, ctx, fields=INTEGRATION):
    """Whether `row` (API JSON) satisfies the filter `node`; several keys are ANDed."""
    for key, val in node.items():
        if key == "AND":
            ok = all(matches(x, row, ctx, fields) for x in val)
        elif key == "OR":
            ok = any(matches(x, row, ctx, fields) for x in val)
        elif key == "NOT":
            ok = not matches(val, row, ctx, fields)
        elif key in fields:
            ok = _field_matches(fields[key][0], val, row[key])
        elif fields is INTEGRATION and key in RELATIONS:
            (quantifier, inner), = val.items()
            related = ctx.rows(key, row["id"])
            hits = [matches(inner, r, ctx, RELATIONS[key]) for r in related]
            ok = {"some": any(hits), "every": all(hits), "none": not any(hits)}[quantifier]
        else:
            raise ValueError(f"unknown filter key {key!r}")
        if not ok:
            return False
    return True


# --------------------------------------------------------------------------- order

def order_keys(order_by):
    """[(field, descending, nulls_first)] with the id tie-breaker appended."""
    keys = []
    for item in order_by or [{"createdAt": "desc"}]:
        (field, direction), = item.items()
        desc, nulls_first = DIRECTIONS[direction]
        keys.append((field, desc, nulls_first))
    if "id" not in [k[0] for k in keys]:
        keys.append(("id", keys[-1][1], False))
    return keys


def sort_rows(rows, order_by, fields=INTEGRATION):
    keys = [(f, fields[f][0], desc, nf) for f, desc, nf in order_keys(order_by)]

    def cmp(a, b):
        for field, ftype, desc, nulls_first in keys:
            va, vb = norm(ftype, a[field]), norm(ftype, b[field])
            if va is None and vb is None:
                continue
            if va is None:
                return -1 if nulls_first else 1
            if vb is None:
                return 1 if nulls_first else -1
            if va == vb:
                continue
            c = -1 if va < vb else 1
            return -c if desc else c
        return 0

    return sorted(rows, key=functools.cmp_to_key(cmp))


# --------------------------------------------------------------------------- the list

EQUALITY_SHORTHANDS = {"workspace_id": "workspaceId", "publisher": "publisher",
                       "visibility": "visibility", "trust_tier": "trustTier",
                       "created_by": "createdBy", "retention_tier": "retentionTier"}


class Model:
    """The data set (API JSON of integrations, versions and installs, and the grants) and
    the reference answer of a list request over it."""

    def __init__(self, integrations, versions=(), installs=(), grants=()):
        self.integrations = list(integrations)
        self.versions, self.installs = {}, {}
        for v in versions:
            self.versions.setdefault(v["integrationId"], []).append(v)
        for inst in installs:
            self.installs.setdefault(inst["integrationId"], []).append(inst)
        self.grants = {(g[0], g[1]) for g in grants}

    def in_scope(self, row, caller_workspaces, ids=None, include_deleted=False):
        own = row["workspaceId"] in caller_workspaces
        granted = any((row["id"], w) in self.grants for w in caller_workspaces)
        named = ids is not None and row["id"] in ids
        seen = own or row["visibility"] == "public" or granted \
            or (named and row["visibility"] == "unlisted")
        alive = row["deletedAt"] is None or (include_deleted and own)
        return seen and alive and (ids is None or named)

    def query(self, caller_workspaces, filter=None, order_by=None, shorthands=None, ids=None):
        """Every row of the answer, in order (all pages together)."""
        shorthands = dict(shorthands or {})
        include_deleted = shorthands.pop("include_deleted", "false") == "true"
        name = shorthands.pop("name", None)
        ctx = Context(self.versions, self.installs, caller_workspaces)
        out = []
        for row in self.integrations:
            if not self.in_scope(row, caller_workspaces, ids, include_deleted):
                continue
            if any(row[EQUALITY_SHORTHANDS[k]] != v for k, v in shorthands.items()):
                continue
            if name is not None and name.lower() not in row["name"].lower():
                continue
            if filter and not matches(filter, row, ctx):
                continue
            out.append(row)
        return sort_rows(out, order_by)


# --------------------------------------------------------------------------- loading data

def new_int_id():
    return "int_%012x%s" % (int(time.time() * 1000), secrets.token_hex(8))


def new_prefixed_id(prefix, rng=None):
    """prefix + 12 hex of milliseconds + 16 random hex; with rng, reproducible: the time part
    is then one of a few fixed values (so ids tie on it) and the tail comes from rng."""
    if rng is None:
        return "%s%012x%s" % (prefix, int(time.time() * 1000), secrets.token_hex(8))
    return "%s%012x%016x" % (prefix, 1767225600000 + rng.randrange(4), rng.getrandbits(64))


def iso(micros):
    """Integer microseconds since the epoch as the API prints them."""
    secs, us = divmod(micros, 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%06dZ" % us


INTEGRATION_COLUMNS = [  # (column, sql type, API field)
    ("id", "text", "id"), ("workspace_id", "text", "workspaceId"), ("slug", "text", "slug"),
    ("name", "text", "name"), ("description", "text", "description"),
    ("icon_url", "text", "iconUrl"), ("publisher", "text", "publisher"),
    ("trust_tier", "text", "trustTier"), ("current_version", "text", "currentVersion"),
    ("manifest", "jsonb", "manifest"), ("variables_schema", "jsonb", "variablesSchema"),
    ("auth_config", "jsonb", "authConfig"), ("visibility", "text", "visibility"),
    ("created_by", "text", "createdBy"), ("deleted_at", "timestamptz", "deletedAt"),
    ("retention_tier", "text", "retentionTier"), ("created_at", "timestamptz", "createdAt"),
    ("updated_at", "timestamptz", "updatedAt"),
]
VERSION_COLUMNS = [
    ("id", "text", "id"), ("integration_id", "text", "integrationId"),
    ("version", "text", "version"), ("manifest_snapshot", "jsonb", "manifestSnapshot"),
    ("variables_schema_snapshot", "jsonb", "variablesSchemaSnapshot"),
    ("auth_config_snapshot", "jsonb", "authConfigSnapshot"),
    ("member_entity_versions", "jsonb", "memberEntityVersions"),
    ("changelog", "text", "changelog"), ("published_by", "text", "publishedBy"),
    ("published_at", "timestamptz", "publishedAt"),
]
INSTALL_COLUMNS = [
    ("id", "text", "id"), ("integration_id", "text", "integrationId"),
    ("integration_version_id", "text", "integrationVersionId"),
    ("workspace_id", "text", "workspaceId"), ("variables", "jsonb", "variables"),
    ("auth_state_id", "text", "authStateId"), ("member_policy", "text", "memberPolicy"),
    ("solution_id", "text", "solutionId"), ("installed_by", "text", "installedBy"),
    ("installed_at", "timestamptz", "installedAt"),
    ("last_upgraded_at", "timestamptz", "lastUpgradedAt"),
    ("deleted_at", "timestamptz", "deletedAt"),
    ("retention_tier", "text", "retentionTier"),
]


def integration_row(workspace_id, **fields):
    """A complete integration in API shape (defaults as the service's create gives them)."""
    now = iso(int(time.time() * 1000000))
    row = {"id": new_int_id(), "workspaceId": workspace_id, "slug": "lm-" + secrets.token_hex(6),
           "name": "List test", "description": None, "iconUrl": None, "publisher": None,
           "trustTier": "verified_publisher", "currentVersion": None,
           "manifest": {"members": []}, "variablesSchema": {}, "authConfig": {"type": "none"},
           "visibility": "private", "createdBy": "usr_listtest", "deletedAt": None,
           "retentionTier": "medium", "createdAt": now, "updatedAt": now}
    row.update(fields)
    return row


def version_row(integration_id, version, **fields):
    row = {"id": new_prefixed_id("intv_"), "integrationId": integration_id, "version": version,
           "manifestSnapshot": {"members": []}, "variablesSchemaSnapshot": {},
           "authConfigSnapshot": {"type": "none"}, "memberEntityVersions": {},
           "changelog": None, "publishedBy": "usr_listtest",
           "publishedAt": iso(int(time.time() * 1000000))}
    row.update(fields)
    return row


def install_row(integration_id, version_id, workspace_id, **fields):
    row = {"id": new_prefixed_id("inst_"), "integrationId": integration_id,
           "integrationVersionId": version_id, "workspaceId": workspace_id, "variables": {},
           "authStateId": None, "memberPolicy": "auto_defaults",
           "solutionId": new_prefixed_id("sol_"), "installedBy": "usr_listtest",
           "installedAt": iso(int(time.time() * 1000000)), "lastUpgradedAt": None,
           "deletedAt": None, "retentionTier": "medium"}
    row.update(fields)
    return row


def _insert_sql(table, columns, key):
    cols = ", ".join(c for c, _, _ in columns)
    defs = ", ".join(f'"{f}" {t}' for _, t, f in columns)
    vals = ", ".join(f'r."{f}"' for _, _, f in columns)
    return (f"insert into {table} ({cols}) select {vals} "
            f"from jsonb_to_recordset(:'doc'::jsonb -> '{key}') as r({defs});\n")


def load(db, integrations=(), versions=(), grants=(), installs=()):
    """Inserts rows (API shape) directly as the superuser, in one transaction: one
    INSERT … SELECT per table from a JSON document. grants: (integration id, workspace id)."""
    doc = {"integrations": list(integrations), "versions": list(versions),
           "installs": list(installs),
           "grants": [{"integrationId": i, "workspaceId": w} for i, w in grants]}
    tag = "doc" + secrets.token_hex(4)
    text = json.dumps(doc)
    assert "$" + tag + "$" not in text
    sql = ("begin;\n"
           + _insert_sql("core.integrations", INTEGRATION_COLUMNS, "integrations")
           + _insert_sql("core.integration_versions", VERSION_COLUMNS, "versions")
           + _insert_sql("core.integration_installs", INSTALL_COLUMNS, "installs")
           + "insert into core.integration_grants (integration_id, workspace_id, granted_by) "
             "select r.\"integrationId\", r.\"workspaceId\", 'usr_listtest' from "
             "jsonb_to_recordset(:'doc'::jsonb -> 'grants') "
             "as r(\"integrationId\" text, \"workspaceId\" text);\n"
           + "commit;\n")
    sql = sql.replace(":'doc'", f"${tag}${text}${tag}$")
    db.query(sql)


def purge_workspaces(db, workspace_ids):
    """Deletes every row of these workspaces' integrations (installs, grants, versions — the
    versions trigger lets a delete through when integrations.purging is on in the
    transaction — then the integrations)."""
    arr = "array[" + ",".join("'" + w.replace("'", "''") + "'" for w in workspace_ids) + "]"
    mine = f"(select id from core.integrations where workspace_id = any({arr}))"
    # Retried: other suites stop and start the dev database (pool resilience), and a
    # teardown that gives up at that moment leaves thousands of rows behind.
    for attempt in range(10):
        try:
            return _purge(db, arr, mine)
        except AssertionError:
            if attempt == 9:
                raise
            time.sleep(2)


def _purge(db, arr, mine):
    db.query(f"""
        begin;
        delete from core.integration_installs where integration_id in {mine};
        delete from core.integration_grants where integration_id in {mine};
        set local integrations.purging = on;
        delete from core.integration_versions where integration_id in {mine};
        delete from core.integrations where workspace_id = any({arr});
        commit;
    """)


def dump(db, workspace_ids):
    """The API representation of these workspaces' integrations (core.integration_json),
    their versions and installs, and their grants, read back from the database."""
    arr = "array[" + ",".join("'" + w.replace("'", "''") + "'" for w in workspace_ids) + "]"
    mine = f"(select id from core.integrations where workspace_id = any({arr}))"
    integrations = [json.loads(line) for line in db.query(
        f"select core.integration_json(i)::text from core.integrations i "
        f"where workspace_id = any({arr});")]
    versions = [json.loads(line) for line in db.query(f"""
        select jsonb_build_object('id', v.id, 'integrationId', v.integration_id,
            'version', v.version, 'manifestSnapshot', v.manifest_snapshot,
            'variablesSchemaSnapshot', v.variables_schema_snapshot,
            'authConfigSnapshot', v.auth_config_snapshot,
            'memberEntityVersions', v.member_entity_versions, 'changelog', v.changelog,
            'publishedBy', v.published_by, 'publishedAt', core.iso_time(v.published_at))::text
        from core.integration_versions v where v.integration_id in {mine};""")]
    installs = [json.loads(line) for line in db.query(f"""
        select jsonb_build_object('id', s.id, 'integrationId', s.integration_id,
            'integrationVersionId', s.integration_version_id, 'workspaceId', s.workspace_id,
            'variables', s.variables, 'authStateId', s.auth_state_id,
            'memberPolicy', s.member_policy, 'parentInstallId', s.parent_install_id,
            'solutionId', s.solution_id, 'installedBy', s.installed_by,
            'installedAt', core.iso_time(s.installed_at),
            'lastUpgradedAt', core.iso_time(s.last_upgraded_at),
            'deletedAt', core.iso_time(s.deleted_at), 'retentionTier', s.retention_tier)::text
        from core.integration_installs s where s.integration_id in {mine};""")]
    grants = [tuple(line.split("|")) for line in db.query(
        f"select integration_id || '|' || workspace_id from core.integration_grants "
        f"where integration_id in {mine};")]
    return Model(integrations, versions, installs, grants)
