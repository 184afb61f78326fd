"""Webhook delivery (PRODUCT §15) end to end: the dev stack's delivery processes send the
deliveries of events written with core.event_emit to a local HTTPS receiver
(tests/webhooks/receiver.py), which checks every signature with an implementation of its own.

The endpoints are written directly in SQL (the endpoints API comes separately), and so are the
events (core.event_emit, as the API's writes will call it). The dev stack's settings
(.dev/env): INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1 (the receiver is on loopback), the retry
schedule INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE (short) and INTEGRATIONS_WEBHOOK_TIMEOUT.
The address policy with private addresses refused is tested where libcurl opens its sockets
(tests/unit/http/test_webhook_request.c): the stack cannot be restarted with it off here.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webhooks"))
from receiver import Receiver, new_secret, sign, verify  # noqa: E402

SCHEDULE = [int(s) for s in
            os.environ.get("INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE", "1,1,2").split(",") if s]
TIMEOUT = int(os.environ.get("INTEGRATIONS_WEBHOOK_TIMEOUT", "3"))
# The longest a delivery takes to end when every attempt fails fast: the schedule with its
# +20% jitter, a second of polling per attempt, and slack for a busy machine.
SETTLE = sum(SCHEDULE) * 1.2 + len(SCHEDULE) + 1 + 10


@pytest.fixture(scope="module")
def receiver():
    with Receiver() as r:
        yield r


class Hooks:
    """Endpoints and events written in SQL for one test."""

    def __init__(self, db, receiver, name):
        self.db = db
        self.receiver = receiver
        self.ws = f"ws_whd_{name}_{os.urandom(4).hex()}"
        self.path = f"/{name}/{os.urandom(4).hex()}"

    def endpoint(self, secret=None, previous=None, previous_expires="1 hour", path=None,
                 receiver_secrets=None):
        secret = secret or new_secret()
        path = path or self.path
        self.receiver.endpoint(path, receiver_secrets if receiver_secrets is not None
                               else [s for s in (secret, previous) if s])
        (eid,) = self.db.query(
            "insert into core.webhook_endpoints (workspace_id, url, secret, previous_secret, "
            "previous_secret_expires_at, created_by) values (:'ws', :'url', :'secret', "
            "nullif(:'prev', ''), case when :'prev' = '' then null "
            "else now() + (:'exp')::interval end, 'usr_whd') returning id;",
            ws=self.ws, url=self.receiver.url(path), secret=secret, prev=previous or "",
            exp=previous_expires)
        return eid, secret

    def emit(self, data=None, type_="integration.created"):
        (eid,) = self.db.query(
            "select (core.event_emit(:'ws', :'type', (:'data')::jsonb)).id;",
            ws=self.ws, type=type_, data=json.dumps(data or {"n": 1}))
        return eid

    def delivery(self, event_id):
        (row,) = self.db.query(
            "select json_build_object('state', state, 'attempts', attempts, 'status', "
            "last_status, 'error', last_error, 'lease', lease_owner, 'next', next_attempt_at, "
            "'delivered', delivered_at) from core.webhook_deliveries where event_id = :'e';",
            e=event_id)
        return json.loads(row)

    def wait_state(self, event_id, states, timeout=SETTLE):
        deadline = time.monotonic() + timeout
        d = self.delivery(event_id)
        while d["state"] not in states and time.monotonic() < deadline:
            time.sleep(0.1)
            d = self.delivery(event_id)
        return d

    def got(self, path=None):
        return self.receiver.received(path or self.path)


@pytest.fixture
def hooks(db, receiver, request):
    return Hooks(db, receiver, request.node.name.replace("test_", "")[:20])


def test_delivery_is_signed_and_verifies(hooks, receiver, db):
    _, secret = hooks.endpoint()
    data = {"integration": {"id": "int_x", "name": "Zoë, \"quoted\": yes"}, "list": [1, 2.5, None]}
    ev = hooks.emit(data)
    d = hooks.wait_state(ev, {"delivered", "failed"})
    assert d["state"] == "delivered" and d["attempts"] == 1 and d["status"] == 200, d
    assert d["lease"] is None and d["next"] is None and d["delivered"], d
    (rec,) = hooks.got()
    assert rec["verified"] and rec["fresh"], rec
    assert rec["id"] == ev
    assert rec["content_type"] == "application/json"
    assert rec["user_agent"].startswith("integrations-webhooks/")
    body = json.loads(rec["body"])
    (seq, occurred) = db.query(
        "select sequence || '|' || core.iso_time(occurred_at) from core.events where id = :'e';",
        e=ev)[0].split("|")
    assert body == {"id": ev, "type": "integration.created", "workspaceId": hooks.ws,
                    "sequence": int(seq), "occurredAt": occurred, "data": data}
    # compact: no insignificant white space (re-serialized in the body's own key order)
    assert rec["body"] == json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    # the independent check fails with any other secret, or with the body changed
    assert not verify([new_secret()], rec["id"], rec["timestamp"], rec["body"].encode(),
                      rec["signature"])
    assert not verify([secret], rec["id"], rec["timestamp"], rec["body"].encode() + b" ",
                      rec["signature"])
    assert rec["signature"] == sign(secret, rec["id"], rec["timestamp"], rec["body"].encode())


def test_receiver_rejects_a_signature_of_another_secret(hooks):
    # The receiver knows another secret than the endpoint's: its check must fail.
    hooks.endpoint(receiver_secrets=[new_secret()])
    ev = hooks.emit()
    hooks.wait_state(ev, {"delivered", "failed"})
    (rec,) = hooks.got()
    assert rec["id"] == ev and not rec["verified"], rec


def test_rotation_signs_with_both_secrets(hooks):
    old, new = new_secret(), new_secret()
    hooks.endpoint(secret=new, previous=old)
    ev = hooks.emit()
    assert hooks.wait_state(ev, {"delivered", "failed"})["state"] == "delivered"
    (rec,) = hooks.got()
    sigs = rec["signature"].split(" ")
    assert len(sigs) == 2 and all(s.startswith("v1,") for s in sigs), rec["signature"]
    body = rec["body"].encode()
    assert verify([new], ev, rec["timestamp"], body, sigs[0])
    assert verify([old], ev, rec["timestamp"], body, sigs[1])
    assert not verify([old], ev, rec["timestamp"], body, sigs[0])
    assert rec["verified"]


def test_expired_previous_secret_no_longer_signs(hooks):
    old, new = new_secret(), new_secret()
    hooks.endpoint(secret=new, previous=old, previous_expires="-1 second")
    ev = hooks.emit()
    assert hooks.wait_state(ev, {"delivered", "failed"})["state"] == "delivered"
    (rec,) = hooks.got()
    assert " " not in rec["signature"]
    assert verify([new], ev, rec["timestamp"], rec["body"].encode(), rec["signature"])
    assert not verify([old], ev, rec["timestamp"], rec["body"].encode(), rec["signature"])


def test_retried_until_success_with_the_same_id_and_body(hooks, receiver):
    hooks.endpoint()
    receiver.behave(hooks.path, status=500, count=2)
    ev = hooks.emit({"retry": True})
    d = hooks.wait_state(ev, {"delivered", "failed"})
    assert d["state"] == "delivered" and d["attempts"] == 3 and d["status"] == 200, d
    recs = hooks.got()
    assert [r["status"] for r in recs] == [500, 500, 200]
    assert {r["id"] for r in recs} == {ev}
    assert len({r["body"] for r in recs}) == 1
    assert all(r["verified"] for r in recs)
    # the backoff: each retry no sooner than 80% of its delay in the schedule
    gaps = [b["arrived"] - a["arrived"] for a, b in zip(recs, recs[1:])]
    assert all(g >= 0.8 * s - 0.05 for g, s in zip(gaps, SCHEDULE)), gaps


def test_410_disables_the_endpoint(hooks, receiver, db):
    eid, _ = hooks.endpoint()
    receiver.behave(hooks.path, status=410)
    ev = hooks.emit()
    d = hooks.wait_state(ev, {"delivered", "failed"})
    assert d["state"] == "failed" and d["attempts"] == 1 and d["status"] == 410, d
    (row,) = db.query("select enabled || '|' || coalesce(disabled_reason, '') "
                      "from core.webhook_endpoints where id = :'id';", id=eid)
    enabled, reason = row.split("|")
    assert enabled == "false" and "410" in reason
    # nothing more is sent to it
    later = hooks.emit()
    time.sleep(1.5)
    assert [r["id"] for r in hooks.got()] == [ev]
    assert db.query("select count(*) from core.webhook_deliveries where event_id = :'e';",
                    e=later) == ["0"]


def test_redirect_is_not_followed(hooks, receiver):
    hooks.endpoint()
    elsewhere = hooks.path + "/elsewhere"
    receiver.endpoint(elsewhere, [])
    receiver.behave(hooks.path, status=302, location=receiver.url(elsewhere))
    ev = hooks.emit()
    d = hooks.wait_state(ev, {"delivered", "failed"})
    assert d["state"] == "failed" and d["status"] == 302, d
    assert d["error"] == "redirect not followed", d
    assert d["attempts"] == len(SCHEDULE) + 1
    assert receiver.received(elsewhere) == []


def test_timeout_is_a_failure_then_retried(hooks, receiver):
    hooks.endpoint()
    receiver.behave(hooks.path, delay=TIMEOUT + 1.5, count=1)
    ev = hooks.emit()
    t0 = time.monotonic()
    # the first attempt ends by the timeout: recorded as a failure to be retried
    deadline = t0 + TIMEOUT + 10
    d = hooks.delivery(ev)
    while d["attempts"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        d = hooks.delivery(ev)
    assert d["attempts"] >= 1
    if d["attempts"] == 1 and d["state"] == "pending":
        assert d["status"] is None and d["error"] == f"timeout after {TIMEOUT} s", d
    took = time.monotonic() - t0
    assert took >= TIMEOUT - 0.5, took
    d = hooks.wait_state(ev, {"delivered", "failed"})
    assert d["state"] == "delivered" and d["attempts"] == 2, d
    recs = hooks.got()
    assert len(recs) == 2 and {r["id"] for r in recs} == {ev}


def test_failed_once_the_schedule_is_exhausted(hooks, receiver):
    hooks.endpoint()
    receiver.behave(hooks.path, status=503)
    ev = hooks.emit()
    d = hooks.wait_state(ev, {"delivered", "failed"})
    assert d["state"] == "failed" and d["status"] == 503, d
    assert d["attempts"] == len(SCHEDULE) + 1 and d["next"] is None, d
    time.sleep(1.5)
    assert len(hooks.got()) == len(SCHEDULE) + 1
    assert all(r["verified"] and r["id"] == ev for r in hooks.got())


def test_event_types_and_other_workspaces(hooks, receiver, db):
    # only the endpoint's types, only its workspace
    hooks.endpoint()
    db.query("update core.webhook_endpoints set event_types = array['install.created'] "
             "where workspace_id = :'ws';", ws=hooks.ws)
    skipped = hooks.emit(type_="integration.created")
    wanted = hooks.emit(type_="install.created")
    assert hooks.wait_state(wanted, {"delivered", "failed"})["state"] == "delivered"
    assert [r["id"] for r in hooks.got()] == [wanted]
    assert db.query("select count(*) from core.webhook_deliveries where event_id = :'e';",
                    e=skipped) == ["0"]


def test_many_events_all_delivered_in_workspace_order(hooks):
    hooks.endpoint()
    events = [hooks.emit({"i": i}) for i in range(40)]
    for ev in events:
        assert hooks.wait_state(ev, {"delivered", "failed"})["state"] == "delivered"
    recs = hooks.got()
    assert sorted(r["id"] for r in recs) == sorted(events)
    assert all(r["verified"] for r in recs)
    seqs = [json.loads(r["body"])["sequence"] for r in recs]
    assert sorted(seqs) == list(range(1, 41))


def test_secret_is_base64_decoded(hooks):
    # whsec_ + base64: the key is the 32 decoded bytes, not the text
    secret = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    hooks.endpoint(secret=secret)
    ev = hooks.emit()
    hooks.wait_state(ev, {"delivered", "failed"})
    (rec,) = hooks.got()
    mac = hmac.new(bytes(range(32)), f"{ev}.{rec['timestamp']}.{rec['body']}".encode(),
                   hashlib.sha256).digest()
    assert rec["signature"] == "v1," + base64.b64encode(mac).decode()
