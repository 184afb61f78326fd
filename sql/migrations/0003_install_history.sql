-- Install history (PRODUCT §12, §13): the base of every clone member (what the install last
-- applied, for three-way merges), and the operations of every install, a hash chain, each
-- with a snapshot of the install right after it (for rollback). Tables, columns and indexes
-- only: the functions and the append-only triggers are in sql/schema/api/install_history.sql.

-- Content-addressed JSON documents: hash = sha256 hex of doc::text (jsonb's text is
-- canonical). Bases of members and snapshots of operations point here, so one document is
-- stored once however many members, installs and snapshots share it. Never updated; rows
-- are only added (insert … on conflict do nothing).
create table core.json_documents (
    hash text  primary key check (length(hash) = 64),
    doc  jsonb not null
);

-- The base of a clone member: the rendered source definition (placeholders filled, $refs
-- pointed at the install's clones) that the last install, upgrade or rollback applied.
-- NULL for references.
alter table core.install_members
    add column base_hash text references core.json_documents (hash);

-- Backfill: until now a clone member's applied clone version was exactly the rendered
-- source definition, so that is its base.
insert into core.json_documents (hash, doc)
select distinct on (h.hash) h.hash, h.doc
from (select encode(sha256(convert_to(v.definition::text, 'UTF8')), 'hex') as hash,
             v.definition as doc
      from core.install_members as m
      join core.entity_versions as v on v.id = m.applied_clone_version_id
      where m.mode = 'clone') as h
on conflict (hash) do nothing;

update core.install_members as m
set base_hash = encode(sha256(convert_to(v.definition::text, 'UTF8')), 'hex')
from core.entity_versions as v
where v.id = m.applied_clone_version_id and m.mode = 'clone';

-- Every change to an install, one row per operation, a chain per install: seq 1, 2, … (the
-- unique index makes it linear), prev_hash the previous row's hash, hash = sha256 hex of
-- prev_hash || the canonical JSON of the row (core.install_operation_canonical). No foreign
-- key to the install: purging an integration deletes its installs but keeps their
-- histories. state_hash: the snapshot of the install right after the operation, a
-- core.json_documents row. Append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
create table core.install_operations (
    id              text        primary key check (length(id) = 32 and id ~ '^iop_[0-9a-f]+$'),
    install_id      text        not null,
    seq             int         not null check (seq > 0),
    kind            text        not null
                                check (kind in ('install', 'upgrade', 'rollback', 'detach',
                                                'attach', 'uninstall')),
    actor           text,
    request_id      text,
    idempotency_key text,
    from_version_id text,
    to_version_id   text,
    result          jsonb       not null default '{}',
    state_hash      text        not null references core.json_documents (hash),
    created_at      timestamptz not null default clock_timestamp(),
    prev_hash       text,
    hash            text        not null,
    check ((seq = 1) = (prev_hash is null))
);

-- The chain: one seq per install; the newest operation of an install (for the next link).
create unique index install_operations_install_seq_idx
    on core.install_operations (install_id, seq desc);
-- GET /api/integration-installs/{id}/operations: newest first (§5 paging).
create index install_operations_install_created_at_idx
    on core.install_operations (install_id, created_at desc, id desc);
