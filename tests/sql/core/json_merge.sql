-- sql/schema/core/json_merge.sql: JSON pointers, the three-way merge (PRODUCT §12), RFC 6902
-- diff and patch application.
BEGIN;
select plan(246);

-- One merge as one value: {"outcome", "merged", "conflicts"}.
create function pg_temp.m(b jsonb, l jsonb, u jsonb, oc text default 'keep_local', res jsonb default '[]')
returns jsonb language sql as $$
    select jsonb_build_object('outcome', x.outcome, 'merged', x.merged, 'conflicts', x.conflicts)
    from core.json_merge3(b, l, u, oc, res) as x
$$;

-- ---------------------------------------------------------------------------------------------
-- The merge table: node kind × operation on each side, alone and next to unrelated edits of
-- the other side (so that the walk, not only the whole-document comparisons, decides).
-- A node's payload: 1 base, 2 local, 3 upstream, 4 the same change on both sides; NULL absent.
-- kind scalar: {"k": p}; nested: {"o": {"x": p, "y": 0}}; keyed: {"s": [{"id": "a", "v": 0},
-- {"id": "e", "v": p}]}; atomic: {"t": [p]}.
create function pg_temp.doc(kind text, p int, bg jsonb) returns jsonb language sql as $$
    select bg || case kind
        when 'scalar' then case when p is null then '{}' else jsonb_build_object('k', p) end
        when 'nested' then jsonb_build_object('o', '{"y": 0}'::jsonb
                                                   || case when p is null then '{}' else jsonb_build_object('x', p) end)
        when 'keyed' then jsonb_build_object('s', '[{"id": "a", "v": 0}]'::jsonb
                                                  || case when p is null then '[]'
                                                          else jsonb_build_array(jsonb_build_object('id', 'e', 'v', p)) end)
        when 'atomic' then case when p is null then '{}' else jsonb_build_object('t', jsonb_build_array(p)) end
    end
$$;
-- The side of a conflict as the conflict reports it: at /s/e/v (a payload) when the element is
-- on both local and upstream, else at /s/e (the element); /t holds [p].
create function pg_temp.side(kind text, p int, whole boolean) returns jsonb language sql as $$
    select case when p is null then null
                when kind = 'atomic' then jsonb_build_array(p)
                when kind = 'keyed' and whole then jsonb_build_object('id', 'e', 'v', p)
                else to_jsonb(p) end
$$;
create temp table ops (n int, op text, b int, l int, u int, keep int, plain text, conflicting boolean) on commit drop;
insert into ops values
    (1, 'local adds', null, 2, null, 2, 'unchanged', false),
    (2, 'local changes', 1, 2, 1, 2, 'unchanged', false),
    (3, 'local deletes', 1, null, 1, null, 'unchanged', false),
    (4, 'upstream adds', null, null, 3, 3, 'fast_forward', false),
    (5, 'upstream changes', 1, 1, 3, 3, 'fast_forward', false),
    (6, 'upstream deletes', 1, 1, null, null, 'fast_forward', false),
    (7, 'both add the same', null, 4, 4, 4, 'merged', false),
    (8, 'both change the same way', 1, 4, 4, 4, 'merged', false),
    (9, 'both delete', 1, null, null, null, 'merged', false),
    (10, 'both add, differently', null, 2, 3, 2, 'conflict', true),
    (11, 'both change, differently', 1, 2, 3, 2, 'conflict', true),
    (12, 'local deletes, upstream changes', 1, null, 3, null, 'conflict', true),
    (13, 'local changes, upstream deletes', 1, 2, null, 2, 'conflict', true);
create temp table kinds (kind text, path text) on commit drop;
insert into kinds values ('scalar', '/k'), ('nested', '/o/x'), ('keyed', '/s/e'), ('atomic', '/t');
create temp table cases on commit drop as
select k.kind, o.*, bg.background,
       case when k.kind = 'keyed' and o.l is not null and o.u is not null then '/s/e/v' else k.path end as cpath,
       case when bg.background then '{"bl": 0, "bu": 0}'::jsonb else '{}' end as bb,
       case when bg.background then '{"bl": 1, "bu": 0}'::jsonb else '{}' end as bl,
       case when bg.background then '{"bl": 0, "bu": 1}'::jsonb else '{}' end as bu,
       case when bg.background then '{"bl": 1, "bu": 1}'::jsonb else '{}' end as bm
