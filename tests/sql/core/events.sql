-- sql/schema/core/events.sql, core/event_triggers.sql, maintenance/events.sql:
-- every event type from the API functions that cause it, in the right workspace with its data;
-- written at commit only (the deferred triggers: "set constraints all immediate" stands for
-- the commit here), gapless, nothing and no sequence used by a rolled-back change, no
-- integration.updated for bookkeeping; the fan-out to webhook endpoints; event_json; retention.
BEGIN;
select plan(46);

\set author '{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}'
\set reviewer '{"sub": "usr_pgtap_rev", "workspaces": {}, "roles": ["platform_reviewer"]}'
\set owner '{"sub": "usr_pgtap_owner", "workspaces": {"ws_pgtap_dst": "owner"}}'

\ir ../include/install_fixtures.sql

-- Fires the deferred event triggers queued so far, as a commit would, and goes back to deferring.
create function pg_temp.flush() returns void
language plpgsql
as $$
begin
    set constraints core.integrations_events, core.integration_versions_events,
                    core.install_operations_events, core.rollouts_events immediate;
    set constraints core.integrations_events, core.integration_versions_events,
                    core.install_operations_events, core.rollouts_events deferred;
end
$$;

-- Runs statement; true when it raised (a subtransaction: what it did is undone).
create function pg_temp.fails(statement text) returns boolean
language plpgsql
as $$
begin
    execute statement;
    return false;
exception when others then
    return true;
end
$$;

-- The types of a workspace's events after sequence "after", in sequence order.
create function pg_temp.types(ws text, after bigint) returns text[]
language sql
as $$
    select coalesce(array_agg(e.type order by e.sequence), '{}')
    from core.events as e where e.workspace_id = ws and e.sequence > after
$$;

-- The last sequence of a workspace (0: none).
create function pg_temp.last(ws text) returns bigint
language sql
as $$
    select coalesce(max(e.sequence), 0) from core.events as e where e.workspace_id = ws
$$;

-- The data of the last event of a workspace.
create function pg_temp.last_data(ws text) returns jsonb
language sql
as $$
    select e.data from core.events as e where e.workspace_id = ws order by e.sequence desc limit 1
$$;

-- Integrations: written at commit, not before.
select (api.integration_create(:'author', '{"workspaceId": "ws_pgtap_src", "slug": "ev-a", "name": "A"}')).body ->> 'id' as int \gset
select is((select count(*) from core.events where workspace_id = 'ws_pgtap_src'), 0::bigint,
          'no event before commit: the triggers are deferred');
select ok(not exists (select from core.event_sequences where workspace_id = 'ws_pgtap_src'),
          'no sequence taken (nor its row locked) before commit');
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', 0), array['integration.created'], 'create: integration.created');
select is(pg_temp.last_data('ws_pgtap_src'),
          jsonb_build_object('integrationId', :'int', 'slug', 'ev-a', 'name', 'A',
                             'visibility', 'private', 'currentVersion', null),
          'integration.created: its data');
select is((select sequence from core.events where workspace_id = 'ws_pgtap_src'), 1::bigint,
          'a workspace''s first event has sequence 1');

select from api.integration_patch(:'author', :'int', '{"name": "A", "description": null}', null);
select pg_temp.flush();
select is(pg_temp.last('ws_pgtap_src'), 1::bigint, 'a patch that changes nothing visible: no event');
select from api.integration_patch(:'author', :'int', '{"name": "A2", "iconUrl": "https://x.test/i.png"}', null);
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', 1), array['integration.updated'], 'patch: integration.updated');
select is(pg_temp.last_data('ws_pgtap_src') -> 'changes', '["name", "iconUrl"]',
          'integration.updated: data.changes names the fields that changed');

-- Visibility: a review request changes only the review state (bookkeeping); the approval
-- makes it public.
select from api.integration_set_visibility(:'author', :'int', '{"visibility": "public"}');
select pg_temp.flush();
select is(pg_temp.last('ws_pgtap_src'), 2::bigint, 'a review request (review state only): no event');
select from api.integration_review(:'reviewer', :'int', '{"decision": "approve"}');
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', 2), array['integration.updated'], 'an approved review: integration.updated');
select is(pg_temp.last_data('ws_pgtap_src') -> 'changes', '["visibility"]', '… changes: visibility');

-- Publish: integration.published only (the integration's currentVersion comes with it).
select (api.integration_publish(:'author', :'int', '{"version": "1.0.0"}')).body ->> 'id' as v1 \gset
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', 3), array['integration.published'],
          'publish: integration.published, no integration.updated for its currentVersion');
