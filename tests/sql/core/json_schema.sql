-- sql/schema/core/json_schema.sql: the JSON Schema subset of variables schemas (defaults, problems);
-- the variables-schema rules (the pattern rule, variable names, at most 32 patterns), the triggers
-- that check them where a schema is written, and patterns never run at install.
BEGIN;
select plan(23);

\set author '{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}'

\ir ../include/error_detail.sql

-- Variables: the JSON Schema subset
select is(core.install_variables_problems(
              '{"type": "object", "required": ["region", "a~b/c"],
                "properties": {"count": {"type": "integer", "minimum": 1, "maximum": 5},
                               "ratio": {"type": "number", "maximum": 1},
                               "name": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
                               "mode": {"enum": ["fast", "safe", 3]},
                               "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                               "pair": {"type": "array", "items": [{"type": "string"}, {"type": "boolean"}]},
                               "nested": {"type": "object", "required": ["x"],
                                          "properties": {"y": {"type": ["string", "null"]}}},
                               "flag": {"type": "boolean"}}}',
              '{"count": 2.5, "ratio": 1.5, "name": "Ab1xy", "mode": "slow", "tags": ["ok", "long", 7],
                "pair": [1, true], "nested": {"y": 1}, "flag": "yes"}'),
          '[{"path": "/variables/a~0b~1c", "message": "is required (the variables schema gives no default)"},
            {"path": "/variables/count", "message": "must be of type integer"},
            {"path": "/variables/flag", "message": "must be of type boolean"},
            {"path": "/variables/mode", "message": "must be one of \"fast\", \"safe\", 3"},
            {"path": "/variables/name", "message": "must be at most 4 characters long"},
            {"path": "/variables/name", "message": "must match the pattern ^[a-z]+$"},
            {"path": "/variables/nested/x", "message": "is required (the variables schema gives no default)"},
            {"path": "/variables/nested/y", "message": "must be of type string or null"},
            {"path": "/variables/pair/0", "message": "must be of type string"},
            {"path": "/variables/ratio", "message": "must be at most 1"},
            {"path": "/variables/region", "message": "is required (the variables schema gives no default)"},
            {"path": "/variables/tags/1", "message": "must be at most 3 characters long"},
            {"path": "/variables/tags/2", "message": "must be of type string"}]'::jsonb,
          'variables: one problem per offending value, at its JSON pointer');
select is(core.install_variables_problems(
              '{"type": "object", "properties": {"count": {"type": "integer", "minimum": 1},
                                                 "n": {"type": "number"},
                                                 "name": {"type": "string", "minLength": 3},
                                                 "x": {"type": "null"}}}',
              '{"count": 3.0, "n": 2, "name": "añé", "x": null, "extra": [1]}'),
          '[]', 'variables: 3.0 is an integer, an integer is a number, lengths count characters, others pass');
select is(core.install_variables_problems('{"type": "object", "properties": {"p": {"type": "string", "pattern": "(("}}}',
                                          '{"p": "x"}') -> 0 ->> 'path',
          '/variables/p', 'variables: a pattern that does not compile is a problem of the value, not a failure');
select is(core.install_variables_problems('{}', '{"anything": {"goes": [1]}}'), '[]',
          'variables: the empty schema accepts anything');
select is(core.json_schema_defaults(
              '{"properties": {"a": {"default": 1}, "b": {"type": "object", "properties": {"c": {"default": "x"}}},
                               "d": {"default": {"e": 1}, "properties": {"f": {"default": 2}}},
                               "g": {"type": "array", "items": {"properties": {"h": {"default": true}}}},
                               "k": {"default": 5}}}',
              '{"b": {}, "g": [{}, {"h": false}], "k": 0}'),
          '{"a": 1, "b": {"c": "x"}, "d": {"e": 1, "f": 2}, "g": [{"h": true}, {"h": false}], "k": 0}',
          'defaults: filled at any depth, array items too; given values win');

-- The pattern rule (core.regex_pattern_problem)
select is((select count(*) from unnest(array[
              '^#', '^[a-z][a-z0-9_-]{0,62}$', 'a+?b*', '(ab|cd){1,9}', '[(]+[)]*', '\(a+\)+',
              '(?i)^x[[:alpha:]]{2,}$', '(?:ab)+c', 'a{3}b{2,}c?', '[]a]+', '^\d{4}-\d{2}$',
              '[[:digit:]()]+x*', repeat('a', 256)]) as p (pattern)
           where core.regex_pattern_problem(p.pattern) is not null), 0::bigint,
          'regex_pattern_problem: ordinary patterns pass');
select is((select count(*) from unnest(array[
              '(((a{1,40}){1,40}){1,40})', '^(a+)+$', '(a*)*b', '((ab)?c)*', '((a|b){2}x){3}',
              '(a)\1', repeat('a', 257), '\w{0,255}\w{0,255}\w{0,255}\w{0,255}', '***=a',
              '(?x)a +', '((', 'a{99999999999999999999}', '(?:a+){2}', '(?=a*)*',
              '(ab|cd|ef|gh|ij|kl|mn|op){0,250}']) as p (pattern)
           where core.regex_pattern_problem(p.pattern) is null), 0::bigint,
          'regex_pattern_problem: nested quantifiers, back-references, long or unbounded-cost patterns are refused');

create temp table t (started timestamptz) on commit drop;
insert into t values (clock_timestamp());
select isnt(core.regex_pattern_problem('(((a{1,40}){1,40}){1,40})'), null, 'the slow pattern is refused');
select cmp_ok(clock_timestamp() - (select started from t), '<', interval '50 ms',
              'refusing it does not compile it');

