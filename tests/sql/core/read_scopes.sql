-- sql/schema/core/read_scopes.sql: who may read what, each scope's truth table, and each scope
-- inlined into the statements that call it (no function call left in the plan).
BEGIN;
select plan(23);

\ir ../include/plan_text.sql

-- Integrations (named int_rs_…) of ws_rs_own and ws_rs_other: every visibility, live and deleted; one private of
-- ws_rs_other granted to ws_rs_own.
insert into core.integrations (id, workspace_id, slug, name, created_by, visibility, deleted_at)
select 'int_' || left(md5('int_rs_' || w || '_' || v || '_' || d), 28), 'ws_rs_' || w,
       'rs-' || w || '-' || v || '-' || d, 'int_rs_' || w || '_' || v || '_' || d, 'usr_pgtap_author', v, case when d = 'deleted' then now() end
from unnest(array['own', 'other']) as w,
     unnest(array['private', 'unlisted', 'public']) as v,
     unnest(array['live', 'deleted']) as d;
insert into core.integrations (id, workspace_id, slug, name, created_by, deleted_at)
values ('int_' || left(md5('int_rs_granted_live'), 28), 'ws_rs_other', 'rs-granted-live', 'int_rs_granted_live', 'usr_pgtap_author', null),
       ('int_' || left(md5('int_rs_granted_deleted'), 28), 'ws_rs_other', 'rs-granted-deleted', 'int_rs_granted_deleted', 'usr_pgtap_author', now());
insert into core.integration_grants (integration_id, workspace_id, granted_by)
values ('int_' || left(md5('int_rs_granted_live'), 28), 'ws_rs_own', 'usr_pgtap_author'),
       ('int_' || left(md5('int_rs_granted_deleted'), 28), 'ws_rs_own', 'usr_pgtap_author');

create function pg_temp.ids(predicate text) returns text[]
language plpgsql
as $$
declare
    r text[];
