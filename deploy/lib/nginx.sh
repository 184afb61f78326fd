# shellcheck shell=bash
# nginx with its own prefix under .dev/nginx, configured from nginx/dev.conf.in.

readonly NGINX_CONF="$NGINX_DIR/nginx.conf"
readonly NGINX_PID="$NGINX_DIR/nginx.pid"

nginx_pid() {
    running_pid "$NGINX_PID" "$NGINX_CONF"
}

nginx_as_root() {
    as_root nginx -p "$NGINX_DIR/" -c "$NGINX_CONF" "$@"
}

# Prints nginx/dev.conf.in with its placeholders (@NAME@) filled in.
nginx_render() {
    local conf
    conf=$(<"$ROOT/nginx/dev.conf.in")
    conf=${conf//@NGINX_DIR@/"$NGINX_DIR"}
    conf=${conf//@API_SOCK@/"$API_SOCK"}
    conf=${conf//@REPO@/"$ROOT"}
    conf=${conf//@HTTPS_PORT@/"$HTTPS_PORT"}
    conf=${conf//@HTTP_PORT@/"$HTTP_PORT"}
    conf=${conf//@METRICS_PORT@/"$METRICS_PORT"}
    [[ ! $conf =~ @[A-Z_]+@ ]] || die "nginx/dev.conf.in has an unknown placeholder ${BASH_REMATCH[0]}"
    printf '%s\n' "$conf"
}

nginx_ensure() {
    install -d -m 755 "$NGINX_DIR" "$NGINX_DIR/logs" "$NGINX_DIR/tmp"
    user_can_reach www-data "$RUN_DIR"
    local rendered pid port
    rendered=$(nginx_render)
    printf '%s\n' "$rendered" >"$NGINX_CONF"
    nginx_as_root -t -q || die "the nginx configuration $NGINX_CONF is invalid (see above)"
    if pid=$(nginx_pid); then
        log "nginx: already running (pid $pid): reloading its configuration"
        as_root kill -HUP "$pid"
        return
    fi
    for port in "$HTTPS_PORT" "$HTTP_PORT" "$METRICS_PORT"; do
        port_free "$port" || die "port $port is in use by a program other than the dev nginx: stop it first"
    done
    log "nginx: starting on $BASE_URL and $HTTP_URL"
    nginx_as_root
}

nginx_stop() {
    local pid
    if ! pid=$(nginx_pid); then
        log "nginx: not running"
        return
    fi
    log "nginx: stopping (pid $pid)"
    as_root kill -QUIT "$pid"
    if ! wait_gone "$pid" 10; then
        log "nginx: still running 10 s after SIGQUIT: sending SIGTERM"
        as_root kill -TERM "$pid"
        wait_gone "$pid" 5 || die "nginx $pid did not stop"
    fi
}