select is(pg_temp.last_data('ws_pgtap_src') - 'publishedAt',
          jsonb_build_object('integrationId', :'int', 'slug', 'ev-a', 'name', 'A2',
                             'visibility', 'public', 'currentVersion', '1.0.0', 'versionId', :'v1',
                             'version', '1.0.0', 'changelog', null, 'publishedBy', 'usr_pgtap_author'),
          'integration.published: its data');

-- Delete, restore, delete, purge.
select from api.integration_delete(:'author', :'int');
select pg_temp.flush();
select from api.integration_restore(:'author', :'int');
select pg_temp.flush();
select from api.integration_delete(:'author', :'int');
select from api.integration_purge(:'author', :'int');
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', 4),
          array['integration.deleted', 'integration.restored', 'integration.deleted', 'integration.purged'],
          'delete, restore, delete, purge: deleted, restored, deleted, purged');
select is(pg_temp.last_data('ws_pgtap_src') ->> 'integrationId', :'int', 'integration.purged: the integration''s id');

-- A rolled-back change leaves no event and gives its sequence back.
select pg_temp.last('ws_pgtap_src') as before_rb \gset
savepoint rb;
select from api.integration_create(:'author', '{"workspaceId": "ws_pgtap_src", "slug": "ev-rb", "name": "RB"}');
select pg_temp.flush();
select is(pg_temp.last('ws_pgtap_src'), :'before_rb'::bigint + 1, 'inside the transaction: its event');
rollback to savepoint rb;
select is(pg_temp.last('ws_pgtap_src'), :'before_rb'::bigint, 'rolled back: no event');
select from api.integration_create(:'author', '{"workspaceId": "ws_pgtap_src", "slug": "ev-b", "name": "B"}');
select pg_temp.flush();
select is(pg_temp.last('ws_pgtap_src'), :'before_rb'::bigint + 1, 'the next event takes the number given back: no gap');

-- A failed API call (an error inside its function) writes nothing.
select pg_temp.last('ws_pgtap_src') as before_err \gset
select ok(pg_temp.fails($$select api.integration_create('{"sub": "usr_pgtap_author", "workspaces": {"ws_pgtap_src": "owner"}}',
                                                       '{"workspaceId": "ws_pgtap_src", "slug": "ev-b", "name": "dup"}')$$),
          'a create of a taken slug is refused');
select pg_temp.flush();
select is(pg_temp.last('ws_pgtap_src'), :'before_err'::bigint, 'a refused create: no event');

-- Installs and members: in the install's workspace.
select pg_temp.entity('ev-e', '{"a": 1}') as ent \gset
select pg_temp.integration('ev-i') as int2 \gset
select pg_temp.publish(:'int2', '1.0.0', jsonb_build_array(pg_temp.m('ev-e', :'ent'))) as w1 \gset
select pg_temp.edit(:'ent', '{"a": 2}');
select pg_temp.publish(:'int2', '2.0.0', jsonb_build_array(pg_temp.m('ev-e', :'ent'))) as w2 \gset
select pg_temp.flush();
select (api.integration_install(:'owner', :'int2', jsonb_build_object('workspaceId', 'ws_pgtap_dst', 'integrationVersionId', :'w1'))).body ->> 'id' as inst \gset
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_dst', 0), array['install.created'], 'install: install.created in the install''s workspace');
select ok(pg_temp.types('ws_pgtap_src', pg_temp.last('ws_pgtap_src')) = '{}'
          and not exists (select from core.events where workspace_id = 'ws_pgtap_src' and type like 'install.%'),
          '… and nothing in the publisher''s');
select is(pg_temp.last_data('ws_pgtap_dst') - 'operationId' - 'result',
          jsonb_build_object('installId', :'inst', 'integrationId', :'int2', 'fromVersionId', null,
                             'toVersionId', :'w1', 'actor', 'usr_pgtap_owner', 'rolloutId', null,
                             'parentInstallId', null),
          'install.created: its data');
select ok(pg_temp.last_data('ws_pgtap_dst') ->> 'operationId' = (select id from core.install_operations where install_id = :'inst' and seq = 1)
          and pg_temp.last_data('ws_pgtap_dst') -> 'result' -> 'added' = '["ev-e"]',
          'install.created: the operation''s id and result');

select pg_temp.members(:'inst') -> 'ev-e' ->> 'id' as mem \gset
select from api.install_member_detach(:'owner', :'mem', '{"detached": true}');
select pg_temp.flush();
select is(pg_temp.last_data('ws_pgtap_dst') - 'operationId',
          jsonb_build_object('installId', :'inst', 'integrationId', :'int2', 'fromVersionId', :'w1',
                             'toVersionId', :'w1', 'actor', 'usr_pgtap_owner', 'rolloutId', null,
                             'memberId', :'mem', 'memberSlug', 'ev-e'),
          'detach: member.detached with the member');
