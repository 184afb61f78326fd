-- sql/schema/core/json_refs.sql: $ref and placeholder extraction (generated columns), and their
-- rewriting (pointing $refs at clones, filling placeholders).
BEGIN;
select plan(14);

-- $ref and placeholder extraction
select is(core.entity_refs('{"a": {"$ref": "ent_00000000000000000000000000b2"},
                             "b": [[{"x": {"$ref": "ent_00000000000000000000000000a1", "note": 1}}]],
                             "c": {"$ref": "ent_00000000000000000000000000b2"},
                             "d": {"$ref": "#/definitions/x"}, "e": {"$ref": 5},
                             "f": {"ref": "ent_00000000000000000000000000c3"},
                             "$ref": "ent_00000000000000000000000000d4"}'),
          array['ent_00000000000000000000000000a1', 'ent_00000000000000000000000000b2',
                'ent_00000000000000000000000000d4'],
          'entity_refs: $ref nodes at any depth, entity ids only, distinct, sorted');
select is(core.entity_refs('{"a": 1}'), '{}'::text[], 'entity_refs: none');
select is(core.json_placeholders('{"a": "x {{ region }}-{{channel}}", "b": ["{{region}}", {"c": "{{_x9}}"}],
                                   "{{key}}": "{{9bad}} {{a b}} {not}", "n": 1}'),
          array['_x9', 'channel', 'region'],
          'json_placeholders: names in strings at any depth, spaces allowed, keys not scanned');