from kinds as k, ops as o, (values (false), (true)) as bg (background);

-- 104 cases, keep_local
select is(pg_temp.m(pg_temp.doc(c.kind, c.b, c.bb), pg_temp.doc(c.kind, c.l, c.bl), pg_temp.doc(c.kind, c.u, c.bu)),
          jsonb_build_object(
              'outcome', case when c.background and not c.conflicting then 'merged' else c.plain end,
              'merged', pg_temp.doc(c.kind, c.keep, c.bm),
              'conflicts', case when c.conflicting then jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                  'path', c.cpath, 'resolution', 'local',
                  'base', pg_temp.side(c.kind, c.b, c.cpath = '/s/e'),
                  'local', pg_temp.side(c.kind, c.l, c.cpath = '/s/e'),
                  'upstream', pg_temp.side(c.kind, c.u, c.cpath = '/s/e')))) else '[]' end),
          format('merge3 %s: %s%s', c.kind, c.op, case when c.background then ', other side edited elsewhere' else '' end))
from cases as c order by c.kind, c.background, c.n;

-- 32 conflict cases under take_upstream and fail
select is(pg_temp.m(pg_temp.doc(c.kind, c.b, c.bb), pg_temp.doc(c.kind, c.l, c.bl), pg_temp.doc(c.kind, c.u, c.bu), oc.oc),
          jsonb_build_object(
              'outcome', 'conflict',
              'merged', pg_temp.doc(c.kind, case oc.oc when 'fail' then c.l else c.u end, c.bm),
              'conflicts', jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                  'path', c.cpath, 'resolution', case oc.oc when 'fail' then 'local' else 'upstream' end,
                  'base', pg_temp.side(c.kind, c.b, c.cpath = '/s/e'),
                  'local', pg_temp.side(c.kind, c.l, c.cpath = '/s/e'),
                  'upstream', pg_temp.side(c.kind, c.u, c.cpath = '/s/e'))))),
          format('merge3 %s %s: %s%s', oc.oc, c.kind, c.op, case when c.background then ', other side edited elsewhere' else '' end))
from cases as c, (values ('take_upstream'), ('fail')) as oc (oc)
where c.conflicting order by oc.oc, c.kind, c.background, c.n;

-- ---------------------------------------------------------------------------------------------
-- Keyed arrays: order, nesting, what makes an array atomic
select is(pg_temp.m('{"s": [{"id": "p", "v": 1}, {"id": "q", "v": 2}, {"id": "d", "v": 0}]}',
                    '{"s": [{"id": "l1"}, {"id": "q", "v": 2}, {"id": "p", "v": 1}, {"id": "d", "v": 0}, {"id": "l2"}]}',
                    '{"s": [{"id": "u1"}, {"id": "q", "v": 5}, {"id": "p", "v": 1}]}'),
          '{"outcome": "merged", "merged": {"s": [{"id": "u1"}, {"id": "q", "v": 5}, {"id": "p", "v": 1}, {"id": "l1"}, {"id": "l2"}]},
            "conflicts": []}',
          'merge3 keyed: upstream''s order, then local-only elements in local''s order; deleted upstream, unchanged locally: deleted');
select is(pg_temp.m('{"s": []}', '{"s": [{"id": "l"}]}', '{"s": [{"id": "u"}]}'),
          '{"outcome": "merged", "merged": {"s": [{"id": "u"}, {"id": "l"}]}, "conflicts": []}',
          'merge3 keyed: an empty base array qualifies, both sides add');
select is(pg_temp.m('{"s": [{"id": "a", "sub": [{"id": "x", "v": 1}, {"id": "y", "v": 1}]}]}',
                    '{"s": [{"id": "a", "sub": [{"id": "x", "v": 2}, {"id": "y", "v": 5}]}]}',
                    '{"s": [{"id": "a", "sub": [{"id": "y", "v": 1}, {"id": "x", "v": 3}, {"id": "z"}]}]}'),
          '{"outcome": "conflict",
            "merged": {"s": [{"id": "a", "sub": [{"id": "y", "v": 5}, {"id": "x", "v": 2}, {"id": "z"}]}]},
            "conflicts": [{"path": "/s/a/sub/x/v", "base": 1, "local": 2, "upstream": 3, "resolution": "local"}]}',
          'merge3 keyed: nested keyed arrays merge by id at every level, paths use the ids');
