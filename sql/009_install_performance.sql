-- Install performance (docs/performance.md, "Install and upgrade"). An install writes an
-- entity, an entity version and a member row per clone, thousands at once; per row, what it
-- cost beyond the write itself was, in order:
--   - the generated refs and placeholders columns of entity_versions, whose functions
--     (sql/004) walked the whole definition with jsonpath and ran a query: now the
--     definition's text tells first whether there is anything to find, and a single $ref
--     needs no query;
--   - CHECKs written as regular expressions with bounded repeats (below);
--   - core.install_materialize (sql/005) worked per document: now one text for all.

/**
 * As in sql/004: the distinct entity ids of the {"$ref": id} objects of a definition (at any
 * depth), sorted. In jsonb's output text every such object reads '"$ref": "ent_…'.
 */
create or replace function core.entity_refs(definition jsonb) returns text[]
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
 * As in sql/004: the distinct variable names of the {{name}} placeholders in the string
 * values of doc (at any depth; object keys are not scanned), sorted. Every placeholder puts
 * '{{' in the document's text: without it there is nothing to walk (the clones an install
 * writes, whose placeholders it has filled, mostly).
 */
create or replace function core.json_placeholders(doc jsonb) returns text[]
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

-- The CHECKs of the rows an install writes per clone (an entity, its version, a member row)
-- said their formats as regular expressions with bounded repeats ({28}, {0,31}, {1,62}),
-- which PostgreSQL's engine expands state by state on every call: 4–5 µs per check, five
-- checks per clone, about a tenth of an install. The same formats as an unbounded pattern
-- plus a length: a fifth of the cost. NOT VALID, then VALIDATE: existing rows are checked
-- without blocking writes to the table meanwhile.
alter table core.entities
    drop constraint entities_id_check,
    drop constraint entities_kind_check,
    drop constraint entities_slug_check,
    add constraint entities_id_check
        check (length(id) = 32 and id ~ '^ent_[0-9a-f]+$') not valid,
    add constraint entities_kind_check
        check (length(kind) <= 32 and kind ~ '^[a-z][a-z0-9_]*$') not valid,
    add constraint entities_slug_check
        check (length(slug) between 2 and 63 and slug ~ '^[a-z0-9][a-z0-9-]+$') not valid;
alter table core.entities validate constraint entities_id_check;
alter table core.entities validate constraint entities_kind_check;
alter table core.entities validate constraint entities_slug_check;

alter table core.entity_versions
    drop constraint entity_versions_id_check,
    add constraint entity_versions_id_check
        check (length(id) = 33 and id ~ '^entv_[0-9a-f]+$') not valid;
alter table core.entity_versions validate constraint entity_versions_id_check;

alter table core.install_members
    drop constraint install_members_id_check,
    add constraint install_members_id_check
        check (length(id) = 33 and id ~ '^imem_[0-9a-f]+$') not valid;
alter table core.install_members validate constraint install_members_id_check;

/**
 * The $refs of a JSON text (jsonb's output form, or several joined into one array) whose
 * entity id is a key of clone_map, pointed at its value (the clone). In that text a "$ref"
 * key with a string value reads '"$ref": "<id>"' and its opening quote follows '{' or ' ';
 * a quote inside a string is escaped, so follows a backslash, and is left alone.
 */
create function core.refs_rewrite(doc text, clone_map jsonb) returns text
language sql immutable parallel safe
as $$
    -- The map is joined as a set: looked up per $ref, a large (compressed) jsonb would be
    -- decompressed again for every lookup.
    select string_agg(case when c.clone is null then s.part
                           else c.clone || substr(s.part, 33) end,
                      '"$ref": "' order by s.n)
    from (select p.part, p.n, lag(p.part) over (order by p.n) as before
          from unnest(string_to_array(doc, '"$ref": "')) with ordinality as p (part, n)) as s
    left join jsonb_each_text(clone_map) as c (source, clone)
           on s.n > 1 and right(s.before, 1) in ('{', ' ') and substr(s.part, 33, 1) = '"'
          and c.source = left(s.part, 32)
$$;

/**
 * As in sql/005: the config and, for clones, the definition that each add or apply entry of
 * an install plan writes: $refs to entities of clone_map pointed at their clones (in the
 * definition), then {{placeholders}} filled from variables (in both).
 * All the configs go through one text (a JSON array of them) and all the definitions through
 * another: one $ref rewrite, one fill and one parse each, whatever the number of members,
 * where sql/005 worked per document and then regrouped the documents by member.
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
