#!/usr/bin/env bash
# Merge upgrade benchmark (PRODUCT §12): the data of bench/install_bench.sql (every member a
# clone using one more entity through $ref; 1.1.0 changes every member's definition, 1% leave,
# 1% arrive), installed at 1.0.0; then 30% of the member clones are edited locally: two thirds
# change a key upstream leaves alone ("name": a clean merge), one third add the key 1.1.0 adds
# ("revision") with another value (a conflict, kept local). Measured on the warm session, per
# run: a dry run of the upgrade to 1.1.0, then the upgrade (keep_local). Each size runs
# BENCH_RUNS times (default 5), each run a new session and a fresh workspace whose install
# and one unmeasured dry run (before the edits) warm the session; medians printed.
# Targets: 1,000 members: upgrade < 400 ms, dry run < 200 ms; 10,000 members: ≤ 12× the time.
#
# usage: bench/upgrade_merge_bench.sh [CONNINFO]   (as bench/install_bench.sh: a scratch
#   database migrated from sql/, dropped at the end)
# environment: BENCH_SIZES (default "1000 10000"), BENCH_RUNS (default 5), BENCH_KEEP (set:
#   keep the scratch database, for profiling).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
readonly ROOT
# shellcheck source=bench/scratch_db.sh
. "$ROOT/bench/scratch_db.sh"
log "bench: load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
scratch_db_create integrations_merge_bench

results=()
for n in $SIZES; do
    src=ws_bench_src_$n
    log "bench: $n members: generating and publishing 1.0.0 and 1.1.0"
    read -r integration version < <(psql_in "$DB" -At -v n="$n" -v ws="$src" -v slug="bench-$n" \
        -f "$ROOT/bench/install_bench.sql")
    psql_in "$DB" -c 'analyze' >/dev/null
    drys=()
    upgrades=()
    for run in $(seq "$RUNS"); do
        dst=ws_merge_${n}_$run
        caller="{\"sub\": \"usr_bench\", \"workspaces\": {\"$dst\": \"owner\", \"$src\": \"viewer\"}}"
        mapfile -t out < <(psql_in "$DB" -At 2>&1 <<SQL
\\set caller '$caller'
-- The installing workspace may read the integration (a grant, as its author would give).
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values ('$integration', '$dst', 'usr_bench');
select (api.integration_install(:'caller', '$integration',
        jsonb_build_object('workspaceId', '$dst', 'integrationVersionId', '$version',
                           'variables', '{"channel": "#ops"}'::jsonb))).body ->> 'id' as inst
\\gset
-- Warm-up, unmeasured: the session runs the merge and diff functions once (a fast-forward
-- dry run), as a worker's long-lived connection has.
select (api.install_upgrade(:'caller', :'inst', '{"dryRun": true}')).status as warm
\\gset
-- 30% of the member clones edited locally (as api.entity_patch would: a new version).
with edited as (
    select e.id, v.definition, row_number() over (order by m.slug) as k
    from core.install_members as m
    join core.entities as e on e.id = m.entity_id
    join core.entity_versions as v on v.id = e.current_version_id
    where m.install_id = :'inst' and m.role = 'member'
      and split_part(m.slug, '-', 2)::int % 10 < 3
), written as (
    insert into core.entity_versions (id, entity_id, definition, created_by)
    select core.new_id('entv_'), ed.id,
           case when ed.k % 3 = 0 then ed.definition || '{"revision": 1}'
                else ed.definition || '{"name": "edited"}' end,
           'usr_bench'
    from edited as ed
    returning id, entity_id
)
update core.entities as e set current_version_id = w.id from written as w where e.id = w.entity_id;
\\timing on
select jsonb_array_length((api.install_upgrade(:'caller', :'inst', '{"dryRun": true}')).body -> 'changes') as dry_changes;
select jsonb_array_length((api.install_upgrade(:'caller', :'inst', null)).body -> 'conflicts') as conflicts;
\\timing off
select count(*) filter (where (x ->> 'locallyModified')::boolean) as modified
from jsonb_array_elements((api.install_member_list(:'caller', :'inst')).body -> 'members') as x
where x ->> 'removedAt' is null and x ->> 'role' = 'member';
SQL
        )
        mapfile -t walls < <(printf '%s\n' "${out[@]}" | awk '/^Time: / {print $2}')
        ((${#walls[@]} == 2)) || die "bench: run $run printed no timings: ${out[*]}"
        drys+=("${walls[0]}")
        upgrades+=("${walls[1]}")
        log "bench: $n members, run $run: dry run ${walls[0]} ms, upgrade ${walls[1]} ms; changes, conflicts, locally modified: $(printf '%s\n' "${out[@]}" | grep -v '^Time' | tr '\n' ' ')"
    done
    results+=("$n $(printf '%s\n' "${drys[@]}" | median) $(printf '%s\n' "${upgrades[@]}" | median)")
done

printf '| members | dry run (median) | upgrade (median) |\n|---:|---:|---:|\n'
for row in "${results[@]}"; do
    read -r n d u <<<"$row"
    printf '| %s | %.0f ms | %.0f ms |\n' "$n" "$d" "$u"
done
read -r n1 d1 u1 <<<"${results[0]}"
awk -v n="$n1" -v d="$d1" -v u="$u1" 'BEGIN {
    printf "Targets at %d members: upgrade < 400 ms %s, dry run < 200 ms %s.\n", n,
        u < 400 ? "met" : "missed", d < 200 ? "met" : "missed"}'
if ((${#results[@]} == 2)); then
    read -r n2 d2 u2 <<<"${results[1]}"
    awk -v n1="$n1" -v n2="$n2" -v d1="$d1" -v d2="$d2" -v u1="$u1" -v u2="$u2" 'BEGIN {
        printf "%d× the members: upgrade %.1f× the time (target ≤ 12×: %s), dry run %.1f×.\n",
            n2 / n1, u2 / u1, u2 / u1 <= 12 ? "met" : "missed", d2 / d1}'
fi
printf 'Machine: %s CPUs, load average %s at the end.\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
