"""Deliveries, from the outbox to a real HTTP receiver on loopback, on SQLite and on
PostgreSQL: the worker's pass (``Sender.run_once``, what its thread runs) called
directly. Signed after the Standard Webhooks specification (checked with its own
library and by hand), retried on the schedule, failed after it, sent again, never
redirected, refused at delivery when the address is no longer allowed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta

import pytest
import standardwebhooks
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from syn0.api.app import create_app
from syn0.events.orm import Event
from syn0.kit.db import session_scope
from syn0.kit.orm import utcnow
from syn0.webhooks import delivery as sender_module
from syn0.webhooks import retention
from syn0.webhooks.delivery import Sender
from syn0.webhooks.orm import Attempt
from tests.api.factories import assert_problem, create_key, mlp, points, train_model, training
from tests.receiver import Receiver


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, sessions):
    return sessions if request.param == "sqlite" else request.getfixturevalue("postgres_factory")


@pytest.fixture
def world(settings, store):
    """``api(tenant)``: a client of the tenant on one app over ``store``; ``passes(n,
    **settings)``: n passes of a worker's sender with those settings changed."""
    settings = settings.model_copy(
        update={"webhooks_allow_private": True, "webhooks_retry_schedule": [0.0, 0.0, 0.0]}
    )
    app = create_app(settings, session_factory=store)
    clients: list[TestClient] = []

    def api(tenant: str = "acme") -> TestClient:
        key = create_key(store, tenant, ("train", "predict"))
        clients.append(TestClient(app, headers=key.headers).__enter__())
        return clients[-1]

    def passes(count: int = 1, **changes) -> int:
        sender = Sender(store, settings.model_copy(update=changes))
        try:
            return sum(sender.run_once() for _ in range(count))
        finally:
            sender.close()

    yield api, passes
    for each in clients:
        each.__exit__(None, None, None)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def hook(api, url: str, *events: str) -> dict:
    made = api.post("/v1/webhooks", json={"url": url, "events": list(events)})
    assert made.status_code == 201, made.text
    return made.json()


def a_job(store, api):
    X, y = points(30)
    return train_model(store, api, X, y, mlp(), training(epochs=2))


def deliveries(api, webhook: dict, **params) -> list[dict]:
    reply = api.get(f"/v1/webhooks/{webhook['id']}/deliveries", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]


def counted(outcome: str) -> float:
    """This process's ``syn0_webhook_deliveries_total`` of ``outcome``."""
    return REGISTRY.get_sample_value("syn0_webhook_deliveries_total", {"outcome": outcome}) or 0.0


def tries(delivery: dict) -> list:
    return [a["status_code"] if a["status_code"] else a["error"] for a in delivery["attempts"]]


