"""Worker sightings: each worker process reports itself every few seconds, so the API
can tell a GPU job that no GPU worker is there to take it, and the reaper can tell a
worker with nothing to do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from syn0.kit.orm import utcnow
from syn0.workers.orm import Worker


def record_sighting(session: Session, name: str, device: str, started_at: datetime) -> None:
    """The worker ``name`` (on ``device``, started at ``started_at``) is alive now."""
    now = utcnow()
    seen = session.execute(
        update(Worker)
        .where(Worker.name == name)
        .values(device=device, started_at=started_at, seen_at=now)
    )
    if not seen.rowcount:
        session.execute(
            insert(Worker).values(name=name, device=device, started_at=started_at, seen_at=now)
        )


def seen_since(session: Session, device: str, since: datetime) -> bool:
    """Whether a worker on ``device`` reported itself at ``since`` or later."""
    query = select(Worker.name).where(Worker.device == device, Worker.seen_at >= since).limit(1)
    return session.scalar(query) is not None


def count_ready(session: Session, device: str, seen_since: datetime, up_since: datetime) -> int:
    """Workers on ``device`` seen at ``seen_since`` or later, and up since ``up_since``
    or earlier (one that just started may not have taken its first message yet)."""
    query = select(func.count()).where(
        Worker.device == device, Worker.seen_at >= seen_since, Worker.started_at <= up_since
    )
    return session.scalar(query) or 0


def seen_since_by_name(session: Session, since: datetime) -> list[Worker]:
    """Workers that reported themselves at ``since`` or later, by name (``/metrics``)."""
    return list(
        session.scalars(select(Worker).where(Worker.seen_at >= since).order_by(Worker.name))
    )
