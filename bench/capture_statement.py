"""The list statement a worker ran, read back from a slice of the PostgreSQL log.

usage: capture_statement.py LOG PREFIX
LOG holds the lines written while one list request ran with log_min_duration_statement = 0:
"LOG:  duration: … execute <unnamed>: SQL" then "DETAIL:  parameters: $1 = '…', …". The
statement whose $1 (the caller's workspaces) names ws_bench_0001 is written as PREFIX.json
(statement and parameters), PREFIX.pgbench.sql ($n -> :pn, sent as parameters by pgbench
-M extended, like the worker's PQexecParams) and PREFIX.literal.sql (parameters inlined, for
EXPLAIN and for reading). Used by bench/list_bench.sh and bench/peer_bench.sh.
"""
import json
import re
import sys


def main(log_path, prefix):
    text = open(log_path, encoding="utf-8", errors="replace").read()
    found = None
    for m in re.finditer(r"execute <unnamed>: (.*)\n[^\n]*DETAIL:  parameters: (.*)", text):
        params = {}
        for p in re.finditer(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", m.group(2)):
            params[int(p.group(1))] = None if p.group(2) == "NULL" else p.group(3).replace("''", "'")
        if "ws_bench_0001" in (params.get(1) or ""):
            found = (m.group(1), [params[i] for i in range(1, len(params) + 1)])
    if found is None:
        sys.exit(f"{log_path}: the list statement was not found in the PostgreSQL log")
    sql, values = found
    json.dump({"sql": sql, "params": values}, open(prefix + ".json", "w"), indent=1)
    open(prefix + ".pgbench.sql", "w").write(re.sub(r"\$(\d+)\b", r":p\1", sql) + ";\n")
    lit = lambda v: "null" if v is None else "'" + v.replace("'", "''") + "'"
    open(prefix + ".literal.sql", "w").write(
        re.sub(r"\$(\d+)\b", lambda m: lit(values[int(m.group(1)) - 1]), sql) + ";\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
