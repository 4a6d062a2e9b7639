"""``syn0 webhooks``: create, list, deliveries, resend and delete against ``syn0 serve``
on the embedded default, whose worker delivers to a real receiver on loopback."""

from __future__ import annotations

import json
import re
import time

import standardwebhooks

from tests.client.factories import NETWORK, training
from tests.receiver import Receiver


def test_webhooks_from_the_command_line(syn0, api):
    with Receiver() as receiver:
        # create: the secret printed once
        made = syn0("webhooks", "create", receiver.url, "--events", "job.succeeded, job.failed")
        assert made.code == 0, made.err
        match = re.fullmatch(
            rf"webhook ([0-9a-f]{{32}}): {re.escape(receiver.url)} \(job.succeeded, job.failed\)\n"
            r"Its signing secret, shown this once: (whsec_\S+)\n",
            made.out,
        )
        assert match, made.out
        hook, secret = match.groups()
        listed = json.loads(syn0("webhooks", "list", "--json").out)["items"]
        assert [w["id"] for w in listed] == [hook] and "secret" not in listed[0]
        # a job succeeds: the embedded worker delivers it
        data = api.datasets.generate("xor", n_samples=60, seed=2)
        job = api.jobs.wait(api.jobs.submit(data.id, NETWORK, training(epochs=3)).id)
        (got,) = receiver.wait(1)
        payload = standardwebhooks.Webhook(secret).verify(got.body, got.headers)
        assert payload["data"]["id"] == job.id
        delivered = _deliveries(syn0, hook, lambda items: items[0]["status"] == "succeeded")
        msg_id = delivered[0]["id"]
        assert msg_id == got.headers["webhook-id"]
        table = syn0("webhooks", "deliveries", hook)
        assert table.code == 0 and "job.succeeded" in table.out and "200" in table.out
        # resend: the same webhook-id, a second try
        resent = syn0("webhooks", "resend", hook, msg_id)
        assert resent.out == f"{msg_id} will be sent again (try 2)\n", resent.err
        assert receiver.wait(2)[1].headers["webhook-id"] == msg_id
        tries = _deliveries(syn0, hook, lambda items: len(items[0]["attempts"]) == 2)
        assert [a["status_code"] for a in tries[0]["attempts"]] == [200, 200]
        # an unknown event type: exit 2 with the server's reason
        bad = syn0("webhooks", "create", receiver.url, "--events", "job.finished")
        assert bad.code == 2 and "unknown event type 'job.finished'" in bad.err
        # delete
        assert syn0("webhooks", "delete", hook).out == f"deleted webhook {hook}\n"
        assert json.loads(syn0("webhooks", "list", "--json").out)["items"] == []


def _deliveries(syn0, hook: str, done, seconds: float = 30) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        items = json.loads(syn0("webhooks", "deliveries", hook, "--json").out)["items"]
        if items and done(items):
            return items
        time.sleep(0.2)
    raise AssertionError(f"deliveries after {seconds} s: {items}")
