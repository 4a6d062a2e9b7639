"""The webhooks' rules: which URLs and event types a webhook may have, the secret shown
once, the deliveries as a tenant reads them, and a delivery sent again."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syn0.kit.errors import InvalidInput, LimitExceeded, NotFound
from syn0.kit.lookups import found
from syn0.kit.orm import is_id, utcnow
from syn0.settings import Settings
from syn0.webhooks import repository as store
from syn0.webhooks import urls
from syn0.webhooks.orm import PENDING, Delivery, Webhook
from syn0.webhooks.schemas import (
    EVENT_TYPES,
    AttemptOut,
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
)
from syn0.webhooks.signing import MESSAGE_PREFIX, message_id, new_secret


def check_events(events: list[str]) -> list[str]:
    """The event types asked for, each once, in the order given; 422 naming the first
    one that is not an event type, with the allowed ones."""
    allowed = ", ".join(EVENT_TYPES)
    for index, name in enumerate(events):
        if name not in EVENT_TYPES:
            raise InvalidInput(
                f"unknown event type {name!r}; the event types are {allowed}", f"events.{index}"
            )
    return list(dict.fromkeys(events))


def create(session: Session, settings: Settings, tenant_id: str, body: WebhookIn) -> WebhookCreated:
    """A new webhook with a new secret, which the reply shows this once."""
    events = check_events(body.events)
    try:
        if settings.webhooks_allow_private:  # no address to refuse: it may resolve later
            urls.split(body.url)
        else:
            urls.check(body.url, allow_private=False)
    except urls.UnsafeUrl as exc:
        raise InvalidInput(str(exc), "url") from None
    have = store.count(session, tenant_id)
    if have >= settings.webhooks_max_per_tenant:
        raise LimitExceeded(
            "the number of webhooks", have + 1, settings.webhooks_max_per_tenant,
            "webhooks_max_per_tenant", "url",
        )  # fmt: skip
    webhook = Webhook(
        tenant_id=tenant_id,
        url=body.url,
        events=events,
        description=body.description,
        secret=new_secret(),
    )
    store.add(session, webhook)
    return WebhookCreated.model_validate(webhook)


def get(session: Session, tenant_id: str, webhook_id: str) -> Webhook:
    return found(store.get(session, tenant_id, webhook_id), "webhook", webhook_id)


def deliveries(session: Session, rows: list[Delivery]) -> list[DeliveryOut]:
    """Each delivery with its tries (one query for them all)."""
    tries: dict[str, list[AttemptOut]] = {row.id: [] for row in rows}
    for attempt in store.attempts(session, list(tries)):
        tries[attempt.delivery_id].append(AttemptOut.model_validate(attempt))
    return [
        DeliveryOut(
            id=message_id(row.id),
            webhook_id=row.webhook_id,
            event_id=row.event_id,
            event_type=row.event_type,
            status=row.status,
            next_attempt_at=row.next_attempt_at,
            last_status_code=row.last_status_code,
            attempts=tries[row.id],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def resend(session: Session, webhook: Webhook, delivery_id: str) -> DeliveryOut:
    """Due now, with one more try than it had left: a worker sends it again with the
    same webhook-id (a delivery that fails it is failed again, without retries)."""
    row = None
    hex_id = delivery_id.removeprefix(MESSAGE_PREFIX)
    if delivery_id.startswith(MESSAGE_PREFIX) and is_id(hex_id):
        row = store.get_delivery(session, webhook.id, hex_id)
    if row is None:
        raise NotFound(f"webhook {webhook.id!r} has no delivery with id {delivery_id!r}")
    now = utcnow()
    row.status, row.next_attempt_at, row.updated_at = PENDING, now, now
    row.final_attempt = max(row.final_attempt, row.attempts + 1)
    session.flush()
    (out,) = deliveries(session, [row])
    return out