select is(pg_temp.m('{"s": [{"id": "a", "v": 1}, {"id": "a", "v": 2}]}',
                    '{"s": [{"id": "a", "v": 1}, {"id": "a", "v": 3}]}',
                    '{"s": [{"id": "a", "v": 9}, {"id": "a", "v": 2}]}'),
          '{"outcome": "conflict", "merged": {"s": [{"id": "a", "v": 1}, {"id": "a", "v": 3}]},
            "conflicts": [{"path": "/s", "base": [{"id": "a", "v": 1}, {"id": "a", "v": 2}],
                           "local": [{"id": "a", "v": 1}, {"id": "a", "v": 3}],
                           "upstream": [{"id": "a", "v": 9}, {"id": "a", "v": 2}], "resolution": "local"}]}',
          'merge3 keyed: a duplicate id makes the array atomic');
select is(pg_temp.m('{"s": [{"id": "a", "v": 1}]}', '{"s": [{"id": "a", "v": 2}]}', '{"s": [{"id": 1, "v": 1}]}')->'conflicts',
          '[{"path": "/s", "base": [{"id": "a", "v": 1}], "local": [{"id": "a", "v": 2}], "upstream": [{"id": 1, "v": 1}],
             "resolution": "local"}]',
          'merge3 keyed: a non-string id on one side makes the array atomic');
select is(pg_temp.m('{"s": [{"id": "a/b", "v": 1}, {"id": "c~d", "v": 1}]}',
                    '{"s": [{"id": "a/b", "v": 2}, {"id": "c~d", "v": 2}]}',
                    '{"s": [{"id": "c~d", "v": 3}, {"id": "a/b", "v": 3}]}')->'conflicts',
          '[{"path": "/s/c~0d/v", "base": 1, "local": 2, "upstream": 3, "resolution": "local"},
            {"path": "/s/a~1b/v", "base": 1, "local": 2, "upstream": 3, "resolution": "local"}]',
          'merge3 keyed: ids escaped per RFC 6901, conflicts in result (upstream) order');

-- Conflicts in document order, RFC 6901 keys, types, nulls
select is(pg_temp.m('{"b": 1, "a/x": 1, "m~n": {"c": 1, "a": 1}, "z": 1}',
                    '{"b": 2, "a/x": 2, "m~n": {"c": 2, "a": 2}, "z": 2}',
                    '{"b": 3, "a/x": 3, "m~n": {"c": 3, "a": 3}, "z": 3}')->'conflicts',
          '[{"path": "/a~1x", "base": 1, "local": 2, "upstream": 3, "resolution": "local"},
            {"path": "/b", "base": 1, "local": 2, "upstream": 3, "resolution": "local"},
            {"path": "/m~0n/a", "base": 1, "local": 2, "upstream": 3, "resolution": "local"},
            {"path": "/m~0n/c", "base": 1, "local": 2, "upstream": 3, "resolution": "local"},
            {"path": "/z", "base": 1, "local": 2, "upstream": 3, "resolution": "local"}]',
          'merge3: conflicts depth first, keys sorted, / and ~ escaped');
select is(pg_temp.m('{"o": {"a": 1}}', '{"o": {"a": 2}}', '{"o": "gone"}'),
          '{"outcome": "conflict", "merged": {"o": {"a": 2}},
            "conflicts": [{"path": "/o", "base": {"a": 1}, "local": {"a": 2}, "upstream": "gone", "resolution": "local"}]}',
          'merge3: object changed locally, became a scalar upstream: atomic conflict at the node');
select is(pg_temp.m('{"o": [1]}', '{"o": {"a": 1}}', '{"o": {"a": 1, "b": 2}}'),
          '{"outcome": "conflict", "merged": {"o": {"a": 1}},
            "conflicts": [{"path": "/o", "base": [1], "local": {"a": 1}, "upstream": {"a": 1, "b": 2}, "resolution": "local"}]}',
          'merge3: both sides turned an array into different objects: atomic conflict');
