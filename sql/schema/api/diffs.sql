-- Diffs (PRODUCT §12): what a subscriber changed in a clone since the install last applied
-- it (GET /api/integration-members/{id}/diff), and what changed between two versions of an
-- integration (GET /api/integration-versions/{id}/diff?from=…). Patches are RFC 6902
-- (core.json_diff, core/json_merge.sql).

/**
 * GET /api/integration-members/{id}/diff: the member's base (what the last install, upgrade
 * or rollback applied from upstream), local (its clone's current definition) and
 * patch = core.json_diff(base, local): what the subscriber changed. Readers of the install
 * (any role in its workspace) may call it; removed and detached members too.
 * Returns 200 {"memberId", "base", "local", "patch"}.
 * Errors: IN404 no such member, or the caller has no role in its install's workspace;
 * IN422 a reference member (it has no clone, so nothing to diff), detail
 * [{"path": "", "message"}].
 */
create or replace function api.install_member_diff(caller jsonb, member_id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    m core.install_members;
    ws text;
    base jsonb;
    local jsonb;
begin
    select * into m from core.install_members as t where t.id = member_id;
    select i.workspace_id into ws from core.integration_installs as i where i.id = m.install_id;
    if m.id is null or ws is null or core.caller_role(caller, ws) is null then
        raise exception using errcode = 'IN404', message = 'Install member not found.';
    end if;
    if m.mode <> 'clone' then
        raise exception using
            errcode = 'IN422', message = 'A reference member has no clone: there is nothing to diff.',
            detail = '[{"path": "", "message": "is a reference member: it has no clone"}]';
    end if;
    select d.doc into base from core.json_documents as d where d.hash = m.base_hash;
    select v.definition into local
    from core.entities as e join core.entity_versions as v on v.id = e.current_version_id
    where e.id = m.entity_id;
    return (200,
            jsonb_build_object('memberId', m.id, 'base', base, 'local', local,
                               'patch', core.json_diff(coalesce(base, 'null'), coalesce(local, 'null'))),
            null, null)::api.reply;
end
$$;

/**
 * The member documents of an integration version by slug: {"entityId", "mode", "default",
 * "config", "definition"}, definition the pinned entity version's definition.
 */
create or replace function core.integration_version_member_docs(v core.integration_versions)
returns table (slug text, doc jsonb)
language sql stable
as $$
    select m.slug, jsonb_build_object('entityId', m.entity_id, 'mode', m.mode,
                                      'default', m.is_default, 'config', m.config,
                                      'definition', ev.definition)
    from core.manifest_members(v.manifest_snapshot) as m
    left join core.entity_versions as ev on ev.id = v.member_entity_versions ->> m.entity_id
$$;

/**
 * GET /api/integration-versions/{id}/diff?from=intv_…: what changed from version
 * from_version_id to version version_id of one integration: members added and removed (by
 * slug), members present in both whose document (core.integration_version_member_docs)
 * differs, with the patch between them; patches of the variables schema and of the auth
 * config. Readers of the integration may call it.
 * Returns 200 {"fromVersionId", "toVersionId", "members": {"added": [slug], "removed":
 * [slug], "changed": [{"slug", "patch"}]}, "variablesSchema": patch, "authConfig": patch},
 * slugs sorted.
 * Errors: IN404 no such version, or the caller may not read its integration; IN422 /from:
 * from_version_id is not a version of the same integration (unknown ids alike).
 */
create or replace function api.integration_version_diff(caller jsonb, version_id text, from_version_id text)
returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    v core.integration_versions;
    f core.integration_versions;
    i core.integrations;
    members jsonb;
begin
    select * into v from core.integration_versions as t where t.id = version_id;
    if found then
        select * into i from core.integrations as t where t.id = v.integration_id;
    end if;
    if v.id is null or not core.integration_readable(caller, i) then
        raise exception using errcode = 'IN404', message = 'Integration version not found.';
    end if;
    select * into f from core.integration_versions as t where t.id = from_version_id;
    if not found or f.integration_id <> v.integration_id then
        raise exception using
            errcode = 'IN422', message = 'The versions to compare must be versions of one integration.',
            detail = '[{"path": "/from", "message": "is not a version of this integration"}]';
    end if;
    with a as (select * from core.integration_version_member_docs(f)),
         b as (select * from core.integration_version_member_docs(v))
    select jsonb_build_object(
               'added', coalesce(jsonb_agg(b.slug order by b.slug) filter (where a.slug is null), '[]'),
               'removed', coalesce(jsonb_agg(a.slug order by a.slug) filter (where b.slug is null), '[]'),
               'changed', coalesce(jsonb_agg(jsonb_build_object('slug', a.slug,
                                                                'patch', core.json_diff(a.doc, b.doc))
                                             order by a.slug)
                                       filter (where a.doc <> b.doc), '[]'))
    into members
    from a full join b using (slug);
    return (200,
            jsonb_build_object(
                'fromVersionId', f.id, 'toVersionId', v.id, 'members', members,
                'variablesSchema', core.json_diff(coalesce(f.variables_schema_snapshot, 'null'),
                                                  coalesce(v.variables_schema_snapshot, 'null')),
                'authConfig', core.json_diff(coalesce(f.auth_config_snapshot, 'null'),
                                             coalesce(v.auth_config_snapshot, 'null'))),
            null, null)::api.reply;
end
$$;

revoke execute on function
    api.install_member_diff(jsonb, text),
    api.integration_version_diff(jsonb, text, text)
from public;

grant execute on function
    api.install_member_diff(jsonb, text),
    api.integration_version_diff(jsonb, text, text)
to integrations_api;
