# shellcheck shell=bash
# Paths, settings, logging and process helpers shared by the deploy/dev subcommands.
# Sourced by deploy/dev after it has set ROOT (the absolute repo root).

readonly DEV_DIR="$ROOT/.dev"
readonly PG_DIR="$DEV_DIR/pg"
readonly PG_DATA="$PG_DIR/data"
readonly RUN_DIR="$DEV_DIR/run"
readonly NGINX_DIR="$DEV_DIR/nginx"
readonly KEYS_DIR="$DEV_DIR/keys"
readonly ENV_FILE="$DEV_DIR/env"

readonly API_SOCK="$RUN_DIR/api.sock"
readonly API_PID="$RUN_DIR/api.pid"
readonly API_LOG="$RUN_DIR/api.log"

# Both builds are out of tree (VPATH): automake refuses a second, sanitizer build of a
# source tree that is configured in place.
readonly BUILD_DIR="$ROOT/build-dev"
readonly ASAN_BUILD_DIR="$ROOT/build-asan"
readonly API_BIN="$BUILD_DIR/app/integrations-api"

readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly PG_PORT="${INTEGRATIONS_PG_PORT:-55432}"
readonly HTTPS_PORT="${INTEGRATIONS_HTTPS_PORT:-8443}"
readonly HTTP_PORT="${INTEGRATIONS_HTTP_PORT:-8080}"
readonly METRICS_PORT="${INTEGRATIONS_METRICS_PORT:-9145}"
readonly BASE_URL="https://127.0.0.1:$HTTPS_PORT"
readonly HTTP_URL="http://127.0.0.1:$HTTP_PORT"

log() {
    printf '[dev] %s\n' "$*" >&2
}

die() {
    printf 'deploy/dev: error: %s\n' "$*" >&2
    exit 1
}

# Fails unless the checkout path and the port settings can be used as they are: the paths
# go unquoted into libpq conninfo strings and pg_ctl's option string, and unix socket
# paths are limited to 107 bytes.
settings_check() {
    [[ $ROOT =~ ^/[A-Za-z0-9._/+-]*$ ]] ||
        die "the checkout path '$ROOT' has characters other than A-Z a-z 0-9 . _ / + -; move the checkout"
    local name port
    for name in PG HTTPS HTTP METRICS; do
        port=${name}_PORT
        port=${!port}
        if [[ ! $port =~ ^[1-9][0-9]*$ ]] || ((port < 1024 || port > 65535)); then
            die "INTEGRATIONS_${name}_PORT must be a port number from 1024 to 65535, not '$port'"
        fi
    done
    local sock
    for sock in "$PG_DIR/.s.PGSQL.$PG_PORT" "$API_SOCK"; do
        ((${#sock} <= 107)) || die "socket path $sock is longer than 107 bytes; use a shorter checkout path"
    done
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo -- "$@"
    else
        die "needs root for '$*': run as root or install sudo"
    fi
}

as_postgres() {
    as_root runuser -u postgres -- "$@"
}

# Prints the command line of a live process (NULs as spaces); prints nothing for a
# process that is gone or a zombie.
proc_cmdline() {
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# Prints the pid stored in PIDFILE if that process is alive and its command line contains
# MARKER (so a recycled pid is never taken for ours); fails otherwise.
running_pid() {
    local pidfile=$1 marker=$2 pid
    [[ -r $pidfile ]] || return 1
    pid=$(head -n 1 "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(proc_cmdline "$pid") == *"$marker"* ]] || return 1
    printf '%s\n' "$pid"
}

# Succeeds while process PID exists and is not a zombie. Unlike proc_cmdline, never fails
# for a live process: /proc/PID/cmdline reads empty for a moment while the process execs.
proc_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ -n $stat && ${stat:0:1} != Z ]]
}

# Waits up to SECONDS for process PID to exit; fails if it is still alive then.
wait_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while proc_alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# Succeeds when nothing accepts TCP connections on 127.0.0.1:PORT.
port_free() {
    ! (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Fails unless USER can reach DIR (search permission on it and every directory above).
user_can_reach() {
    local user=$1 dir=$2
    as_root runuser -u "$user" -- test -x "$dir" ||
        die "user $user cannot reach $dir: every directory above it must be searchable by others (chmod o+x)"
}

# Quotes a value for a single-quoted shell word.
shell_quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

load_env() {
    [[ -r $ENV_FILE ]] || die "$ENV_FILE is missing: run ./deploy/dev up first"
    # shellcheck source=/dev/null
    . "$ENV_FILE"
}
