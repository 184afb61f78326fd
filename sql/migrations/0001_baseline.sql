-- Baseline: the tables, types, indexes and constraints of the integrations marketplace, as
-- sql/001–012 (the layout before issue 13) left them, written once in their end state.
--
-- What is here: schemas, the workers' role and its settings, composite types, tables,
-- constraints, indexes, and the four functions that tables need before they can exist
-- (column defaults, generated columns, an expression index). Everything else that is code
-- (functions, triggers, grants on functions) lives in sql/schema/ and is re-applied after
-- the migrations (docs/sql.md). The functions defined here are defined again, identically, in
-- their sql/schema/ file, which is their live definition from then on.
--
-- Schema core holds the tables and internal helpers; schema api holds the functions the
-- FastCGI workers call; schema maintenance the jobs of the maintenance timer. Workers connect
-- as integrations_api: they read core (list queries are compiled by the worker, GET by id
-- reads core.integration_get) and change state only through the security definer api
-- functions.
--
-- The data migrations of the old files (005: uninstalling duplicate live root installs
-- written before installs existed; 012: storing the representation of existing
-- integrations) had nothing to do on an empty database and are not repeated here.

create schema core;
create schema api;
-- Housekeeping run by the maintenance timer as the schema owner, never by the workers.
create schema maintenance;

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

-- Lists cost far above jit_above_cost on paper and JIT compiled each for over a second
-- (docs/performance.md, "Lists").
alter role integrations_api set jit = off;
-- A request whose client has long gone must not hold a worker: past this, 503 (SQLSTATE 57014).
alter role integrations_api set statement_timeout = '10s';

-- List order is bytewise (PRODUCT §5). Rather than COLLATE clauses that indexes would have to
-- repeat, the database itself is created with the C collation; refuse any other.
do $$
begin
    if (select datcollate from pg_database where datname = current_database()) not in ('C', 'POSIX') then
        raise exception 'the database must use the C collation (createdb --locale=C --template=template0)';
    end if;
end
$$;

-- ------------------------------------------------------------------------------- types

/**
 * What every api function returns: the HTTP status of success (200, 201, 202), the response
 * body, and the strong ETag of the resource where it has one (else null).
 */
create type api.reply as (status int, body jsonb, etag text);

-- One entry of an install plan (core.install_reconcile, sql/schema/api/upgrade.sql). action:
-- add, update (re-apply), refresh (the pinned source version moved but what is applied stays
-- the same), keep, remove, skip.
create type core.install_plan_item as (
    action            text,
    member_id         text,  -- the live member row, or the id of the row to add
    role              text,
    slug              text,
    mode              text,
    source_entity_id  text,
    source_version_id text,  -- the pinned source version (target entries)
    entity_id         text,  -- the clone (existing or to create) or the referenced entity
    config            jsonb, -- the member config as applied
    definition        jsonb, -- the clone definition as applied (clones to add or update)
    clone_version_id  text,  -- the clone version to write (clones to add or update)
    -- What a live row applied last: its source entity and version, config, clone definition.
    was_source_entity_id  text,
    was_source_version_id text,
    was_config            jsonb,
    was_definition        jsonb
);

-- ------------------------------------------------------- functions the tables depend on
-- First definitions only: the live ones are in sql/schema/core/ids.sql, semver.sql and
-- json_refs.sql, which may only `create or replace` them with the same results. Generated
-- columns store these functions' results: changing what one returns needs a migration that
-- rewrites the column (docs/sql.md, "Functions behind columns").

/**
 * A new prefixed id (column defaults): see sql/schema/core/ids.sql.
 */
