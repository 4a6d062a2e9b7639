"""The reaper's queries: requeue running jobs whose worker went silent, fail those out
of attempts, end those being cancelled (with the partial model of their checkpoint),
and pick out queued jobs whose message is lost (between commit and send,
or with a broker that restarted empty) so they can be sent again.

A queued job's message waits in a first-in, first-out queue, so the reaper sends a job
again only when that queue has provably moved past it, never merely because it waited
long: workers take a queue's messages in the order they were sent, and a worker with a
free slot takes the next one at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syn0.events import repository as events
from syn0.jobs import transitions
from syn0.jobs.attempts import close_history
from syn0.jobs.orm import CANCELLED, FAILED, QUEUED, RUNNING, Job
from syn0.jobs.results import keep_stored
from syn0.workers import repository as workers


@dataclass
class Reaped:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    # Requeued, or queued and lost: job id -> its device (which names its queue).
    to_send: dict[str, str] = field(default_factory=dict)


def reap(
    session: Session,
    now: datetime,
    heartbeat_grace: float,
    queued_grace: float,
    *,
    present_within: float,
) -> Reaped:
    """One pass; each change is a conditional UPDATE, so two reapers never both act.

    ``present_within``: a worker that reported itself this recently is alive. Keep it
    under ``heartbeat_grace`` less a heartbeat period, so that a dead worker stops
    counting before its job stops counting as running.
    """
    reaped = Reaped()
    _requeue_silent(session, now, heartbeat_grace, reaped)
    reaped.to_send.update(_lost_in_queue(session, now, queued_grace, present_within))
    return reaped


def _requeue_silent(session: Session, now: datetime, grace: float, reaped: Reaped) -> None:
    silent_since = now - timedelta(seconds=grace)
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
        transitions.note(session, job.id, RUNNING, status, job.attempts, lost)
        close_history(session, job.id, job.attempts, lost, ended_at=now)
        if status == FAILED:
            _fail_out_of_attempts(session, job.id, job.attempts, grace)
        elif status == CANCELLED:
            keep_stored(session, job.id)
        events.record_job(session, job.id)
        bucket.append(job.id)
        if status == QUEUED:
            reaped.to_send[job.id] = job.device


def _lost_in_queue(
    session: Session, now: datetime, grace: float, present_within: float
) -> dict[str, str]:
    """Queued jobs, sent more than ``grace`` ago, that their queue has moved past:

    - a job of the same queue sent more than ``grace`` after it is running: it was
      taken first, so this one's message is not in the queue (the margin covers two
      sends racing between their commit and their send); or
    - a worker of its device has had a free slot for ``grace``: up that long, fewer
      jobs running than such workers, and no job of the device ended in ``grace``.

    Each is stamped ``queued_at = now`` (conditionally, so two reapers never both send
    it): it is sent again at most once per ``grace``.
    """
    since = now - timedelta(seconds=grace)
    waiting = select(Job.device).where(Job.status == QUEUED, Job.queued_at < since)
    lost: dict[str, str] = {}
    for device in session.scalars(waiting.distinct()).all():
        passed = _passed_before(session, device, now, grace, present_within)
        if passed is None:
            continue
        behind = session.execute(
            select(Job.id, Job.queued_at).where(
                Job.device == device,
                Job.status == QUEUED,
                Job.queued_at < since,
                Job.queued_at < passed,
            )
        ).all()
        for job in behind:
            stamped = session.execute(
                update(Job)
                .where(Job.id == job.id, Job.status == QUEUED, Job.queued_at == job.queued_at)
                .values(queued_at=now)
            )
            if stamped.rowcount:
                lost[job.id] = device
    return lost


def _passed_before(
    session: Session, device: str, now: datetime, grace: float, present_within: float
) -> datetime | None:
    """The time before which a job queued on ``device`` is provably not in its queue
    (``now``: none of them is), or None."""
    since = now - timedelta(seconds=grace)
    running = session.execute(
        select(func.count(), func.max(Job.queued_at)).where(
            Job.device == device, Job.status == RUNNING
        )
    ).one()
    ready = workers.count_ready(
        session, device, seen_since=now - timedelta(seconds=present_within), up_since=since
    )
    if running[0] < ready and not _ended_since(session, device, since):
        return now
    if running[1] is not None:
        return running[1] - timedelta(seconds=grace)
    return None


def _ended_since(session: Session, device: str, since: datetime) -> bool:
    ended = select(Job.id).where(Job.device == device, Job.finished_at >= since).limit(1)
    return session.scalar(ended) is not None


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