select is(pg_temp.m('{"o": {"a": 1}, "x": 0}', '{"o": {"a": 1}, "x": 1}', '{"o": [1], "x": 0}'),
          '{"outcome": "merged", "merged": {"o": [1], "x": 1}, "conflicts": []}',
          'merge3: a type change on one side alone applies');
select is(pg_temp.m('{"k": null, "x": 0}', '{"x": 1}', '{"k": 5, "x": 0}'),
          '{"outcome": "conflict", "merged": {"x": 1},
            "conflicts": [{"path": "/k", "base": null, "upstream": 5, "resolution": "local"}]}',
          'merge3: JSON null is a value (base null), a deleted key is absent from the conflict');
select is(pg_temp.m('{"x": 0}', '{"k": null, "x": 1}', '{"k": false, "x": 0}'),
          '{"outcome": "conflict", "merged": {"k": null, "x": 1},
            "conflicts": [{"path": "/k", "local": null, "upstream": false, "resolution": "local"}]}',
          'merge3: null added locally vs false upstream: a conflict, base absent');
select is(pg_temp.m('{"k": 1}', '{"k": null}', '{"k": null}'),
          '{"outcome": "merged", "merged": {"k": null}, "conflicts": []}',
          'merge3: both set null: merged, null kept');
select is(pg_temp.m('{"k": 1}', '{"k": null}', '{}'),
          '{"outcome": "conflict", "merged": {"k": null},
            "conflicts": [{"path": "/k", "base": 1, "local": null, "resolution": "local"}]}',
          'merge3: set to null vs deleted: a conflict');
select is(pg_temp.m('{"o": {"a": 1}}', '{"o": {"a": 1, "b": 1}}', '{"o": {"a": 1, "b": 2, "c": 3}}'),
          '{"outcome": "conflict", "merged": {"o": {"a": 1, "b": 1, "c": 3}},
            "conflicts": [{"path": "/o/b", "local": 1, "upstream": 2, "resolution": "local"}]}',
          'merge3: a key added on both sides differently under a shared object');
select is(pg_temp.m('{}', '{"n": {"a": 1, "b": 1}}', '{"n": {"b": 2, "c": 1}}'),
          '{"outcome": "conflict", "merged": {"n": {"a": 1, "b": 1, "c": 1}},
            "conflicts": [{"path": "/n/b", "local": 1, "upstream": 2, "resolution": "local"}]}',
          'merge3: an object added on both sides merges key by key (absent base = no keys)');
select is(pg_temp.m('1', '2', '3'),
          '{"outcome": "conflict", "merged": 2, "conflicts": [{"path": "", "base": 1, "local": 2, "upstream": 3, "resolution": "local"}]}',
          'merge3: root scalars, path ""');
select is(pg_temp.m('{"a": 1}', '{"a": 2}', '{"a": 2}'),
          '{"outcome": "merged", "merged": {"a": 2}, "conflicts": []}', 'merge3: local = upstream ≠ base: merged');
select is(pg_temp.m('{"a": 1}', '{"a": 1}', '{"a": 1}'),
          '{"outcome": "unchanged", "merged": {"a": 1}, "conflicts": []}', 'merge3: all equal: unchanged');
select is(pg_temp.m('{"a": 1, "b": 1}', '{"a": 2, "b": 1}', '{"a": 3, "b": 2}', 'fail'),
          '{"outcome": "conflict", "merged": {"a": 2, "b": 2},
            "conflicts": [{"path": "/a", "base": 1, "local": 2, "upstream": 3, "resolution": "local"}]}',
          'merge3 fail: keeps local in merged, never raises, other upstream changes apply');

-- Resolutions
select is(pg_temp.m('{"a": 1, "b": 1, "c": 1}', '{"a": 2, "b": 2, "c": 2}', '{"a": 3, "b": 3, "c": 3}', 'take_upstream',
                    '[{"path": "/a", "take": "local"}, {"path": "/c", "take": "value", "value": {"own": true}, "memberId": "x"}]'),
          '{"outcome": "conflict", "merged": {"a": 2, "b": 3, "c": {"own": true}},
            "conflicts": [{"path": "/a", "base": 1, "local": 2, "upstream": 3, "resolution": "local"},
                          {"path": "/b", "base": 1, "local": 2, "upstream": 3, "resolution": "upstream"},
                          {"path": "/c", "base": 1, "local": 2, "upstream": 3, "resolution": "value"}]}',
          'merge3 resolutions: local and value win over on_conflict, other keys of an entry ignored');
