-- Install history (PRODUCT §13): the operations every change to an install writes, in the
-- same transaction (install, upgrade, rollback, detach, attach, uninstall), each with a
-- snapshot of the install right after it; the hash chain and its verification; GET of one
-- operation; the append-only triggers. Rollback itself is in api/rollback.sql.

/**
 * Stores a JSON document in core.json_documents (content-addressed: the sha256 hex of its
 * text) unless it is there already, and returns its hash. NULL for NULL.
 */
create or replace function core.json_document_put(doc jsonb) returns text
language plpgsql
as $$
declare
    h text := encode(sha256(convert_to(doc::text, 'UTF8')), 'hex');
begin
    if doc is null then
        return null;
    end if;
    insert into core.json_documents (hash, doc) values (h, doc) on conflict (hash) do nothing;
    return h;
end
$$;

/**
 * The hash core.json_documents keys a document by: sha256 hex of its text.
 */
create or replace function core.json_document_hash(doc jsonb) returns text
language sql immutable strict parallel safe
as $$
    select encode(sha256(convert_to(doc::text, 'UTF8')), 'hex')
$$;

/**
 * The snapshot of an install as it is now, enough for a rollback to it: the version,
 * variables, member policy and selected slugs, and every member row (removed ones too), by
 * id: its fields, the clone's current entity version ("cloneVersionId", NULL for
 * references) and its base ("baseHash").
 */
create or replace function core.install_snapshot(install_id text) returns jsonb
language plpgsql stable
as $$
begin
    -- PL/pgSQL rather than SQL for its cached plan: a SQL function that is not inlined
    -- is planned again at every call, and every operation (every rollout job) calls this.
    return (select jsonb_build_object(
            'integrationVersionId', i.integration_version_id,
            'variables', i.variables,
            'memberPolicy', i.member_policy,
            'selectedMemberSlugs', to_jsonb(i.selected_member_slugs),
            'deleted', i.deleted_at is not null,
            'members', coalesce(
                (select jsonb_agg(jsonb_build_object(
                            'id', m.id, 'slug', m.slug, 'role', m.role, 'mode', m.mode,
                            'sourceEntityId', m.source_entity_id, 'entityId', m.entity_id,
                            'appliedEntityVersionId', m.applied_entity_version_id,
                            'appliedCloneVersionId', m.applied_clone_version_id,
                            'cloneVersionId', case when m.mode = 'clone' then e.current_version_id end,
                            'baseHash', m.base_hash, 'config', m.config, 'detached', m.detached,
                            'removed', m.removed_at is not null)
                        order by m.id)
                 from core.install_members as m
                 left join core.entities as e on e.id = m.entity_id
                 where m.install_id = i.id),
                '[]'))
            from core.integration_installs as i
            where i.id = install_snapshot.install_id);
end
$$;

/**
 * The API representation of an operation (PRODUCT §13): {"id", "installId", "kind",
 * "actor", "requestId", "idempotencyKey", "fromVersionId", "toVersionId", "result",
 * "createdAt", "hash", "prevHash"}. Usable per row by the operations list.
 */
create or replace function core.install_operation_json(o core.install_operations) returns jsonb
language sql stable parallel safe
as $$
    select jsonb_build_object(
        'id', o.id,
        'installId', o.install_id,
        'kind', o.kind,
        'actor', o.actor,
        'requestId', o.request_id,
        'idempotencyKey', o.idempotency_key,
        'fromVersionId', o.from_version_id,
        'toVersionId', o.to_version_id,
        'result', o.result,
        'createdAt', core.iso_time(o.created_at),
        'hash', o.hash,
        'prevHash', o.prev_hash)
$$;

/**
 * The canonical JSON an operation's hash covers: its representation without "hash", plus
 * "seq" and "stateHash" (so the snapshot is covered too), as jsonb text (deterministic:
 * keys sorted by length then bytes, no insignificant whitespace).
 */
create or replace function core.install_operation_canonical(o core.install_operations) returns text
language sql stable parallel safe
as $$
    select ((core.install_operation_json(o) - 'hash')
            || jsonb_build_object('seq', o.seq, 'stateHash', o.state_hash))::text
$$;

/**
 * An operation's hash: sha256 hex of coalesce(prev_hash, '') || its canonical JSON.
 */
create or replace function core.install_operation_hash(o core.install_operations) returns text
language sql stable parallel safe
as $$
    select encode(sha256(convert_to(coalesce(o.prev_hash, '') || core.install_operation_canonical(o),
                                    'UTF8')), 'hex')
$$;

/**
 * Appends an operation of kind to the history of install install_id, with the snapshot of
 * the install as it is now (call it after the change). The caller holds the install's row
 * lock (or has just inserted it), so the next seq and prev_hash are read without a race.
 * actor: caller.actor when present (rollouts: "rollout:rol_…"), else caller.sub;
 * request_id and idempotency_key from caller.requestId and caller.idempotencyKey (NULL when
 * absent). Returns the operation's id.
 */
create or replace function core.install_operation_record(caller jsonb, install_id text, kind text,
                                                         from_version_id text, to_version_id text,
                                                         result jsonb)
