"""Builds the requests of bench/peer_bench.sh: for each query, our API's path and the
PostGraphile GraphQL body that asks for the same rows, and checks that both answer the same
total and the same first ids. Writes into OUT:
  <k>.path          our API path (GET, through nginx)
  <k>.graphql.json  the GraphQL POST body for PostGraphile
  <k>.desc          one line describing the query
  id.caller.json    the caller JSON of the pgbench GET-by-id ceiling, id.id the id

The list queries are those of bench/list_bench.sh (keep them in sync): the caller is
usr_bench_caller with ws_bench_0001:viewer, ws_bench_0002:member, ws_bench_0003:admin; our
scope (own workspaces, public, granted; not deleted) is spelled out in the GraphQL filter so
that PostGraphile, which sees every row, returns exactly the rows we return.

usage: peer_queries.py OUT API_BASE TOKEN PEER_URL CA_CERT [ONLY (comma-separated, default all)]
"""
import json
import sys
import urllib.parse
from pathlib import Path

import requests

OUT, API, TOKEN, PEER, CERT = sys.argv[1:6]
ONLY = set((sys.argv[6] if len(sys.argv) > 6 else "a,b,c,d,id").split(","))
out = Path(OUT)
WORKSPACES = {"ws_bench_0001": "viewer", "ws_bench_0002": "member", "ws_bench_0003": "admin"}
WS = list(WORKSPACES)

# Same filters as bench/list_bench.sh.
NESTED = {"AND": [{"OR": [{"name": {"startsWith": "Sl"}}, {"name": {"startsWith": "Zen"}},
                          {"publisher": {"in": ["publisher-007", "publisher-042"]}}]},
                  {"NOT": {"trustTier": {"eq": "first_party"}}},
                  {"OR": [{"currentVersion": {"gte": "1.1.0"}}, {"description": {"isNull": True}}]}]}
RELATION = {"versions": {"some": {"version": {"eq": "2.0.0"}}}}

# The same filters in postgraphile-plugin-connection-filter's language. currentVersion >= 1.1.0
# is a text comparison there; for the dataset's versions (1.0.0, 1.1.0, 2.0.0) it selects the
# same rows as our SemVer comparison.
SCOPE = {"and": [
    {"or": [{"workspaceId": {"in": WS}}, {"visibility": {"equalTo": "public"}},
            {"integrationGrants": {"some": {"workspaceId": {"in": WS}}}}]},
    {"deletedAt": {"isNull": True}}]}
PEER_NESTED = {"and": [
    {"or": [{"name": {"startsWith": "Sl"}}, {"name": {"startsWith": "Zen"}},
            {"publisher": {"in": ["publisher-007", "publisher-042"]}}]},
    {"not": {"trustTier": {"equalTo": "first_party"}}},
    {"or": [{"currentVersion": {"greaterThanOrEqualTo": "1.1.0"}},
            {"description": {"isNull": True}}]}]}
PEER_RELATION = {"integrationVersions": {"some": {"version": {"equalTo": "2.0.0"}}}}

FIELDS = ("id workspaceId slug name description iconUrl publisher trustTier currentVersion "
          "manifest variablesSchema authConfig visibility createdBy deletedAt retentionTier "
          "createdAt updatedAt")
LIST_QUERY = ("query List($filter: IntegrationFilter, $orderBy: [IntegrationsOrderBy!], "
              "$after: Cursor) { integrations(first: 100, filter: $filter, orderBy: $orderBy, "
              "after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor "
              "endCursor } nodes { " + FIELDS + " } } }")
GET_QUERY = "query Get($id: String!) { integration(id: $id) { " + FIELDS + " } }"

api = requests.Session()
api.trust_env = False
api.headers["Authorization"] = f"Bearer {TOKEN}"
peer = requests.Session()
peer.trust_env = False


def ours(path):
    r = api.get(API + path, verify=CERT, timeout=60)
    r.raise_for_status()
    return r.json()