select is(pg_temp.m('{"s": [{"id": "e", "v": 1}]}', '{"s": []}', '{"s": [{"id": "e", "v": 3}]}', 'keep_local',
                    '[{"path": "/s/e", "take": "upstream"}]')->'merged',
          '{"s": [{"id": "e", "v": 3}]}', 'merge3 resolutions: upstream wins over keep_local, keyed element path');
select is(pg_temp.m('{"a": 1}', '{"a": 2}', '{"a": 3}', 'fail', '[{"path": "/a", "take": "value", "value": null}]')->'merged',
          '{"a": null}', 'merge3 resolutions: value null is a value');
select throws_ok($$select pg_temp.m('{"a": 1, "b": 1}', '{"a": 2, "b": 1}', '{"a": 3, "b": 2}', 'keep_local',
                                    '[{"path": "/a", "take": "local"}, {"path": "/b", "take": "upstream"}]')$$,
                 'IN422', 'A resolution names a path that has no conflict.',
                 'merge3 resolutions: a path without a conflict (changed upstream only) is refused');
select throws_ok($$select pg_temp.m('{"a": 1}', '{"a": 2}', '{"a": 1}', 'keep_local', '[{"path": "/a", "take": "local"}]')$$,
                 'IN422', 'A resolution names a path that has no conflict.',
                 'merge3 resolutions: refused even when nothing conflicts (unchanged)');
create function pg_temp.detail(sql text) returns jsonb language plpgsql as $$
begin
    execute sql;
    return null;
exception when sqlstate 'IN422' then
    declare d text;
    begin
        get stacked diagnostics d = pg_exception_detail;
        return d::jsonb;
    end;
end
$$;
select is(pg_temp.detail($$select pg_temp.m('{"a": 1}', '{"a": 2}', '{"a": 3}', 'keep_local',
                                            '[{"path": "/a", "take": "local"}, {"path": "/zz", "take": "local"}]')$$),
          '[{"path": "/resolutions/1/path", "message": "No conflict at \"/zz\"."}]',
          'merge3 resolutions: the detail names the entry');
select is(pg_temp.detail($$select pg_temp.m('{}', '{}', '{}', 'keep_local',
                                            '[{"path": "a", "take": "local"}, {"path": "/b", "take": "mine"},
                                              {"path": "/c", "take": "value"}, {"path": "/d", "take": "local", "value": 1}, 7,
                                              {"path": "/e", "take": "local"}, {"path": "/e", "take": "upstream"}]')$$),
          '[{"path": "/resolutions/0/path", "message": "Must be a JSON pointer."},
            {"path": "/resolutions/1/take", "message": "Must be one of local, upstream, value."},
            {"path": "/resolutions/2/value", "message": "Required when take is \"value\", and only then."},
            {"path": "/resolutions/3/value", "message": "Required when take is \"value\", and only then."},
            {"path": "/resolutions/4", "message": "Must be an object."},
            {"path": "/resolutions/5/path", "message": "Another resolution has the same path."},
            {"path": "/resolutions/6/path", "message": "Another resolution has the same path."}]',
          'merge3 resolutions: malformed entries, all of them');
select throws_ok($$select pg_temp.m('{}', '{}', '{}', 'keep_local', '{"path": "/a"}')$$, 'IN422', 'resolutions must be an array.',
                 'merge3: resolutions not an array');
select throws_ok($$select pg_temp.m('{}', '{}', '{}', 'theirs')$$, 'IN422', 'onConflict must be one of keep_local, take_upstream, fail.',
                 'merge3: unknown on_conflict');
select throws_ok($$select pg_temp.m(null, '{}', '{}')$$, '22004', null, 'merge3: a null document');

