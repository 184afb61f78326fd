-- Data of bench/publish_bench.sh: in workspace ws_bench_<members>, an integration whose manifest
-- has :members members, each an entity whose definition refers to two dependency entities,
-- and :members dependency entities (so the closure adds :members more). Member n refers to
-- dependencies n and n xor 1: pairs of members share both (diamonds); dependency n refers to
-- dependency n xor 1 and back (cycles). Every member's closure is those two. Definitions use
-- the {{region}} and {{channel}} placeholders of the variables schema, as real ones would.
--
-- Run as the superuser on a database with sql/ applied:
--   psql -v members=1000 -f bench/publish_data.sql
-- Prints the caller (jsonb) and the integration id, tab-separated, for the timing script.
\set ON_ERROR_STOP 1
\if :{?members}
\else
    \echo 'publish_data.sql: set -v members=N (an even number)'
    \quit
\endif

begin;

select format('ws_bench_%s', :members) as ws,
       format('{"sub": "usr_bench", "workspaces": {"ws_bench_%s": "owner"}}', :members) as caller
\gset

create temporary table bench_ids on commit drop as
select n,
       core.new_id('ent_') as member_id, core.new_id('entv_') as member_version,
       core.new_id('ent_') as dep_id, core.new_id('entv_') as dep_version
from generate_series(0, :members - 1) as n;

-- Entities and their first versions refer to each other; the foreign key is deferred.
insert into core.entities (id, workspace_id, kind, slug, name, current_version_id, created_by)
select member_id, :'ws', 'workflow', 'member-' || n, 'Member ' || n, member_version, 'usr_bench'
from bench_ids
union all
select dep_id, :'ws', 'schema', 'dependency-' || n, 'Dependency ' || n, dep_version, 'usr_bench'
from bench_ids;

insert into core.entity_versions (id, entity_id, definition, created_by)
select m.member_version, m.member_id,
       jsonb_build_object(
           'trigger', jsonb_build_object('type', 'schedule', 'cron', '*/5 * * * *'),
           'steps', jsonb_build_array(
               jsonb_build_object('id', 'fetch', 'action', 'http.get',
                                  'url', format('https://{{region}}.example.com/items/%s', m.n)),
               jsonb_build_object('id', 'store', 'action', 'db.insert',
                                  'schema', jsonb_build_object('$ref', m.dep_id)),
               jsonb_build_object('id', 'notify', 'action', 'chat.post', 'channel', '{{channel}}',
                                  'template', jsonb_build_object('$ref', pair.dep_id)))),
       'usr_bench'
from bench_ids as m
join bench_ids as pair on pair.n = m.n # 1
union all
select d.dep_version, d.dep_id,
       jsonb_build_object(
           'type', 'object',
           'properties', jsonb_build_object(
               'id', jsonb_build_object('type', 'string'),
               'amount', jsonb_build_object('type', 'number'),
               'region', jsonb_build_object('const', '{{ region }}')),
           'related', jsonb_build_object('$ref', pair.dep_id)),
       'usr_bench'
from bench_ids as d
join bench_ids as pair on pair.n = d.n # 1;

select (api.integration_create(:'caller', jsonb_build_object(
           'workspaceId', :'ws',
           'slug', 'bench',
           'name', format('Benchmark, %s members', :members),
           'variablesSchema', jsonb_build_object(
               'type', 'object',
               'properties', jsonb_build_object('region', jsonb_build_object('type', 'string'),
                                                'channel', jsonb_build_object('type', 'string'))),
           'manifest', jsonb_build_object('members', (
               select jsonb_agg(jsonb_build_object(
                          'slug', 'member-' || n,
                          'entityId', member_id,
                          'mode', case when n % 5 = 0 then 'reference' else 'clone' end,
                          'default', n % 3 <> 0,
                          'config', jsonb_build_object('channel', format('#alerts-%s', n)))
                      order by n)
               from bench_ids))))).body ->> 'id' as integration
\gset

commit;

analyze core.entities, core.entity_versions, core.integrations, core.integration_versions;

\pset format unaligned
\pset tuples_only on
select :'caller', :'integration';
