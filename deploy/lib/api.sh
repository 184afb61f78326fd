# shellcheck shell=bash
# The integrations-api supervisor: started in the background in its own session, pid in
# .dev/run/api.pid, stdout and stderr appended to .dev/run/api.log.

api_pid() {
    running_pid "$API_PID" "$API_BIN"
}

api_log_tail() {
    [[ -r $API_LOG ]] || return 0
    printf -- '--- last lines of %s ---\n' "$API_LOG" >&2
    tail -n 40 "$API_LOG" >&2
}

api_launch() {
    rm -f "$API_SOCK"
    printf '=== %s deploy/dev: starting %s\n' "$(date -u +%FT%TZ)" "$API_BIN" >>"$API_LOG"
    (
        load_env
        export INTEGRATIONS_ENV=development
        export INTEGRATIONS_SOCKET="$API_SOCK"
        export INTEGRATIONS_SOCKET_MODE=0666
        # Workers mostly wait on PostgreSQL and nginx: 4 per core kept both cores busy
        # (GET by id, docs/performance.md), where one per core left them idle.
        export INTEGRATIONS_WORKERS="${INTEGRATIONS_WORKERS:-$((4 * $(nproc)))}"
        # Rollout job runners beside the workers (PRODUCT §14); a short lease so that a
        # killed runner's job is taken again within seconds (tests/faults).
        export INTEGRATIONS_RUNNERS="${INTEGRATIONS_RUNNERS:-3}"
        export INTEGRATIONS_RUNNER_LEASE="${INTEGRATIONS_RUNNER_LEASE:-5}"
        # Paced: 3 × 18 jobs/s (54 installs/s of 20 members; a runner makes up a slowed job
        # with the next ones), so that a rollout leaves most of the 2-core dev machine to the
        # API (bench/rollout_bench.sh).
        export INTEGRATIONS_RUNNER_RATE="${INTEGRATIONS_RUNNER_RATE:-18}"
        # Webhook endpoints may point at private addresses (PRODUCT §15): the tests' receivers
        # listen on 127.0.0.1. Production leaves it unset (public targets only).
        export INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE="${INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE:-1}"
        export INTEGRATIONS_DB_URL="host=$PG_DIR port=$PG_PORT dbname=integrations user=integrations_api"
        cd "$ROOT" || exit
        exec setsid "$API_BIN" </dev/null >>"$API_LOG" 2>&1
    ) &
    printf '%s\n' "$!" >"$API_PID"
}

# Waits until the launched process runs the binary (the background subshell has exec'd);
# fails if it exited instead.
api_wait_exec() {
    local pid deadline=$((SECONDS + 5))
    pid=$(head -n 1 "$API_PID")
    until api_pid >/dev/null; do
        if ! proc_alive "$pid" || ((SECONDS >= deadline)); then
            api_log_tail
            die "the supervisor exited right after it started"
        fi
        sleep 0.05
    done
}

api_stop() {
    local pid
    if ! pid=$(api_pid); then
        log "api: not running"
        rm -f "$API_PID"
        return
    fi
    log "api: stopping the supervisor (pid $pid)"
    kill -TERM "$pid"
    if ! wait_gone "$pid" 30; then
        log "api: supervisor $pid still running 30 s after SIGTERM: killing its process group"
        kill -KILL -- "-$pid"
        wait_gone "$pid" 5 || die "supervisor $pid survived SIGKILL"
    fi
    rm -f "$API_PID" "$API_SOCK"
}

# Starts the supervisor unless it is already running the current binary; a supervisor
# older than the binary (rebuilt since) is restarted so that nobody tests stale code.
api_ensure() {
    local pid
    if pid=$(api_pid); then
        if [[ ! $API_BIN -nt $API_PID ]]; then
            log "api: already running (pid $pid)"
            return
        fi
        log "api: the binary was rebuilt after the supervisor started: restarting it"
        api_stop
    fi
    install -d -m 755 "$RUN_DIR"
    log "api: starting the supervisor on $API_SOCK"
    api_launch
    api_wait_exec
}