select from api.install_member_detach(:'owner', :'mem', '{"detached": false}');
select (api.install_upgrade(:'owner', :'inst', jsonb_build_object('integrationVersionId', :'w2'))).body ->> 'operationId' as up \gset
select pg_temp.flush();
select is(pg_temp.last_data('ws_pgtap_dst') - 'result',
          jsonb_build_object('installId', :'inst', 'operationId', :'up', 'integrationId', :'int2',
                             'fromVersionId', :'w1', 'toVersionId', :'w2', 'actor', 'usr_pgtap_owner',
                             'rolloutId', null),
          'upgrade: install.upgraded from and to');
select (api.install_rollback(:'owner', :'inst', jsonb_build_object('operationId',
            (select id from core.install_operations where install_id = :'inst' and seq = 1)))).body ->> 'operationId' as rbop \gset
select pg_temp.flush();
select is(pg_temp.last_data('ws_pgtap_dst') ->> 'toVersionId', :'w1', 'rollback: install.rolled_back to the version of the operation');
select from api.install_delete(:'owner', :'inst');
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_dst', 0),
          array['install.created', 'member.detached', 'member.attached', 'install.upgraded',
                'install.rolled_back', 'install.uninstalled'],
          'install, detach, attach, upgrade, rollback, uninstall: one event each, in order');
select is((select array_agg(sequence order by sequence) from core.events where workspace_id = 'ws_pgtap_dst'),
          array[1, 2, 3, 4, 5, 6]::bigint[], 'the install''s workspace: sequences 1..6');

-- Rollouts: in the publisher's workspace. Two installs on v1, two waves.
select pg_temp.last('ws_pgtap_src') as before_ro \gset
select from api.integration_install('{"sub": "u", "workspaces": {"ws_pgtap_all": "owner"}}', :'int2',
                                    jsonb_build_object('workspaceId', 'ws_pgtap_all', 'integrationVersionId', :'w1'));
select from api.integration_install('{"sub": "u", "workspaces": {"ws_pgtap_def": "owner"}}', :'int2',
                                    jsonb_build_object('workspaceId', 'ws_pgtap_def', 'integrationVersionId', :'w1'));
select (api.rollout_create(:'author', :'int2', jsonb_build_object('targetVersionId', :'w2',
            'waves', '[{"percent": 50}, {"percent": 100}]'::jsonb))).body ->> 'id' as rol \gset
select pg_temp.flush();
-- (wave 0 may hold no install: the hash decides; then it is completed at once)
select is((pg_temp.types('ws_pgtap_src', :'before_ro'))[1:1], array['rollout.started'], 'rollout created running: rollout.started');
do $$
declare
    job text;
begin
    loop
        job := core.rollout_job_claim('pgtap', interval '30 seconds');
        exit when job is null;
        perform core.rollout_job_run(job, 'pgtap');
    end loop;
end
$$;
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', :'before_ro'),
          array['rollout.started', 'rollout.wave_completed', 'rollout.wave_completed', 'rollout.completed'],
          'a rollout run to the end: started, wave 0 and 1 completed, completed');
select is((select array_agg((data ->> 'wave')::int order by sequence) from core.events
           where workspace_id = 'ws_pgtap_src' and sequence > :'before_ro' and type = 'rollout.wave_completed'),
          array[0, 1], 'rollout.wave_completed: data.wave is the completed wave');
select is(pg_temp.last_data('ws_pgtap_src') - 'counts',
          jsonb_build_object('rolloutId', :'rol', 'integrationId', :'int2', 'targetVersionId', :'w2',
                             'state', 'completed', 'wave', 1, 'waveCount', 2),
          'rollout.completed: its data');
select is(pg_temp.last_data('ws_pgtap_src') -> 'counts' ->> 'upgraded', '2', '… with the jobs'' counts');
select is((select count(*) from core.events where workspace_id in ('ws_pgtap_all', 'ws_pgtap_def')
           and type = 'install.upgraded' and data ->> 'rolloutId' = :'rol'),
          2::bigint, 'each upgrade by the rollout: install.upgraded in the install''s workspace, data.rolloutId');

-- A scheduled rollout cancelled: cancelled, never started; a halted one.
select pg_temp.edit(:'ent', '{"a": 3}');
select pg_temp.publish(:'int2', '3.0.0', jsonb_build_array(pg_temp.m('ev-e', :'ent'))) as w3 \gset
select pg_temp.flush();
select pg_temp.last('ws_pgtap_src') as before_c \gset
select (api.rollout_create(:'author', :'int2', jsonb_build_object('targetVersionId', :'w3',
            'startAt', '2099-01-01T00:00:00Z'))).body ->> 'id' as rol2 \gset