-- ---------------------------------------------------------------------------------------------
-- JSON pointers
select is(core.json_pointer(array['a/b', '~', '', '~1', 'x']), '/a~1b/~0//~01/x', 'json_pointer: escapes ~ then /');
select is(core.json_pointer('{}'), '', 'json_pointer: no tokens, the root');
select is(core.json_pointer(array['a', null]), null, 'json_pointer: a null token, no pointer');
select is(core.json_pointer_tokens('/a~1b/~0//~01/x'), array['a/b', '~', '', '~1', 'x'], 'json_pointer_tokens: unescapes ~1 then ~0');
select is(core.json_pointer_tokens(''), '{}'::text[], 'json_pointer_tokens: "" is the root');
select is(core.json_pointer_tokens('/'), array[''], 'json_pointer_tokens: "/" is the empty key');
select is(core.json_pointer_tokens('/a/'), array['a', ''], 'json_pointer_tokens: a trailing empty token');
select throws_ok(format('select core.json_pointer_tokens(%L)', p), 'IN422', null, format('json_pointer_tokens refuses %s', p))
from unnest(array['a', 'a/b', '/~', '/a~2', '/~/', '~0']) as p;

-- ---------------------------------------------------------------------------------------------
-- json_diff and json_patch_apply
select is(core.json_diff('{"a": 1, "b": {"c": [1, 2], "d": "x"}, "k/~": 2, "z": {"q": 1}}',
                         '{"b": {"c": [1, 3], "d": "x", "e": null}, "k/~": 3, "n": [], "z": 5}'),
          '[{"op": "remove", "path": "/a"}, {"op": "replace", "path": "/b/c", "value": [1, 3]},
            {"op": "add", "path": "/b/e", "value": null}, {"op": "replace", "path": "/k~1~0", "value": 3},
            {"op": "add", "path": "/n", "value": []}, {"op": "replace", "path": "/z", "value": 5}]',
          'json_diff: keys sorted, recursive into objects, arrays and scalars replaced whole');
select is(core.json_diff('{"a": 1}', '{"a": 1}'), '[]', 'json_diff: equal → []');
select is(core.json_diff('{"a": 1}', '[1]'), '[{"op": "replace", "path": "", "value": [1]}]', 'json_diff: another root type → replace ""');
select is(core.json_patch_apply('{"foo": ["bar", "baz"], "o": {}}',
                                '[{"op": "add", "path": "/foo/1", "value": "qux"}, {"op": "add", "path": "/foo/-", "value": "end"},
                                  {"op": "add", "path": "/foo/4", "value": "last"}, {"op": "remove", "path": "/foo/0"},
                                  {"op": "replace", "path": "/o", "value": {"x": 1}}, {"op": "add", "path": "/o/a~1b", "value": 2},
                                  {"op": "test", "path": "/foo", "value": ["qux", "baz", "end", "last"]},
                                  {"op": "copy", "from": "/o/x", "path": "/c"}, {"op": "move", "from": "/foo/0", "path": "/m"},
                                  {"op": "add", "path": "/o/x", "value": 9}]'),
          '{"foo": ["baz", "end", "last"], "o": {"x": 9, "a/b": 2}, "c": 1, "m": "qux"}',
          'json_patch_apply: add (index, -, length), remove, replace, test, copy, move, add replacing a member');
select is(core.json_patch_apply('{"a": 1}', '[{"op": "replace", "path": "", "value": [1]}]'), '[1]', 'json_patch_apply: replace the root');
select is(core.json_patch_apply('{"a": 1}', '[]'), '{"a": 1}', 'json_patch_apply: an empty patch');
select throws_ok(format('select core.json_patch_apply(%L, %L)', '{"a": [1, 2], "s": 1}', p), 'IN422', null, format('json_patch_apply refuses %s', p))
from unnest(array['[{"op": "test", "path": "/a/0", "value": 2}]', '[{"op": "remove", "path": "/b"}]',
                  '[{"op": "add", "path": "/a/3", "value": 0}]', '[{"op": "add", "path": "/a/01", "value": 0}]',
                  '[{"op": "replace", "path": "/a/2", "value": 0}]', '[{"op": "add", "path": "/x/y", "value": 0}]',
                  '[{"op": "add", "path": "/s/y", "value": 0}]', '[{"op": "add", "path": "/a"}]',
                  '[{"op": "remove", "path": "/a/-1"}]', '[{"op": "remove", "path": ""}]', '[{"op": "merge", "path": "/a"}]',
                  '[{"op": "move", "from": "/a", "path": "/a/0"}]', '[{"op": "add", "path": "a", "value": 0}]',
                  '{"op": "add", "path": "/z", "value": 0}']) as p;
