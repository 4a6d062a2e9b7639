"""The outbox's queries: record an event in the transaction of the change it tells of,
and read a tenant's events after an id.

``record`` keeps the event on the session until the transaction commits; the session's
``before_commit`` then writes every event kept, so an event exists if and only if its
change commits (a rollback drops it). Ids must never become visible out of order, or a
reader that has passed id 11 would miss id 10 committed just after: on PostgreSQL the
writes of events are serialized by a transaction-scoped advisory lock, taken after the
transaction's own changes are flushed (so it waits on no row lock while holding it)
and held only for the insert and the commit; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from syn0.events.orm import Event
from syn0.jobs.orm import Job
from syn0.kit.orm import utcnow

JOB_QUEUED, JOB_RUNNING = "job.queued", "job.running"
JOB_SUCCEEDED, JOB_FAILED, JOB_CANCELLED = "job.succeeded", "job.failed", "job.cancelled"
ALIAS_MOVED = "model.alias_moved"
SWEEP_COMPLETED = "sweep.completed"  # a sweep ended: succeeded (with its best) or failed
EVENT_TYPES = (
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_SUCCEEDED,
    JOB_FAILED,
    JOB_CANCELLED,
    ALIAS_MOVED,
    SWEEP_COMPLETED,
)

PENDING = "syn0.events.pending"  # the session's ``info`` key of the events kept
LOCK_KEY = int.from_bytes(b"syn0evts", "big")  # the advisory lock's id


def record(
    session: Session, *, tenant_id: str, type: str, data: dict, job_id: str | None = None
) -> None:
    """Add the event to the caller's transaction (written when it commits, never if it
    rolls back); the caller commits."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}; expected one of {EVENT_TYPES}")
    row = {"tenant_id": tenant_id, "type": type, "job_id": job_id, "data": data}
    session.info.setdefault(PENDING, []).append({**row, "created_at": utcnow()})


def record_job(session: Session, job_id: str, **extra: Any) -> None:
    """The job's status as it stands in this transaction, as the event ``job.<status>``
    with its public summary (and ``extra``); call it right after the statement that
    changed it."""
    job = session.execute(
        select(
            Job.tenant_id,
            Job.status,
            Job.epoch,
            Job.epochs,
            Job.attempts,
            Job.model_id,
            Job.error,
        ).where(Job.id == job_id)
    ).one()
    data = {
        "id": job_id,
        "status": job.status,
        "epoch": job.epoch,
        "epochs": job.epochs,
        "attempts": job.attempts,
        "model_id": job.model_id,
        "error": job.error,
        **extra,
    }
    record(session, tenant_id=job.tenant_id, type=f"job.{job.status}", data=data, job_id=job_id)


def after(
    session: Session,
    tenant_id: str,
    after_id: int,
    limit: int,
    job_id: str | None = None,
    type: str | None = None,
) -> list[Event]:
    """The tenant's next ``limit`` events (of the job ``job_id`` only, of the type
    ``type`` only, if given) after the id ``after_id``, in id order."""
    query = select(Event).where(Event.tenant_id == tenant_id, Event.id > after_id)
    if job_id is not None:
        query = query.where(Event.job_id == job_id)
    if type is not None:
        query = query.where(Event.type == type)
    return list(session.scalars(query.order_by(Event.id).limit(limit)))


def last_id(session: Session, tenant_id: str) -> int:
    """The id of the tenant's newest event, 0 if none."""
    query = select(Event.id).where(Event.tenant_id == tenant_id).order_by(Event.id.desc())
    return session.scalar(query.limit(1)) or 0


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    session.execute(insert(Event), pending)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without committing takes its events with it."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
