-- Upgrade reconciliation: core.install_reconcile plans and applies what a version means for
-- an install's members (add, update, refresh, keep, remove, skip; clones and references;
-- detached members; dry runs), for a first install as for every upgrade or rollback; the
-- materialization of clones ($refs pointed at clones, placeholders filled; their slugs come
-- from core.entity_free_slugs, sql/schema/api/entities.sql); and
-- POST /api/integration-installs/{id}/upgrade.

/**
 * The config and, for clones, the definition that each add or apply entry of
 * an install plan writes: $refs to entities of clone_map pointed at their clones (in the
 * definition), then {{placeholders}} filled from variables (in both).
 * All the configs go through one text (a JSON array of them) and all the definitions through
 * another: one $ref rewrite, one fill and one parse each, whatever the number of members,
 * rather than per document, regrouped by member afterwards (docs/performance.md).
 */
create or replace function core.install_materialize(plan core.install_plan_item[], clone_map jsonb,
                                                    variables jsonb)
returns table (member_id text, config jsonb, definition jsonb)
language sql stable
as $$
    with items as materialized (
        select p.member_id, p.config, v.definition,
               row_number() over (order by p.member_id) - 1 as n
        from unnest(plan) as p
        left join core.entity_versions as v on p.mode = 'clone' and v.id = p.source_version_id
        where p.action in ('add', 'apply')
    ), configs as (
        select core.placeholders_fill(
                   '[' || string_agg(i.config::text, ', ' order by i.n) || ']', variables)::jsonb as a
        from items as i
    ), definitions as (
        select core.placeholders_fill(
                   core.refs_rewrite(
                       '[' || string_agg(coalesce(i.definition::text, 'null'), ', ' order by i.n) || ']',
                       clone_map),
                   variables)::jsonb as a
        from items as i
    )
    select i.member_id, c.a -> i.n::int, nullif(d.a -> i.n::int, 'null')
    from items as i, configs as c, definitions as d
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
drop function if exists
    core.install_reconcile(core.integration_installs, core.integration_versions, jsonb, text, boolean);

create or replace function core.install_reconcile(inst core.integration_installs, v core.integration_versions,
                                       variables jsonb, actor text, dry_run boolean,
                                       on_conflict text, resolutions jsonb)
returns jsonb
language plpgsql
as $$
declare
    pins jsonb := v.member_entity_versions;
    applied timestamptz := clock_timestamp();
    plan core.install_plan_item[];
    clone_map jsonb;
    merges jsonb;
    problems jsonb := '[]';
    unresolved jsonb;
    rr record;
    mg record;
    detail text;
    bases jsonb;
    adds_clones boolean;
    adds boolean;
    removes boolean;
    result jsonb;
