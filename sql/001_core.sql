-- Foundation: schemas, the workers' role, shared helpers and the integration tables.
--
-- Schema core holds the tables and internal helpers; schema api holds the functions the
-- FastCGI workers call. Workers connect as integrations_api: they read core (list queries are
-- compiled by the worker) and change state only through the security definer api functions.

create schema core;
create schema api;

-- Roles are cluster-wide: another database of the same cluster (a second dev checkout, the
-- test database) may already have created it. No password here: authentication is the
-- cluster's pg_hba business, and secrets never live in migrations.
do $$
begin
    if not exists (select from pg_roles where rolname = 'integrations_api') then
        create role integrations_api login;
    end if;
end
$$;

grant usage on schema core, api to integrations_api;

-- Every core table, including those of later migrations run by the same migration role, is
-- readable by the workers and nothing more: writes go through the api functions.
alter default privileges in schema core grant select on tables to integrations_api;

/**
 * What every api function returns: the HTTP status of success (200, 201, 202), the response
 * body, and the strong ETag of the resource where it has one (else null).
 */
create type api.reply as (status int, body jsonb, etag text);

/**
 * A new prefixed id: prefix || 12 hex digits of Unix milliseconds || 16 random hex digits.
 * The time part keeps new rows at the right-hand end of primary key indexes. A v4 uuid has
 * fixed version and variant digits, so its md5 is used to spread its 122 random bits over
 * all 16 digits.
 */
