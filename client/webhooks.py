"""``client.webhooks``: endpoints that receive signed events, their deliveries, resend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Literal

from syn0.client.common import given, pages, path
from syn0.client.http import Http
from syn0.client.types import Page, _Reply

_WEBHOOKS = "/v1/webhooks"

# The event types a webhook may ask for, and a delivery's statuses (WebhookIn, DeliveryOut).
WebhookEvent = Literal[
    "job.succeeded", "job.failed", "job.cancelled", "model.alias_moved", "sweep.completed"
]
DeliveryStatus = Literal["pending", "succeeded", "failed"]


class Webhook(_Reply):
    id: str
    url: str
    events: list[str]
    description: str | None = None
    created_at: datetime


class CreatedWebhook(Webhook):
    """The reply of ``Webhooks.create``: the one that shows the signing ``secret``."""

    secret: str


class WebhookAttempt(_Reply):
    """One try of a delivery: the reply's ``status_code``, or the ``error`` that left none."""

    number: int
    sent_at: datetime
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class Delivery(_Reply):
    """One event to one webhook; ``id`` is the ``webhook-id`` header of every try."""

    id: str
    webhook_id: str
    event_id: int
    event_type: str
    status: DeliveryStatus
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    attempts: list[WebhookAttempt]
    created_at: datetime
    updated_at: datetime


class Webhooks:
    def __init__(self, http: Http) -> None:
        self._http = http

    def create(
        self, url: str, events: Iterable[str], *, description: str | None = None
    ) -> CreatedWebhook:
        """A webhook for ``events`` (``job.succeeded``, ...); its ``secret`` (``whsec_...``)
        is in this reply only. Not retried: a repeat would make a second webhook."""
        body = given({"url": url, "events": list(events), "description": description})
        reply = self._http.json("POST", _WEBHOOKS, repeatable=False, json=body)
        return CreatedWebhook.model_validate(reply)

    def get(self, webhook_id: str) -> Webhook:
        return Webhook.model_validate(
            self._http.json("GET", path(_WEBHOOKS, webhook_id), repeatable=True)
        )

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Webhook]:
        params = given({"limit": limit, "cursor": cursor})
        reply = self._http.json("GET", _WEBHOOKS, repeatable=True, params=params)
        return Page[Webhook].model_validate(reply)

    def iter(self, *, page_size: int = 100) -> Iterator[Webhook]:
        return pages(lambda cursor: self.list(limit=page_size, cursor=cursor))

    def delete(self, webhook_id: str) -> None:
        self._http.request("DELETE", path(_WEBHOOKS, webhook_id), repeatable=True)

    def deliveries(
        self,
        webhook_id: str,
        *,
        status: DeliveryStatus | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Delivery]:
        """The webhook's deliveries, newest first, each with its tries."""
        params = given({"status": status, "limit": limit, "cursor": cursor})
        where = path(_WEBHOOKS, webhook_id, "/deliveries")
        reply = self._http.json("GET", where, repeatable=True, params=params)
        return Page[Delivery].model_validate(reply)

    def resend(self, webhook_id: str, delivery_id: str) -> Delivery:
        """Send the delivery again, with the same ``webhook-id``; a worker makes the try."""
        where = path(_WEBHOOKS, webhook_id, "/deliveries") + path("", delivery_id, "/resend")
        return Delivery.model_validate(self._http.json("POST", where, repeatable=True))
