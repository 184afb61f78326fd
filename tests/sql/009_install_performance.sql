BEGIN;
select plan(12);

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

-- The formats the CHECKs enforce are those of sql/004 and sql/005.
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_0000000000000000000000000a1', 'ws_c', 'flow', 'ok-slug', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity id: 27 hex digits refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000A1', 'ws_c', 'flow', 'ok-slug', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity id: upper-case hex refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', repeat('k', 33), 'ok-slug', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity kind: 33 characters refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', 'flow', repeat('s', 64), 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity slug: 64 characters refused');
select throws_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', 'flow', 's', 'n', 'entv_x', 'usr_c')$$,
                 '23514', null, 'entity slug: 1 character refused');
select lives_ok($$insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
                  values ('ent_00000000000000000000000000a1', 'ws_c', repeat('k', 32), repeat('s', 63), 'n',
                          'entv_00000000000000000000000000a1', 'usr_c');
                  insert into core.entity_versions (id, entity_id, definition, created_by)
                  values ('entv_00000000000000000000000000a1', 'ent_00000000000000000000000000a1', '{}', 'usr_c');
                  set constraints all immediate;
                  set constraints all deferred$$,
                'the longest kind and slug, a version id of 28 hex digits: accepted');

select * from finish();
ROLLBACK;