def test_a_job_that_succeeds_is_delivered_once_signed(world, store, receiver):
    api, passes = world
    # given: a webhook for job.succeeded, one for job.failed, and another tenant's
    wanted = hook(api(), receiver.url, "job.succeeded", "job.cancelled")
    hook(api(), receiver.url, "job.failed")
    hook(api("globex"), receiver.url, "job.succeeded")
    # when: a job succeeds (job.running, then job.succeeded) and a worker passes
    job = a_job(store, api())
    assert passes() == 1
    # then: one POST, signed with the webhook's secret
    (got,) = receiver.wait(1)
    assert got.path == "/hooks/syn0"
    payload = standardwebhooks.Webhook(wanted["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "job.succeeded"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"]["id"] == job.job_id
    assert payload["data"]["status"] == "succeeded"
    assert payload["data"]["model_id"] == job.model_id
    # the signature by hand: v1,base64(HMAC-SHA256(key, "id.timestamp.body"))
    msg_id, stamp = got.headers["webhook-id"], got.headers["webhook-timestamp"]
    key = base64.b64decode(wanted["secret"].removeprefix("whsec_"))
    signed = f"{msg_id}.{stamp}.".encode() + got.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert got.headers["webhook-signature"] == f"v1,{expected}"
    assert got.headers["content-type"] == "application/json"
    # and the deliveries endpoint shows it, with its one try
    (delivery,) = deliveries(api(), wanted)
    assert delivery["id"] == msg_id and msg_id.startswith("msg_")
    assert (delivery["event_type"], delivery["status"]) == ("job.succeeded", "succeeded")
    assert (delivery["last_status_code"], delivery["next_attempt_at"]) == (200, None)
    assert [(a["number"], a["status_code"], a["error"]) for a in delivery["attempts"]] == [
        (1, 200, None)
    ]
    # a second pass sends nothing more
    assert passes() == 0 and len(receiver.received) == 1


def test_a_failed_try_is_retried_with_the_same_webhook_id(world, store, receiver):
    api, passes = world
    receiver.replies.extend([500, 503])
    webhook = hook(api(), receiver.url, "job.succeeded")
    a_job(store, api())
    # when: three passes (the schedule is 0 s)
    assert passes(3) == 3
    # then
    sent = receiver.wait(3)
    assert len({p.headers["webhook-id"] for p in sent}) == 1
    assert len({p.body for p in sent}) == 1  # the same bytes at every try
    for each in sent:
        standardwebhooks.Webhook(webhook["secret"]).verify(each.body, each.headers)
    (delivery,) = deliveries(api(), webhook)
    assert delivery["status"] == "succeeded" and tries(delivery) == [500, 503, 200]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2, 3]


def test_the_retry_schedule_is_kept(world, store, receiver):
    api, passes = world
    receiver.replies.extend([500])
    webhook = hook(api(), receiver.url, "job.succeeded")
    a_job(store, api())
    # when: a try fails and the next one is an hour away
    passes(webhooks_retry_schedule=[3600.0])
    # then: it waits
    (delivery,) = deliveries(api(), webhook)
    assert delivery["status"] == "pending" and tries(delivery) == [500]
    sent_at = datetime.fromisoformat(delivery["attempts"][0]["sent_at"])
    wait = datetime.fromisoformat(delivery["next_attempt_at"]) - sent_at
    assert 3600 <= wait.total_seconds() <= 3660, delivery
    assert passes() == 0 and len(receiver.received) == 1


def test_after_the_schedule_a_delivery_fails_and_can_be_sent_again(world, store, receiver):
    api, passes = world
    receiver.replies.extend([500, 502])
    webhook = hook(api(), receiver.url, "job.succeeded")
    a_job(store, api())
    before = {outcome: counted(outcome) for outcome in ("delivered", "failed", "gave_up")}
    # when: two tries, the schedule is one retry
    passes(3, webhooks_retry_schedule=[0.0])
    # then: failed after its second try, and no third; /metrics counts one try to retry
    # and one given up
    assert counted("failed") - before["failed"] == 1
    assert counted("gave_up") - before["gave_up"] == 1
    (failed,) = deliveries(api(), webhook, status="failed")
    assert tries(failed) == [500, 502] and failed["next_attempt_at"] is None
    assert failed["last_status_code"] == 502
    assert deliveries(api(), webhook, status="pending") == []
    # when: sent again
    url = f"/v1/webhooks/{webhook['id']}/deliveries/{failed['id']}/resend"
    resent = api().post(url)
    assert resent.status_code == 202, resent.text
    assert resent.json()["status"] == "pending" and resent.json()["id"] == failed["id"]
    passes(2, webhooks_retry_schedule=[0.0])
    # then: one more try, with the same webhook-id, and it succeeded
    sent = receiver.wait(3)
    assert {p.headers["webhook-id"] for p in sent} == {failed["id"]}
    (done,) = deliveries(api(), webhook)
    assert done["status"] == "succeeded" and tries(done) == [500, 502, 200]
    assert counted("delivered") - before["delivered"] == 1
    # a delivery that succeeded can be sent again too
    assert api().post(url).status_code == 202
    passes()
    assert receiver.wait(4)[-1].headers["webhook-id"] == failed["id"]