create function core.new_id(prefix text) returns text
language sql volatile parallel safe
as $$
    select prefix
        || lpad(to_hex(floor(extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0')
        || left(md5(gen_random_uuid()::text), 16)
$$;

/**
 * SemVer precedence as a bytewise-sortable text (generated columns current_version_key and
 * version_key, index integration_versions_semver_idx): see sql/schema/core/semver.sql.
 */
create function core.semver_key(v text) returns text
language plpgsql immutable strict parallel safe
as $$
declare
    m text[];
    ident text;
    key text;
begin
    m := regexp_match(v, '^(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,19})\.(0|[1-9][0-9]{0,19})'
                         '(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$');
    if m is null then
        return null;
    end if;
    key := lpad(m[1], 20, '0') || '.' || lpad(m[2], 20, '0') || '.' || lpad(m[3], 20, '0');
    if m[4] is null then
        return key || '~';
    end if;
    key := key || '-';
    foreach ident in array string_to_array(m[4], '.') loop
        if ident ~ '^[0-9]+$' then
            key := key || '0' || lpad(ident, 20, '0');
        else
            key := key || '1' || ident;
        end if;
        key := key || chr(1);
    end loop;
    return key;
end
$$;

/**
 * The distinct entity ids a definition refers to through {"$ref": "ent_…"} nodes (generated
 * column entity_versions.refs): see sql/schema/core/json_refs.sql.
 */
create function core.entity_refs(definition jsonb) returns text[]
language plpgsql immutable strict parallel safe
as $$
declare
    found jsonb;
begin
    if strpos(definition::text, '"$ref": "ent_') = 0 then
        return '{}';
    end if;
    found := jsonb_path_query_array(
        definition,
        'strict $.** ? (@.type() == "object" && exists (@."$ref"))."$ref"
                     ? (@.type() == "string" && @ like_regex "^ent_[0-9a-f]{28}$")');
    case jsonb_array_length(found)
        when 0 then return '{}';
        when 1 then return array[found ->> 0];
        else null;
    end case;
    return array(select distinct r.id from jsonb_array_elements_text(found) as r (id) order by r.id);
end
$$;

/**
 * The distinct variable names of the {{name}} placeholders of a document (generated column
 * entity_versions.placeholders): see sql/schema/core/json_refs.sql.
 */
create function core.json_placeholders(doc jsonb) returns text[]
language plpgsql immutable strict parallel safe
as $$
begin
    if strpos(doc::text, '{{') = 0 then
        return '{}';
    end if;
    return array(select distinct m[1]
                 from jsonb_path_query(doc, 'strict $.** ? (@.type() == "string")') as s,
                      regexp_matches(s #>> '{}', '\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}', 'g') as m
                 order by 1);
end
$$;

-- ------------------------------------------------------------------------ integrations

-- Enumerations are text + CHECK rather than enum types: the API shows them as strings, lists
-- sort them as text, and a value can be added later without ALTER TYPE.
--
-- review_state tracks a request to list publicly: it is pending or rejected while visibility
-- is still private or unlisted, and visibility becomes public (review_state null) only when a
-- platform reviewer approves. So visibility = 'public' alone means "reviewed and listed".
--
-- current_version_key: the SemVer key of current_version, computed once per row instead of
-- once per row per list query (docs/performance.md, "Lists").
create table core.integrations (
    id                  text        primary key default core.new_id('int_')
                                    check (id ~ '^int_[0-9a-f]{28}$'),
    workspace_id        text        not null,
    slug                text        not null check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name                text        not null,
    description         text,
    icon_url            text,
    publisher           text,
    trust_tier          text        not null default 'verified_publisher'
                                    check (trust_tier in ('first_party', 'vendor_official',
                                                          'verified_partner', 'verified_publisher')),
    current_version     text,
    manifest            jsonb       not null default '{"members": []}'
                                    check (jsonb_typeof(manifest) = 'object'),
    variables_schema    jsonb       not null default '{}'
                                    check (jsonb_typeof(variables_schema) = 'object'),
    auth_config         jsonb       not null default '{"type": "none"}'
                                    check (jsonb_typeof(auth_config) = 'object'),
    visibility          text        not null default 'private'
                                    check (visibility in ('private', 'unlisted', 'public')),
    review_state        text        check (review_state in ('pending', 'rejected')),
    created_by          text        not null,
    deleted_at          timestamptz,
    retention_tier      text        not null default 'medium'
                                    check (retention_tier in ('short', 'medium', 'long', 'none')),
    created_at          timestamptz not null default clock_timestamp(),
    updated_at          timestamptz not null default clock_timestamp(),
    current_version_key text        generated always as (core.semver_key(current_version)) stored,
    -- Soft-deleted rows keep their slug: a restore must never collide.
    unique (workspace_id, slug),
    check (visibility <> 'public' or review_state is null)
);

-- Versions are immutable snapshots (a trigger, sql/schema/api/publish.sql). The extra unique
-- key lets an install reference (version, integration) together, so an install can never pin
-- a version of another integration than the one it names.
--
-- members_preview: the member preview of the version, computed by publish. Everything it
-- shows is fixed once the version exists (the manifest snapshot, the pinned entity versions
-- and their refs, the entities' kind and slug), so it is computed once instead of on every
-- read: building it costs about as much as a publish, reading it almost nothing. Null for
-- versions written by anything but publish; the preview then computes it.
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
    members_preview           jsonb       check (jsonb_typeof(members_preview) = 'object'),
    version_key               text        generated always as (core.semver_key(version)) stored,
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
--
-- selected_member_slugs: the member policy manual installs exactly the chosen member slugs;
-- upgrades add a new member under manual only when its slug was chosen (e.g. one that comes
-- back after a version without it), so the choice is kept. Only manual installs have one; a
-- manual install without one has chosen nothing.
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
    selected_member_slugs  text[],
    foreign key (integration_version_id, integration_id)
        references core.integration_versions (id, integration_id),
    constraint integration_installs_selection_check
        check (selected_member_slugs is null or member_policy = 'manual')
);

-- Default list order.
create index integrations_created_at_id_idx on core.integrations (created_at desc, id desc);
-- Scope of list queries: integrations granted to one of the caller's workspaces.
create index integration_grants_workspace_idx on core.integration_grants (workspace_id);
-- Purge: installs of an integration, and the foreign key check when its versions go.
create index integration_installs_integration_idx
    on core.integration_installs (integration_id, integration_version_id);
-- Purge: live installs whose parent it would remove; and the parent key's ON DELETE.
create index integration_installs_parent_idx
    on core.integration_installs (parent_install_id) where parent_install_id is not null;
-- Retention: the soft-deleted integrations.
create index integrations_deleted_at_idx on core.integrations (deleted_at)
    where deleted_at is not null;
-- The greatest published version of an integration, by SemVer precedence.
create index integration_versions_semver_idx
    on core.integration_versions (integration_id, core.semver_key(version));

-- Lists (docs/performance.md, "Lists"): the scope's three parts (own workspaces, reviewed
-- public, grants), each in default order.
create index integrations_workspace_live_idx
    on core.integrations (workspace_id, created_at desc, id desc) where deleted_at is null;
create index integrations_public_live_idx
    on core.integrations (created_at desc, id desc)
    where visibility = 'public' and deleted_at is null;
create index integration_grants_workspace_integration_idx
    on core.integration_grants (workspace_id, integration_id);
-- Relation filters on versions: by version (any integration) and per integration.
create index integration_versions_key_idx on core.integration_versions (version_key, integration_id);

-- List filters. The public part of the integrations scope is most of every caller's list
-- (tens of thousands of rows), and a filtered count or page over it read every one of them:
-- these indexes of that part let the common filters find their rows instead. The list engine
-- queries the parts of the scope one by one, so each can use the partial indexes of its own
-- part.
-- name: startsWith (a LIKE prefix: the database collates as C), equality, ranges, and
-- orderBy name; lower(name) the same with mode insensitive.
create index integrations_public_live_name_idx
    on core.integrations (name) where visibility = 'public' and deleted_at is null;
create index integrations_public_live_lower_name_idx
    on core.integrations (lower(name)) where visibility = 'public' and deleted_at is null;
-- publisher: eq and in.
create index integrations_public_live_publisher_idx
    on core.integrations (publisher) where visibility = 'public' and deleted_at is null;
-- Relation filters (versions some/every/none): the count merges these ids with the
-- versions' (integration_versions_key_idx), in the same order, without hashing.
create index integrations_public_live_id_idx
    on core.integrations (id) where visibility = 'public' and deleted_at is null;

-- At most one live root install of an integration per workspace. Install inserts with
-- ON CONFLICT on this index, so of two concurrent installs the second waits for the first
-- and then finds the conflict.
create unique index integration_installs_live_root_idx
    on core.integration_installs (workspace_id, integration_id)
    where deleted_at is null and parent_install_id is null;
-- GET /api/integration-installs: the caller's workspaces in the default order.
create index integration_installs_workspace_installed_at_idx
    on core.integration_installs (workspace_id, installed_at desc, id desc);

-- Stored representations of integrations (docs/performance.md, "GET by id"): every write of
-- an integration row stores its representation, as the text the API sends, and its ETag, in
-- the same transaction (trigger core.integration_representation_keep,
-- sql/schema/core/representations.sql); GET by id reads them (core.integration_get).
-- Written only from a jsonb's text, so always canonical JSON.
create table core.integration_representations (
    integration_id text primary key references core.integrations (id) on delete cascade,
    body           text not null,
    etag           text not null
);

-- ---------------------------------------------------------------------------- entities

-- A definition depends on another entity through a node {"$ref": "ent_…"} anywhere in it.
-- Only strings of our own id shape count: "$ref" is a common key in JSON documents (JSON
-- Schema uses it for "#/…" pointers), and those are not dependencies.
--
-- Slugs are unique among the live entities of a workspace only (partial index below): an
-- install clones entities under the source slug, and a soft-deleted clone must not block the
-- next install from taking it. kind and slug are fixed at creation.
--
-- source_install_member_id: set on clones by installs.
--
-- The CHECKs of the rows an install writes per clone (an entity, its version, a member row)
-- say their formats as an unbounded pattern plus a length, not as regular expressions with
-- bounded repeats ({28}, {0,31}, {1,62}), which PostgreSQL's engine expands state by state
-- on every call: 4–5 µs per check, five checks per clone, about a tenth of an install
-- (docs/performance.md, "Install and upgrade").
create table core.entities (
    id                       text        primary key default core.new_id('ent_')
                                         check (length(id) = 32 and id ~ '^ent_[0-9a-f]+$'),
    workspace_id             text        not null,
    kind                     text        not null
                                         check (length(kind) <= 32 and kind ~ '^[a-z][a-z0-9_]*$'),
    slug                     text        not null
                                         check (length(slug) between 2 and 63
                                                and slug ~ '^[a-z0-9][a-z0-9-]+$'),
    name                     text        not null,
    current_version_id       text        not null,
    source_install_member_id text,
    created_by               text        not null,
    created_at               timestamptz not null default clock_timestamp(),
    updated_at               timestamptz not null default clock_timestamp(),
    deleted_at               timestamptz
);

-- refs and placeholders are derived from the definition by the database itself, once, when
-- the version is written: whoever writes a version (entities, installs) cannot store a
-- definition and a derivation that disagree, and publish, which needs both for every pinned
-- version, never scans definitions.
create table core.entity_versions (
    id           text        primary key default core.new_id('entv_')
                             check (length(id) = 33 and id ~ '^entv_[0-9a-f]+$'),
    entity_id    text        not null references core.entities,
    definition   jsonb       not null check (jsonb_typeof(definition) = 'object'),
    refs         text[]      not null generated always as (core.entity_refs(definition)) stored,
    placeholders text[]      not null
                             generated always as (core.json_placeholders(definition)) stored,
    created_by   text        not null,
    created_at   timestamptz not null default clock_timestamp(),
    unique (id, entity_id)
);

-- Every entity has a current version, and it is one of its own. Deferred: an entity and its
-- first version reference each other and are inserted in one transaction.
alter table core.entities
    add foreign key (current_version_id, id) references core.entity_versions (id, entity_id)
        deferrable initially deferred;

create unique index entities_workspace_slug_live_idx
    on core.entities (workspace_id, slug) where deleted_at is null;
-- GET /api/entities: the caller's workspaces in the default order (createdAt desc, id desc).
create index entities_workspace_created_at_idx
    on core.entities (workspace_id, created_at desc, id desc);

-- ----------------------------------------------------------------------------- installs

-- One row per entity an install materialized: a manifest member (role member) or an entity
-- of a clone member's $ref closure that is not itself a member (role dependency, always a
-- clone). entity_id is the clone, or for a reference member the source entity itself.
-- applied_entity_version_id is the source version last applied; applied_clone_version_id
-- the clone version that apply wrote, so "the clone changed since" is a comparison of ids.
-- Rows are never deleted while their install exists: an upgrade that drops a member sets
-- removed_at and keeps the row as history.
--
-- The entity and entity version columns have no foreign keys, on purpose: entities and
-- their versions are never deleted (versions cannot even change: a trigger), so the ids
-- cannot dangle, and only core.install_reconcile writes them, from pinned versions and the
-- clones it has just written. A foreign key would take a row lock per member on the source
-- entity versions, rows that every install of the integration shares: concurrent installs
-- would contend on them (MultiXacts) for no gain.
create table core.install_members (
    id                        text        primary key default core.new_id('imem_')
                                          check (length(id) = 33 and id ~ '^imem_[0-9a-f]+$'),
    install_id                text        not null references core.integration_installs,
    slug                      text        not null,
    role                      text        not null check (role in ('member', 'dependency')),
    mode                      text        not null check (mode in ('clone', 'reference')),
    source_entity_id          text        not null,
    entity_id                 text        not null,
    applied_entity_version_id text        not null,
    applied_clone_version_id  text,
    detached                  boolean     not null default false,
    config                    jsonb       not null default '{}' check (jsonb_typeof(config) = 'object'),
    last_applied_at           timestamptz not null default clock_timestamp(),
    removed_at                timestamptz,
    check ((mode = 'clone') = (applied_clone_version_id is not null)),
    check (mode = 'clone' or entity_id = source_entity_id),
    check (role = 'member' or mode = 'clone')
);

create index install_members_install_idx on core.install_members (install_id);
-- The identity reconciliation matches live rows on: a member by slug, a dependency by its
-- source entity.
create unique index install_members_live_identity_idx
    on core.install_members (install_id, role,
                             (case role when 'member' then slug else source_entity_id end))
    where removed_at is null;

-- A clone records the member it came from. Deferred: clones are inserted before their
-- member rows, which reference them. When purge removes an uninstalled install's members,
-- the clones (detached ones are the workspace's own) stay and only lose the link.
alter table core.entities
    add foreign key (source_install_member_id) references core.install_members
        on delete set null deferrable initially deferred;

-- ------------------------------------------------------------------------- idempotency

-- Safe retries: the first successful response to a POST with an Idempotency-Key is kept for
-- 24 hours per caller and key, and replayed instead of running the request again.
create table core.idempotency_keys (
    caller_sub   text        not null,
    key          text        not null check (length(key) between 1 and 255),
    request_hash text        not null, -- md5 of method, path and body: a key names one request
    status       int         not null,
    body         text        not null,
    location     text,
    etag         text,
    created_at   timestamptz not null default clock_timestamp(),
    primary key (caller_sub, key)
);

create index idempotency_keys_created_at_idx on core.idempotency_keys (created_at);
