"""Tables of the webhooks: the endpoints a tenant registers, one delivery per event and
endpoint (its id is the ``webhook-id`` every try of it carries), each try of a delivery,
and the outbox cursor: how far the workers have fanned the events out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import syn0.tenants.orm  # noqa: F401  (the table its foreign keys name)
from syn0.kit.orm import Base, new_id, tenant_column, utcnow

URL_CHARS, ERROR_CHARS = 2000, 500
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"  # a delivery's status
CURSOR_ID = 1  # the one row of webhook_cursor


class Webhook(Base):
    """An endpoint of a tenant's, the event types it wants and its signing secret
    (``whsec_`` + base64 of random bytes; kept to sign, shown once)."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = tenant_column()
    url: Mapped[str] = mapped_column(String(URL_CHARS))
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Delivery(Base):
    """One event to one endpoint: ``id`` (32 hex digits) is the ``webhook-id``
    ``msg_<id>`` of every try. ``payload`` is the body, the same bytes at every try.
    A pending delivery is due at ``next_attempt_at``; a worker that takes it moves that
    time past its send (a lease), so no other worker sends it meanwhile, and one that
    dies mid-send leaves it due again once the lease ends (at least once; the lost try
    counts in ``attempts`` with no row of its own). A failed try
    is final from ``final_attempt`` on (the retry schedule's length + 1, or one more
    after a resend)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("webhook_id", "event_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    webhook_id: Mapped[str] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    final_attempt: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attempt(Base):
    """One try of a delivery: the reply's status code, or the error that left none
    (refused address, timeout, connection refused), and how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(ERROR_CHARS))
    duration_ms: Mapped[int] = mapped_column(Integer)


class Cursor(Base):
    """One row: every event up to ``last_event_id`` has its deliveries. Locked by the
    worker that fans out, so two workers never fan out at once."""

    __tablename__ = "webhook_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