-- Variable names and where patterns are found (core.variables_schema_problems)
select is(core.variables_schema_problems(
              '{"type": "object", "properties": {"ok_1": {"pattern": "^a$"}, "{{x}}": {}, "a/b": {},
                "tags": {"items": [{"pattern": "(a+)+"}, {"properties": {"n": {"pattern": "x"}}}]},
                "list": {"items": {"properties": {"bad name": {"pattern": "(a)\\1"}}}}}}'),
          jsonb_build_array(
              jsonb_build_object('path', '/variablesSchema/properties/a~1b',
                                 'message', 'is not a valid variable name: it must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ (what a {{name}} placeholder can name)'),
              jsonb_build_object('path', '/variablesSchema/properties/list/items/properties/bad name/pattern',
                                 'message', 'is refused: the pattern uses a back-reference (\1), which is not supported'),
              jsonb_build_object('path', '/variablesSchema/properties/tags/items/0/pattern',
                                 'message', 'is refused: the pattern applies a quantifier to a group that already holds one (as in (a+)+ or (a{1,9}){1,9}), which costs too much to compile'),
              jsonb_build_object('path', '/variablesSchema/properties/{{x}}',
                                 'message', 'is not a valid variable name: it must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$ (what a {{name}} placeholder can name)')),
          'variables_schema_problems: names of the top-level properties only, patterns at any depth');
select is(core.variables_schema_problems(('{"properties": {"' || repeat('a', 64) || '": {}, "_": {}}}')::jsonb),
          '[]', 'names of 1 to 64 placeholder characters pass');
select is(core.variables_schema_problems(jsonb_build_object('properties',
              (select jsonb_object_agg('v' || n, '{"pattern": "^x"}'::jsonb) from generate_series(1, 33) as n))),
          '[{"path": "/variablesSchema", "message": "holds more than 32 patterns"}]',
          'at most 32 patterns in a schema');

-- Where a schema is written (the triggers of core.variables_schema_check)
select throws_ok(format($$select api.integration_create(%L, '{"workspaceId": "ws_pgtap_src", "slug": "bad-pattern", "name": "B",
                                                 "variablesSchema": {"properties": {"v": {"pattern": "(a*)*"}}}}')$$, :'author'),
                 'INR22', null, 'create: a refused pattern is INR22');
select throws_ok(format($$select api.integration_create(%L, '{"workspaceId": "ws_pgtap_src", "slug": "bad-name", "name": "B",
                                                 "variablesSchema": {"properties": {"a}}": {}}}}')$$, :'author'),
                 'IN422', null, 'create: a bad variable name is IN422');
select is(pg_temp.error_detail(format($$select api.integration_create(%L, '{"workspaceId": "ws_pgtap_src", "slug": "bad-name", "name": "B",
                                                 "variablesSchema": {"properties": {"a}}": {}}}}')$$, :'author')) -> 0 ->> 'path',
          '/variablesSchema/properties/a}}', 'the detail points at the property');

select (api.integration_create(:'author', '{"workspaceId": "ws_pgtap_src", "slug": "hardening", "name": "H",
        "variablesSchema": {"properties": {"v": {"type": "string", "pattern": "^[a-z]+$"}}}}')).body ->> 'id' as suite \gset
select throws_ok(format($$select api.integration_patch(%L, %L, '{"variablesSchema": {"properties": {"v": {"pattern": "(x{2}){3}"}}}}', null)$$,
                        :'author', :'suite'),
                 'INR22', null, 'patch: a refused pattern is INR22');
select is((select variables_schema -> 'properties' -> 'v' ->> 'pattern' from core.integrations where id = :'suite'),
          '^[a-z]+$', 'and the draft is unchanged');

-- a row written before the rules: editing other fields works, publishing does not
set local session_replication_role = replica;
update core.integrations set variables_schema = '{"properties": {"v": {"pattern": "(((a{1,40}){1,40}){1,40})"}}}'
where id = :'suite';
set local session_replication_role = origin;
select lives_ok(format($$select api.integration_patch(%L, %L, '{"name": "Renamed"}', null)$$, :'author', :'suite'),
                'patch of other fields of a legacy draft works');
select throws_ok(format($$select api.integration_publish(%L, %L, '{"version": "1.0.0"}')$$, :'author', :'suite'),
                 'INR22', null, 'publish does not snapshot a refused pattern');
select is((select count(*) from core.integration_versions where integration_id = :'suite'), 0::bigint,
          'no version was written');

-- Install: a refused pattern is never run (core.json_schema_errors, core.install_variables_problems)
delete from t;
insert into t values (clock_timestamp());
select is(core.install_variables_problems('{"properties": {"v": {"pattern": "(((a{1,40}){1,40}){1,40})"}}}', '{"v": "aaa"}'),
          '[{"path": "/variables/v", "message": "cannot be checked: the variables schema''s pattern applies a quantifier to a group that already holds one (as in (a+)+ or (a{1,9}){1,9}), which costs too much to compile"}]',
          'install: a refused pattern is a problem of the value');
select cmp_ok(clock_timestamp() - (select started from t), '<', interval '50 ms', 'and is not compiled');
select is(core.install_variables_problems(jsonb_build_object('properties',
              (select jsonb_object_agg('v' || n, '{"pattern": "^x"}'::jsonb) from generate_series(1, 33) as n)),
              '{}'),
          '[{"path": "/variables", "message": "cannot be checked: the version''s variables schema holds more than 32 patterns; a new version must be published"}]',
          'install: a version with more than 32 patterns runs none of them');

select * from finish();
ROLLBACK;
