"""Webhooks end to end: a uvicorn API, a real Celery worker process and a real HTTP
receiver on loopback that is down while a job succeeds and comes back. On PostgreSQL +
Redis with two workers, and on the embedded default (SQLite file + SQLite broker)."""

from __future__ import annotations

import json
import time

import pytest
import standardwebhooks

from tests.e2e.conftest import Stack, wait_for
from tests.receiver import Receiver

RETRY_EVERY = 1.0
TRIES = 40  # 40 s of retries: the receiver is back long before they run out
XOR = {
    "network": {
        "input_shape": [2],
        "layers": [
            {"type": "dense", "units": 8, "activation": "tanh"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
    },
    "training": {"loss": "cross_entropy", "epochs": 5, "optimizer": {"type": "adam"}},
}


@pytest.fixture(params=["postgres-redis", "embedded"])
def stack(request, tmp_path):
    running = Stack(
        request.param,
        tmp_path,
        SYN0_WEBHOOKS_ALLOW_PRIVATE="true",
        SYN0_WEBHOOKS_RETRY_SCHEDULE=json.dumps([RETRY_EVERY] * (TRIES - 1)),
        SYN0_WEBHOOKS_INTERVAL_SECONDS="0.2",
    )
    if request.param == "postgres-redis":  # two senders: still one POST per try
        running.start_worker("worker2")
    yield running
    running.stop()


def deliveries_until(client, webhook_id: str, done, seconds: float = 60) -> list[dict]:
    """The webhook's deliveries once ``done(deliveries)`` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        items = client.get(f"/v1/webhooks/{webhook_id}/deliveries").json()["items"]
        if done(items):
            return items
        time.sleep(0.2)
    raise AssertionError(f"deliveries after {seconds} s: {items}")


def test_a_receiver_that_was_down_gets_the_event_once_it_is_back(stack):
    client = stack.client
    receiver = Receiver().start()
    try:
        # given: a webhook, and its receiver down
        made = client.post(
            "/v1/webhooks", json={"url": receiver.url, "events": ["job.succeeded", "job.failed"]}
        )
        assert made.status_code == 201, made.text
        webhook = made.json()
        receiver.stop()
        # when: a job succeeds meanwhile
        data = client.post(
            "/v1/datasets/generate", json={"kind": "xor", "n_samples": 60, "seed": 1}
        ).json()
        job = client.post("/v1/jobs", json={"dataset_id": data["id"], **XOR}).json()
        assert wait_for(client, job["id"], {"succeeded", "failed"})["status"] == "succeeded"
        # then: the worker tries, and the tries fail while the receiver is down
        (pending,) = deliveries_until(
            client, webhook["id"], lambda items: items and len(items[0]["attempts"]) >= 2
        )
        assert pending["status"] == "pending", stack.logs()
        # when: the receiver is back, on the same port
        receiver.start()
        (got,) = receiver.wait(1, seconds=30)
        # then: the event arrives, signed, with the delivery's webhook-id
        payload = standardwebhooks.Webhook(webhook["secret"]).verify(got.body, got.headers)
        assert payload["type"] == "job.succeeded"
        assert payload["data"]["id"] == job["id"] and payload["data"]["status"] == "succeeded"
        (done,) = deliveries_until(
            client, webhook["id"], lambda items: items[0]["status"] == "succeeded"
        )
        assert done["id"] == got.headers["webhook-id"] == pending["id"]
        # and the deliveries list the failed tries and the one that succeeded
        *failed, succeeded = done["attempts"]
        assert len(failed) >= 2
        assert all(a["status_code"] is None for a in failed)
        assert all(a["error"].startswith("ConnectError") for a in failed), failed
        assert (succeeded["status_code"], succeeded["error"]) == (200, None)
        assert [a["number"] for a in done["attempts"]] == list(range(1, len(failed) + 2))
        assert done["last_status_code"] == 200 and done["next_attempt_at"] is None
        time.sleep(1)  # a pass or five later: nothing sent twice
        assert len(receiver.received) == 1
    finally:
        receiver.stop()
