-- Data of bench/rollout_bench.sh and the rollout scenario of tests/faults/faults.py: in
-- workspace :ws, an unlisted integration (slug :slug) of :m clone members (flow-1 … flow-m,
-- placeholders in each), published as 1.0.0 and installed into :n workspaces
-- :ws-1 … :ws-n (api.integration_install, as the API would), then every member's definition
-- changes and 2.0.0 is published. psql variables: n, m, ws, slug.
-- Prints "<integration id> <id of version 2.0.0>".
\set ON_ERROR_STOP 1
\set QUIET 1
\set author '{"sub": "usr_bench", "workspaces": {"' :ws '": "owner"}}'

select (api.integration_create(:'author', jsonb_build_object(
           'workspaceId', :'ws', 'slug', :'slug', 'name', 'Rollout benchmark',
           'variablesSchema', '{"type": "object", "properties": {"channel": {"type": "string", "default": "#ops"}}}'::jsonb)))
       .body ->> 'id' as integration_id
\gset
select count(*) as created from (
    select api.entity_create(:'author', jsonb_build_object(
               'workspaceId', :'ws', 'kind', 'workflow', 'slug', :'slug' || '-flow-' || g,
               'name', 'Flow ' || g,
               'definition', jsonb_build_object('name', 'Flow ' || g, 'channel', '{{channel}}',
                                                'steps', jsonb_build_array(jsonb_build_object('call', 'http')))))
    from generate_series(1, :m) as g) as x
\gset
select count(*) as patched from (
    select api.integration_patch(:'author', :'integration_id', jsonb_build_object('manifest',
               jsonb_build_object('members', (
                   select jsonb_agg(jsonb_build_object('slug', e.slug, 'entityId', e.id,
                                                       'config', '{"to": "{{channel}}"}'::jsonb)
                                    order by e.slug)
                   from core.entities as e
                   where e.workspace_id = :'ws' and e.slug like :'slug' || '-flow-%'))), null)) as x
\gset
select (api.integration_set_visibility(:'author', :'integration_id', '{"visibility": "unlisted"}')).status as unlisted
\gset
select (api.integration_publish(:'author', :'integration_id', '{"version": "1.0.0"}')).body ->> 'id' as v1
\gset
select count(*) filter (where r.status = 201) as installed
from generate_series(1, :n) as g
cross join lateral api.integration_install(
    jsonb_build_object('sub', 'usr_bench', 'workspaces', jsonb_build_object(:'ws' || '-' || g, 'owner')),
    :'integration_id', jsonb_build_object('workspaceId', :'ws' || '-' || g)) as r
\gset
select count(*) as edited from (
    select api.entity_patch(:'author', e.id, jsonb_build_object('definition',
               v.definition || '{"revision": 2}'))
    from core.entities as e
    join core.entity_versions as v on v.id = e.current_version_id
    where e.workspace_id = :'ws' and e.slug like :'slug' || '-flow-%') as x
\gset
select (api.integration_publish(:'author', :'integration_id', '{"version": "2.0.0"}')).body ->> 'id' as v2
\gset
\echo :integration_id :v2 :installed
