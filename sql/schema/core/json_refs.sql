-- JSON references and placeholders: finding the {"$ref": "ent_…"} dependencies and the
-- {{name}} variable placeholders of a JSON document, and rewriting them (pointing $refs at
-- clones, filling placeholders from variables) as installs materialize definitions.
-- core.entity_refs and core.json_placeholders are behind the generated columns
-- entity_versions.refs and .placeholders: their first definitions are in
-- sql/migrations/0001_baseline.sql, and this file may only `create or replace` them, with the
-- same results (docs/sql.md, "Functions behind columns").

/**
 * The distinct entity ids of the {"$ref": id} objects of a definition (at any
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
 * The distinct variable names of the {{name}} placeholders in the string
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

/**
 * The $refs of a JSON text (jsonb's output form, or several joined into one array) whose
 * entity id is a key of clone_map, pointed at its value (the clone). In that text a "$ref"
 * key with a string value reads '"$ref": "<id>"' and its opening quote follows '{' or ' ';
 * a quote inside a string is escaped, so follows a backslash, and is left alone.
 */
create or replace function core.refs_rewrite(doc text, clone_map jsonb) returns text
language plpgsql immutable parallel safe
as $$
begin
    -- A text without a $ref, or an empty map, comes back as it is (what the split and
    -- join below give it) without that query; PL/pgSQL, not SQL, so that the query's
    -- plan is cached rather than made again at every call (every install and upgrade).
    if doc <> '' and (clone_map = '{}' or strpos(doc, '"$ref": "') = 0) then
        return doc;
    end if;
    -- The map is joined as a set: looked up per $ref, a large (compressed) jsonb would be
    -- decompressed again for every lookup.
    return (select string_agg(case when c.clone is null then s.part
                                   else c.clone || substr(s.part, 33) end,
                              '"$ref": "' order by s.n)
            from (select p.part, p.n, lag(p.part) over (order by p.n) as before
                  from unnest(string_to_array(doc, '"$ref": "')) with ordinality as p (part, n)) as s
            left join jsonb_each_text(clone_map) as c (source, clone)
                   on s.n > 1 and right(s.before, 1) in ('{', ' ') and substr(s.part, 33, 1) = '"'
                  and c.source = left(s.part, 32));
end
$$;

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
 * plain replacements then put in the values, whole strings first. The values are put in
 * after every placeholder has been marked, so a value that holds '{{name}}' stays as it
 * is (never filled again); variables whose name no placeholder can have are ignored.
 */
create or replace function core.placeholders_fill(doc text, variables jsonb) returns text
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
    -- Only names a placeholder can have: any other could match text that spans
    -- several markers (a name holding E'\x03", "\x02'), so one value would replace several
    -- strings and the JSON between them. A variables schema cannot declare such a name
    -- (core.variables_schema_check), but an install's variables may hold one from before.
    for name, value in select v.key, v.value from jsonb_each(variables) as v
                       where v.key ~ '^[A-Za-z_][A-Za-z0-9_]*$' loop
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
