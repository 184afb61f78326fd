-- Data of bench/install_bench.sh: in workspace :ws, an integration (slug :slug) of :n clone
-- members flow-1 … flow-n, each using its own entity lib-i through $ref (the closure adds :n
-- more), with placeholders in every member definition and config; published as 1.0.0 and
-- 1.1.0, where every member's definition has changed, the last 1% of the members are gone
-- and as many new ones (flow-n+1 …) have come.
-- psql variables: n, ws, slug. Prints "<integration id> <id of version 1.0.0>".
\set ON_ERROR_STOP 1
\set author '{"sub": "usr_bench", "workspaces": {"' :ws '": "owner"}}'

-- The entities go straight into the tables (what is measured is install and upgrade, and
-- 2 × n calls of api.entity_create would only make the setup slower): one statement, so the
-- versions' foreign key to their entities is checked when both are in.
with numbers as (
    select g, core.new_id('ent_') as flow_id, core.new_id('entv_') as flow_version,
           core.new_id('ent_') as lib_id, core.new_id('entv_') as lib_version
    from generate_series(1, :n + :n / 100) as g
), entities as (
    insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
    select flow_id, :'ws', 'workflow', 'flow-' || g, 'Flow ' || g, flow_version, 'usr_bench' from numbers
    union all
    select lib_id, :'ws', 'schema', 'lib-' || g, 'Library ' || g, lib_version, 'usr_bench' from numbers
    returning 1
), versions as (
    insert into core.entity_versions (id, entity_id, definition, created_by)
    select flow_version, flow_id,
           jsonb_build_object('name', 'Flow ' || g, 'channel', '{{channel}}',
                              'steps', jsonb_build_array(
                                  jsonb_build_object('call', 'http', 'retries', '{{retries}}',
                                                     'url', 'https://api.example.com/{{region}}/hooks'),
                                  jsonb_build_object('validate', jsonb_build_object('$ref', lib_id)))),
           'usr_bench'
    from numbers
    union all
    select lib_version, lib_id,
           jsonb_build_object('type', 'object', 'title', 'Library ' || g,
                              'properties', jsonb_build_object('id', jsonb_build_object('type', 'string'))),
           'usr_bench'
    from numbers
    returning 1
)
select (select count(*) from entities) + (select count(*) from versions) as written
\gset

-- The manifest of the flows numbered first to last.
create temporary view bench_members as
select e.id, split_part(e.slug, '-', 2)::int as number, e.slug
from core.entities as e
where e.workspace_id = :'ws' and e.kind = 'workflow';

select (api.integration_create(:'author', jsonb_build_object(
           'workspaceId', :'ws', 'slug', :'slug', 'name', 'Benchmark',
           'variablesSchema', '{"type": "object", "required": ["channel"],
                                "properties": {"channel": {"type": "string", "pattern": "^#"},
                                               "region": {"type": "string", "enum": ["eu", "us"], "default": "eu"},
                                               "retries": {"type": "integer", "minimum": 0, "default": 3}}}'::jsonb,
           'manifest', jsonb_build_object('members', (
               select jsonb_agg(jsonb_build_object('slug', m.slug, 'entityId', m.id,
                                                   'config', '{"to": "{{channel}}"}'::jsonb)
                                order by m.number)
               from bench_members as m
               where m.number <= :n))))).body ->> 'id' as integration_id
\gset
-- Unlisted: any workspace may install it by id (the bench installs into workspaces of its own).
select (api.integration_set_visibility(:'author', :'integration_id', '{"visibility": "unlisted"}')).status as unlisted_status
\gset
select (api.integration_publish(:'author', :'integration_id', '{"version": "1.0.0"}')).body ->> 'id' as version_id
\gset

-- 1.1.0: a new version of every flow (what an author's PATCH would write).
begin;
insert into core.entity_versions (entity_id, definition, created_by)
select m.id, v.definition || '{"revision": 2}', 'usr_bench'
from bench_members as m
join core.entities as e on e.id = m.id
join core.entity_versions as v on v.id = e.current_version_id;
update core.entities as e set current_version_id = v.id
from core.entity_versions as v
where e.workspace_id = :'ws' and e.kind = 'workflow' and v.entity_id = e.id
  and v.definition ? 'revision';
commit;

select (api.integration_patch(:'author', :'integration_id', jsonb_build_object(
           'manifest', jsonb_build_object('members', (
               select jsonb_agg(jsonb_build_object('slug', m.slug, 'entityId', m.id,
                                                   'config', '{"to": "{{channel}}"}'::jsonb)
                                order by m.number)
               from bench_members as m
               where m.number not between :n - :n / 100 + 1 and :n))), null)).status as patched
\gset
select (api.integration_publish(:'author', :'integration_id', '{"version": "1.1.0"}')).status as published
\gset

\echo :integration_id :version_id