select is(pg_temp.detail($$select core.json_patch_apply('{"a": 1}', '[{"op": "remove", "path": "/a"}, {"op": "test", "path": "/a", "value": 1}]')$$),
          '[{"path": "/1", "message": "Test failed."}]', 'json_patch_apply: the detail names the operation');

-- ---------------------------------------------------------------------------------------------
-- Properties over seeded random documents
create function pg_temp.pick(a text[]) returns text language sql volatile as $$
    select a[1 + floor(random() * cardinality(a))::int]
$$;
create function pg_temp.gen(depth int) returns jsonb language plpgsql volatile as $$
declare
    r float := random();
    doc jsonb;
    id text;
begin
    if depth <= 0 or r < 0.3 then
        return pg_temp.pick(array['null', 'true', 'false', '0', '1', '2.5', '"x"', '"y"', '""', '"a/b~c"', '[]', '{}'])::jsonb;
    elsif r < 0.7 then
        doc := '{}';
        for i in 1 .. floor(random() * 5)::int loop
            doc := doc || jsonb_build_object(pg_temp.pick(array['a', 'b', 'c', 'd/e', 'f~g', 'h', '']), pg_temp.gen(depth - 1));
        end loop;
    elsif r < 0.88 then
        doc := '[]';
        for id in select x from unnest(array['p', 'q', 'r', 's/t', 'u~v']) as x where random() < 0.5 order by random() loop
            doc := doc || jsonb_build_array(jsonb_build_object('id', id, 'v', pg_temp.gen(depth - 1)));
        end loop;
    else
        doc := '[]';
        for i in 1 .. floor(random() * 4)::int loop
            doc := doc || jsonb_build_array(pg_temp.gen(depth - 1));
        end loop;
    end if;
    return doc;
end
$$;
-- doc with random edits: keys and elements deleted, replaced, added, edited deeper, reordered.
create function pg_temp.mutate(doc jsonb, depth int) returns jsonb language plpgsql volatile as $$
declare
    r record;
    acc jsonb;
begin
    if random() < 0.1 or depth <= 0 then
        return case when random() < 0.5 then doc else pg_temp.gen(2) end;
    end if;
    if jsonb_typeof(doc) = 'object' then
        acc := '{}';
        for r in select key, value from jsonb_each(doc) loop
            acc := acc || case when random() < 0.15 then '{}'
                               when random() < 0.5 then jsonb_build_object(r.key, pg_temp.mutate(r.value, depth - 1))
                               else jsonb_build_object(r.key, r.value) end;
        end loop;
        if random() < 0.3 then
            acc := acc || jsonb_build_object(pg_temp.pick(array['a', 'b', 'n', 'd/e', 'z~']), pg_temp.gen(depth - 1));
        end if;
        return acc;
    elsif core.json_merge3_keyed(doc) and jsonb_array_length(doc) > 0 then
        acc := '[]';
        for r in select e from jsonb_array_elements(doc) as e order by case when random() < 0.2 then random() else 0 end loop
            acc := acc || case when random() < 0.15 then '[]'
                               when random() < 0.5 then jsonb_build_array(r.e || jsonb_build_object('v', pg_temp.mutate(r.e -> 'v', depth - 1)))
                               else jsonb_build_array(r.e) end;
        end loop;
        if random() < 0.3 and not exists (select from jsonb_array_elements(acc) as e where e ->> 'id' = 'new') then
            acc := acc || jsonb_build_array(jsonb_build_object('id', 'new', 'v', pg_temp.gen(depth - 1)));
        end if;
        return acc;
    end if;
    return case when random() < 0.3 then pg_temp.gen(2) else doc end;
end
$$;
select setseed(0.4242);
create temp table props on commit drop as
select n, b, pg_temp.mutate(b, 4) as l, pg_temp.mutate(b, 4) as u, pg_temp.gen(4) as other
from (select n, case when n % 5 = 0 then pg_temp.gen(3) else '{}'::jsonb || jsonb_build_object('root', pg_temp.gen(4), 'k', pg_temp.gen(3)) end as b
      from generate_series(1, 300) as n) as s;
