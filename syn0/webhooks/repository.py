"""Every query of the webhooks. A webhook is found by its tenant and id (``owned``), so
another tenant's reads as a missing one; a delivery by its webhook and id.

The workers' queries claim their rows: the outbox cursor with ``FOR UPDATE SKIP
LOCKED`` (a worker that finds it taken skips fanning out this time), due deliveries
the same way, and a claimed delivery's ``next_attempt_at`` moves past its try (a lease)
before the claim commits, so no other worker sends it meanwhile. SQLite has no row
locks: there the embedded default runs one worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syn0.events.orm import Event
from syn0.kit.lookups import owned
from syn0.kit.orm import utcnow
from syn0.kit.paging import page
from syn0.webhooks.orm import PENDING, Attempt, Cursor, Delivery, Webhook

# --- webhooks -----------------------------------------------------------------------------


def add(session: Session, webhook: Webhook) -> Webhook:
    session.add(webhook)
    session.flush()
    return webhook


def get(session: Session, tenant_id: str, webhook_id: str) -> Webhook | None:
    return owned(session, Webhook, tenant_id, webhook_id)


def count(session: Session, tenant_id: str) -> int:
    query = select(func.count()).select_from(Webhook).where(Webhook.tenant_id == tenant_id)
    return session.scalar(query)


def list_webhooks(session: Session, tenant_id: str, limit: int, cursor: str | None):
    query = select(Webhook).where(Webhook.tenant_id == tenant_id)
    return page(session, query, Webhook, limit, cursor)


def delete(session: Session, webhook: Webhook) -> None:
    """The webhook and, by the foreign keys' cascade, its deliveries and their tries."""
    session.delete(webhook)
    session.flush()


def of_tenants(session: Session, tenant_ids: Sequence[str]) -> list[Webhook]:
    query = select(Webhook).where(Webhook.tenant_id.in_(tenant_ids)).order_by(Webhook.id)
    return list(session.scalars(query))


# --- deliveries ---------------------------------------------------------------------------


def list_deliveries(
    session: Session, webhook_id: str, limit: int, cursor: str | None, status: str | None
):
    query = select(Delivery).where(Delivery.webhook_id == webhook_id)
    if status is not None:
        query = query.where(Delivery.status == status)
    return page(session, query, Delivery, limit, cursor)


def attempts(session: Session, delivery_ids: Sequence[str]) -> list[Attempt]:
    """The tries of these deliveries, oldest first."""
    query = select(Attempt).where(Attempt.delivery_id.in_(delivery_ids)).order_by(Attempt.number)
    return list(session.scalars(query))


def get_delivery(session: Session, webhook_id: str, delivery_id: str) -> Delivery | None:
    query = select(Delivery).where(Delivery.id == delivery_id, Delivery.webhook_id == webhook_id)
    return session.scalar(query.with_for_update())


def delivered(session: Session, event_ids: Sequence[int]) -> set[tuple[str, int]]:
    """``(webhook_id, event_id)`` of the deliveries these events already have."""
    query = select(Delivery.webhook_id, Delivery.event_id).where(Delivery.event_id.in_(event_ids))
    return {(row.webhook_id, row.event_id) for row in session.execute(query)}


def add_deliveries(session: Session, deliveries: Sequence[Delivery]) -> None:
    session.add_all(deliveries)
    session.flush()


# --- the workers' claims ------------------------------------------------------------------


def lock_cursor(session: Session) -> Cursor | None:
    """The outbox cursor, locked until the transaction ends; None while another worker
    holds it."""
    query = select(Cursor).where(Cursor.id == 1).with_for_update(skip_locked=True)
    return session.scalar(query)


def events_after(session: Session, after_id: int, limit: int) -> list[Event]:
    """The next ``limit`` events of every tenant after the id ``after_id``, in id order."""
    query = select(Event).where(Event.id > after_id).order_by(Event.id).limit(limit)
    return list(session.scalars(query))


def claim_due(
    session: Session, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[Delivery, Webhook]]:
    """Up to ``limit`` pending deliveries due by ``now`` (oldest due first) with their
    webhooks, leased until ``lease_until``: their ``attempts`` already counts this try."""
    due = (
        select(Delivery.id)
        .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(next_attempt_at=lease_until, attempts=Delivery.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    query = (
        select(Delivery, Webhook)
        .join(Webhook, Webhook.id == Delivery.webhook_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.next_attempt_at)
        .execution_options(populate_existing=True)
    )
    return [(row.Delivery, row.Webhook) for row in session.execute(query)]


def record(session: Session, attempt: Attempt, changes: dict) -> bool:
    """Store a try and the delivery's new state; False when the delivery is gone (its
    webhook was deleted meanwhile)."""
    changed = session.execute(
        update(Delivery)
        .where(Delivery.id == attempt.delivery_id)
        .values(**changes, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:
        return False
    session.add(attempt)
    session.flush()
    return True


# --- retention ----------------------------------------------------------------------------


def prune_events(session: Session, through_id: int, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` of the oldest events created before ``before`` whose ids
    are at most ``through_id`` (fanned out); how many went."""
    query = (
        select(Event.id)
        .where(Event.id <= through_id, Event.created_at < before)
        .order_by(Event.id)
        .limit(limit)
    )
    ids = list(session.scalars(query))
    if ids:
        session.execute(sa.delete(Event).where(Event.id.in_(ids)))
    return len(ids)


def prune_deliveries(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` deliveries that ended (succeeded or failed) before
    ``before``, their tries with them (``ON DELETE CASCADE``); how many went."""
    query = (
        select(Delivery.id)
        .where(Delivery.status != PENDING, Delivery.updated_at < before)
        .order_by(Delivery.updated_at)
        .limit(limit)
    )
    ids = list(session.scalars(query))
    if ids:
        session.execute(sa.delete(Delivery).where(Delivery.id.in_(ids)))
    return len(ids)