def test_redirects_are_not_followed(world, store, receiver):
    api, passes = world
    receiver.replies.extend([302])
    webhook = hook(api(), receiver.url, "job.succeeded")
    a_job(store, api())
    passes()
    (delivery,) = deliveries(api(), webhook)
    assert delivery["status"] == "pending"
    ((number, code, error),) = [
        (a["number"], a["status_code"], a["error"]) for a in delivery["attempts"]
    ]
    assert (number, code) == (1, 302)
    assert error == "redirect to 'http://127.0.0.1:9/elsewhere' not followed"
    assert len(receiver.received) == 1


def test_the_address_is_checked_again_at_delivery(world, store, receiver):
    api, passes = world
    webhook = hook(api(), receiver.url, "job.succeeded")
    a_job(store, api())
    # when: the worker does not allow private addresses (as if the name moved there)
    passes(webhooks_allow_private=False)
    # then: refused, nothing sent
    (delivery,) = deliveries(api(), webhook)
    assert delivery["attempts"][0]["status_code"] is None
    assert delivery["attempts"][0]["error"] == (
        "refused: the host '127.0.0.1' resolves to 127.0.0.1, a loopback address; webhooks "
        "call public addresses only (SYN0_WEBHOOKS_ALLOW_PRIVATE=true allows others)"
    )
    assert receiver.received == []


def test_a_try_connects_to_the_address_resolved_with_the_name_as_host(world, store, receiver):
    api, passes = world
    named = receiver.url.replace("127.0.0.1", "localhost")
    hook(api(), named, "job.succeeded")
    a_job(store, api())
    passes()
    (got,) = receiver.wait(1)
    assert got.headers["host"] == f"localhost:{receiver.port}"


def test_a_receiver_that_is_down_gets_the_event_once_it_is_back(world, store, receiver):
    api, passes = world
    webhook = hook(api(), receiver.url, "job.succeeded")
    receiver.stop()
    a_job(store, api())
    passes(2)
    receiver.start()
    passes()
    (got,) = receiver.wait(1)
    standardwebhooks.Webhook(webhook["secret"]).verify(got.body, got.headers)
    (delivery,) = deliveries(api(), webhook)
    assert delivery["id"] == got.headers["webhook-id"] and delivery["status"] == "succeeded"
    refused, again, ok = delivery["attempts"]
    assert refused["status_code"] is None and refused["error"].startswith("ConnectError")
    assert again["error"].startswith("ConnectError") and ok["status_code"] == 200


