"""Retention: the outbox and the delivery log stay bounded. Events older than
``SYN0_EVENTS_RETENTION_DAYS``, and deliveries that ended longer ago than that (with
their tries), are deleted a batch at a time by the worker holding the outbox cursor,
at most once an hour per worker (``Sender``), so passes of several workers never
overlap. An event is kept, whatever its age, until it has been fanned out (it is
behind the cursor); a pending delivery is kept until it ends.

Streams replay what is kept: a ``Last-Event-ID`` older than the retention resumes at
the oldest event left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from syn0.webhooks import repository as store

BATCH = 1000  # rows per table per pass
PRUNE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class Pruned:
    events: int
    deliveries: int


def prune(session: Session, now: datetime, retention_days: float, batch: int = BATCH) -> Pruned:
    """Delete up to ``batch`` expired events and ended deliveries (see the module's
    notes); nothing while another worker holds the cursor."""
    cursor = store.lock_cursor(session)
    if cursor is None:
        return Pruned(0, 0)
    before = now - timedelta(days=retention_days)
    return Pruned(
        store.prune_events(session, cursor.last_event_id, before, batch),
        store.prune_deliveries(session, before, batch),
    )
