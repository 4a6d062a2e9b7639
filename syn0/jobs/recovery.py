"""The reaper's queries: requeue running jobs whose worker went silent, fail those out
of attempts, and pick out queued jobs that no worker took (lost between commit and send,
or dropped by a broker restart) so they can be sent again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syn0.jobs.attempts import close_history
from syn0.jobs.orm import CANCELLED, FAILED, QUEUED, RUNNING, Job


@dataclass
class Reaped:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    # Requeued, or queued and never taken: job id -> its device (which names its queue).
    to_send: dict[str, str] = field(default_factory=dict)


def reap(session: Session, now: datetime, heartbeat_grace: float, queued_grace: float) -> Reaped:
    """One pass; each change is a conditional UPDATE, so two reapers never both act."""
    reaped = Reaped()
    silent_since = now - timedelta(seconds=heartbeat_grace)
    stale = session.execute(
        select(
            Job.id,
            Job.attempts,
            Job.max_attempts,
            Job.cancel_requested,
            Job.heartbeat_at,
            Job.device,
        ).where(Job.status == RUNNING, Job.heartbeat_at < silent_since)
    ).all()
    for job in stale:
        lost = f"lost: no heartbeat since {job.heartbeat_at.isoformat()}"
        if job.cancel_requested:
            status, values, bucket = CANCELLED, {"finished_at": now}, reaped.cancelled
        elif job.attempts >= job.max_attempts:
            status, bucket = FAILED, reaped.failed
            values = {"finished_at": now}
        else:
            status, values, bucket = QUEUED, {"queued_at": now}, reaped.requeued
        result = session.execute(
            update(Job)
            .where(
                Job.id == job.id,
                Job.status == RUNNING,
                Job.attempts == job.attempts,
                Job.heartbeat_at < silent_since,
            )
            .values(status=status, **values)
        )
        if not result.rowcount:
            continue
        close_history(session, job.id, job.attempts, lost, ended_at=now)
        if status == FAILED:
            _fail_out_of_attempts(session, job.id, job.attempts, heartbeat_grace)
        bucket.append(job.id)
        if status == QUEUED:
            reaped.to_send[job.id] = job.device
    waited_since = now - timedelta(seconds=queued_grace)
    untaken = dict(
        session.execute(
            select(Job.id, Job.device).where(Job.status == QUEUED, Job.queued_at < waited_since)
        ).all()
    )
    if untaken:
        # Stamped now, so each is sent again at most once per grace period.
        session.execute(update(Job).where(Job.id.in_(untaken)).values(queued_at=now))
    reaped.to_send.update(untaken)
    return reaped


def _fail_out_of_attempts(session: Session, job_id: str, attempts: int, grace: float) -> None:
    history = session.scalar(select(Job.history).where(Job.id == job_id)) or []
    error = {
        "type": "max-attempts",
        "detail": f"the job's worker was lost in each of its {attempts} attempts (no "
        f"heartbeat for {grace:g} s); the job may crash its worker (memory?) — check the "
        "worker logs, make the job smaller, or raise SYN0_MAX_ATTEMPTS",
        "attempts": history,
    }
    session.execute(update(Job).where(Job.id == job_id).values(error=error))