def theirs(body):
    r = peer.post(PEER, json=body, timeout=60)
    r.raise_for_status()
    doc = r.json()
    if doc.get("errors"):
        sys.exit(f"peer_bench: PostGraphile answered errors: {doc['errors']}")
    return doc["data"]


def q(v):
    return urllib.parse.quote(json.dumps(v, separators=(",", ":")), safe="")


def peer_list(filt, order, after=None):
    return {"query": LIST_QUERY, "variables": {
        "filter": {"and": [SCOPE, filt]} if filt else SCOPE, "orderBy": order, "after": after}}


DEFAULT_ORDER = ["CREATED_AT_DESC", "ID_DESC"]
queries = {
    "a": ("first page of 100 with total, default order",
          "/api/integrations?limit=100", peer_list(None, DEFAULT_ORDER)),
    "b": ("nested AND/OR/NOT filter, orderBy name",
          f"/api/integrations?limit=100&orderBy={q([{'name': 'asc'}])}&filter={q(NESTED)}",
          peer_list(PEER_NESTED, ["NAME_ASC", "ID_ASC"])),
    "c": ("versions.some relation filter",
          f"/api/integrations?limit=100&filter={q(RELATION)}",
          peer_list(PEER_RELATION, DEFAULT_ORDER)),
}

# (d) page 50 of 100 in default order, reached on both sides by following endCursor 49 times.
path, body = "/api/integrations?limit=100", peer_list(None, DEFAULT_ORDER)
for _ in range(49 if "d" in ONLY else 0):
    page = ours(path)
    if not page["pageInfo"]["hasNextPage"]:
        sys.exit("peer_bench: fewer than 50 pages")
    path = f"/api/integrations?limit=100&after={page['pageInfo']['endCursor']}"
    conn = theirs(body)["integrations"]
    body = peer_list(None, DEFAULT_ORDER, conn["pageInfo"]["endCursor"])
queries["d"] = ("page 50 (limit 100) via cursors", path, body)

for k, (desc, path, body) in queries.items():
    if k not in ONLY:
        continue
    mine = ours(path)
    conn = theirs(body)["integrations"]
    our_ids = [row["id"] for row in mine["data"]]
    their_ids = [row["id"] for row in conn["nodes"]]
    if mine["pageInfo"]["total"] != conn["totalCount"] or our_ids != their_ids:
        sys.exit(f"peer_bench: query {k} differs: ours total {mine['pageInfo']['total']} "
                 f"first {our_ids[:3]}, PostGraphile total {conn['totalCount']} first {their_ids[:3]}")
    print(f"peer_bench: query {k} ({desc}): both answer total {conn['totalCount']}, "
          f"{len(our_ids)} identical rows", file=sys.stderr)
    (out / f"{k}.path").write_text(path)
    (out / f"{k}.graphql.json").write_text(json.dumps(body, separators=(",", ":")))
    (out / f"{k}.desc").write_text(desc)

# GET by id: an integration of the caller's admin workspace.
first = ours("/api/integrations?limit=1&workspace_id=ws_bench_0003")["data"][0]["id"]
theirs_row = theirs({"query": GET_QUERY, "variables": {"id": first}})["integration"]
if theirs_row is None or theirs_row["id"] != first:
    sys.exit(f"peer_bench: PostGraphile does not find {first}")
(out / "id.path").write_text(f"/api/integrations/{first}")
(out / "id.graphql.json").write_text(
    json.dumps({"query": GET_QUERY, "variables": {"id": first}}, separators=(",", ":")))
(out / "id.desc").write_text("GET /api/integrations/{id}")
(out / "id.id").write_text(first)
(out / "id.caller.json").write_text(json.dumps(
    {"sub": "usr_bench_caller", "workspaces": WORKSPACES, "roles": []}, separators=(",", ":")))
print(f"peer_bench: GET by id: {first}", file=sys.stderr)