select from api.rollout_action(:'author', :'rol2', 'cancel');
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', :'before_c'), array['rollout.cancelled'], 'a scheduled rollout cancelled: rollout.cancelled only');
select pg_temp.last('ws_pgtap_src') as before_p \gset
select (api.rollout_create(:'author', :'int2', jsonb_build_object('targetVersionId', :'w3',
            'startAt', '2099-01-01T00:00:00Z'))).body ->> 'id' as rol4 \gset
select from api.rollout_action(:'author', :'rol4', 'pause');
update core.rollouts set start_at = clock_timestamp() - interval '1 second' where id = :'rol4';
select from api.rollout_action(:'author', :'rol4', 'resume');
select from api.rollout_action(:'author', :'rol4', 'pause');
select from api.rollout_action(:'author', :'rol4', 'resume');
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', :'before_p'), array['rollout.started'],
          'paused before it started, resumed: rollout.started; paused and resumed again: nothing');
select from api.rollout_action(:'author', :'rol4', 'cancel');
select pg_temp.flush();
select (api.rollout_create(:'author', :'int2', jsonb_build_object('targetVersionId', :'w3'))).body ->> 'id' as rol3 \gset
update core.rollouts set state = 'halted' where id = :'rol3';
select pg_temp.flush();
select is(pg_temp.types('ws_pgtap_src', pg_temp.last('ws_pgtap_src') - 2), array['rollout.started', 'rollout.halted'],
          'a rollout whose state becomes halted: rollout.halted');

-- Gapless everywhere this test wrote.
select is((select count(*) from (select workspace_id from core.events where workspace_id like 'ws_pgtap_%'
                                 group by workspace_id having max(sequence) <> count(*) or min(sequence) <> 1) as g),
          0::bigint, 'every workspace''s sequences are 1..n');
select ok((select bool_and(s.last_sequence = (select max(e.sequence) from core.events as e where e.workspace_id = s.workspace_id))
           from core.event_sequences as s where s.workspace_id like 'ws_pgtap_%'),
          'core.event_sequences holds each workspace''s last sequence');

-- Fan-out: a delivery per enabled endpoint taking the type.
insert into core.webhook_endpoints (workspace_id, url, event_types, secret, created_by)
values ('ws_pgtap_fan', 'https://a.test/h', null, 'whsec_a', 'u'),
       ('ws_pgtap_fan', 'https://b.test/h', '{integration.created}', 'whsec_b', 'u'),
       ('ws_pgtap_fan', 'https://c.test/h', '{install.created}', 'whsec_c', 'u');
insert into core.webhook_endpoints (workspace_id, url, secret, created_by, enabled)
values ('ws_pgtap_fan', 'https://d.test/h', 'whsec_d', 'u', false);
select from api.integration_create('{"sub": "u", "workspaces": {"ws_pgtap_fan": "owner"}}',
                                   '{"workspaceId": "ws_pgtap_fan", "slug": "ev-fan", "name": "F"}');
select pg_temp.flush();
select is((select array_agg(w.url order by w.url) from core.webhook_deliveries as d
           join core.webhook_endpoints as w on w.id = d.endpoint_id
           join core.events as e on e.id = d.event_id where e.workspace_id = 'ws_pgtap_fan'),
          array['https://a.test/h', 'https://b.test/h'], 'fan-out: the enabled endpoints taking the type');

-- The representation.
select is((select core.event_json(e) - 'occurredAt' - 'data' from core.events as e
           where e.workspace_id = 'ws_pgtap_fan'),
          (select jsonb_build_object('id', e.id, 'type', 'integration.created', 'workspaceId', 'ws_pgtap_fan', 'sequence', 1)
           from core.events as e where e.workspace_id = 'ws_pgtap_fan'),
          'core.event_json: id, type, workspaceId, sequence (and occurredAt, data)');

-- Retention: older than 30 days goes, with its deliveries.
update core.events set occurred_at = clock_timestamp() - interval '31 days' where workspace_id = 'ws_pgtap_fan';
update core.events set occurred_at = clock_timestamp() - interval '29 days' where workspace_id = 'ws_pgtap_dst';
select ok(maintenance.events_cleanup() >= 1, 'events_cleanup removes what is past 30 days');
select is((select count(*) from core.events where workspace_id = 'ws_pgtap_fan'), 0::bigint, '… the old events');
select is((select count(*) from core.webhook_deliveries as d join core.webhook_endpoints as w on w.id = d.endpoint_id
           where w.workspace_id = 'ws_pgtap_fan'), 0::bigint, '… and their deliveries');
select is((select count(*) from core.events where workspace_id = 'ws_pgtap_dst'), 6::bigint, '… and keeps the newer ones');

select * from finish();
ROLLBACK;
