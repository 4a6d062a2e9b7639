"""Request and response models of the webhooks, and the event types one can ask for."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from syn0.events import repository as events
from syn0.kit.schemas import In, Out, Timestamp
from syn0.webhooks.orm import URL_CHARS
from syn0.webhooks.signing import MESSAGE_PREFIX

# What a webhook may ask for, of the outbox's events, in the order the docs list them.
EVENT_TYPES = (
    events.JOB_SUCCEEDED,
    events.JOB_FAILED,
    events.JOB_CANCELLED,
    events.ALIAS_MOVED,
    events.SWEEP_COMPLETED,
)
MAX_DESCRIPTION_CHARS = 1000

DeliveryStatus = Literal["pending", "succeeded", "failed"]


class WebhookIn(In):
    url: str = Field(
        max_length=URL_CHARS,
        description="https:// or http://, on a public address; redirects are not followed",
    )
    events: list[str] = Field(
        min_length=1,
        max_length=len(EVENT_TYPES),
        description=f"event types to receive: {', '.join(EVENT_TYPES)}",
        # Published as an enum; checked by the service, whose 422 lists them.
        json_schema_extra={"items": {"type": "string", "enum": list(EVENT_TYPES)}},
    )
    description: str | None = Field(None, max_length=MAX_DESCRIPTION_CHARS)


class WebhookOut(Out):
    id: str
    url: str
    events: list[str]
    description: str | None
    created_at: Timestamp


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="the signing secret (whsec_...), shown in this reply only: keep it"
    )


class AttemptOut(Out):
    """One try: the reply's status code, or the error that left none."""

    number: int = Field(description="1 for the first try of the delivery")
    sent_at: Timestamp
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(Out):
    id: str = Field(description=f"the webhook-id every try carries ({MESSAGE_PREFIX}...)")
    webhook_id: str
    event_id: int
    event_type: str
    status: DeliveryStatus
    next_attempt_at: Timestamp | None = Field(description="when pending: the next try")
    last_status_code: int | None
    attempts: list[AttemptOut] = Field(description="every try, oldest first")
    created_at: Timestamp
    updated_at: Timestamp