begin
    with recursive live as (
        select m.id, m.role, m.slug, m.mode, m.source_entity_id, m.entity_id, m.detached,
               m.applied_entity_version_id, m.config,
               coalesce(bd.doc, av.definition) as definition,
               case m.role when 'member' then 'member/' || m.mode || '/' || m.slug
                           else 'dependency/' || m.source_entity_id end as key
        from core.install_members as m
        left join core.entity_versions as av on av.id = m.applied_clone_version_id
        left join core.json_documents as bd on bd.hash = m.base_hash
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
                         null, null, null, p.was_definition)::core.install_plan_item)
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


    -- Three-way merges (PRODUCT §12) of the attached clones whose rendered upstream differs
    -- from their base: base (p.was_definition), local (the clone's current definition),
    -- upstream (p.definition). Set-based for the members no resolution names; one by one
    -- for those that one does, so that an IN422 of core.json_merge3 is mapped back to the
    -- index of the entry in body.resolutions.
    -- The statements about resolutions run only when there are some: an upgrade without
    -- them (every rollout job) would start their executors for nothing.
    if coalesce(resolutions, '[]') <> '[]' then
        select problems || coalesce(jsonb_agg(jsonb_build_object(
                                       'path', '/resolutions/' || (x.n - 1) || '/memberId',
                                       'message', 'is not an attached clone member of this install')
                                   order by x.n), '[]')
        into problems
        from jsonb_array_elements(coalesce(resolutions, '[]')) with ordinality as x (e, n)
        where not exists (select from unnest(plan) as p
                          where p.member_id = x.e ->> 'memberId' and p.mode = 'clone'
                            and p.action in ('update', 'refresh', 'keep'));
    end if;

    select coalesce(jsonb_object_agg(p.member_id, jsonb_build_object(
               'slug', p.slug, 'outcome', m.outcome, 'merged', m.merged, 'conflicts', m.conflicts,
               'local', l.definition)), '{}')
    into merges
    from unnest(plan) as p
    join core.entities as e on e.id = p.entity_id
    join core.entity_versions as l on l.id = e.current_version_id
    cross join lateral (
        -- A clone nobody edited (local = base) takes upstream, json_merge3's own answer
        -- for it, without a PL/pgSQL call per member: most members of a rollout's installs.
        select 'fast_forward' as outcome, p.definition as merged, '[]'::jsonb as conflicts
        where l.definition = p.was_definition
        union all
        select x.outcome, x.merged, x.conflicts
        from core.json_merge3(p.was_definition, l.definition, p.definition, on_conflict, null) as x
        where l.definition is distinct from p.was_definition) as m
    where p.mode = 'clone' and p.action = 'update'
      and p.definition is distinct from p.was_definition
      and not exists (select from jsonb_array_elements(coalesce(resolutions, '[]')) as x (e)
                      where x.e ->> 'memberId' = p.member_id);

    if coalesce(resolutions, '[]') <> '[]' then
        for rr in
            select p.member_id, p.slug, p.was_definition, p.definition, l.definition as local,
                   x.entries, x.idx
            from (select x.e ->> 'memberId' as member_id,
                         jsonb_agg(x.e - 'memberId' order by x.n) as entries,
                         array_agg(x.n - 1 order by x.n) as idx
                  from jsonb_array_elements(coalesce(resolutions, '[]')) with ordinality as x (e, n)
                  group by 1) as x
            join unnest(plan) as p on p.member_id = x.member_id
            join core.entities as e on e.id = p.entity_id
            join core.entity_versions as l on l.id = e.current_version_id
            where p.mode = 'clone' and p.action in ('update', 'refresh', 'keep')
            order by p.member_id
        loop
            begin
                select * into mg
                from core.json_merge3(coalesce(rr.was_definition, rr.definition), rr.local, rr.definition,
                                      on_conflict, rr.entries);
                merges := merges || jsonb_build_object(rr.member_id, jsonb_build_object(
                    'slug', rr.slug, 'outcome', mg.outcome, 'merged', mg.merged,
                    'conflicts', mg.conflicts, 'local', rr.local));
            exception when sqlstate 'IN422' then
                get stacked diagnostics detail = pg_exception_detail;
                select problems || coalesce(jsonb_agg(jsonb_build_object(
                           'path', regexp_replace(d.e ->> 'path', '^/resolutions/([0-9]+)',
                                                  '/resolutions/' || rr.idx[(substring(d.e ->> 'path'
                                                      from '^/resolutions/([0-9]+)'))::int + 1]),
                           'message', d.e ->> 'message')), '[]')
                into problems
                from jsonb_array_elements(detail::jsonb) as d (e);
            end;
        end loop;
    end if;

    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = 'IN422',
            message = 'The resolutions do not fit this upgrade: each names an attached clone member of the install and a path that conflicts.',
            detail = problems::text;
    end if;

    if on_conflict = 'fail' then
        select coalesce(jsonb_agg(jsonb_build_object('memberId', k.key, 'slug', k.value ->> 'slug') || c.c
                                  order by k.value ->> 'slug', k.key, c.n), '[]')
        into unresolved
        from jsonb_each(merges) as k
        cross join lateral jsonb_array_elements(k.value -> 'conflicts') with ordinality as c (c, n)
        where not exists (select from jsonb_array_elements(coalesce(resolutions, '[]')) as x (e)
                          where x.e ->> 'memberId' = k.key and x.e ->> 'path' = c.c ->> 'path');
        if jsonb_array_length(unresolved) > 0 then
            raise exception using
                errcode = 'INC09',
                message = 'The upgrade conflicts with the subscriber''s edits (onConflict fail): nothing was applied.',
                detail = jsonb_build_object('conflicts', unresolved)::text;
        end if;
    end if;

    -- Clone updates whose result equals the clone's current definition write no version.
    select array_agg(row(p.action, p.member_id, p.role, p.slug, p.mode, p.source_entity_id,
                         p.source_version_id, p.entity_id, p.config, p.definition,
                         case when p.action <> 'update' or p.mode <> 'clone' then p.clone_version_id
                              when merges ? p.member_id
                                   and (merges -> p.member_id -> 'merged')
                                       is distinct from (merges -> p.member_id -> 'local')
                              then p.clone_version_id end,
                         null, null, null, p.was_definition)::core.install_plan_item)
    into plan
    from unnest(plan) as p;

    if not dry_run then
        -- Bases: the rendered upstream of every clone added or updated, stored and hashed
        -- once here (the member rows below take their base_hash from bases rather than
        -- hashing every definition again); and which of the writes below have rows at all,
        -- so that the others are not run (a rollout job only updates).
        with h as materialized (
            select p.member_id, core.json_document_hash(p.definition) as hash, p.definition as doc
            from unnest(plan) as p
            where p.action in ('add', 'update') and p.mode = 'clone'
        ), stored as (
            insert into core.json_documents (hash, doc)
            select distinct on (h.hash) h.hash, h.doc from h
            on conflict (hash) do nothing
        )
        select coalesce((select jsonb_object_agg(h.member_id, h.hash) from h), '{}'),
               coalesce(bool_or(p.action = 'add' and p.mode = 'clone'), false),
               coalesce(bool_or(p.action = 'add'), false),
               coalesce(bool_or(p.action = 'remove'), false)
        into bases, adds_clones, adds, removes
        from unnest(plan) as p;

        -- New clones take free slugs of the workspace: one install or upgrade at a time per
        -- workspace picks them, so concurrent ones never race for the same slug.
        perform pg_advisory_xact_lock(hashtextextended('install slugs ' || inst.workspace_id, 0));

        -- Removals first: the slugs of the clones they soft-delete become free for additions.
        if removes then
            with gone as (
                update core.install_members as m set removed_at = applied
                from unnest(plan) as p
                where p.action = 'remove' and m.id = p.member_id
                returning m.entity_id, m.mode
            )
            update core.entities as e set deleted_at = applied, updated_at = applied
            from gone
            where gone.mode = 'clone' and e.id = gone.entity_id and e.deleted_at is null;
        end if;

        -- Only when a clone is added: most upgrades (every job of a rollout whose target
        -- adds no member) add none, and core.entity_free_slugs would still be planned and
        -- read the workspace's slugs for nothing (~2 ms of a ~10 ms rollout job).
        if adds_clones then
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
        end if;

        insert into core.entity_versions (id, entity_id, definition, created_by, created_at)
        select p.clone_version_id, p.entity_id,
               case when p.action = 'add' then p.definition else merges -> p.member_id -> 'merged' end,
               actor, applied
        from unnest(plan) as p
        where p.action in ('add', 'update') and p.mode = 'clone' and p.clone_version_id is not null;

        update core.entities as e set current_version_id = p.clone_version_id, updated_at = applied
        from unnest(plan) as p
        where p.action = 'update' and p.mode = 'clone' and p.clone_version_id is not null
          and e.id = p.entity_id;

        if adds then
            insert into core.install_members
                (id, install_id, slug, role, mode, source_entity_id, entity_id,
                 applied_entity_version_id, applied_clone_version_id, config, last_applied_at, base_hash)
            select p.member_id, inst.id, p.slug, p.role, p.mode, p.source_entity_id, p.entity_id,
                   p.source_version_id, p.clone_version_id, p.config, applied,
                   bases ->> p.member_id
            from unnest(plan) as p
            where p.action = 'add';
        end if;

        update core.install_members as m set
            source_entity_id = p.source_entity_id,
            entity_id = p.entity_id,
            applied_entity_version_id = p.source_version_id,
            applied_clone_version_id = coalesce(p.clone_version_id, m.applied_clone_version_id),
            base_hash = coalesce(bases ->> p.member_id, m.base_hash),
            config = p.config,
            last_applied_at = case when p.action = 'update' then applied else m.last_applied_at end
        from unnest(plan) as p
        where p.action in ('update', 'refresh') and m.id = p.member_id;
    end if;

    -- Three plain statements rather than one expression: the dry run's part behind a
    -- parameter made PL/pgSQL plan that expression again at every call (~0.3 ms a job).
    select jsonb_build_object(
               'updated', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'update'), '[]'),
               'added', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'add'), '[]'),
               'removed', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'remove'), '[]'),
               'skipped', coalesce(jsonb_agg(p.slug order by p.slug) filter (where p.action = 'skip'), '[]'))
    into result
    from unnest(plan) as p;
    select result || jsonb_build_object(
               'merged', coalesce(jsonb_agg(k.value ->> 'slug' order by k.value ->> 'slug', k.key)
                                      filter (where k.value ->> 'outcome' in ('merged', 'conflict')), '[]'),
               'conflicts', coalesce((select jsonb_agg(jsonb_build_object('memberId', c.key, 'slug', c.value ->> 'slug') || x.c
                                                       order by c.value ->> 'slug', c.key, x.n)
                                      from jsonb_each(merges) as c
                                      cross join lateral jsonb_array_elements(c.value -> 'conflicts')
                                          with ordinality as x (c, n)), '[]'))
    into result
    from jsonb_each(merges) as k;
    if dry_run then
        select result || jsonb_build_object('changes', coalesce(jsonb_agg(jsonb_build_object(
                             'memberId', k.key, 'slug', k.value ->> 'slug',
                             'outcome', k.value ->> 'outcome',
                             'patch', core.json_diff(k.value -> 'local', k.value -> 'merged'))
                         order by k.value ->> 'slug', k.key), '[]'))
        into result
        from jsonb_each(merges) as k;
    end if;
    return result;
