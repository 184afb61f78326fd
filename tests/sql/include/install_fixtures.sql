-- Included (\ir) by tests/sql/api/install.sql, upgrade.sql, install_history.sql and diffs.sql
-- inside their transaction: the install fixtures (authors in ws_pgtap_src).

-- A source entity of ws_pgtap_src (kind workflow); returns its id.
create function pg_temp.entity(slug text, definition jsonb, kind text default 'workflow')
returns text
language sql
as $$
    select (api.entity_create('{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}',
                              jsonb_build_object('workspaceId', 'ws_pgtap_src', 'kind', kind,
                                                 'slug', slug, 'name', initcap(slug),
                                                 'definition', definition))).body ->> 'id'
$$;

-- A new definition for a source entity.
create function pg_temp.edit(id text, definition jsonb) returns void
language sql
as $$
    select from api.entity_patch('{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}',
                                 id, jsonb_build_object('definition', definition))
$$;

-- A manifest member.
create function pg_temp.m(slug text, entity_id text, is_default boolean default true,
                          mode text default 'clone', config jsonb default '{}')
returns jsonb
language sql
as $$
    select jsonb_build_object('slug', slug, 'entityId', entity_id, 'mode', mode,
                              'default', is_default, 'config', config)
$$;

-- Sets the manifest (and variables schema, auth config) of an integration, then publishes it.
create function pg_temp.publish(integration_id text, version text, members jsonb,
                                variables_schema jsonb default '{}',
                                auth_config jsonb default '{"type": "none"}')
returns text
language sql
as $$
    select from api.integration_patch('{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}',
                                      integration_id,
                                      jsonb_build_object('manifest', jsonb_build_object('members', members),
                                                         'variablesSchema', variables_schema,
                                                         'authConfig', auth_config), null);
    select (api.integration_publish('{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}',
                                    integration_id, jsonb_build_object('version', version))).body ->> 'id'
$$;

-- A new integration of ws_pgtap_src, granted to the installing workspaces; returns its id.
create function pg_temp.integration(slug text) returns text
language plpgsql
as $$
declare
    author jsonb := '{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}';
    id text;
    ws text;
begin
    id := (api.integration_create(author, jsonb_build_object('workspaceId', 'ws_pgtap_src',
                                                             'slug', slug, 'name', slug))).body ->> 'id';
    foreach ws in array array['ws_pgtap_dst', 'ws_pgtap_all', 'ws_pgtap_def', 'ws_pgtap_man'] loop
        perform api.integration_grant_create(author, id, jsonb_build_object('workspaceId', ws));
    end loop;
    return id;
end
$$;

-- The members of an install keyed by slug (role dependency: 'dep:' || slug).
create function pg_temp.members(install_id text) returns jsonb
language sql
as $$
    select jsonb_object_agg(case m ->> 'role' when 'member' then '' else 'dep:' end || (m ->> 'slug'), m)
    from jsonb_array_elements((api.install_member_list(
             jsonb_build_object('sub', 'usr_pgtap_x', 'workspaces',
                                (select jsonb_build_object(i.workspace_id, 'viewer')
                                 from core.integration_installs as i where i.id = install_id)),
             install_id)).body -> 'members') as m
    where m ->> 'removedAt' is null
$$;

-- The current definition of an entity.
create function pg_temp.definition(entity text) returns jsonb
language sql
as $$
    select v.definition from core.entities as e join core.entity_versions as v on v.id = e.current_version_id
    where e.id = entity
$$;
