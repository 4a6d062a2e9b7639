"""Job rows as the API sees them: submit, read, list, cancel, each scoped by tenant. A
worker's side of a job (claim, progress, outcome) is in ``store.attempts``."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syn0.jobs.orm import ACTIVE, CANCELLED, CPU, QUEUED, RUNNING, Job, JobMetric
from syn0.kit.lookups import owned
from syn0.kit.orm import is_id, utcnow
from syn0.kit.paging import page


def create_job(
    session: Session,
    *,
    tenant_id: str,
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
        tenant_id=tenant_id,
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


def get_job(session: Session, tenant_id: str, job_id: str) -> Job | None:
    return owned(session, Job, tenant_id, job_id)


def job_by_idempotency_key(session: Session, tenant_id: str, key: str) -> Job | None:
    query = select(Job).where(Job.tenant_id == tenant_id, Job.idempotency_key == key)
    return session.scalar(query)


def list_jobs(
    session: Session,
    tenant_id: str,
    limit: int,
    cursor: str | None,
    status: str | None = None,
    dataset_id: str | None = None,
):
    query = select(Job).where(Job.tenant_id == tenant_id)
    if status:
        query = query.where(Job.status == status)
    if dataset_id:
        query = query.where(Job.dataset_id == (dataset_id if is_id(dataset_id) else None))
    return page(session, query, Job, limit, cursor)


def count_active(session: Session, tenant_id: str | None = None) -> int:
    """Jobs queued or running, of one tenant or (None) of all: what ``max_queued_jobs``
    and ``tenant_max_active_jobs`` limit."""
    query = select(func.count()).select_from(Job).where(Job.status.in_(ACTIVE))
    if tenant_id is not None:
        query = query.where(Job.tenant_id == tenant_id)
    return session.scalar(query) or 0


def cancel_job(session: Session, tenant_id: str, job_id: str) -> bool:
    """Cancel a queued job at once or flag a running one; False if it already ended."""
    now = utcnow()
    mine = (Job.id == job_id, Job.tenant_id == tenant_id)
    queued = session.execute(
        update(Job)
        .where(*mine, Job.status == QUEUED)
        .values(status=CANCELLED, finished_at=now, cancel_requested=True)
    )
    if queued.rowcount:
        return True
    running = session.execute(
        update(Job).where(*mine, Job.status == RUNNING).values(cancel_requested=True)
    )
    return bool(running.rowcount)


def cancel_requested(session: Session, job_id: str) -> bool:
    return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def list_metrics(
    session: Session, tenant_id: str, job_id: str, after: int = 0, limit: int | None = None
) -> list[JobMetric]:
    """The job's metrics rows of epochs after ``after``, in order, at most ``limit``."""
    query = (
        select(JobMetric)
        .join(Job, Job.id == JobMetric.job_id)
        .where(Job.tenant_id == tenant_id, JobMetric.job_id == job_id, JobMetric.epoch > after)
        .order_by(JobMetric.epoch)
        .limit(limit)
    )
    return list(session.scalars(query))
