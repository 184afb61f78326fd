-- sql/schema/core/json_schema.sql: the JSON Schema subset of variables schemas (defaults, problems).
BEGIN;
select plan(5);

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

select * from finish();
ROLLBACK;
