-- Stored representations of integrations (docs/performance.md, "GET by id"). A GET built the
-- representation on every request: 18 fields into a jsonb (whose keys PostgreSQL sorts),
-- three timestamps formatted, the document written out as text twice (for the ETag's md5
-- and for the response), all inside a security definer function whose fixed search_path
-- is set and reset around every call. That was most of the database's time on the most
-- frequent request of the service, for a document that changes only when its row does.
--
-- Now every write of an integration row stores its representation, as the text the API
-- sends, and its ETag, in the same transaction (a trigger); GET by id is a read of the worker
-- over core, as list pages are (the workers may read core, sql/001), through an inlinable
-- SQL function: one index lookup, the read rule, and two stored values.

/**
 * The representation of every integration (core.integration_json, as JSON text) and its
 * strong ETag (core.etag of the same document), kept by core.integration_representation_keep:
 * written only from a jsonb's text, so always canonical JSON.
 */
create table core.integration_representations (
    integration_id text primary key references core.integrations (id) on delete cascade,
    body           text not null,
    etag           text not null
);

/**
 * After an insert or update of an integration: its stored representation. An update that
 * changes nothing the API shows (review state, say) leaves the stored row untouched.
 */
create function core.integration_representation_keep() returns trigger
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

create trigger integration_representation_keep
after insert or update on core.integrations
for each row execute function core.integration_representation_keep();

insert into core.integration_representations (integration_id, body, etag)
select i.id, core.integration_json(i)::text, core.etag(core.integration_json(i))
from core.integrations as i;

/**
 * GET /api/integrations/{id}: status 200, the stored representation and its ETag, or no row
 * when the integration does not exist or the caller may not read it (the worker answers 404).
 * SQL and neither strict nor security definer, so that PostgreSQL inlines it into the
 * worker's prepared statement; it runs with the workers' own right to read core.
 */
create function core.integration_get(caller jsonb, id text)
returns table (status int, body text, etag text)
language sql stable
as $$
    select 200, r.body, r.etag
    from core.integrations as i
    join core.integration_representations as r on r.integration_id = i.id
    where i.id = integration_get.id
      and core.integration_readable(integration_get.caller, i)
$$;

-- The workers no longer call the api function of the same read.
drop function api.integration_get(jsonb, text);
