-- List filters (docs/performance.md, "Lists"). The public part of the integrations scope is
-- most of every caller's list (tens of thousands of rows), and a filtered count or page over
-- it read every one of them: these indexes of that part let the common filters find their
-- rows instead. The list engine queries the parts of the scope one by one, so each can use
-- the partial indexes of its own part.

-- name: startsWith (a LIKE prefix: the database collates as C), equality, ranges, and
-- orderBy name; lower(name) the same with mode insensitive.
create index integrations_public_live_name_idx
    on core.integrations (name) where visibility = 'public' and deleted_at is null;
create index integrations_public_live_lower_name_idx
    on core.integrations (lower(name)) where visibility = 'public' and deleted_at is null;
-- publisher: eq and in.
create index integrations_public_live_publisher_idx
    on core.integrations (publisher) where visibility = 'public' and deleted_at is null;
-- Relation filters (versions some/every/none): the count merges these ids with the
-- versions' (integration_versions_key_idx, sql/008), in the same order, without hashing.
create index integrations_public_live_id_idx
    on core.integrations (id) where visibility = 'public' and deleted_at is null;
