# shellcheck shell=bash
# The throwaway PostgreSQL 15 cluster in .dev/pg: run as the postgres user, trust
# authentication, TCP on 127.0.0.1:$PG_PORT only, unix socket in .dev/pg.

# Runs psql as the superuser postgres on database DB with the remaining arguments.
psql_as_superuser() {
    local db=$1
    shift
    PGCLIENTENCODING=UTF8 PGOPTIONS='-c client_min_messages=warning' \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "host=$PG_DIR port=$PG_PORT dbname=$db user=postgres" "$@"
}

pg_running() {
    [[ -d $PG_DATA ]] && as_postgres "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

# The port the running cluster listens on (line 4 of postmaster.pid).
pg_running_port() {
    as_postgres sed -n 4p "$PG_DATA/postmaster.pid"
}

pg_init() {
    as_root install -d -o postgres -g postgres -m 755 "$PG_DIR"
    user_can_reach postgres "$PG_DIR"
    as_postgres test -f "$PG_DATA/PG_VERSION" && return
    log "postgres: initdb ${PG_DATA#"$ROOT"/}"
    local out
    out=$(as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-locale --no-sync 2>&1) ||
        die "initdb failed:"$'\n'"$out"
}

pg_start() {
    if pg_running; then
        local port
        port=$(pg_running_port)
        [[ $port == "$PG_PORT" ]] ||
            die "the dev cluster is running on port $port, not $PG_PORT: run ./deploy/dev down first"
        log "postgres: already running on port $PG_PORT"
        return
    fi
    port_free "$PG_PORT" ||
        die "port $PG_PORT is in use by a program other than the dev cluster: stop it or set INTEGRATIONS_PG_PORT to a free port"
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    as_postgres "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-k $PG_DIR -c listen_addresses=127.0.0.1 -p $PG_PORT" >/dev/null ||
        die "postgres did not start: see $PG_DIR/server.log"
}

pg_stop() {
    if ! pg_running; then
        log "postgres: not running"
        return
    fi
    log "postgres: stopping"
    as_postgres "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w >/dev/null
}

# The database and the workers' login role (migrations grant to it, so it exists first).
pg_prepare_database() {
    if [[ -z $(psql_as_superuser postgres -tA -c "select 1 from pg_database where datname = 'integrations'") ]]; then
        log "postgres: creating database integrations"
        psql_as_superuser postgres -c 'create database integrations'
    fi
    psql_as_superuser integrations <<'SQL'
do $$
begin
    if not exists (select from pg_roles where rolname = 'integrations_api') then
        create role integrations_api login;
    end if;
end
$$;
SQL
}

# Migrates the dev database with the one runner of every environment, deploy/prod/migrate
# (docs/operations.md, "Migrations"), as the superuser postgres: the new versioned files of
# sql/migrations/, each in its own transaction, then sql/schema/ in one transaction when a
# file of it changed. Extra arguments go to migrate (--status, --reapply).
pg_migrate() {
    log "postgres: migrating (deploy/prod/migrate)"
    PGCLIENTENCODING=UTF8 PSQL="$PG_BIN/psql" \
        INTEGRATIONS_MIGRATE_PG="host=$PG_DIR port=$PG_PORT dbname=integrations user=postgres" \
        "$ROOT/deploy/prod/migrate" "$@" ||
        die "migrating the dev database failed (deploy/prod/migrate, above)"
}

pg_ensure() {
    pg_init
    pg_start
    pg_prepare_database
    pg_migrate
}
