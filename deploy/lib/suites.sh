# shellcheck shell=bash
# The test suites of ./deploy/dev test, their timing and the summary.

readonly -a CORE_SUITES=(unit asan pgtap e2e)

# Directories of tests/ that belong to the core suites rather than being run by tests/NAME/run.
readonly -a CORE_SUITE_DIRS=(unit sql e2e)

suite_unit() {
    build_check
}

suite_asan() {
    build_check_sanitized
}

# The pgTAP files mirror sql/: tests/sql/migrations/ the versioned migrations, tests/sql/<schema>/
# the schema files (tests/sql/include/ holds helpers, not tests). Then tests/sql/reapply, which
# shows that re-applying the schema files changes nothing.
suite_pgtap() {
    local -a files=()
    mapfile -t files < <(LC_ALL=C find "$ROOT/tests/sql" -mindepth 2 -name '*.sql' -not -path '*/include/*' | LC_ALL=C sort)
    ((${#files[@]})) || die "no pgTAP tests: tests/sql/*/*.sql matches nothing"
    psql_as_superuser integrations -c 'create extension if not exists pgtap'
    pg_prove --psql-bin "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d integrations "${files[@]}"
    env PG_BIN="$PG_BIN" prove -v --exec /bin/bash "$ROOT/tests/sql/reapply.sh" \
        :: "host=$PG_DIR port=$PG_PORT dbname=integrations user=postgres"
}

# requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment override a session's
# verify=False; pointing it at the dev certificate makes HTTPS to the stack verify properly.
suite_e2e() {
    local rc=0
    (cd "$ROOT" && REQUESTS_CA_BUNDLE="$NGINX_DIR/cert.pem" /usr/bin/python3 -m pytest -q tests/e2e) || rc=$?
    ((rc != 5)) || die "pytest collected no tests in tests/e2e"
    return "$rc"
}

# Prints the names of the suites run by tests/NAME/run, sorted.
suites_extra() {
    local run name
    for run in "$ROOT"/tests/*/run; do
        name=${run%/run}
        name=${name##*/}
        [[ " ${CORE_SUITE_DIRS[*]} " != *" $name "* ]] || continue
        [[ -x $run ]] || die "tests/$name/run is not executable"
        printf '%s\n' "$name"
    done
}

suite_extra() {
    (cd "$ROOT" && "./tests/$1/run")
}

# Prints the suites to run, one a line: the named ones (checked), or all of them in order.
suites_select() {
    local extra
    extra=$(suites_extra)
    local -a all=("${CORE_SUITES[@]}")
    [[ -z $extra ]] || mapfile -t -O "${#all[@]}" all <<<"$extra"
    if (($# == 0)); then
        printf '%s\n' "${all[@]}"
        return
    fi
    local name
    for name in "$@"; do
        [[ " ${all[*]} " == *" $name "* ]] || die "unknown suite '$name'; the suites are: ${all[*]}"
        printf '%s\n' "$name"
    done
}

suite_run() {
    case " ${CORE_SUITES[*]} " in
    *" $1 "*) "suite_$1" ;;
    *) suite_extra "$1" ;;
    esac
}

SUMMARY_LINES=()
SUMMARY_PASSED=0
SUMMARY_FAILED=0
readonly SUMMARY_START=${EPOCHREALTIME//[!0-9]/}

# Microseconds since the epoch (EPOCHREALTIME without its locale's decimal separator).
now_us() {
    local t=$EPOCHREALTIME
    printf '%s\n' "${t//[!0-9]/}"
}

format_seconds() {
    local us=$1
    printf '%d.%01ds' $((us / 1000000)) $((us % 1000000 / 100000))
}

summary_print() {
    local total=$(($(now_us) - SUMMARY_START))
    printf '\n==> summary\n'
    printf '    %s\n' "${SUMMARY_LINES[@]}"
    printf '    %-10s %-7s %8s\n' total '' "$(format_seconds "$total")"
    printf 'suites: %d passed, %d failed\n' "$SUMMARY_PASSED" "$SUMMARY_FAILED"
}

# Runs step NAME (the remaining arguments, a command) in a subshell with errexit, records
# its time; on failure prints the summary and the log locations, and exits 1.
step_run() {
    local name=$1 start rc
    shift
    printf '\n==> %s\n' "$name"
    start=$(now_us)
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    local took
    took=$(format_seconds $(($(now_us) - start)))
    if ((rc == 0)); then
        SUMMARY_PASSED=$((SUMMARY_PASSED + 1))
        SUMMARY_LINES+=("$(printf '%-10s %-7s %8s' "$name" ok "$took")")
        return
    fi
    SUMMARY_FAILED=$((SUMMARY_FAILED + 1))
    SUMMARY_LINES+=("$(printf '%-10s %-7s %8s' "$name" FAILED "$took")")
    summary_print
    logs_report
    exit 1
}

# Points at the stack's logs after a failure; in CI (whose machine is gone afterwards) also
# prints their last lines.
logs_report() {
    local file
    local -a files=("$API_LOG" "$NGINX_DIR/logs/error.log" "$PG_DIR/server.log")
    printf '\nlogs: %s\n' "${files[*]}" >&2
    [[ ${CI:-} == true ]] || return 0
    for file in "${files[@]}"; do
        [[ -r $file ]] || continue
        printf -- '--- last lines of %s ---\n' "$file" >&2
        tail -n 30 "$file" >&2
    done
}