returns text
language plpgsql
as $$
declare
    o core.install_operations;
    prev core.install_operations;
begin
    select * into prev from core.install_operations as t
    where t.install_id = install_operation_record.install_id
    order by t.seq desc limit 1;
    o.id := core.new_id('iop_');
    o.install_id := install_id;
    o.seq := coalesce(prev.seq, 0) + 1;
    o.kind := kind;
    o.actor := coalesce(caller ->> 'actor', caller ->> 'sub');
    o.request_id := caller ->> 'requestId';
    o.idempotency_key := caller ->> 'idempotencyKey';
    o.from_version_id := from_version_id;
    o.to_version_id := to_version_id;
    o.result := coalesce(result, '{}');
    o.state_hash := core.json_document_put(core.install_snapshot(install_id));
    o.created_at := clock_timestamp();
    o.prev_hash := prev.hash;
    o.hash := core.install_operation_hash(o);
    insert into core.install_operations select o.*;
    return o.id;
end
$$;

/**
 * Trigger: core.install_operations is append-only. Refuses UPDATE, DELETE (per row) and
 * TRUNCATE (per statement) with IN409, for every role; a superuser can only get past it by
 * disabling the trigger, which verify then shows (PRODUCT §13).
 */
create or replace function core.install_operations_append_only() returns trigger
language plpgsql
as $$
begin
    raise exception using
        errcode = 'IN409',
        message = format('core.install_operations is append-only: %s refused.', tg_op);
end
$$;

create or replace trigger install_operations_append_only
    before update or delete on core.install_operations
    for each row execute function core.install_operations_append_only();

create or replace trigger install_operations_no_truncate
    before truncate on core.install_operations
    for each statement execute function core.install_operations_append_only();

/**
 * GET /api/integration-operations/{id}: one operation, for readers of its install (any
 * role in its workspace), also after the install was uninstalled. When the install was
 * purged, nobody can read the operation through the API (the workspace is no longer known).
 * Returns 200, the representation (core.install_operation_json).
 * Errors: IN404 no such operation, or the caller may not read its install.
 */
create or replace function api.install_operation_get(caller jsonb, operation_id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    o core.install_operations;
    ws text;
begin
    select * into o from core.install_operations as t where t.id = operation_id;
    select i.workspace_id into ws from core.integration_installs as i where i.id = o.install_id;
    if o.id is null or ws is null or core.caller_role(caller, ws) is null then
        raise exception using errcode = 'IN404', message = 'Operation not found.';
    end if;
    return (200, core.install_operation_json(o), null, null)::api.reply;
end
$$;

/**
 * Checks an install's history as stored: seq runs 1, 2, … without a gap, every prev_hash is
 * the hash of the operation before it, every hash is recomputed from the row
 * (core.install_operation_hash), and every snapshot still hashes to its state_hash.
 * Returns {"valid", "operations": n, "firstBrokenId"}: firstBrokenId the first operation
 * (by seq) where a check fails, NULL when valid.
 */
create or replace function core.install_operations_check(install_id text) returns jsonb
language sql stable
as $$
    with ops as (
        select o.id, o.seq, row_number() over (order by o.seq) as n,
               o.prev_hash, lag(o.hash) over (order by o.seq) as before,
               o.hash = core.install_operation_hash(o) as hash_ok,
               d.doc is not null and core.json_document_hash(d.doc) = o.state_hash as state_ok
        from core.install_operations as o
        left join core.json_documents as d on d.hash = o.state_hash
        where o.install_id = install_operations_check.install_id
    ), broken as (
        select ops.id from ops
        where ops.seq <> ops.n or ops.prev_hash is distinct from ops.before
           or not ops.hash_ok or not ops.state_ok
        order by ops.seq limit 1
    )
    select jsonb_build_object('valid', not exists (select from broken),
                              'operations', (select count(*) from ops),
                              'firstBrokenId', (select broken.id from broken))
$$;

/**
 * GET /api/integration-installs/{id}/operations/verify: recomputes the install's chain
 * (core.install_operations_check), for readers of the install.
 * Returns 200 {"valid": bool, "operations": n, "firstBrokenId": id|null}.
 * Errors: IN404 no such install, or the caller has no role in its workspace.
 */
create or replace function api.install_operations_verify(caller jsonb, install_id text) returns api.reply
language plpgsql stable
security definer set search_path = core, api, pg_temp
as $$
declare
    inst core.integration_installs;
begin
    select * into inst from core.integration_installs as t where t.id = install_operations_verify.install_id;
    if not found or core.caller_role(caller, inst.workspace_id) is null then
        raise exception using errcode = 'IN404', message = 'Install not found.';
    end if;
    return (200, core.install_operations_check(inst.id), null, null)::api.reply;
end
$$;

revoke execute on function
    api.install_operation_get(jsonb, text),
    api.install_operations_verify(jsonb, text)
from public;

grant execute on function
    api.install_operation_get(jsonb, text),
    api.install_operations_verify(jsonb, text)
to integrations_api;
