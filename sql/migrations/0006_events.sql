-- Events and webhooks (PRODUCT §15): the transactional outbox and the webhook endpoints and
-- deliveries fed from it. Tables, columns and indexes only: the functions, triggers and grants
-- are in sql/schema/core/events.sql (writing events), sql/schema/api/events.sql (reading
-- them), sql/schema/api/webhooks.sql (the endpoints API) and sql/schema/core/webhook_deliveries.sql
-- (what the delivery processes call).

-- HMAC-SHA256 of the signatures and the random bytes of the secrets. A trusted extension: the
-- schema owner may create it. In core, so that its functions are named core.hmac(...) and
-- never found through a caller's search_path.
create extension if not exists pgcrypto with schema core;

-- The last sequence given to a workspace's events. Taking the next one locks the workspace's
-- row until commit, so a workspace's sequences are gapless (a rolled-back transaction gives
-- its number back) and in commit order (the next writer waits for the lock).
create table core.event_sequences (
    workspace_id  text   primary key,
    last_sequence bigint not null check (last_sequence > 0)
);

-- The outbox: one row per state change, written in the transaction of the change. sequence:
-- per workspace, from core.event_sequences; null only for webhook.test events, which are
-- delivered to the one endpoint they test and are not part of the workspace's stream.
create table core.events (
    id           text        primary key default core.new_id('evt_')
                             check (id ~ '^evt_[0-9a-f]{28}$'),
    workspace_id text        not null,
    sequence     bigint      check (sequence > 0),
    type         text        not null
                             check (type in ('integration.created', 'integration.updated',
                                             'integration.deleted', 'integration.restored',
                                             'integration.purged', 'integration.published',
                                             'install.created', 'install.upgraded',
                                             'install.rolled_back', 'install.uninstalled',
                                             'member.detached', 'member.attached',
                                             'rollout.started', 'rollout.wave_completed',
                                             'rollout.halted', 'rollout.completed',
                                             'rollout.cancelled', 'webhook.test')),
    occurred_at  timestamptz not null default clock_timestamp(),
    data         jsonb       not null check (jsonb_typeof(data) = 'object'),
    check ((sequence is null) = (type = 'webhook.test'))
);

-- GET /api/events: a workspace's stream, oldest first, after a sequence.
create unique index events_workspace_sequence_idx on core.events (workspace_id, sequence);
-- Retention (30 days).
create index events_occurred_at_idx on core.events (occurred_at);

-- A workspace's webhook endpoints. event_types: the types delivered (null: every type).
-- secret: whsec_ + base64 of 32 random bytes, signing every delivery; previous_secret still
-- signs beside it until previous_secret_expires_at (a rotation). disabled_reason: why the
-- service disabled it (a 410 from the receiver); null when enabled or disabled by a caller.
create table core.webhook_endpoints (
    id                         text        primary key default core.new_id('whe_')
                                           check (id ~ '^whe_[0-9a-f]{28}$'),
    workspace_id               text        not null,
    url                        text        not null check (url ~ '^https://' and length(url) <= 2048),
    event_types                text[],
    description                text        check (length(description) <= 1000),
    enabled                    boolean     not null default true,
    disabled_reason            text,
    secret                     text        not null check (secret ~ '^whsec_'),
    previous_secret            text        check (previous_secret ~ '^whsec_'),
    previous_secret_expires_at timestamptz,
    created_by                 text        not null,
    created_at                 timestamptz not null default clock_timestamp(),
    updated_at                 timestamptz not null default clock_timestamp(),
    check ((previous_secret is null) = (previous_secret_expires_at is null))
);

-- GET /api/webhook-endpoints?workspace_id=: newest first; the fan-out: a workspace's
-- enabled endpoints.
create index webhook_endpoints_workspace_created_at_idx
    on core.webhook_endpoints (workspace_id, created_at desc, id desc);

-- One delivery of one event to one endpoint, written with the event (at least once: nothing
-- is sent that was not first recorded). state pending → delivered | failed. A delivery
-- process claims a pending one by moving next_attempt_at past its lease (lease_owner): one
-- killed mid-attempt leaves it due again once the lease has passed, and it is sent again
-- with the same webhook-id. last_status: the receiver's HTTP status of the last attempt
-- (null: no answer, last_error says why).
create table core.webhook_deliveries (
    id              text        primary key default core.new_id('whd_')
                                check (id ~ '^whd_[0-9a-f]{28}$'),
    endpoint_id     text        not null references core.webhook_endpoints on delete cascade,
    event_id        text        not null references core.events on delete cascade,
    state           text        not null default 'pending'
                                check (state in ('pending', 'delivered', 'failed')),
    attempts        int         not null default 0 check (attempts >= 0),
    last_status     int,
    last_error      text,
    lease_owner     text,
    next_attempt_at timestamptz,
    delivered_at    timestamptz,
    created_at      timestamptz not null default clock_timestamp(),
    updated_at      timestamptz not null default clock_timestamp(),
    check ((state = 'pending') = (next_attempt_at is not null))
);

-- GET /api/webhook-endpoints/{id}/deliveries: newest first.
create index webhook_deliveries_endpoint_created_at_idx
    on core.webhook_deliveries (endpoint_id, created_at desc, id desc);
-- The delivery processes' claim: the due pending deliveries.
create index webhook_deliveries_due_idx
    on core.webhook_deliveries (next_attempt_at) where state = 'pending';
-- Cascades from core.events (retention).
create index webhook_deliveries_event_idx on core.webhook_deliveries (event_id);
