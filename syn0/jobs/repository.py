"""Job rows as the API sees them: submit, read, list, cancel, each scoped by tenant. A
worker's side of a job (claim, progress, outcome) is in ``store.attempts``."""

from __future__ import annotations

from sqlalchemy import ScalarSelect, delete, func, insert, select, update
from sqlalchemy.orm import Session

from syn0.events import repository as events
from syn0.jobs import transitions
from syn0.jobs.orm import (
    ACTIVE,
    CANCELLED,
    CPU,
    FINISHED,
    METRIC_FIELDS,
    QUEUED,
    RUNNING,
    Job,
    JobCheckpoint,
    JobMetric,
)
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
    sweep: tuple[str, int] | None = None,
) -> Job:
    """Add a queued job (``sweep``: a trial's sweep id and trial number)."""
    sweep_id, sweep_trial = sweep or (None, None)
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
        sweep_id=sweep_id,
        sweep_trial=sweep_trial,
    )
    session.add(job)
    session.flush()
    events.record_job(session, job.id)
    transitions.note(session, job.id, None, QUEUED, None, f"created by tenant {tenant_id}")
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
    sweep_id: str | None = None,
):
    query = select(Job).where(Job.tenant_id == tenant_id)
    if sweep_id:
        query = query.where(Job.sweep_id == (sweep_id if is_id(sweep_id) else None))
    if status:
        query = query.where(Job.status == status)
    if dataset_id:
        query = query.where(Job.dataset_id == (dataset_id if is_id(dataset_id) else None))
    return page(session, query, Job, limit, cursor)


def count_active(session: Session, tenant_id: str | None = None) -> int:
    """Jobs queued or running, of one tenant or (None) of all: what ``max_queued_jobs``
    and ``tenant_max_active_jobs`` limit."""
    return session.scalar(select(active_count(tenant_id))) or 0


def active_count(tenant_id: str | None = None) -> ScalarSelect[int]:
    """``count_active`` as an expression, for one statement with other checks."""
    query = select(func.count()).select_from(Job).where(Job.status.in_(ACTIVE))
    if tenant_id is not None:
        query = query.where(Job.tenant_id == tenant_id)
    return query.scalar_subquery()


def count_by_status(session: Session) -> dict[str, int]:
    """Jobs of every tenant by status (``/metrics``), each status present, zero or not."""
    counts = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    return {status: counts.get(status, 0) for status in (*ACTIVE, *FINISHED)}


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
        events.record_job(session, job_id)
        transitions.note(session, job_id, QUEUED, CANCELLED, None, "cancelled by the client")
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


def delete_job(session: Session, tenant_id: str, job_id: str) -> bool:
    """Delete a finished job; False if it is not finished (or not the tenant's). Its
    metrics and checkpoint go with it (``ON DELETE CASCADE``); its model stays, its
    ``job_id`` null (``ON DELETE SET NULL``)."""
    result = session.execute(
        delete(Job).where(Job.id == job_id, Job.tenant_id == tenant_id, Job.status.in_(FINISHED))
    )
    return bool(result.rowcount)


def checkpoint_epoch(session: Session, job_id: str) -> int | None:
    return session.scalar(select(JobCheckpoint.epoch).where(JobCheckpoint.job_id == job_id))


def copy_progress(session: Session, source: Job, target: Job) -> int:
    """Give ``target`` the checkpoint of ``source`` and the metrics of the epochs up to it,
    so that its first attempt resumes there; returns the checkpoint's epoch."""
    ckpt = session.execute(
        select(JobCheckpoint.epoch, JobCheckpoint.sha256, JobCheckpoint.data).where(
            JobCheckpoint.job_id == source.id
        )
    ).one()
    session.add(
        JobCheckpoint(
            job_id=target.id, attempt=0, epoch=ckpt.epoch, sha256=ckpt.sha256, data=ckpt.data
        )
    )
    rows = session.scalars(
        select(JobMetric)
        .where(JobMetric.job_id == source.id, JobMetric.epoch <= ckpt.epoch)
        .order_by(JobMetric.epoch)
    ).all()
    if rows:
        values = [{name: getattr(row, name) for name in ("epoch", *METRIC_FIELDS)} for row in rows]
        session.execute(insert(JobMetric), [{"job_id": target.id, **v} for v in values])
        target.latest_metrics = {k: v for k, v in values[-1].items() if v is not None}
    target.epoch = ckpt.epoch
    session.flush()
    return ckpt.epoch
