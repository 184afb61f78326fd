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

# The database, the workers' login role (migrations grant to it, so it exists first) and
# the migrations table.
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
create table if not exists public.schema_migrations (
    filename   text primary key,
    applied_at timestamptz not null default now()
);
-- /api/readyz compares the migrations a worker was built with against this table.
grant select on public.schema_migrations to integrations_api;
SQL
}

# Applies every sql/[0-9]*.sql not yet recorded, in byte order, each in one transaction
# with its schema_migrations row; stops at the first failure. A file that sorts before one
# already applied (it landed late) is applied with a warning: a fresh cluster orders it
# differently.
pg_migrate() {
    local LC_ALL=C listing latest name file
    local -A applied=()
    listing=$(psql_as_superuser integrations -tA -c 'select filename from public.schema_migrations order by 1')
    while IFS= read -r name; do
        if [[ -n $name ]]; then
            applied[$name]=1
            latest=$name
        fi
    done <<<"$listing"
    local -a files=("$ROOT"/sql/[0-9]*.sql)
    ((${#files[@]})) || return 0
    mapfile -t files < <(printf '%s\n' "${files[@]}" | LC_ALL=C sort)
    for file in "${files[@]}"; do
        name=${file##*/}
        [[ -z ${applied[$name]:-} ]] || continue
        if [[ -n ${latest:-} && $name < $latest ]]; then
            log "postgres: warning: sql/$name sorts before sql/$latest, which is applied already: applying it out of order"
        fi
        log "postgres: applying sql/$name"
        printf "insert into public.schema_migrations (filename) values (:'filename');\n" |
            psql_as_superuser integrations -1 -v filename="$name" -f "$file" -f - ||
            die "migration sql/$name failed and was rolled back; later migrations were not applied"
    done
}

pg_ensure() {
    pg_init
    pg_start
    pg_prepare_database
    pg_migrate
}
