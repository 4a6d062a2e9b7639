"""``client.webhooks`` against a running API: create (the secret once), get, list,
iterate, deliveries, delete, and the typed errors. (Deliveries to a receiver are in
tests/cli/test_webhooks.py and tests/e2e/test_webhooks.py.)"""

from __future__ import annotations

import pytest

from syn0.client import Client, CreatedWebhook, NotFound, ValidationFailed, Webhook

PUBLIC = "https://93.184.215.14/hooks"  # a public address: no DNS needed


def test_create_get_list_deliveries_delete(syn0: Client):
    made = syn0.webhooks.create(PUBLIC, ["job.failed", "model.alias_moved"], description="ops")
    assert isinstance(made, CreatedWebhook) and made.secret.startswith("whsec_")
    got = syn0.webhooks.get(made.id)
    assert type(got) is Webhook and "secret" not in got.model_dump()
    assert (got.url, got.events, got.description) == (
        PUBLIC,
        ["job.failed", "model.alias_moved"],
        "ops",
    )
    others = [syn0.webhooks.create(PUBLIC, ["job.succeeded"]).id for _ in range(2)]
    assert [w.id for w in syn0.webhooks.iter(page_size=1)][:3] == [*others[::-1], made.id]
    page = syn0.webhooks.list(limit=1)
    assert len(page.items) == 1 and page.next_cursor
    deliveries = syn0.webhooks.deliveries(made.id, status="failed")
    assert deliveries.items == [] and deliveries.next_cursor is None
    for hook in (made.id, *others):
        syn0.webhooks.delete(hook)
    with pytest.raises(NotFound, match=f"no webhook with id '{made.id}'"):
        syn0.webhooks.get(made.id)


def test_refusals_are_typed_errors(syn0: Client):
    with pytest.raises(ValidationFailed) as private:
        syn0.webhooks.create("http://127.0.0.1:9/hook", ["job.succeeded"])
    assert private.value.errors[0]["loc"] == "url"
    assert "a loopback address" in private.value.detail
    with pytest.raises(ValidationFailed, match=r"unknown event type 'sweep\.done'"):
        syn0.webhooks.create(PUBLIC, ["sweep.done"])
    with pytest.raises(NotFound):
        syn0.webhooks.resend("0" * 32, "msg_" + "0" * 32)
