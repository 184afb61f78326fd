BEGIN;
select plan(7);

-- mode insensitive and the name shorthands fold with ICU (app/list_filter.c, LIST_FOLD_*):
-- the cluster's C ctype folds ASCII only. The conditions below are the ones the list engine
-- writes, character for character (tests/unit/test_list_filter.c pins the C side); they must
-- keep using the index sql/migrations/0002 makes of the same expression.
\ir ../include/plan_text.sql

select is(lower('ÄRGER' collate "und-x-icu"), 'ärger', 'und-x-icu: German umlaut');
select is(lower('ÉCOLE ΣΟΦΊΑ ДОМ' collate "und-x-icu"), 'école σοφία дом',
          'und-x-icu: French, Greek, Cyrillic');
select is(lower('ÄRGER'), 'Ärger', 'the cluster''s own lower() folds ASCII only (why 0002 exists)');
select ok(lower(('Ärger_50%') collate "und-x-icu") collate "C"
          like lower(('ärger\_50\%') collate "und-x-icu") collate "C",
          'like on folded text: escaped _ and % match literally');

create function pg_temp.uses_fold_index(condition text) returns boolean
language sql
as $$
    select pg_temp.plan_text('select id from core.integrations as i where visibility = ''public'''
                             || ' and deleted_at is null and ' || condition)
           like '%Index Scan %integrations_public_live_fold_name_idx%Index Cond: %lower(%'
$$;

-- A few thousand public rows, so that the plans are those of a real public part.
insert into core.integrations (id, workspace_id, slug, name, visibility, created_by)
select 'int_' || lpad(to_hex(g), 28, '0'), 'ws_pgtap_fold', 'fold-' || g,
       (array['Ärger', 'École', 'ДОМ', 'Σοφία', 'Slack'])[1 + g % 5] || ' ' || g, 'public', 'usr_x'
from generate_series(1, 5000) as g;
analyze core.integrations;
select ok(pg_temp.uses_fold_index($c$lower((i.name) collate "und-x-icu") collate "C" = lower(('Ärger'::text) collate "und-x-icu") collate "C"$c$),
          'eq insensitive: the fold index');
select ok(pg_temp.uses_fold_index($c$lower((i.name) collate "und-x-icu") collate "C" like lower(('Är%'::text) collate "und-x-icu") collate "C"$c$),
          'startsWith insensitive: the fold index (a LIKE prefix, compared in "C")');
select ok(pg_temp.uses_fold_index($c$lower((i.name) collate "und-x-icu") collate "C" = any(array(select lower((x) collate "und-x-icu") collate "C" from unnest('{Ärger,ДОМ}'::text[]) as x))$c$),
          'in insensitive: the fold index');

select * from finish();
ROLLBACK;