begin
    execute format('select array_agg(i.name order by i.name) from core.integrations as i
                    where i.name like ''int_rs_%%'' and (%s)', predicate) into r;
    return coalesce(r, '{}');
end
$$;

-- Truth tables
select is(pg_temp.ids('core.integration_in_own_scope(i, array[''ws_rs_own''])'),
          array['int_rs_own_private_deleted', 'int_rs_own_private_live', 'int_rs_own_public_deleted',
                'int_rs_own_public_live', 'int_rs_own_unlisted_deleted', 'int_rs_own_unlisted_live'],
          'own: every row of the caller''s workspaces, deleted too');
select is(pg_temp.ids('core.integration_in_own_scope(i, ''{}'')'), '{}', 'own: no workspaces, nothing');
select is(pg_temp.ids('core.integration_in_public_scope(i)'),
          array['int_rs_other_public_live', 'int_rs_own_public_live'], 'public: live public rows only');
select is(pg_temp.ids('core.integration_in_unlisted_scope(i)'),
          array['int_rs_other_unlisted_live', 'int_rs_own_unlisted_live'], 'unlisted: live unlisted rows only');
select is(pg_temp.ids('core.integration_in_granted_scope(i, array(select g from core.integration_grants_to(''{ws_rs_own}'') as g))'),
          array['int_rs_granted_live'], 'granted: live rows granted to the caller''s workspaces');
select is(pg_temp.ids('core.integration_in_granted_scope(i, array(select g from core.integration_grants_to(''{ws_rs_other}'') as g))'), '{}',
          'granted: not the grants of other workspaces');
select is(pg_temp.ids('core.integration_in_read_scope(i, ''{ws_rs_own}'', array(select g from core.integration_grants_to(''{ws_rs_own}'') as g))'),
          array['int_rs_granted_live', 'int_rs_other_public_live', 'int_rs_other_unlisted_live',
                'int_rs_own_private_deleted', 'int_rs_own_private_live', 'int_rs_own_public_deleted',
                'int_rs_own_public_live', 'int_rs_own_unlisted_deleted', 'int_rs_own_unlisted_live'],
          'read (by id): own, live public, live unlisted, live granted');
select is(pg_temp.ids('core.integration_in_read_scope(i, ''{}'', array(select g from core.integration_grants_to(''{}'') as g))'),
          array['int_rs_other_public_live', 'int_rs_other_unlisted_live', 'int_rs_own_public_live',
                'int_rs_own_unlisted_live'], 'read (by id), no workspaces: live public and unlisted');
select is(pg_temp.ids('core.integration_readable(''{"sub": "usr_x", "workspaces": {"ws_rs_own": "viewer"}}'', i)'),
          pg_temp.ids('core.integration_in_read_scope(i, ''{ws_rs_own}'', array(select g from core.integration_grants_to(''{ws_rs_own}'') as g))'),
          'integration_readable is the read scope over the caller''s workspaces');
select is(pg_temp.ids('core.integration_readable_by_workspace(i, ''ws_rs_own'')'),
          pg_temp.ids('core.integration_in_read_scope(i, ''{ws_rs_own}'', array(select g from core.integration_grants_to(''{ws_rs_own}'') as g))'),
          'integration_readable_by_workspace is the read scope over one workspace');

select is(array(select row(w, d is null, inc)::text
                from unnest(array['ws_rs_own', 'ws_rs_other']) as w,
                     unnest(array[null, now()]) as d,
                     unnest(array[false, true]) as inc
                where core.owned_in_scope(w, d, array['ws_rs_own'], inc)
                order by 1),
          array['(ws_rs_own,f,t)', '(ws_rs_own,t,f)', '(ws_rs_own,t,t)'],
          'owned: the caller''s workspaces; deleted rows only when include_deleted');
select ok(core.owned_in_scope('ws_a', null, array['ws_b', 'ws_a'], false), 'owned: any of the workspaces');
select ok(not core.owned_in_scope('ws_a', now(), array['ws_a'], false), 'owned: deleted, not included');
select ok(core.owned_in_scope('ws_a', now(), array['ws_a'], true), 'owned: deleted, included');

-- Definitions: SQL, stable, not strict, no security definer, no set clause (what inlining needs).
select is(array(select p.proname::text
                from pg_proc as p join pg_language as l on l.oid = p.prolang
                where p.pronamespace = 'core'::regnamespace
                  and p.proname in ('integration_in_own_scope', 'integration_in_public_scope',
                                    'integration_in_unlisted_scope', 'integration_in_granted_scope',
                                    'integration_in_read_scope', 'owned_in_scope',
                                    'integration_grants_to')
                  and not (l.lanname = 'sql' and p.provolatile = 's' and not p.prosecdef
                           and not p.proisstrict and p.proconfig is null)),
          '{}', 'every scope can be inlined');

-- Inlined: the plan shows the expanded condition, no call of the scope.
select doesnt_match(pg_temp.plan_text('select from core.integrations as i where core.integration_in_own_scope(i, ''{ws_a}'')'),
               '_scope\(|grants_to\(', 'own: inlined');
select doesnt_match(pg_temp.plan_text('select from core.integrations as i where core.integration_in_public_scope(i)'),
               '_scope\(|grants_to\(', 'public: inlined');
select doesnt_match(pg_temp.plan_text('select from core.integrations as i where core.integration_in_unlisted_scope(i)'),
               '_scope\(|grants_to\(', 'unlisted: inlined');
select alike(pg_temp.plan_text('select from core.integrations as i where core.integration_in_granted_scope(i, array(select g from core.integration_grants_to(''{ws_a}'') as g))'),
             '%InitPlan%integration_grants g%', 'granted: inlined, the grants read once (InitPlan)');
select doesnt_match(pg_temp.plan_text('select from core.integrations as i where core.integration_in_granted_scope(i, array(select g from core.integration_grants_to(''{ws_a}'') as g))'),
               '_scope\(|grants_to\(', 'granted: no call left');
select doesnt_match(pg_temp.plan_text('select from core.integrations as i where core.integration_in_read_scope(i, ''{ws_a}'', array(select g from core.integration_grants_to(''{ws_a}'') as g))'),
               '_scope\(|grants_to\(', 'read: inlined');
select doesnt_match(pg_temp.plan_text('select from core.entities as e where core.owned_in_scope(e.workspace_id, e.deleted_at, ''{ws_a}'', false)'),
               '_scope\(|grants_to\(', 'owned (entities): inlined');
select doesnt_match(pg_temp.plan_text('select from core.integration_installs as i where core.owned_in_scope(i.workspace_id, i.deleted_at, ''{ws_a}'', true)'),
               '_scope\(|grants_to\(', 'owned (installs): inlined');

select * from finish();
ROLLBACK;
