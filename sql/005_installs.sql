-- Installs: materializing a published integration version into a destination workspace
-- (clones and references), install members, detach, upgrade reconciliation and uninstall.

-- ------------------------------------------------------------------------------ tables

-- The member policy manual installs exactly the chosen member slugs; upgrades add a new
-- member under manual only when its slug was chosen (e.g. one that comes back after a
-- version without it), so the choice is kept. Only manual installs have one; a manual
-- install without one (rows older than this column) has chosen nothing.
alter table core.integration_installs
    add column selected_member_slugs text[],
    add constraint integration_installs_selection_check
        check (selected_member_slugs is null or member_policy = 'manual');

-- At most one live root install of an integration per workspace. Install inserts with
-- ON CONFLICT on this index, so of two concurrent installs the second waits for the first
-- and then finds the conflict.
-- Installs written before this migration did not come from an install function (there was
-- none); where they break the rule, all but the newest of a workspace's live root installs
-- of one integration are uninstalled (soft-deleted, nothing is lost) so that it holds.
update core.integration_installs as i set deleted_at = clock_timestamp()
where i.deleted_at is null and i.parent_install_id is null
  and exists (select from core.integration_installs as newer
              where newer.workspace_id = i.workspace_id and newer.integration_id = i.integration_id
                and newer.deleted_at is null and newer.parent_install_id is null
                and (newer.installed_at, newer.id) > (i.installed_at, i.id));
create unique index integration_installs_live_root_idx
    on core.integration_installs (workspace_id, integration_id)
    where deleted_at is null and parent_install_id is null;
-- GET /api/integration-installs: the caller's workspaces in the default order.
create index integration_installs_workspace_installed_at_idx
    on core.integration_installs (workspace_id, installed_at desc, id desc);

