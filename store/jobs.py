"""Job rows as the API sees them: submit, read, list, cancel. A worker's side of a
job (claim, progress, outcome) is in ``store.attempts``."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.orm import ACTIVE, CANCELLED, CPU, QUEUED, RUNNING, Job, JobMetric, is_id, utcnow
from store.paging import page


def create_job(
    session: Session,
    *,
    dataset_id: str,
    network: dict,
    training: dict,
    epochs: int,
    idempotency_key: str | None,
    max_attempts: int = 3,
    max_runtime_seconds: int | None = None,
    device: str = CPU,
) -> Job:
    job = Job(
        dataset_id=dataset_id,
        device=device,
        network=network,
        training=training,
        max_attempts=max_attempts,
        max_runtime_seconds=max_runtime_seconds,
        queued_at=utcnow(),
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


def count_active(session: Session) -> int:
    """Jobs queued or running: what ``max_queued_jobs`` limits."""
    query = select(func.count()).select_from(Job).where(Job.status.in_(ACTIVE))
    return session.scalar(query) or 0


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


def cancel_requested(session: Session, job_id: str) -> bool:
    return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def list_metrics(
    session: Session, job_id: str, after: int = 0, limit: int | None = None
) -> list[JobMetric]:
    """The job's metrics rows of epochs after ``after``, in order, at most ``limit``."""
    query = (
        select(JobMetric)
        .where(JobMetric.job_id == job_id, JobMetric.epoch > after)
        .order_by(JobMetric.epoch)
        .limit(limit)
    )
    return list(session.scalars(query))
