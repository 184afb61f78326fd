# shellcheck shell=bash
# Sourced by the benchmarks that measure the running dev stack (list_bench.sh, peer_bench.sh):
# loads .dev/env and sets BASE_URL, PG and psql_q. The caller defines ROOT and die.
[[ -f $ROOT/.dev/env ]] || die "no .dev/env: start the dev stack with ./deploy/dev up"
set -a
# shellcheck source=/dev/null
. "$ROOT/.dev/env"
set +a
# shellcheck disable=SC2034 # read by the scripts that source this file
BASE_URL=${INTEGRATIONS_BASE_URL:-https://127.0.0.1:8443}
PG=${INTEGRATIONS_TEST_PG:?INTEGRATIONS_TEST_PG not set in .dev/env}

psql_q() { psql "$PG" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
