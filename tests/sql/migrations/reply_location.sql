-- sql/migrations/0004_reply_location.sql: api.reply's location, the Location of a 201.
BEGIN;
select plan(5);

\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_a": "owner"}}'

select is((select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)
           from pg_attribute
           where attrelid = 'api.reply'::regclass and attnum > 0 and not attisdropped),
          'status integer, body jsonb, etag text, location text',
          'api.reply is (status int, body jsonb, etag text, location text)');

create temp table created as
select * from api.integration_create(:'owner'::jsonb,
    '{"workspaceId": "ws_pgtap_a", "slug": "reply-location", "name": "Location",
      "variablesSchema": {"maximum": 1e21}}');

select is((select location from created), '/api/integrations/' || (select body ->> 'id' from created),
          'a create returns the path of the new integration');
select is((select body -> 'variablesSchema' ->> 'maximum' from created), '1000000000000000000000',
          'jsonb keeps an integer beyond 64 bits');
select ok((select location is null
           from api.integration_patch(:'owner'::jsonb, (select body ->> 'id' from created),
                                      '{"name": "Renamed"}', null)),
          'a reply that creates nothing has no location');
select is((select location from api.entity_create(:'owner'::jsonb,
    '{"workspaceId": "ws_pgtap_a", "kind": "workflow", "slug": "reply-location", "name": "E",
      "definition": {}}')) ~ '^/api/entities/ent_[0-9a-f]{28}$', true,
          'an entity create returns the path of the new entity');
select * from finish();
ROLLBACK;