def test_an_alias_move_is_delivered(world, store, receiver):
    api, passes = world
    client = api()
    webhook = hook(client, receiver.url, "model.alias_moved")
    model_id = a_job(store, client).model_id
    assert client.put("/v1/registry/churn", json={}).status_code == 201
    assert (
        client.post("/v1/registry/churn/versions", json={"model_id": model_id}).status_code == 201
    )
    assert (
        client.put("/v1/registry/churn/aliases/production", json={"version": 1}).status_code == 201
    )
    passes()
    (got,) = receiver.wait(1)
    payload = standardwebhooks.Webhook(webhook["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "model.alias_moved"
    assert payload["data"] | {"moved_by": None} == {
        "name": "churn",
        "alias": "production",
        "action": "set",
        "version": 1,
        "previous": None,
        "moved_by": None,
    }


def test_only_events_after_a_webhook_is_made_and_none_after_it_is_deleted(world, store, receiver):
    api, passes = world
    a_job(store, api())  # before any webhook
    passes()
    webhook = hook(api(), receiver.url, "job.succeeded")
    a_job(store, api())
    # when: the webhook is deleted before a worker sends
    assert api().delete(f"/v1/webhooks/{webhook['id']}").status_code == 204
    passes()
    assert receiver.received == []
    later = hook(api(), receiver.url, "job.succeeded")
    a_job(store, api())
    passes()
    # then: the new webhook gets the one event after it was made
    (got,) = receiver.wait(1)
    standardwebhooks.Webhook(later["secret"]).verify(got.body, got.headers)
    assert len(deliveries(api(), later)) == 1
    assert_problem(api().get(f"/v1/webhooks/{webhook['id']}/deliveries"), 404, "not-found")


def test_deliveries_page_newest_first(world, store, receiver):
    api, passes = world
    webhook = hook(api(), receiver.url, "job.succeeded")
    jobs = [a_job(store, api()).job_id for _ in range(3)]
    passes()
    first = api().get(f"/v1/webhooks/{webhook['id']}/deliveries", params={"limit": 2}).json()
    rest = (
        api()
        .get(
            f"/v1/webhooks/{webhook['id']}/deliveries",
            params={"limit": 2, "cursor": first["next_cursor"]},
        )
        .json()
    )
    assert rest["next_cursor"] is None
    listed = [d["event_id"] for d in first["items"] + rest["items"]]
    assert listed == sorted(listed, reverse=True) and len(listed) == 3
    bodies = {json.loads(p.body)["data"]["id"] for p in receiver.wait(3)}
    assert bodies == set(jobs)


def test_one_pass_fans_out_every_batch_of_events(world, store, receiver, monkeypatch):
    api, passes = world
    monkeypatch.setattr(sender_module, "EVENTS_PER_PASS", 2)  # 3 jobs: 9 events, 5 batches
    webhook = hook(api(), receiver.url, "job.succeeded")
    for _ in range(3):
        a_job(store, api())
    assert passes() == 3
    assert len(deliveries(api(), webhook, status="succeeded")) == 3


def test_two_workers_never_send_one_try_twice(world, store, receiver, request):
    if "postgresql" not in request.node.callspec.id:
        pytest.skip("SQLite has no row locks: the embedded default runs one worker")
    api, passes = world
    hook(api(), receiver.url, "job.succeeded")
    for _ in range(6):
        a_job(store, api())
    # when: four workers pass at once
    counts: list[int] = []
    threads = [threading.Thread(target=lambda: counts.append(passes())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    passes()  # what a worker that found the cursor taken left
    # then: six deliveries, each sent once
    sent = receiver.wait(6)
    assert len({p.headers["webhook-id"] for p in sent}) == 6
    assert len(receiver.received) == 6


def event_ids(store) -> list[int]:
    with store() as session:
        return list(session.scalars(select(Event.id).order_by(Event.id)))


def prune_at(store, now: datetime) -> retention.Pruned:
    with session_scope(store) as session:
        return retention.prune(session, now, retention_days=30)


def test_events_and_ended_deliveries_are_pruned_after_the_retention(world, store, receiver):
    api, passes = world
    client = api()
    webhook = hook(client, receiver.url, "job.succeeded")
    a_job(store, client)
    passes()
    receiver.wait(1)
    kept = event_ids(store)
    assert kept and len(deliveries(client, webhook)) == 1
    # when: pruned within the retention, nothing goes
    assert prune_at(store, utcnow() + timedelta(days=29)) == retention.Pruned(0, 0)
    assert event_ids(store) == kept
    # when: pruned past it, the events, the delivery and its tries go
    assert prune_at(store, utcnow() + timedelta(days=31)) == retention.Pruned(len(kept), 1)
    assert event_ids(store) == []
    assert deliveries(client, webhook) == []
    with store() as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_an_event_not_fanned_out_and_a_pending_delivery_are_kept(world, store, receiver):
    api, passes = world
    client = api()
    webhook = hook(client, receiver.url, "job.succeeded")
    receiver.stop()
    a_job(store, client)
    later = utcnow() + timedelta(days=31)
    # given: events no worker has fanned out yet
    assert prune_at(store, later) == retention.Pruned(0, 0)
    # given: fanned out, its delivery still pending (the receiver is down)
    passes()
    (pending,) = deliveries(client, webhook)
    assert pending["status"] == "pending"
    pruned = prune_at(store, later)
    assert pruned.deliveries == 0 and pruned.events > 0
    assert [d["id"] for d in deliveries(client, webhook)] == [pending["id"]]