create function core.new_id(prefix text) returns text
language sql volatile parallel safe
as $$
    select prefix
        || lpad(to_hex(floor(extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0')
        || left(md5(gen_random_uuid()::text), 16)
$$;

/**
 * A timestamp as the API shows it: UTC ISO 8601 with microseconds, 2026-11-28T16:46:05.123456Z.
 * Immutable despite to_char: the format has no locale-dependent field and the zone is fixed.
 */
create function core.iso_time(t timestamptz) returns text
language sql immutable strict parallel safe
as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

/**
 * The caller's role in a workspace (owner, admin, member or viewer), or null when it has none.
 * caller is the worker-built {"sub", "workspaces": {ws: role}, "roles": [...]}; anything
 * malformed in it reads as "no role" rather than failing.
 */
create function core.caller_role(caller jsonb, workspace_id text) returns text
language sql immutable parallel safe
as $$
    select case
        when caller -> 'workspaces' ->> workspace_id in ('owner', 'admin', 'member', 'viewer')
        then caller -> 'workspaces' ->> workspace_id
    end
$$;

/**
 * The workspaces in which the caller holds a role; none when caller is malformed.
 */
create function core.caller_workspaces(caller jsonb) returns setof text
language sql immutable parallel safe
as $$
    select w
    from jsonb_object_keys(case when jsonb_typeof(caller -> 'workspaces') = 'object'
                                then caller -> 'workspaces' end) as w
    where core.caller_role(caller, w) is not null
$$;

/**
 * Whether the caller holds one of roles in the workspace.
 */
create function core.caller_has_role(caller jsonb, workspace_id text, variadic roles text[])
returns boolean
language sql immutable parallel safe
as $$
    select coalesce(core.caller_role(caller, workspace_id) = any (roles), false)
$$;

/**
 * Whether the caller holds a platform-wide role (platform_admin, platform_reviewer), granted
 * by the token's roles array independently of any workspace.
 */
create function core.caller_has_platform_role(caller jsonb, role text) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(jsonb_typeof(caller -> 'roles') = 'array' and caller -> 'roles' ? role, false)
$$;

-- Enumerations are text + CHECK rather than enum types: the API shows them as strings, lists
-- sort them as text, and a value can be added later without ALTER TYPE.
--
-- review_state tracks a request to list publicly: it is pending or rejected while visibility
-- is still private or unlisted, and visibility becomes public (review_state null) only when a
-- platform reviewer approves. So visibility = 'public' alone means "reviewed and listed".
create table core.integrations (
    id               text        primary key default core.new_id('int_')
                                 check (id ~ '^int_[0-9a-f]{28}$'),
    workspace_id     text        not null,
    slug             text        not null check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name             text        not null,
    description      text,
    icon_url         text,
    publisher        text,
    trust_tier       text        not null default 'verified_publisher'
                                 check (trust_tier in ('first_party', 'vendor_official',
                                                       'verified_partner', 'verified_publisher')),
    current_version  text,
    manifest         jsonb       not null default '{"members": []}'
                                 check (jsonb_typeof(manifest) = 'object'),
    variables_schema jsonb       not null default '{}'
                                 check (jsonb_typeof(variables_schema) = 'object'),
    auth_config      jsonb       not null default '{"type": "none"}'
                                 check (jsonb_typeof(auth_config) = 'object'),
    visibility       text        not null default 'private'
                                 check (visibility in ('private', 'unlisted', 'public')),
    review_state     text        check (review_state in ('pending', 'rejected')),
    created_by       text        not null,
    deleted_at       timestamptz,
    retention_tier   text        not null default 'medium'
                                 check (retention_tier in ('short', 'medium', 'long', 'none')),
    created_at       timestamptz not null default clock_timestamp(),
    updated_at       timestamptz not null default clock_timestamp(),
    -- Soft-deleted rows keep their slug: a restore must never collide.
    unique (workspace_id, slug),
    check (visibility <> 'public' or review_state is null)
);

-- Versions are immutable snapshots (enforced by a trigger in 002). The extra unique key lets
-- an install reference (version, integration) together, so an install can never pin a
-- version of another integration than the one it names.
create table core.integration_versions (
    id                        text        primary key default core.new_id('intv_')
                                          check (id ~ '^intv_[0-9a-f]{28}$'),
    integration_id            text        not null references core.integrations,
    version                   text        not null,
    manifest_snapshot         jsonb       not null check (jsonb_typeof(manifest_snapshot) = 'object'),
    variables_schema_snapshot jsonb       not null
                                          check (jsonb_typeof(variables_schema_snapshot) = 'object'),
    auth_config_snapshot      jsonb       not null check (jsonb_typeof(auth_config_snapshot) = 'object'),
    member_entity_versions    jsonb       not null default '{}'
                                          check (jsonb_typeof(member_entity_versions) = 'object'),
    changelog                 text,
    published_by              text        not null,
    published_at              timestamptz not null default clock_timestamp(),
    unique (integration_id, version),
    unique (id, integration_id)
);

create table core.integration_grants (
    integration_id text        not null references core.integrations,
    workspace_id   text        not null,
    granted_by     text        not null,
    created_at     timestamptz not null default clock_timestamp(),
    primary key (integration_id, workspace_id)
);

-- Foreign keys here never cascade: purge removes what it owns explicitly, and anything it
-- does not know about blocks it instead of vanishing. The one exception is the parent link:
-- purge refuses while a live install depends on a parent it would remove, so the links it
-- clears belong to uninstalled (soft-deleted) children only.
create table core.integration_installs (
    id                     text        primary key default core.new_id('inst_')
                                       check (id ~ '^inst_[0-9a-f]{28}$'),
    integration_id         text        not null,
    integration_version_id text        not null,
    workspace_id           text        not null,
    variables              jsonb       not null default '{}' check (jsonb_typeof(variables) = 'object'),
    auth_state_id          text,
    member_policy          text        not null default 'auto_defaults'
                                       check (member_policy in ('auto_all', 'auto_defaults', 'manual')),
    parent_install_id      text        references core.integration_installs on delete set null,
    solution_id            text        not null check (solution_id ~ '^sol_[0-9a-f]{28}$'),
    installed_by           text        not null,
    installed_at           timestamptz not null default clock_timestamp(),
    last_upgraded_at       timestamptz,
    deleted_at             timestamptz,
    retention_tier         text        not null default 'medium'
                                       check (retention_tier in ('short', 'medium', 'long', 'none')),
    foreign key (integration_version_id, integration_id)
        references core.integration_versions (id, integration_id)
);