-- One row per entity an install materialized: a manifest member (role member) or an entity
-- of a clone member's $ref closure that is not itself a member (role dependency, always a
-- clone). entity_id is the clone, or for a reference member the source entity itself.
-- applied_entity_version_id is the source version last applied; applied_clone_version_id
-- the clone version that apply wrote, so "the clone changed since" is a comparison of ids.
-- Rows are never deleted while their install exists: an upgrade that drops a member sets
-- removed_at and keeps the row as history.
--
-- The entity and entity version columns have no foreign keys, on purpose: entities and
-- their versions are never deleted (versions cannot even change, sql/004's trigger), so the
-- ids cannot dangle, and only core.install_reconcile writes them, from pinned versions and
-- the clones it has just written. A foreign key would take a row lock per member on the
-- source entity versions, rows that every install of the integration shares: concurrent
-- installs would contend on them (MultiXacts) for no gain.
create table core.install_members (
    id                        text        primary key default core.new_id('imem_')
                                          check (id ~ '^imem_[0-9a-f]{28}$'),
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

-- ------------------------------------------------------------------------ representation

/**
 * The API representation of an install: the reference's 14 fields, nulls as JSON null.
 */
create function core.install_json(i core.integration_installs) returns jsonb
language sql immutable parallel safe
as $$
    select jsonb_build_object(
        'id', i.id,
        'integrationId', i.integration_id,
        'integrationVersionId', i.integration_version_id,
        'workspaceId', i.workspace_id,
        'variables', i.variables,
        'authStateId', i.auth_state_id,
        'memberPolicy', i.member_policy,
        'parentInstallId', i.parent_install_id,
        'solutionId', i.solution_id,
        'installedBy', i.installed_by,
        'installedAt', core.iso_time(i.installed_at),
        'lastUpgradedAt', core.iso_time(i.last_upgraded_at),
        'deletedAt', core.iso_time(i.deleted_at),
        'retentionTier', i.retention_tier)
$$;

/**
 * The API representation of an install member. clone_version_id is the current version of
 * the member's entity: a clone is locally modified when it is no longer the version the
 * last apply wrote. References are never locally modified.
 */
create function core.install_member_json(m core.install_members, clone_version_id text)
returns jsonb
language sql immutable parallel safe
as $$
    select jsonb_build_object(
        'id', m.id,
        'installId', m.install_id,
        'slug', m.slug,
        'role', m.role,
        'mode', m.mode,
        'sourceEntityId', m.source_entity_id,
        'entityId', m.entity_id,
        'appliedEntityVersionId', m.applied_entity_version_id,
        'detached', m.detached,
        'config', m.config,
        'locallyModified', m.mode = 'clone' and clone_version_id is distinct from m.applied_clone_version_id,
        'lastAppliedAt', core.iso_time(m.last_applied_at),
        'removedAt', core.iso_time(m.removed_at))
$$;

-- ----------------------------------------------------------------------------- variables

/**
 * An object member name as one JSON pointer token (RFC 6901: ~ → ~0, / → ~1).
 */
create function core.json_pointer_token(name text) returns text
language sql immutable strict parallel safe
as $$
    select replace(replace(name, '~', '~0'), '/', '~1')
$$;

/**
 * instance with the defaults of schema filled in: every property of an object that the
 * schema's properties give a default for and the instance lacks gets that default (itself
 * completed the same way), at any depth, array items included. Anything that is not an
 * object schema leaves the instance as it is.
 */
create function core.json_schema_defaults(schema jsonb, instance jsonb) returns jsonb
language plpgsql immutable parallel safe
as $$
declare
    name text;
    sub jsonb;
begin
    if jsonb_typeof(schema) is distinct from 'object' then
        return instance;
    end if;
    if jsonb_typeof(instance) = 'object' and jsonb_typeof(schema -> 'properties') = 'object' then
        for name, sub in select p.key, p.value from jsonb_each(schema -> 'properties') as p loop
            if instance ? name then
                instance := jsonb_set(instance, array[name], core.json_schema_defaults(sub, instance -> name));
            elsif jsonb_typeof(sub) = 'object' and sub ? 'default' then
                instance := instance || jsonb_build_object(name, core.json_schema_defaults(sub, sub -> 'default'));
            end if;
        end loop;
    elsif jsonb_typeof(instance) = 'array' and jsonb_typeof(schema -> 'items') = 'object' then
        select coalesce(jsonb_agg(core.json_schema_defaults(schema -> 'items', e.value) order by e.n), '[]')
        into instance
        from jsonb_array_elements(instance) with ordinality as e (value, n);
    end if;
    return instance;
end
$$;

/**
 * Checks instance against schema, a JSON Schema restricted to type (a name or an array of
 * names), enum, minimum, maximum, minLength, maxLength, pattern, items (one schema for every
 * element, or an array of schemas by position), required and properties; other keywords, and
 * keywords whose value has the wrong type, are ignored. Returns one row per problem: the
 * JSON pointer of the offending value (pointer is the instance's own) and a sentence.
 * A value of the wrong type gets that one problem and no others. Lengths count characters.
 * A pattern that is not a valid regular expression is reported as a problem of the value
 * (the schema is the publisher's, the install request cannot fix it, but it must not fail).
 */
create function core.json_schema_errors(schema jsonb, instance jsonb, pointer text)
returns table (path text, message text)
language plpgsql immutable parallel safe
as $$
declare
    kind text := jsonb_typeof(instance);
    is_integer boolean := case when jsonb_typeof(instance) = 'number'
                               then instance::numeric = trunc(instance::numeric) else false end;
    types text[];
    characters int;
    name text;
    sub jsonb;
    element jsonb;
    n bigint;
begin
    if jsonb_typeof(schema) is distinct from 'object' then
        return;
    end if;

    if jsonb_typeof(schema -> 'type') in ('string', 'array') then
        types := array(select jsonb_array_elements_text(
                           case jsonb_typeof(schema -> 'type')
                               when 'array' then schema -> 'type'
                               else jsonb_build_array(schema -> 'type') end));
        if not exists (select from unnest(types) as t (name)
                       where t.name = kind or (t.name = 'integer' and is_integer)) then
            return query select pointer, 'must be of type ' || array_to_string(types, ' or ');
            return;
        end if;
    end if;

    if jsonb_typeof(schema -> 'enum') = 'array'
       and not exists (select from jsonb_array_elements(schema -> 'enum') as e (value)
                       where e.value = instance) then
        return query
            select pointer,
                   'must be one of ' || (select string_agg(e.value::text, ', ')
                                         from jsonb_array_elements(schema -> 'enum') as e (value));
    end if;

    if kind = 'number' then
        if jsonb_typeof(schema -> 'minimum') = 'number'
           and instance::numeric < (schema -> 'minimum')::numeric then
            return query select pointer, 'must be at least ' || (schema -> 'minimum')::text;
        end if;
        if jsonb_typeof(schema -> 'maximum') = 'number'
           and instance::numeric > (schema -> 'maximum')::numeric then
            return query select pointer, 'must be at most ' || (schema -> 'maximum')::text;
        end if;
    elsif kind = 'string' then
        characters := length(instance #>> '{}');
        if jsonb_typeof(schema -> 'minLength') = 'number'
           and characters < (schema -> 'minLength')::numeric then
            return query
                select pointer, format('must be at least %s characters long', schema -> 'minLength');
        end if;
        if jsonb_typeof(schema -> 'maxLength') = 'number'
           and characters > (schema -> 'maxLength')::numeric then
            return query
                select pointer, format('must be at most %s characters long', schema -> 'maxLength');
        end if;
        if jsonb_typeof(schema -> 'pattern') = 'string' then
            begin
                if (instance #>> '{}') !~ (schema ->> 'pattern') then
                    return query select pointer, 'must match the pattern ' || (schema ->> 'pattern');
                end if;
            exception when invalid_regular_expression then
                return query
                    select pointer,
                           'cannot be checked: the variables schema''s pattern is not a valid '
                           || 'regular expression';
            end;
        end if;
    elsif kind = 'array' and jsonb_typeof(schema -> 'items') in ('object', 'array') then
        for element, n in select e.value, e.n - 1 from jsonb_array_elements(instance) with ordinality as e (value, n) loop
            sub := case jsonb_typeof(schema -> 'items')
                       when 'object' then schema -> 'items' else schema -> 'items' -> n::int end;
            return query select * from core.json_schema_errors(sub, element, pointer || '/' || n);
        end loop;
    elsif kind = 'object' then
        if jsonb_typeof(schema -> 'required') = 'array' then
            return query
                select pointer || '/' || core.json_pointer_token(r.name), 'is required'
                from jsonb_array_elements(schema -> 'required') with ordinality as r0 (value, n),
                     lateral (select r0.value #>> '{}' as name) as r
                where jsonb_typeof(r0.value) = 'string' and not instance ? r.name
                order by r0.n;
        end if;
        if jsonb_typeof(schema -> 'properties') = 'object' then
            for name, sub in select p.key, p.value from jsonb_each(schema -> 'properties') as p loop
                if instance ? name then
                    return query
                        select * from core.json_schema_errors(
                            sub, instance -> name, pointer || '/' || core.json_pointer_token(name));
                end if;
            end loop;
        end if;
    end if;
end
$$;

/**
 * The problems of an install's variables (defaults already filled in) against a version's
 * variables schema, as a JSON array of {"path": "/variables/…", "message"}, ordered by path;
 * empty when they fit. A required variable that is missing is named by its path.
 */
create function core.install_variables_problems(schema jsonb, variables jsonb) returns jsonb
language sql immutable parallel safe
as $$
    select coalesce(jsonb_agg(jsonb_build_object(
                        'path', e.path,
                        'message', case when e.message = 'is required'
                                        then 'is required (the variables schema gives no default)'
                                        else e.message end)
                    order by e.path, e.message), '[]')
    from core.json_schema_errors(schema, variables, '/variables') as e
$$;

-- ------------------------------------------------------------------------- materializing

-- One entry of an install plan (core.install_reconcile). action: add, update (re-apply),
-- refresh (the pinned source version moved but what is applied stays the same), keep,
-- remove, skip.
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

/**
 * A JSON text (jsonb's output form, or several joined into one array) with its {{name}}
 * placeholders replaced by variables, as core.json_placeholders finds them: in string
 * values only, never in object keys. A string that is nothing but one placeholder becomes
 * the variable's JSON value, of whatever type; a placeholder inside a longer string becomes
 * the variable's text (a string as it is, anything else as JSON text). A name without a
 * variable gives null, or the empty string inside a longer string.
 *
 * Works on the text because a walk of the tree costs a PL/pgSQL iteration per node, and
 * installs fill thousands of definitions (callers batch them into one text). It relies on
 * jsonb's output: a string value's closing quote is never followed by ':' (a key's is),
 * a quote inside a string is always escaped (so '"' preceded by ' ' or '[' opens a string
 * and '"' right after a placeholder closes one), '{{' occurs inside strings only, and
 * control characters are always escaped. One regular expression marks the placeholders of
 * string values with E'\x02' name E'\x03', characters the text can hold nowhere else;
 * plain replacements then put in the values, whole strings first.
 */
create function core.placeholders_fill(doc text, variables jsonb) returns text
language plpgsql immutable parallel safe
as $$
declare
    name text;
    marker text;
    value jsonb;
    inner_text text;
begin
    if strpos(doc, '{{') = 0 then
        return doc;
    end if;
    doc := regexp_replace(
        doc, '\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}(?=(?:[^"\\]|\\.)*"(?!:))', E'\x02\\1\x03', 'g');
    for name, value in select v.key, v.value from jsonb_each(variables) as v loop
        marker := E'\x02' || name || E'\x03';
        if strpos(doc, marker) > 0 then
            inner_text := to_jsonb(case jsonb_typeof(value)
                                       when 'string' then value #>> '{}'
                                       when 'null' then ''
                                       else value::text end)::text;
            doc := replace(doc, ' "' || marker || '"', ' ' || value::text);
            doc := replace(doc, '["' || marker || '"', '[' || value::text);
            doc := replace(doc, marker, substr(inner_text, 2, length(inner_text) - 2));
        end if;
    end loop;
    -- Names without a variable.
    if strpos(doc, E'\x02') > 0 then
        doc := regexp_replace(doc, E'([ [])"\\x02[A-Za-z0-9_]+\\x03"', '\1null', 'g');
        doc := regexp_replace(doc, E'\\x02[A-Za-z0-9_]+\\x03', '', 'g');
    end if;
    return doc;
end
$$;

/**
 * The config and, for clones, the definition that each add or apply entry of an install
 * plan writes (see core.install_reconcile): the pinned source definition with each
 * {"$ref": id} whose id is a key of clone_map (source entity → clone) pointing at the clone,
 * then in both the placeholders filled from variables. Entries that are neither, and
 * documents with nothing to change, come back as they are (definition null for
 * references).
 * Set-based: the $ref rewrite splits each document at '"$ref": "' (in jsonb's output a
 * "$ref" key and its string value read exactly '"$ref": "<id>"', text that cannot occur
 * inside a string, where quotes are escaped) and maps the 32-character ids that follow;
 * every document with placeholders is then filled in one core.placeholders_fill call on a
 * JSON array of them all.
 */
create function core.install_materialize(plan core.install_plan_item[], clone_map jsonb,
                                         variables jsonb)
returns table (member_id text, config jsonb, definition jsonb)
language sql stable
as $$
    with docs as (
        select p.member_id, 'config' as part, p.config as original, p.config::text as doc,
               false as rewritten
        from unnest(plan) as p
        where p.action in ('add', 'apply')
      union all
        select p.member_id, 'definition', v.definition, coalesce(r.doc, v.definition::text),
               r.doc is not null
        from unnest(plan) as p
        join core.entity_versions as v on v.id = p.source_version_id
        left join lateral (
            select string_agg(case when s.n = 1 then s.part
                                   else '"$ref": "'
                                        || coalesce(case when substr(s.part, 33, 1) = '"'
                                                         then clone_map ->> left(s.part, 32) end,
                                                    left(s.part, 32))
                                        || substr(s.part, 33) end,
                              '' order by s.n) as doc
            from unnest(string_to_array(v.definition::text, '"$ref": "')) with ordinality as s (part, n)
            where exists (select from unnest(v.refs) as r (id) where clone_map ? r.id)
        ) as r on true
        where p.action in ('add', 'apply') and p.mode = 'clone'
    ), batch as materialized (
        select d.member_id, d.part, d.doc, row_number() over (order by d.member_id, d.part) as n
        from docs as d
        where strpos(d.doc, '{{') > 0
    ), filled as materialized (
        -- Materialized: the fill runs once, never again for each row it is joined to.
        select b.member_id, b.part, f.value
        from jsonb_array_elements(core.placeholders_fill(
                 '[' || (select string_agg(b.doc, ', ' order by b.n) from batch as b) || ']',
                 variables)::jsonb) with ordinality as f (value, n)
        join batch as b using (n)
    )
    select d.member_id,
           (array_agg(r.value) filter (where d.part = 'config'))[1],
           (array_agg(r.value) filter (where d.part = 'definition'))[1]
    from docs as d
    left join filled as f using (member_id, part)
    cross join lateral (select coalesce(f.value, case when d.rewritten then d.doc::jsonb
                                                      else d.original end) as value) as r
    group by d.member_id
$$;

/**
 * Slugs for new entities of a workspace: each key (a new entity's id) with its wanted slug
 * (base). A base that no live entity of the workspace has goes to the first key that wants
 * it; the others get base-2, base-3, …, the smallest that are free, in key order. Slugs
 * are at most 63 characters: a suffix replaces the end of a base that is too long for it.
 * Set-based: one pass over the workspace's live slugs, whatever the number of keys.
 */
create function core.entity_free_slugs(workspace_id text, keys text[], bases text[])
returns table (key text, slug text)
language sql stable
as $$
    with wanted as (
        select w.key, w.base, row_number() over (partition by w.base order by w.key) as n
        from unnest(keys, bases) as w (key, base)
    ), plain as materialized (
        select w.key, w.base as slug
        from wanted as w
        where w.n = 1
          and not exists (select from core.entities as e
                          where e.workspace_id = entity_free_slugs.workspace_id
                            and e.slug = w.base and e.deleted_at is null)
    ), suffixed as (
        -- Suffixes go on a stem short enough for any suffix of up to 7 digits.
        select w.key, left(w.base, 55) as stem,
               row_number() over (partition by left(w.base, 55) order by w.key) as n
        from wanted as w
        left join plain as p using (key)
        where p.key is null
    ), used as materialized (
        -- Slugs a suffixed candidate (stem-N) could collide with, by the stem they have.
        select regexp_replace(u.slug, '-[0-9]+$', '') as stem, u.slug
        from (select e.slug from core.entities as e
              where e.workspace_id = entity_free_slugs.workspace_id and e.deleted_at is null
                and e.slug ~ '-[0-9]+$'
              union all
              select p.slug from plain as p where p.slug ~ '-[0-9]+$') as u
    ), stems as (
        select s.stem, count(*) + 1 + coalesce(max(u.used), 0) as last
        from suffixed as s
        left join (select u.stem, count(*) as used from used as u group by u.stem) as u using (stem)
        group by s.stem
    ), candidates as (
        select c.stem, c.slug, row_number() over (partition by c.stem order by c.n) as n
        from (select st.stem, g.n, st.stem || '-' || g.n as slug
              from stems as st
              cross join lateral generate_series(2, st.last) as g (n)) as c
        left join used as u using (slug)
        where u.slug is null
    )
    select p.key, p.slug from plain as p
    union all
    select s.key, c.slug from suffixed as s join candidates as c using (stem, n)
$$;

/**
 * The entities that the live detached clones of an install use through $ref, transitively
 * through the install's own clones: a detached clone is the workspace's own, and what it
 * uses must stay even when upgrades or an uninstall would otherwise remove it.
 */
create function core.install_detached_uses(install_id text) returns table (entity_id text)
language sql stable
as $$
    with recursive uses (entity_id) as (
        select r.ref
        from core.install_members as m
        join core.entities as e on e.id = m.entity_id
        join core.entity_versions as v on v.id = e.current_version_id
        cross join unnest(v.refs) as r (ref)
        where m.install_id = install_detached_uses.install_id and m.detached
          and m.mode = 'clone' and m.removed_at is null
      union
        select r.ref
        from uses
        join core.install_members as m
          on m.install_id = install_detached_uses.install_id and m.entity_id = uses.entity_id
         and m.mode = 'clone' and m.removed_at is null
        join core.entities as e on e.id = m.entity_id
        join core.entity_versions as v on v.id = e.current_version_id
        cross join unnest(v.refs) as r (ref)
    )
    select uses.entity_id from uses
$$;

/**
 * Brings the members of install inst to version v with variables (validated, defaults
 * filled in), on behalf of actor (a user id, the creator of new clones and clone versions).
 * The caller holds the install's row lock (or has just inserted it) and has checked access.
 * With dry_run nothing is written.
 *
 * The target: the manifest members the install has (a live row with that slug, attached)
 * or that its policy selects when it has none (auto_all: all, auto_defaults: default ones,
 * manual: the chosen slugs), plus as dependencies every entity reached through $ref from
 * those of them that are clones (pinned versions, transitively) that is neither a member
 * the install has nor a reference member; the walk goes through neither. Members are
 * matched by slug and mode (a member whose mode changed is removed and added),
 * dependencies by source entity. Then:
 *   - detached rows are skipped, whatever the target says, and so are members the policy
 *     does not select, and dependencies gone from the target that a detached clone still
 *     uses (core.install_detached_uses);
 *   - attached rows gone from the target are removed (removed_at; clones soft-deleted);
 *   - target entries without a row are added (a clone: new entity and first version, with
 *     the source slug, suffixed when taken; a reference: the source entity);
 *   - attached rows still in the target are updated when what would be applied (the
 *     clone definition with $refs to clones of this install rewritten and placeholders
 *     filled, the config, the source entity, and for references the pinned version)
 *     differs from what was: clones get a new version of the same entity.
 * Returns {"updated", "added", "removed", "skipped"}: the slugs of each, sorted.
 */
create function core.install_reconcile(inst core.integration_installs, v core.integration_versions,
                                       variables jsonb, actor text, dry_run boolean)
returns jsonb
language plpgsql
as $$
declare
    pins jsonb := v.member_entity_versions;
    applied timestamptz := clock_timestamp();
    plan core.install_plan_item[];
    clone_map jsonb;
begin
    with recursive live as (
        select m.id, m.role, m.slug, m.mode, m.source_entity_id, m.entity_id, m.detached,
               m.applied_entity_version_id, m.config, av.definition,
               case m.role when 'member' then 'member/' || m.mode || '/' || m.slug
                           else 'dependency/' || m.source_entity_id end as key
        from core.install_members as m
        left join core.entity_versions as av on av.id = m.applied_clone_version_id
        where m.install_id = inst.id and m.removed_at is null
    ), manifest as (
        select t.slug, t.entity_id, t.mode, t.config,
               case inst.member_policy
                   when 'auto_all' then true
                   when 'auto_defaults' then t.is_default
                   else coalesce(t.slug = any (inst.selected_member_slugs), false)
               end as selected,
               l.id is not null as has_row,
               coalesce(l.detached, false) as has_detached_row
        from core.manifest_members(v.manifest_snapshot) as t
        left join live as l on l.role = 'member' and l.slug = t.slug
    ), installed as (
        select m.* from manifest as m where m.has_row or m.selected
    ), stops as (
        -- Never dependencies, and the closure walk does not go through them: the members the
        -- install has or gets (a clone member's closure is walked from the member itself),
        -- and every reference member (the manifest says to use the source entity).
        select m.entity_id from installed as m
        union
        select m.entity_id from manifest as m where m.mode = 'reference'
    ), reach (entity_id) as (
        select r.ref
        from installed as m
        join core.entity_versions as ev on ev.id = pins ->> m.entity_id
        cross join unnest(ev.refs) as r (ref)
        where m.mode = 'clone' and not m.has_detached_row
      union
        select r.ref
        from reach
        join core.entity_versions as ev on ev.id = pins ->> reach.entity_id
        cross join unnest(ev.refs) as r (ref)
        where not exists (select from stops as s where s.entity_id = reach.entity_id)
    ), target as (
        select 'member' as role, m.slug, m.entity_id as source_entity_id, m.mode, m.config,
               'member/' || m.mode || '/' || m.slug as key
        from installed as m
        where not m.has_detached_row
      union all
        select 'dependency', e.slug, e.id, 'clone', '{}'::jsonb, 'dependency/' || e.id
        from reach
        join core.entities as e on e.id = reach.entity_id
        where pins ? reach.entity_id
          and not exists (select from stops as s where s.entity_id = reach.entity_id)
    ), joined as materialized (
        -- Materialized: each row's new id is generated once, however often it is used.
        -- A new clone, its first version and its member row share one generated id body
        -- (one core.new_id instead of three; the prefixes keep them apart).
        select coalesce(l.id, core.new_id('imem_')) as member_id,
               t.role as t_role, t.slug as t_slug, t.mode as t_mode, t.config,
               t.source_entity_id as t_source, l.id as live_id, l.role as l_role,
               l.slug as l_slug, l.mode as l_mode, l.source_entity_id as l_source,
               l.entity_id as l_entity, l.detached, l.applied_entity_version_id as l_version,
               l.config as l_config, l.definition as l_definition
        from target as t
        full join live as l on l.key = t.key
    )
    select array_agg(p) into plan
    from (select row(
                     case when j.live_id is null then 'add'
                          when j.detached then 'skip'
                          when j.t_role is null
                               and j.l_entity in (select u.entity_id
                                                  from core.install_detached_uses(inst.id) as u)
                              then 'skip'
                          when j.t_role is null then 'remove'
                          else 'apply' end,
                     j.member_id,
                     coalesce(j.t_role, j.l_role),
                     coalesce(j.t_slug, j.l_slug),
                     coalesce(j.t_mode, j.l_mode),
                     coalesce(j.t_source, j.l_source),
                     pins ->> j.t_source,
                     case when j.live_id is not null and (j.l_mode = 'clone' or j.t_role is null)
                              then j.l_entity
                          when j.t_mode = 'clone' then 'ent_' || substr(j.member_id, 6)
                          else j.t_source end,
                     j.config,
                     null,
                     case when j.t_mode = 'clone' and j.live_id is null
                          then 'entv_' || substr(j.member_id, 6) end,
                     j.l_source, j.l_version, j.l_config, j.l_definition
                 )::core.install_plan_item as p
          from joined as j
          union all
          -- New members the policy does not select.
          select row('skip', null, 'member', m.slug, m.mode, m.entity_id, null, null, null, null,
                     null, null, null, null, null)::core.install_plan_item
          from manifest as m
          where not m.has_row and not m.selected) as s;

    -- Where $refs to entities this install clones point: to the clone a member row has
    -- (a detached one included), a member's before a dependency's.
    select coalesce(jsonb_object_agg(c.source_entity_id, c.entity_id), '{}') into clone_map
    from (select distinct on (p.source_entity_id) p.source_entity_id, p.entity_id
          from unnest(plan) as p
          where p.mode = 'clone' and p.entity_id is not null and p.action <> 'remove'
          order by p.source_entity_id, p.role desc, p.slug) as c;

    -- What each added or still attached entry applies, and whether that changes anything;
    -- a clone to update gets the id of its new version.
    select array_agg(row(a.action, p.member_id, p.role, p.slug, p.mode, p.source_entity_id,
                         p.source_version_id, p.entity_id, x.config, x.definition,
                         case when a.action = 'update' and p.mode = 'clone' then core.new_id('entv_')
                              else p.clone_version_id end,
                         null, null, null, null)::core.install_plan_item)
    into plan
    from unnest(plan) as p
    left join core.install_materialize(plan, clone_map, variables) as x using (member_id)
    cross join lateral (
        select case when p.action <> 'apply' then p.action
                    when p.source_entity_id is distinct from p.was_source_entity_id
                         or x.config is distinct from p.was_config
                         or (p.mode = 'clone' and x.definition is distinct from p.was_definition)
                         or (p.mode = 'reference'
                             and p.source_version_id is distinct from p.was_source_version_id)
                        then 'update'
                    when p.source_version_id is distinct from p.was_source_version_id
                        then 'refresh'
                    else 'keep' end as action) as a;

    if not dry_run then
        -- New clones take free slugs of the workspace: one install or upgrade at a time per
        -- workspace picks them, so concurrent ones never race for the same slug.
        perform pg_advisory_xact_lock(hashtextextended('install slugs ' || inst.workspace_id, 0));

        -- Removals first: the slugs of the clones they soft-delete become free for additions.
        with gone as (
            update core.install_members as m set removed_at = applied
            from unnest(plan) as p
            where p.action = 'remove' and m.id = p.member_id
            returning m.entity_id, m.mode
        )
        update core.entities as e set deleted_at = applied, updated_at = applied
        from gone
        where gone.mode = 'clone' and e.id = gone.entity_id and e.deleted_at is null;

        insert into core.entities
            (id, workspace_id, kind, slug, name, current_version_id, source_install_member_id,
             created_by, created_at, updated_at)
        select p.entity_id, inst.workspace_id, src.kind, s.slug, src.name, p.clone_version_id,
               p.member_id, actor, applied, applied
        from unnest(plan) as p
        join core.entities as src on src.id = p.source_entity_id
        join core.entity_free_slugs(
                 inst.workspace_id,
                 array(select a.entity_id from unnest(plan) as a
                       where a.action = 'add' and a.mode = 'clone' order by a.entity_id),
                 array(select e.slug from unnest(plan) as a
                       join core.entities as e on e.id = a.source_entity_id
                       where a.action = 'add' and a.mode = 'clone' order by a.entity_id)) as s
             on s.key = p.entity_id
        where p.action = 'add' and p.mode = 'clone';

        insert into core.entity_versions (id, entity_id, definition, created_by, created_at)
        select p.clone_version_id, p.entity_id, p.definition, actor, applied
        from unnest(plan) as p
        where p.action in ('add', 'update') and p.mode = 'clone';

        update core.entities as e set current_version_id = p.clone_version_id, updated_at = applied
        from unnest(plan) as p
        where p.action = 'update' and p.mode = 'clone' and e.id = p.entity_id;

        insert into core.install_members
            (id, install_id, slug, role, mode, source_entity_id, entity_id,
             applied_entity_version_id, applied_clone_version_id, config, last_applied_at)
        select p.member_id, inst.id, p.slug, p.role, p.mode, p.source_entity_id, p.entity_id,
               p.source_version_id, p.clone_version_id, p.config, applied
        from unnest(plan) as p
        where p.action = 'add';

        update core.install_members as m set
            source_entity_id = p.source_entity_id,
            entity_id = p.entity_id,
            applied_entity_version_id = p.source_version_id,
            applied_clone_version_id = case when p.action = 'update' then p.clone_version_id
                                            else m.applied_clone_version_id end,
            config = p.config,
            last_applied_at = case when p.action = 'update' then applied else m.last_applied_at end
        from unnest(plan) as p
        where p.action in ('update', 'refresh') and m.id = p.member_id;
    end if;

    return (select jsonb_build_object(
                       'updated', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'update'), '[]'),
                       'added', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'add'), '[]'),
                       'removed', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'remove'), '[]'),
                       'skipped', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'skip'), '[]'))
            from unnest(plan) as p);
