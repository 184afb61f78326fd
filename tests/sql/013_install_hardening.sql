-- sql/013_install_hardening.sql: the pattern rule, variable names, where a schema is
-- checked, patterns never run at install, placeholders that cannot span, the destination
-- workspace rule of installs and upgrades.
BEGIN;
select plan(24);

\set author '{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}'
\set both '{"sub": "usr_pgtap_both", "workspaces": {"ws_pgtap_granted": "member", "ws_pgtap_other": "admin"}}'

\ir include/error_detail.sql

-- pattern rule
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

-- variable names and where patterns are found
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

-- where a schema is written
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

-- install: a refused pattern is never run
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

-- placeholders: only names a placeholder can have are filled; values are not filled again
select is(core.placeholders_fill('["<{{x}}>", "{{y}}"]', jsonb_build_object('x', E'\x02y\x03', 'y', 1))::jsonb,
          jsonb_build_array(E'<\x02y\x03>', 1), 'a value holding marker characters is not filled');
select is(core.placeholders_fill('[{"a": "{{x}}"}, {"b": "{{y}}"}]',
                                 jsonb_build_object(E'x\x03"}, {"b": "\x02y', 5))::jsonb,
          '[{"a": null}, {"b": null}]', 'a name spanning two markers is ignored');
select is(core.placeholders_fill('[{"a": "{{x}}", "b": "<{{y}}>"}]', '{"x": "{{y}}", "y": "}}\""}')::jsonb,
          '[{"a": "{{y}}", "b": "<}}\">"}]', 'a value holding a placeholder is not filled again');

-- destination workspace
insert into core.integrations (id, workspace_id, slug, name, created_by)
values ('int_00000000000000000000000000d1', 'ws_pgtap_src', 'dest-rule', 'D', 'usr_pgtap_author');
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values ('int_00000000000000000000000000d1', 'ws_pgtap_granted', 'usr_pgtap_author');
select is(array(select w from unnest(array['ws_pgtap_src', 'ws_pgtap_granted', 'ws_pgtap_other']) as w
                where core.integration_readable_by_workspace(i, w)),
          array['ws_pgtap_src', 'ws_pgtap_granted'],
          'private: the source workspace and grantees only')
from core.integrations as i where i.id = 'int_00000000000000000000000000d1';
select throws_ok(format($$select api.integration_install(%L, 'int_00000000000000000000000000d1', '{"workspaceId": "ws_pgtap_other"}')$$, :'both'),
                 'IN403', null, 'install into a workspace that may not read it: IN403');
update core.integrations set visibility = 'unlisted' where id = 'int_00000000000000000000000000d1';
select is(array(select w from unnest(array['ws_pgtap_src', 'ws_pgtap_granted', 'ws_pgtap_other']) as w
                where core.integration_readable_by_workspace(i, w)),
          array['ws_pgtap_src', 'ws_pgtap_granted', 'ws_pgtap_other'], 'unlisted: every workspace')
from core.integrations as i where i.id = 'int_00000000000000000000000000d1';

select * from finish();
ROLLBACK;