-- entity_refs and json_placeholders (sql/009) answer what sql/004's jsonpath walks answered.
create function pg_temp.refs_walk(definition jsonb) returns text[]
language sql immutable
as $$
    select coalesce(array_agg(distinct r.id order by r.id), '{}')
    from jsonb_path_query(
             definition,
             'strict $.** ? (@.type() == "object" && exists (@."$ref"))."$ref"
                          ? (@.type() == "string" && @ like_regex "^ent_[0-9a-f]{28}$")') as n,
         lateral (select n #>> '{}' as id) as r
$$;
create function pg_temp.placeholders_walk(doc jsonb) returns text[]
language sql immutable
as $$
    select coalesce(array_agg(distinct m[1] order by m[1]), '{}')
    from jsonb_path_query(doc, 'strict $.** ? (@.type() == "string")') as s,
         regexp_matches(s #>> '{}', '\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}', 'g') as m
$$;
create temp table docs (doc jsonb) on commit drop;
insert into docs values
    ('{}'), ('{"a": [1, "x", null, {"b": {}}]}'),
    ('{"$ref": "ent_00000000000000000000000000a1"}'),
    ('{"a": {"$ref": "ent_00000000000000000000000000b2"}, "b": [{"$ref": "ent_00000000000000000000000000a1"}],
      "c": {"$ref": "ent_00000000000000000000000000b2"}}'),
    -- text that reads like a $ref but is not one: in a string, in a key, not an entity id
    ('{"s": "{\"$ref\": \"ent_00000000000000000000000000a1\"}"}'),
    ('{"x\"$ref": "ent_00000000000000000000000000a1"}'),
    ('{"x\\": 1, "$ref": "ent_00000000000000000000000000c3"}'),
    ('{"$ref": "ent_00000000000000000000000000a1x"}'), ('{"$ref": "ent_00000000000000000000000000A1"}'),
    ('{"$ref": "ent_00000000000000000000000000a1\n"}'), ('{"$ref": ["ent_00000000000000000000000000a1"]}'),
    ('{"$ref": {"$ref": "ent_00000000000000000000000000d4"}}'), ('{"a": {"$ref": 5}}'),
    -- placeholders
    ('{"a": "{{x}}"}'), ('{"{{key}}": "{{ y }} {{9bad}} {{a b}}", "b": ["{{z}}", {"c": "a{{x}}b"}]}'),
    ('{"a": "{{\tx\n}}"}'), ('{"a": "{{x}"}'), ('{"a": "{ {x}}", "b": "{{{x}}}"}');
select is((select count(*) from docs where core.entity_refs(doc) <> pg_temp.refs_walk(doc)), 0::bigint,
          'entity_refs: the jsonpath walk''s answer for every document');
select is((select count(*) from docs
           where core.json_placeholders(doc) <> pg_temp.placeholders_walk(doc)), 0::bigint,
          'json_placeholders: the jsonpath walk''s answer for every document');
select is(core.entity_refs('{"x\\": 1, "$ref": "ent_00000000000000000000000000c3", "y": {"$ref": "ent_00000000000000000000000000c3"}}'),
          array['ent_00000000000000000000000000c3'], 'entity_refs: a $ref after a key ending in a backslash');
select is(core.json_placeholders('{"a": "{{\tx\n}}"}'), array['x'], 'json_placeholders: escaped whitespace inside the braces');

-- refs_rewrite: structural "$ref" keys only, whole ids only
select is(core.refs_rewrite(
              '[{"a": {"$ref": "ent_00000000000000000000000000a1"}, "b": "x\"$ref\": \"ent_00000000000000000000000000a1\""}, '
              || '{"$ref": "ent_00000000000000000000000000a1", "c": ["\\", {"$ref": "ent_00000000000000000000000000b2"}]}, '
              || '{"$ref": "ent_00000000000000000000000000a1x", "d": {"$ref": "ent_00000000000000000000000000c3"}}]',
              '{"ent_00000000000000000000000000a1": "ent_000000000000000000000000new1",
                "ent_00000000000000000000000000b2": "ent_000000000000000000000000new2"}'),
          '[{"a": {"$ref": "ent_000000000000000000000000new1"}, "b": "x\"$ref\": \"ent_00000000000000000000000000a1\""}, '
          || '{"$ref": "ent_000000000000000000000000new1", "c": ["\\", {"$ref": "ent_000000000000000000000000new2"}]}, '
          || '{"$ref": "ent_00000000000000000000000000a1x", "d": {"$ref": "ent_00000000000000000000000000c3"}}]',
          'refs_rewrite: mapped ids of $ref keys; strings, longer ids and unmapped ids unchanged');
select is(core.refs_rewrite('{"a": 1}', '{}'), '{"a": 1}', 'refs_rewrite: nothing to rewrite');

-- Placeholders
select is(core.placeholders_fill(
              '{"n": "{{count}}", "b": "{{on}}", "o": "{{obj}}", "l": ["{{list}}", "{{ count }}"], "z": "{{nothing}}",
                "s": "#{{channel}}-{{count}}", "t": "{{obj}} and {{on}}", "q": "\"{{channel}}\"",
                "{{channel}}": "keys stay", "u": "{{unknown}}!", "v": ["{{unknown}}"], "w": "{{channel}}", "e": "x{{esc}}y"}'::jsonb::text,
              '{"count": 3, "on": true, "obj": {"k": [1, "v"]}, "list": ["a"], "nothing": null,
                "channel": "ops {{count}}", "esc": "a\"b\\c"}')::jsonb,
          '{"n": 3, "b": true, "o": {"k": [1, "v"]}, "l": [["a"], 3], "z": null,
            "s": "#ops {{count}}-3", "t": "{\"k\": [1, \"v\"]} and true", "q": "\"ops {{count}}\"",
            "{{channel}}": "keys stay", "u": "!", "v": [null], "w": "ops {{count}}", "e": "xa\"b\\cy"}'::jsonb,
          'placeholders: whole strings take the JSON value, inner ones the text, unset ones null or nothing; keys untouched; no recursion');
select is(core.placeholders_fill('{"a": "no placeholders"}', '{"a": 1}'), '{"a": "no placeholders"}',
          'placeholders: text without any is returned as it is');

-- Placeholders: only names a placeholder can have are filled; values are not filled again
select is(core.placeholders_fill('["<{{x}}>", "{{y}}"]', jsonb_build_object('x', E'\x02y\x03', 'y', 1))::jsonb,
          jsonb_build_array(E'<\x02y\x03>', 1), 'a value holding marker characters is not filled');
select is(core.placeholders_fill('[{"a": "{{x}}"}, {"b": "{{y}}"}]',
                                 jsonb_build_object(E'x\x03"}, {"b": "\x02y', 5))::jsonb,
          '[{"a": null}, {"b": null}]', 'a name spanning two markers is ignored');
select is(core.placeholders_fill('[{"a": "{{x}}", "b": "<{{y}}>"}]', '{"x": "{{y}}", "y": "}}\""}')::jsonb,
          '[{"a": "{{y}}", "b": "<}}\">"}]', 'a value holding a placeholder is not filled again');

select * from finish();
ROLLBACK;