end
$$;

-- --------------------------------------------------------------------------------- access

/**
 * Locks an install for a change (row lock, for update) and returns it when the caller may
 * change it: owner, admin or member of its workspace. Raises IN404 when the caller has no
 * role there (or there is no such install), IN403 for a viewer.
 */
create function core.install_lock_for_writer(caller jsonb, install_id text)
returns core.integration_installs
language plpgsql
as $$
declare
    inst core.integration_installs;
begin
    select * into inst from core.integration_installs as t where t.id = install_id for update;
    if not found or core.caller_role(caller, inst.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Install not found.';
    end if;
    if not core.caller_has_role(caller, inst.workspace_id, 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may change its installs.';
    end if;
    return inst;
end
$$;

/**
 * The version an install or upgrade targets: version_id when given (IN422 at
 * /integrationVersionId unless it is a version of integration i), else i's current
 * version (IN409 when none is published).
 */
create function core.install_target_version(i core.integrations, version_id text)
returns core.integration_versions
language plpgsql stable
as $$
declare
    v core.integration_versions;
begin
    if version_id is not null then
        select * into v from core.integration_versions as t
        where t.id = version_id and t.integration_id = i.id;
        if not found then
            raise exception using
                errcode = 'IN422',
                message = 'The integration version is not a version of this integration.',
                detail = jsonb_build_array(jsonb_build_object(
                    'path', '/integrationVersionId',
                    'message', 'is not a version of this integration'))::text;
        end if;
        return v;
    end if;
    select * into v from core.integration_versions as t
    where t.integration_id = i.id and t.version = i.current_version;
    if not found then
        raise exception using
            errcode = 'IN409', message = 'The integration has no published version yet.';
    end if;
    return v;
end
$$;

-- ------------------------------------------------------------------------------ api

/**
 * POST /api/integrations/{id}/install: installs the integration into body.workspaceId at
 * body.integrationVersionId, or at its current version, and materializes its members
 * (core.install_reconcile), all in this transaction. body has been shape-checked by the
 * worker (including: selectedMemberSlugs present exactly when memberPolicy is manual).
 * variables get the schema's defaults; a root install (no parentInstallId) gets a new
 * solution id, a child its parent's.
 * Returns 201 with the install.
 * Errors, in this order: IN404 the integration does not exist or the caller could not read
 * it even if it were live; IN403 the caller is not owner, admin or member of the
 * workspace; IN410 the integration is soft-deleted; IN422 integrationVersionId is not one
 * of its versions; IN409 no version is published; IN422 with one errors[] entry per
 * problem of: the variables against the version's variables schema (/variables/…), a
 * missing authStateId when the version's auth config type is not none (/authStateId),
 * selectedMemberSlugs naming no member of the version (/selectedMemberSlugs/<n>),
 * parentInstallId not a live install of the workspace (/parentInstallId); INA09 a live root
 * install of the integration exists in the workspace.
 * The integration row is locked (for key share) before deletedAt is read, so a concurrent
 * delete or purge waits for the install, and of two concurrent root installs the second
 * waits for the first and gets INA09.
 */
create function api.integration_install(caller jsonb, integration_id text, body jsonb)
returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
-- The ON CONFLICT target names columns; the parameter of the same name is always qualified.
#variable_conflict use_column
declare
    workspace text := body ->> 'workspaceId';
    policy text := coalesce(body ->> 'memberPolicy', 'auto_defaults');
    i core.integrations;
    as_live core.integrations;
    v core.integration_versions;
    parent core.integration_installs;
    variables jsonb;
    selection text[];
    problems jsonb;
    inst core.integration_installs;
begin
    select * into i from core.integrations as t
    where t.id = integration_install.integration_id
    for key share;
    as_live := i;
    as_live.deleted_at := null;
    if not found or not core.integration_readable(caller, as_live) then
        raise exception using errcode = 'IN404', message = 'Integration not found.';
    end if;
    if not core.caller_has_role(caller, workspace, 'owner', 'admin', 'member') then
        raise exception using
            errcode = 'IN403',
            message = 'Only an owner, admin or member of the workspace may install into it.';
    end if;
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN410', message = 'The integration is deleted and cannot be installed.';
    end if;
    v := core.install_target_version(i, body ->> 'integrationVersionId');

    variables := core.json_schema_defaults(v.variables_schema_snapshot,
                                           coalesce(body -> 'variables', '{}'));
    problems := core.install_variables_problems(v.variables_schema_snapshot, variables);
    if coalesce(v.auth_config_snapshot ->> 'type', 'none') <> 'none'
       and body ->> 'authStateId' is null then
        problems := problems || jsonb_build_object(
            'path', '/authStateId',
            'message', format('is required: the integration authenticates with type %s',
                              v.auth_config_snapshot ->> 'type'));
    end if;
    if policy = 'manual' then
        selection := array(select distinct s.slug
                           from jsonb_array_elements_text(body -> 'selectedMemberSlugs') as s (slug)
                           order by 1);
        problems := problems || coalesce(
            (select jsonb_agg(jsonb_build_object(
                                  'path', '/selectedMemberSlugs/' || (s.n - 1),
                                  'message', format('names no member of version %s', v.version))
                              order by s.n)
             from jsonb_array_elements_text(body -> 'selectedMemberSlugs') with ordinality as s (slug, n)
             where not exists (select from core.manifest_members(v.manifest_snapshot) as m
                               where m.slug = s.slug)),
            '[]');
    end if;
    if body ->> 'parentInstallId' is not null then
        select * into parent from core.integration_installs as t
        where t.id = body ->> 'parentInstallId'
        for key share;
        if not found or parent.workspace_id <> workspace or parent.deleted_at is not null then
            parent := null;
            problems := problems || jsonb_build_object(
                'path', '/parentInstallId', 'message', 'is not a live install of the workspace');
        end if;
    end if;
    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = 'IN422',
            message = 'The install request does not fit the integration version.',
            detail = problems::text;
    end if;

    insert into core.integration_installs as t
        (integration_id, integration_version_id, workspace_id, variables, auth_state_id,
         member_policy, selected_member_slugs, parent_install_id, solution_id, installed_by)
    values
        (i.id, v.id, workspace, variables, body ->> 'authStateId', policy, selection, parent.id,
         coalesce(parent.solution_id, core.new_id('sol_')), caller ->> 'sub')
    on conflict (workspace_id, integration_id) where deleted_at is null and parent_install_id is null
    do nothing
    returning t.* into inst;
    if not found then
        raise exception using
            errcode = 'INA09',
            message = 'The integration is already installed in the workspace; upgrade that install, or uninstall it first.';
    end if;

    perform core.install_reconcile(inst, v, variables, caller ->> 'sub', false);
    return (201, core.install_json(inst), null)::api.reply;
end
$$;

/**
 * GET /api/integration-installs/{id}: the install; an uninstalled one too, with deletedAt.
 * Returns 200.
 * Errors: IN404 no such install, or the caller has no role in its workspace.
 */
create function api.install_get(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs;
begin
    select * into inst from core.integration_installs as t where t.id = install_get.id;
    if not found or core.caller_role(caller, inst.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Install not found.';
    end if;
    return (200, core.install_json(inst), null)::api.reply;
end
$$;

/**
 * GET /api/integration-installs/{id}/members: every member row of the install, removed ones
 * included (removedAt set): members before dependencies, each by slug.
 * Returns 200 {"members": [...]}.
 * Errors: IN404 no such install, or the caller has no role in its workspace.
 */
create function api.install_member_list(caller jsonb, id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs;
    doc jsonb;
begin
    select * into inst from core.integration_installs as t where t.id = install_member_list.id;
    if not found or core.caller_role(caller, inst.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Install not found.';
    end if;
    select jsonb_build_object('members', coalesce(jsonb_agg(core.install_member_json(m, e.current_version_id)
                                                            order by m.role desc, m.slug, m.id), '[]'))
    into doc
    from core.install_members as m
    join core.entities as e on e.id = m.entity_id
    where m.install_id = inst.id;
    return (200, doc, null)::api.reply;
end
$$;

/**
 * POST /api/integration-members/{id}/detach: body.detached true makes upgrades skip the
 * member (its clone is the workspace's own to change); false attaches it again, and the
 * next upgrade re-applies it if what it would apply differs. Setting the flag it already
 * has is accepted. Runs under the install's row lock, so it never interleaves with an
 * upgrade of the same install.
 * Returns 200 {"success": true}.
 * Errors: IN404 no such member, or the caller has no role in its install's workspace;
 * IN403 a viewer; IN409 the install is uninstalled, or the member was removed by an upgrade.
 */
create function api.install_member_detach(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    install_id text;
    inst core.integration_installs;
begin
    select m.install_id into install_id from core.install_members as m
    where m.id = install_member_detach.id;
    if not found then
        raise exception using errcode = 'IN404', message = 'Install member not found.';
    end if;
    inst := core.install_lock_for_writer(caller, install_id);
    if inst.deleted_at is not null then
        raise exception using
            errcode = 'IN409', message = 'The install is uninstalled; its members cannot change.';
    end if;
    update core.install_members as m set detached = (body ->> 'detached')::boolean
    where m.id = install_member_detach.id and m.removed_at is null;
    if not found then
        raise exception using
            errcode = 'IN409', message = 'The member was removed by an upgrade; it cannot change.';
    end if;
    return (200, '{"success": true}', null)::api.reply;
end
$$;

/**
 * POST /api/integration-installs/{id}/upgrade: reconciles the install with
 * body.integrationVersionId, or the integration's current version (core.install_reconcile;
 * an older version is a rollback, by the same rules). body.variables, when given, replace
 * the install's variables of the same names; the result is checked against the target's
 * variables schema, its defaults filled in. With body.dryRun true nothing changes. body may
 * be null (no body). The install's version, variables and lastUpgradedAt change only when
 * something does, so a second upgrade to the same version writes nothing. The auth state
 * is the install's own: an upgrade keeps it.
 * Runs under the install's row lock: concurrent upgrades of one install run one after the
 * other, and each later one sees the earlier one's result.
 * Returns 200 {"updated", "added", "removed", "skipped"} (slugs).
 * Errors, in this order: IN404 no such install, or no role in its workspace; IN403 a
 * viewer; IN409 the install is uninstalled; IN410 the integration is soft-deleted; IN403
 * the caller may no longer read the integration; IN422 integrationVersionId is not one of
 * its versions; IN422 the variables do not fit the target's variables schema, one errors[]
 * entry per problem (a new required variable without a default is named by its path).
 */
create function api.install_upgrade(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs := core.install_lock_for_writer(caller, id);
    dry_run boolean := coalesce((body ->> 'dryRun')::boolean, false);
    i core.integrations;
    v core.integration_versions;
    merged jsonb;
    problems jsonb;
    result jsonb;
begin
    if inst.deleted_at is not null then
        raise exception using
            errcode = 'IN409', message = 'The install is uninstalled and cannot be upgraded.';
    end if;
    select * into i from core.integrations as t where t.id = inst.integration_id for key share;
    if i.deleted_at is not null then
        raise exception using
            errcode = 'IN410', message = 'The integration is deleted; its installs stay as they are.';
    end if;
    if not core.integration_readable(caller, i) then
        raise exception using
            errcode = 'IN403', message = 'The caller may no longer read the integration.';
    end if;
    v := core.install_target_version(i, body ->> 'integrationVersionId');

    merged := core.json_schema_defaults(v.variables_schema_snapshot,
                                        inst.variables || coalesce(body -> 'variables', '{}'));
    problems := core.install_variables_problems(v.variables_schema_snapshot, merged);
    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = 'IN422',
            message = format('The install''s variables do not fit version %s; send the missing or corrected ones in variables.',
                             v.version),
            detail = problems::text;
    end if;

    result := core.install_reconcile(inst, v, merged, caller ->> 'sub', dry_run);
    if not dry_run
       and (v.id <> inst.integration_version_id
            or merged <> inst.variables
            or result -> 'updated' <> '[]' or result -> 'added' <> '[]'
            or result -> 'removed' <> '[]') then
        update core.integration_installs as t set
            integration_version_id = v.id,
            variables = merged,
            last_upgraded_at = clock_timestamp()
        where t.id = inst.id;
    end if;
    return (200, result, null)::api.reply;
end
$$;

/**
 * DELETE /api/integration-installs/{id}: uninstalls: soft-deletes the install and the
 * clones of its attached members. Detached clones stay, the workspace's own from now on,
 * and so do the clones they use (core.install_detached_uses); referenced entities are not
 * the install's and stay too. Member rows are kept.
 * Returns 200 {"success": true}.
 * Errors: IN404 no such install, or no role in its workspace; IN403 a viewer; IN409
 * already uninstalled.
 */
create function api.install_delete(caller jsonb, id text) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs := core.install_lock_for_writer(caller, id);
    deleted timestamptz := clock_timestamp();
begin
    if inst.deleted_at is not null then
        raise exception using errcode = 'IN409', message = 'The install is already uninstalled.';
    end if;
    update core.entities as e set deleted_at = deleted, updated_at = deleted
    from core.install_members as m
    where m.install_id = inst.id and m.mode = 'clone' and not m.detached
      and m.removed_at is null and e.id = m.entity_id and e.deleted_at is null
      and e.id not in (select u.entity_id from core.install_detached_uses(inst.id) as u);
    update core.integration_installs as t set deleted_at = deleted where t.id = inst.id;
    return (200, '{"success": true}', null)::api.reply;
end
$$;

/**
 * Removes a soft-deleted integration for good, with its grants, versions and uninstalled
 * installs (and their member rows: their clones stay and lose the link). The caller has
 * locked the row and checked core.integration_has_live_installs.
 * (Replaces the definition of sql/002, which predates install members.)
 */
create or replace function core.integration_remove(integration_id text) returns void
language plpgsql
as $$
begin
    delete from core.integration_grants as g where g.integration_id = integration_remove.integration_id;
    delete from core.install_members as m
    using core.integration_installs as inst
    where m.install_id = inst.id
      and inst.integration_id = integration_remove.integration_id and inst.deleted_at is not null;
    -- Should a live install be here all the same, it is kept and the versions' foreign key
    -- aborts the purge: nothing live is ever lost.
    delete from core.integration_installs as inst
    where inst.integration_id = integration_remove.integration_id and inst.deleted_at is not null;
    perform set_config('integrations.purging', 'on', true);
    delete from core.integration_versions as v where v.integration_id = integration_remove.integration_id;
    perform set_config('integrations.purging', 'off', true);
    delete from core.integrations as t where t.id = integration_remove.integration_id;
end
$$;

revoke execute on function
    api.integration_install(jsonb, text, jsonb),
    api.install_get(jsonb, text),
    api.install_member_list(jsonb, text),
    api.install_member_detach(jsonb, text, jsonb),
    api.install_upgrade(jsonb, text, jsonb),
    api.install_delete(jsonb, text)
from public;

grant execute on function
    api.integration_install(jsonb, text, jsonb),
    api.install_get(jsonb, text),
    api.install_member_list(jsonb, text),
    api.install_member_detach(jsonb, text, jsonb),
    api.install_upgrade(jsonb, text, jsonb),
    api.install_delete(jsonb, text)
to integrations_api;