end
$$;

/**
 * POST /api/integration-installs/{id}/upgrade: reconciles the install with
 * body.integrationVersionId, or the integration's current version (core.install_reconcile;
 * an older version by the same rules; rollback to a point of the history is
 * api.install_rollback). body.variables, when given, replace the install's variables of the
 * same names; the result is checked against the target's variables schema, its defaults
 * filled in. body may be null (no body). The auth state is the install's own: an upgrade
 * keeps it.
 *
 * Merges (PRODUCT §12): every attached clone whose rendered upstream differs from its base
 * is merged three-way (core.json_merge3: base, the clone's current definition, upstream);
 * the result is written as a new version of the clone when it differs from the current
 * definition; the new base is upstream. body.onConflict: keep_local (default),
 * take_upstream, or fail (INC09, nothing applied, unless every conflict is decided by a
 * resolution); body.resolutions [{"memberId", "path", "take", "value"?}] decide single
 * conflicts and win over onConflict.
 *
 * With body.dryRun true nothing is written or recorded; the answer also has "changes":
 * [{"memberId", "slug", "outcome", "patch"}] for every clone the upgrade would merge,
 * patch = core.json_diff(current definition, result); operationId is null.
 * Otherwise an `upgrade` operation is recorded, also when nothing changed (every call is in
 * the history; its lists are then empty). The install's version, variables and
 * lastUpgradedAt change only when something does, so a second upgrade to the same version
 * writes nothing but the operation.
 * Runs under the install's row lock: concurrent upgrades of one install run one after the
 * other, and each later one sees the earlier one's result.
 * Returns 200 {"updated", "added", "removed", "skipped", "merged", "conflicts",
 * "operationId"}: slugs sorted; merged the slugs whose outcome is merged or conflict
 * (updated includes them); conflicts [{"memberId", "slug", "path", "base"?, "local"?,
 * "upstream"?, "resolution"}] (an absent side omitted), by slug then document order.
 * Errors, in this order: IN404 no such install, or no role in its workspace; IN403 a
 * viewer; IN409 the install is uninstalled; IN410 the integration is soft-deleted; IN403
 * the caller may no longer read the integration; IN403 the install's workspace may no
 * longer read it (core.integration_readable_by_workspace), dry runs included; IN422
 * integrationVersionId is not one of its versions; IN422 the variables do not fit the
 * target's variables schema, one errors[] entry per problem (a new required variable
 * without a default is named by its path); IN422 /onConflict; IN422 /resolutions (not an
 * array), /resolutions/<i>/memberId (not an attached clone member of this install),
 * /resolutions/<i>/path (no conflict there, or not a pointer), /resolutions/<i>/take,
 * /resolutions/<i>/value; INC09 onConflict fail and a conflict no resolution decides,
 * detail {"conflicts": [...]} (dry runs too).
 */
