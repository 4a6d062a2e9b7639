"""A worker's side of a job: claim an attempt, then heartbeats, metrics, checkpoints
and the outcome, each accepted only while that attempt still owns the job.

The attempt number is a fencing token: every statement matches ``status = 'running'
AND attempts = :attempt``, so a stale or duplicate worker can never overwrite the
attempt that owns the job now.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from syn0.events import repository as events
from syn0.jobs import transitions
from syn0.jobs.orm import METRIC_FIELDS, QUEUED, RUNNING, SUCCEEDED, Job, JobCheckpoint, JobMetric
from syn0.kit import blobs
from syn0.kit.orm import utcnow
from syn0.models.orm import Model


def claim_job(session: Session, job_id: str) -> int | None:
    """``queued -> running`` in one conditional UPDATE; the attempt number, or None.

    Metrics of epochs after the job's checkpoint (left by a lost attempt) are
    removed: the new attempt resumes from the checkpoint and writes them again.
    """
    now = utcnow()
    job = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now)
        .returning(Job.attempts, Job.history)
    ).one_or_none()
    if job is None:
        return None
    transitions.note(session, job_id, QUEUED, RUNNING, job.attempts)
    entry = {"attempt": job.attempts, "started_at": now.isoformat()}
    session.execute(
        update(Job).where(Job.id == job_id).values(history=[*(job.history or []), entry])
    )
    resumed_from = session.scalar(select(JobCheckpoint.epoch).where(JobCheckpoint.job_id == job_id))
    # A first attempt with no checkpoint has no rows to delete: only an attempt that owns
    # the job writes metrics, and only a copied checkpoint comes with some.
    if job.attempts > 1 or resumed_from is not None:
        session.execute(
            delete(JobMetric).where(
                JobMetric.job_id == job_id, JobMetric.epoch > (resumed_from or 0)
            )
        )
    # The epoch this attempt trains after: the job's event stream sends the epochs it
    # trains again (a lost attempt's, past the checkpoint) once more, with their new rows.
    events.record_job(session, job_id, from_epoch=resumed_from or 0)
    return job.attempts


def claimed_job(session: Session, job_id: str) -> Job:
    """The job a worker claimed: the worker trusts the row (its tenant included) and
    checks nothing else by tenant."""
    return session.get_one(Job, job_id)


def owned(job_id: str, attempt: int):
    return (Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt)


def heartbeat(session: Session, job_id: str, attempt: int) -> tuple[bool, bool]:
    """Record that the attempt is alive: (still the owner, cancel requested)."""
    result = session.execute(
        update(Job).where(*owned(job_id, attempt)).values(heartbeat_at=utcnow())
    )
    cancel = session.scalar(select(Job.cancel_requested).where(Job.id == job_id))
    return bool(result.rowcount), bool(cancel)


def record_metrics(session: Session, job_id: str, attempt: int, rows: list[dict]) -> bool:
    """Store finished epochs (one row each) and the progress; False if not the owner."""
    if not rows:
        return True
    result = session.execute(
        update(Job)
        .where(*owned(job_id, attempt))
        .values(epoch=rows[-1]["epoch"], latest_metrics=rows[-1], heartbeat_at=utcnow())
    )
    if not result.rowcount:
        return False
    # A commit that failed on the client's side may have landed on the server: the
    # worker then sends these epochs again, and they replace the rows they repeat.
    session.execute(
        delete(JobMetric).where(
            JobMetric.job_id == job_id, JobMetric.epoch.between(rows[0]["epoch"], rows[-1]["epoch"])
        )
    )
    sql, named = _metrics_insert(session.get_bind().dialect)
    if named:
        params = [{"job_id": job_id, **{k: row.get(k) for k in METRIC_COLUMNS[1:]}} for row in rows]
    else:
        params = [(job_id, *map(row.get, METRIC_COLUMNS[1:])) for row in rows]
    session.connection().exec_driver_sql(sql, params)
    return True


METRIC_COLUMNS = ("job_id", "epoch", *METRIC_FIELDS)


@functools.cache
def _metrics_insert(dialect) -> tuple[str, bool]:
    """The INSERT of a metric row as the driver takes it, and whether its parameters are
    named (else positional, in ``METRIC_COLUMNS`` order). A fast job writes a thousand
    rows a second or more: one executemany of plain values costs half the CPU of
    SQLAlchemy's per-row bind processing, which would show in the job's time
    (``bench/long_job.py``)."""
    values = {name: bindparam(name) for name in METRIC_COLUMNS}
    compiled = insert(JobMetric.__table__).values(values).inline().compile(dialect=dialect)
    if compiled.positional and tuple(compiled.positiontup) != METRIC_COLUMNS:
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
    return compiled.string, not compiled.positional


def save_checkpoint(session: Session, job_id: str, attempt: int, epoch: int, data: bytes) -> bool:
    """Replace the job's checkpoint with the one after ``epoch``; False if not the owner."""
    result = session.execute(
        update(Job).where(*owned(job_id, attempt)).values(heartbeat_at=utcnow())
    )
    if not result.rowcount:
        return False
    session.execute(delete(JobCheckpoint).where(JobCheckpoint.job_id == job_id))
    session.add(
        JobCheckpoint(
            job_id=job_id, attempt=attempt, epoch=epoch, sha256=blobs.sha256(data), data=data
        )
    )
    return True


def load_checkpoint(session: Session, job_id: str) -> bytes | None:
    """The job's latest checkpoint, checked against its sha256, or None."""
    row = session.execute(
        select(JobCheckpoint.data, JobCheckpoint.sha256).where(JobCheckpoint.job_id == job_id)
    ).one_or_none()
    if row is None:
        return None
    blobs.verify(row.data, row.sha256, "checkpoint")
    return row.data


