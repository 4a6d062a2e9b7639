"""Job rows: submit, claim, progress, cancel, finish.

A worker's writes are fenced by the attempt number it claimed: each statement
matches ``status = 'running' AND attempts = :attempt``, so a stale or duplicate
delivery can never overwrite the attempt that owns the job.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from store.orm import (
    CANCELLED,
    METRIC_FIELDS,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    Job,
    JobMetric,
    Model,
    is_id,
    utcnow,
)
from store.paging import page


def create_job(
    session: Session,
    *,
    dataset_id: str,
    network: dict,
    training: dict,
    epochs: int,
    idempotency_key: str | None,
) -> Job:
    job = Job(
        dataset_id=dataset_id,
        network=network,
        training=training,
        epochs=epochs,
        idempotency_key=idempotency_key,
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id) if is_id(job_id) else None


def job_by_idempotency_key(session: Session, key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.idempotency_key == key))


def list_jobs(
    session: Session,
    limit: int,
    cursor: str | None,
    status: str | None = None,
    dataset_id: str | None = None,
):
    query = select(Job)
    if status:
        query = query.where(Job.status == status)
    if dataset_id:
        query = query.where(Job.dataset_id == (dataset_id if is_id(dataset_id) else None))
    return page(session, query, Job, limit, cursor)


def cancel_job(session: Session, job_id: str) -> bool:
    """Cancel a queued job at once or flag a running one; False if it already ended."""
    now = utcnow()
    queued = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == QUEUED)
        .values(status=CANCELLED, finished_at=now, cancel_requested=True)
    )
    if queued.rowcount:
        return True
    running = session.execute(
        update(Job).where(Job.id == job_id, Job.status == RUNNING).values(cancel_requested=True)
    )
    return bool(running.rowcount)


# --- the worker's side --------------------------------------------------------------------


def claim_job(session: Session, job_id: str) -> int | None:
    """``queued -> running`` in one conditional UPDATE; the attempt number, or None."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now)
    )
    if not result.rowcount:
        return None
    return session.scalar(select(Job.attempts).where(Job.id == job_id))


def _owned(job_id: str, attempt: int):
    return (Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt)


def cancel_requested(session: Session, job_id: str) -> bool:
    return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def record_metrics(session: Session, job_id: str, attempt: int, rows: list[dict]) -> bool:
    """Store finished epochs (one row each) and the progress; False if not the owner."""
    if not rows:
        return True
    owned = session.execute(
        update(Job)
        .where(*_owned(job_id, attempt))
        .values(epoch=rows[-1]["epoch"], latest_metrics=rows[-1], heartbeat_at=utcnow())
    )
    if not owned.rowcount:
        return False
    session.execute(
        insert(JobMetric),
        [
            {
                "job_id": job_id,
                "epoch": row["epoch"],
                **{name: row.get(name) for name in METRIC_FIELDS},
            }
            for row in rows
        ],
    )
    return True


def finish_succeeded(session: Session, job_id: str, attempt: int, model: Model) -> bool:
    """Model row and ``succeeded`` in the caller's one transaction; False if not the owner."""
    session.add(model)
    session.flush()
    owned = session.execute(
        update(Job)
        .where(*_owned(job_id, attempt))
        .values(status=SUCCEEDED, model_id=model.id, finished_at=utcnow())
    )
    return bool(owned.rowcount)


def finish_unsuccessful(
    session: Session, job_id: str, attempt: int, status: str, error: dict[str, Any] | None
) -> bool:
    owned = session.execute(
        update(Job)
        .where(*_owned(job_id, attempt))
        .values(status=status, error=error, finished_at=utcnow())
    )
    return bool(owned.rowcount)


def list_metrics(session: Session, job_id: str) -> list[JobMetric]:
    return list(
        session.scalars(
            select(JobMetric).where(JobMetric.job_id == job_id).order_by(JobMetric.epoch)
        )
    )
