-- Entity helpers of the pgTAP files that author entities in ws_pgtap_a as its owner.

-- A new entity of ws_pgtap_a; returns its id.
create function pg_temp.entity(slug text, kind text, definition jsonb) returns text
language sql
as $$
    select (api.entity_create('{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_a": "owner"}}',
                              jsonb_build_object('workspaceId', 'ws_pgtap_a', 'kind', kind,
                                                 'slug', slug, 'name', initcap(slug),
                                                 'definition', definition))).body ->> 'id'
$$;

-- Replaces an entity's definition (a new version); returns the new version id.
create function pg_temp.redefine(id text, definition jsonb) returns text
language sql
as $$
    select (api.entity_patch('{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_a": "owner"}}',
                             id, jsonb_build_object('definition', definition))).body
           ->> 'currentVersionId'
$$;