def metrics_until(session: Session, job_id: str, epoch: int) -> list[dict[str, Any]]:
    """The stored epochs 1 to ``epoch``, ``fit``'s ``history`` when it resumes from the
    checkpoint of ``epoch`` (checkpoints keep no metrics). A metric stored as None (one
    the task does not report, or an undefined ``r2``) is left out."""
    columns = [getattr(JobMetric, name) for name in ("epoch", *METRIC_FIELDS)]
    rows = session.execute(
        select(*columns)
        .where(JobMetric.job_id == job_id, JobMetric.epoch <= epoch)
        .order_by(JobMetric.epoch)
    )
    return [{k: v for k, v in row._mapping.items() if v is not None} for row in rows]


def finish_succeeded(
    session: Session,
    job_id: str,
    attempt: int,
    model: Model,
    evaluation: dict[str, Any] | None = None,
) -> bool:
    """Model row, ``succeeded`` and the validation split's report in the caller's one
    transaction; False if not the owner (the caller must then roll back, which drops
    the model row too)."""
    session.add(model)
    session.flush()
    ended = session.execute(
        update(Job)
        .where(*owned(job_id, attempt))
        # ``error=None``: an asha trial its sweep demoted as it ended keeps its success.
        .values(
            status=SUCCEEDED,
            model_id=model.id,
            finished_at=utcnow(),
            evaluation=evaluation,
            error=None,
        )
        .returning(Job.history)
    ).one_or_none()
    if ended is None:  # not the owner
        return False
    transitions.note(session, job_id, RUNNING, SUCCEEDED, attempt)
    close_history(session, job_id, attempt, SUCCEEDED, history=ended.history)
    session.execute(delete(JobCheckpoint).where(JobCheckpoint.job_id == job_id))
    events.record_job(session, job_id)
    return True


def finish_unsuccessful(
    session: Session, job_id: str, attempt: int, status: str, error: dict[str, Any] | None
) -> bool:
    """End the attempt as failed or cancelled; the checkpoint is kept for inspection."""
    if not _end(session, job_id, attempt, status, error):
        return False
    events.record_job(session, job_id)
    return True


def _end(
    session: Session, job_id: str, attempt: int, status: str, error: dict[str, Any] | None
) -> bool:
    ended = session.execute(
        update(Job)
        .where(*owned(job_id, attempt))
        .values(status=status, error=error, finished_at=utcnow())
        .returning(Job.history)
    ).one_or_none()
    if ended is None:  # not the owner
        return False
    outcome = (error or {}).get("type", status)
    transitions.note(session, job_id, RUNNING, status, attempt, outcome)
    close_history(session, job_id, attempt, outcome, history=ended.history)
    return True


def finish_stopped(
    session: Session,
    job_id: str,
    attempt: int,
    status: str,
    error: dict[str, Any] | None,
    checkpoint: tuple[int, bytes] | None,
    model: Model | None,
) -> bool:
    """End a cancelled or time-limited attempt with what it trained: ``checkpoint``
    ``(epoch, bytes)``, newer than the stored one, replaces it (a resume starts there),
    and ``model`` is the job's partial model; False if not the owner."""
    if checkpoint is not None and not save_checkpoint(session, job_id, attempt, *checkpoint):
        return False
    if not _end(session, job_id, attempt, status, error):
        return False
    if model is not None:
        keep_model(session, job_id, model)
    events.record_job(session, job_id)  # with the partial model's id
    return True


def keep_model(session: Session, job_id: str, model: Model) -> None:
    """Store a stopped job's partial model, with the metrics of its epoch."""
    row = session.scalar(
        select(JobMetric).where(JobMetric.job_id == job_id, JobMetric.epoch == model.epoch)
    )
    if row is not None:
        values = {name: getattr(row, name) for name in METRIC_FIELDS}
        model.metrics = {"epoch": row.epoch, **{k: v for k, v in values.items() if v is not None}}
    session.add(model)
    session.flush()
    session.execute(update(Job).where(Job.id == job_id).values(model_id=model.id))


def requeue(session: Session, job_id: str, attempt: int) -> bool:
    """Give the job back, its worker shutting down: ``queued`` again at once, its
    checkpoint kept for the next attempt to resume from; False if not the owner.

    An attempt given back is not one of the job's ``max_attempts`` (those count workers
    lost): the limit grows by one, while ``attempts`` stays the fencing token.
    """
    result = session.execute(
        update(Job)
        .where(*owned(job_id, attempt))
        .values(status=QUEUED, queued_at=utcnow(), max_attempts=Job.max_attempts + 1)
    )
    if result.rowcount:
        transitions.note(session, job_id, RUNNING, QUEUED, attempt, "worker-shutdown")
        close_history(session, job_id, attempt, "worker-shutdown")
        events.record_job(session, job_id)
    return bool(result.rowcount)


def close_history(
    session: Session,
    job_id: str,
    attempt: int,
    outcome: str,
    ended_at: datetime | None = None,
    history: list | None = None,
) -> None:
    """Write how an attempt ended into the job's ``history``, read here unless the
    caller's ending UPDATE returned it."""
    if history is None:
        history = session.scalar(select(Job.history).where(Job.id == job_id)) or []
    ended = (ended_at or utcnow()).isoformat()
    history = [
        {**entry, "ended_at": ended, "outcome": outcome}
        if entry.get("attempt") == attempt and "outcome" not in entry
        else entry
        for entry in history
    ]
    session.execute(update(Job).where(Job.id == job_id).values(history=history))
