-- Representations: the API's JSON of every resource (integration, version, review state,
-- grant, entity, install, install member), timestamps as the API shows them, strong ETags
-- and If-Match, and the stored representation of integrations that GET by id reads
-- (core.integration_representations, kept by a trigger on every write of an integration).
-- The representations are SQL and stable, so PostgreSQL inlines them into their callers
-- (docs/performance.md, "GET by id"; tests/sql/representations.sql checks it).

/**
 * A timestamp as the API shows it: UTC ISO 8601 with microseconds, 2026-11-28T16:46:05.123456Z.
 * Stable, as to_char is, though its result never varies (the format has no locale-dependent
 * field and the zone is fixed): declared immutable, PostgreSQL would not inline it into the
 * representations (docs/performance.md, "GET by id").
 */
create or replace function core.iso_time(t timestamptz) returns text
language sql stable strict parallel safe
as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

/**
 * The strong ETag of a representation. jsonb text is canonical (key order and spacing are
 * fixed), so equal documents always get equal tags.
 */
create or replace function core.etag(doc jsonb) returns text
language sql immutable strict parallel safe
as $$
    select '"' || md5(doc::text) || '"'
$$;

/**
 * Whether an If-Match header value is satisfied by the current ETag. Null (no header) and *
 * always are; otherwise one of the comma-separated tags must equal it exactly. That is the
 * strong comparison of RFC 9110: a weak tag (W/"…") never matches.
 */
create or replace function core.etag_matches(if_match text, etag text) returns boolean
language sql immutable parallel safe
as $$
    select if_match is null
        or btrim(if_match) = '*'
        or etag = any (select btrim(tag) from regexp_split_to_table(if_match, ',') as tag)
$$;

/**
 * The API representation of an integration: the reference's 18 fields, absent values as
 * JSON null.
 */
create or replace function core.integration_json(i core.integrations) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', i.id,
        'workspaceId', i.workspace_id,
        'slug', i.slug,
        'name', i.name,
        'description', i.description,
        'iconUrl', i.icon_url,
        'publisher', i.publisher,
        'trustTier', i.trust_tier,
        'currentVersion', i.current_version,
        'manifest', i.manifest,
        'variablesSchema', i.variables_schema,
        'authConfig', i.auth_config,
        'visibility', i.visibility,
        'createdBy', i.created_by,
        'deletedAt', core.iso_time(i.deleted_at),
        'retentionTier', i.retention_tier,
        'createdAt', core.iso_time(i.created_at),
        'updatedAt', core.iso_time(i.updated_at))
$$;

/**
 * After an insert or update of an integration: its stored representation. An update that
 * changes nothing the API shows (review state, say) leaves the stored row untouched.
 */
create or replace function core.integration_representation_keep() returns trigger
language plpgsql
as $$
declare
    doc constant jsonb := core.integration_json(new);
begin
    insert into core.integration_representations as r (integration_id, body, etag)
    values (new.id, doc::text, core.etag(doc))
    on conflict (integration_id) do update
        set body = excluded.body, etag = excluded.etag
        where r.etag <> excluded.etag;
    return null;
end
$$;

create or replace trigger integration_representation_keep
after insert or update on core.integrations
for each row execute function core.integration_representation_keep();

/**
 * The API representation of an integration version.
 */
create or replace function core.integration_version_json(v core.integration_versions) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', v.id,
        'integrationId', v.integration_id,
        'version', v.version,
        'manifestSnapshot', v.manifest_snapshot,
        'variablesSchemaSnapshot', v.variables_schema_snapshot,
        'authConfigSnapshot', v.auth_config_snapshot,
        'memberEntityVersions', v.member_entity_versions,
        'changelog', v.changelog,
        'publishedBy', v.published_by,
        'publishedAt', core.iso_time(v.published_at))
$$;

/**
 * The state of an integration's listing: {"id", "visibility", "reviewState"} (reviewState
 * pending, rejected or null).
 */
create or replace function core.integration_review_json(i core.integrations) returns jsonb
language sql immutable parallel safe
as $$
    select jsonb_build_object('id', i.id, 'visibility', i.visibility, 'reviewState', i.review_state)
$$;

/**
 * The API representation of a grant.
 */
create or replace function core.integration_grant_json(g core.integration_grants) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'integrationId', g.integration_id,
        'workspaceId', g.workspace_id,
        'grantedBy', g.granted_by,
        'createdAt', core.iso_time(g.created_at))
$$;

/**
 * The API representation of an entity, with the definition of its current version.
 */
create or replace function core.entity_json(e core.entities) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', e.id,
        'workspaceId', e.workspace_id,
        'kind', e.kind,
        'slug', e.slug,
        'name', e.name,
        'definition', (select v.definition from core.entity_versions as v
                       where v.id = e.current_version_id),
        'currentVersionId', e.current_version_id,
        'sourceInstallMemberId', e.source_install_member_id,
        'createdBy', e.created_by,
        'createdAt', core.iso_time(e.created_at),
        'updatedAt', core.iso_time(e.updated_at),
        'deletedAt', core.iso_time(e.deleted_at))
$$;

/**
 * The API representation of an install: the reference's 15 fields, nulls as JSON null.
 */
create or replace function core.install_json(i core.integration_installs) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', i.id,
        'integrationId', i.integration_id,
        'integrationVersionId', i.integration_version_id,
        'workspaceId', i.workspace_id,
        'variables', i.variables,
        'authStateId', i.auth_state_id,
        'memberPolicy', i.member_policy,
        'parentInstallId', i.parent_install_id,
        'solutionId', i.solution_id,
        'installedBy', i.installed_by,
        'installedAt', core.iso_time(i.installed_at),
        'lastUpgradedAt', core.iso_time(i.last_upgraded_at),
        'deletedAt', core.iso_time(i.deleted_at),
        'retentionTier', i.retention_tier,
        'upgradePolicy', i.upgrade_policy)
$$;

/**
 * The API representation of an install member. clone_version_id is the current version of
 * the member's entity: a clone is locally modified when its definition differs from the
 * member's base (what the last install, upgrade or rollback applied from upstream,
 * base_hash): after a merge or a keep_local conflict it stays true. References are never
 * locally modified.
 */
create or replace function core.install_member_json(m core.install_members, clone_version_id text)
returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', m.id,
        'installId', m.install_id,
        'slug', m.slug,
        'role', m.role,
        'mode', m.mode,
        'sourceEntityId', m.source_entity_id,
        'entityId', m.entity_id,
        'appliedEntityVersionId', m.applied_entity_version_id,
        'detached', m.detached,
        'config', m.config,
        'locallyModified', m.mode = 'clone'
                           and (select v.definition from core.entity_versions as v
                                where v.id = clone_version_id)
                               is distinct from
                               (select d.doc from core.json_documents as d where d.hash = m.base_hash),
        'lastAppliedAt', core.iso_time(m.last_applied_at),
        'removedAt', core.iso_time(m.removed_at))
$$;
