"""The outbox: one row per event (a job's status changed, an alias moved), written in
the transaction of the change it tells of. Its id is the events' one global order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

import syn0.tenants.orm  # noqa: F401  (the table its foreign key names)
from syn0.kit.orm import Base, utcnow

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid, which
# AUTOINCREMENT keeps from ever handing out an id again.
EVENT_ID = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_tenant_id_id", "tenant_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(EVENT_ID, primary_key=True, autoincrement=True)
    # Indexed with the id (above): a tenant's events are read in id order.
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    type: Mapped[str] = mapped_column(String(40))
    job_id: Mapped[str | None] = mapped_column(String(32), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