select cmp_ok((select count(*) from props where l <> b and u <> b and l <> u), '>', 100::bigint,
              'properties: the generator makes documents changed on both sides');
select cmp_ok((select count(*) from props, core.json_merge3(b, l, u) as x where x.outcome = 'conflict'), '>', 30::bigint,
              'properties: and conflicts among them');
select is((select count(*) from props, core.json_merge3(b, b, u) as x
           where x.merged <> u or x.conflicts <> '[]' or x.outcome <> case when u = b then 'unchanged' else 'fast_forward' end),
          0::bigint, 'property: merge3(b, b, u) = u, fast_forward (unchanged when u = b)');
select is((select count(*) from props, core.json_merge3(b, l, b) as x
           where x.merged <> l or x.conflicts <> '[]' or x.outcome <> 'unchanged'),
          0::bigint, 'property: merge3(b, l, b) = l, unchanged');
select is((select count(*) from props, core.json_merge3(l, l, l) as x
           where x.merged <> l or x.conflicts <> '[]' or x.outcome <> 'unchanged'),
          0::bigint, 'property: merge3(x, x, x) = x, unchanged');
select is((select count(*) from props, core.json_merge3(b, l, u) as x
           where (x.outcome = 'conflict') <> (x.conflicts <> '[]')
              or (l = u and b <> u and (x.outcome <> 'merged' or x.merged <> l))),
          0::bigint, 'property: conflict iff conflicts; local = upstream ≠ base: merged = local');
select is((select count(*) from props
           where (select row(x.*)::text from core.json_merge3(b, l, u, 'take_upstream') as x)
                 is distinct from (select row(x.*)::text from core.json_merge3(b, l, u, 'take_upstream') as x)),
          0::bigint, 'property: deterministic');
select is((select count(*) from props, core.json_merge3(b, l, u, 'take_upstream') as t, core.json_merge3(b, l, u, 'keep_local') as k,
                  core.json_merge3(b, l, u, 'keep_local',
                                   (select coalesce(jsonb_agg(jsonb_build_object('path', c -> 'path', 'take', 'upstream')), '[]')
                                    from jsonb_array_elements(k.conflicts) as c)) as r
           where r.merged is distinct from t.merged or r.outcome <> t.outcome
              or t.conflicts <> (select coalesce(jsonb_agg(c || '{"resolution": "upstream"}' order by n), '[]')
                                 from jsonb_array_elements(k.conflicts) with ordinality as x (c, n))),
          0::bigint, 'property: resolving every reported path as upstream = take_upstream (the paths resolve)');
select is((select count(*) from props, core.json_merge3(b, l, u, 'take_upstream') as t
           where b = l and t.merged <> u),
          0::bigint, 'property: a side unchanged always takes the other');
select is((select count(*) from props
           where core.json_patch_apply(b, core.json_diff(b, l)) <> l
              or core.json_patch_apply(l, core.json_diff(l, u)) <> u
              or core.json_patch_apply(b, core.json_diff(b, other)) <> other),
          0::bigint, 'property: json_patch_apply(a, json_diff(a, b)) = b');
select is((select count(*) from props where core.json_diff(b, b) <> '[]' or core.json_diff(other, other) <> '[]'),
          0::bigint, 'property: json_diff(a, a) = []');
select is((select count(*) from props where (core.json_diff(b, l) = '[]') <> (b = l)),
          0::bigint, 'property: json_diff is [] only for equal documents');
select is((select count(*) from props, core.json_merge3(b, l, u) as x, jsonb_array_elements(x.conflicts) as c
           where core.json_pointer(core.json_pointer_tokens(c ->> 'path')) <> c ->> 'path'),
          0::bigint, 'property: every conflict path is a well-formed pointer (round trip)');
select is((select count(*) from (select array(select pg_temp.pick(array['a', '~', '/', '0', '1', '~1', '/~0', ''])
                                              from generate_series(1, (n % 5)) where n > 0) as t
                                 from generate_series(1, 300) as n) as s
           where core.json_pointer_tokens(core.json_pointer(t)) <> t),
          0::bigint, 'property: json_pointer_tokens(json_pointer(t)) = t');

select * from finish();
ROLLBACK;