create or replace function api.install_upgrade(caller jsonb, id text, body jsonb) returns api.reply
language plpgsql
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs := core.install_lock_for_writer(caller, id);
    dry_run boolean := coalesce((body ->> 'dryRun')::boolean, false);
    on_conflict text := coalesce(body ->> 'onConflict', 'keep_local');
    i core.integrations;
    v core.integration_versions;
    merged jsonb;
    problems jsonb;
    result jsonb;
begin
    i := core.install_check_upgradable(caller, inst);
    v := core.install_target_version(i, body ->> 'integrationVersionId');

    if body -> 'variables' is null
       and v.variables_schema_snapshot = (select c.variables_schema_snapshot
                                          from core.integration_versions as c
                                          where c.id = inst.integration_version_id) then
        -- The install's variables were checked against this very schema, and its defaults
        -- filled in, when they were last written (install, upgrade, rollback with its
        -- version): most upgrades, and every rollout job of a version that kept the schema,
        -- need not check them again.
        merged := inst.variables;
        problems := '[]';
    else
        merged := core.json_schema_defaults(v.variables_schema_snapshot,
                                            inst.variables || coalesce(body -> 'variables', '{}'));
        problems := core.install_variables_problems(v.variables_schema_snapshot, merged);
    end if;
    if jsonb_array_length(problems) > 0 then
        raise exception using
            errcode = 'IN422',
            message = format('The install''s variables do not fit version %s; send the missing or corrected ones in variables.',
                             v.version),
            detail = problems::text;
    end if;

    if on_conflict not in ('keep_local', 'take_upstream', 'fail') then
        raise exception using
            errcode = 'IN422', message = 'onConflict is not one of keep_local, take_upstream, fail.',
            detail = '[{"path": "/onConflict", "message": "is not one of keep_local, take_upstream, fail"}]';
    end if;
    if body -> 'resolutions' is not null and jsonb_typeof(body -> 'resolutions') <> 'array' then
        raise exception using
            errcode = 'IN422', message = 'resolutions is not an array.',
            detail = '[{"path": "/resolutions", "message": "is not an array"}]';
    end if;

    result := core.install_reconcile(inst, v, merged, caller ->> 'sub', dry_run, on_conflict,
                                     nullif(body -> 'resolutions', 'null'));
    if dry_run then
        return (200, result || '{"operationId": null}', null, null)::api.reply;
    end if;
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
    return (200,
            result || jsonb_build_object('operationId', core.install_operation_record(
                                             caller, inst.id, 'upgrade', inst.integration_version_id,
                                             v.id, result)),
            null, null)::api.reply;
end
$$;

revoke execute on function
    api.install_upgrade(jsonb, text, jsonb)
from public;

grant execute on function
    api.install_upgrade(jsonb, text, jsonb)
to integrations_api;
