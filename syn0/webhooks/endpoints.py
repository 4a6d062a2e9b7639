"""``/v1/webhooks``: endpoints that receive signed events (Standard Webhooks), their
deliveries with every try, and a delivery sent again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from syn0.api.deps import PageDep, SessionDep, SettingsDep
from syn0.kit.schemas import Page, keyed
from syn0.tenants.auth import TrainKey
from syn0.webhooks import repository as store
from syn0.webhooks import service
from syn0.webhooks.schemas import (
    DeliveryOut,
    DeliveryStatus,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=201, responses=keyed(422))
def create_webhook(
    body: WebhookIn, response: Response, session: SessionDep, settings: SettingsDep,
    principal: TrainKey,
) -> WebhookCreated:  # fmt: skip
    """Register an endpoint for the event types it asks for. The reply holds its signing
    secret, this once: each delivery is signed with it (``webhook-signature``)."""
    out = service.create(session, settings, principal.tenant_id, body)
    session.commit()
    response.headers["Location"] = f"/v1/webhooks/{out.id}"
    return out


@router.get("", responses=keyed(422))
def list_webhooks(session: SessionDep, page: PageDep, principal: TrainKey) -> Page[WebhookOut]:
    """The tenant's webhooks, newest first (without their secrets)."""
    rows, next_cursor = store.list_webhooks(session, principal.tenant_id, page.limit, page.cursor)
    return Page[WebhookOut](
        items=[WebhookOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/{webhook_id}", responses=keyed(404))
def get_webhook(webhook_id: str, session: SessionDep, principal: TrainKey) -> WebhookOut:
    return WebhookOut.model_validate(service.get(session, principal.tenant_id, webhook_id))


@router.delete("/{webhook_id}", status_code=204, responses=keyed(404))
def delete_webhook(webhook_id: str, session: SessionDep, principal: TrainKey) -> Response:
    """Remove the webhook with its deliveries; nothing more is sent to it."""
    store.delete(session, service.get(session, principal.tenant_id, webhook_id))
    session.commit()
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", responses=keyed(404, 422))
def list_deliveries(
    webhook_id: str,
    session: SessionDep,
    page: PageDep,
    principal: TrainKey,
    status: Annotated[DeliveryStatus | None, Query(description="only these")] = None,
) -> Page[DeliveryOut]:
    """The webhook's deliveries, newest first, each with every try and its status code."""
    webhook = service.get(session, principal.tenant_id, webhook_id)
    rows, next_cursor = store.list_deliveries(session, webhook.id, page.limit, page.cursor, status)
    return Page[DeliveryOut](items=service.deliveries(session, rows), next_cursor=next_cursor)


@router.post("/{webhook_id}/deliveries/{delivery_id}/resend", status_code=202, responses=keyed(404))
def resend_delivery(
    webhook_id: str, delivery_id: str, session: SessionDep, principal: TrainKey
) -> DeliveryOut:
    """Send the delivery again (same ``webhook-id``, a new try), whatever its status: a
    worker sends it within ``SYN0_WEBHOOKS_INTERVAL_SECONDS``."""
    webhook = service.get(session, principal.tenant_id, webhook_id)
    out = service.resend(session, webhook, delivery_id)
    session.commit()
    return out
