"""One log line per change of a job's status (logger ``syn0.jobs``): job id, from, to,
attempt, and why when there is a reason (a reaper's ``lost: ...``, an error type).

The statements that change a status note it on their session (``note``); the line is
written once that transaction commits, so a change rolled back (a fenced write that
lost its job, a database that went away) is never logged as made.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("syn0.jobs")
_KEY = "syn0.job_transitions"


def note(
    session: Session,
    job_id: str,
    source: str | None,
    target: str,
    attempt: int | None,
    reason: str | None = None,
) -> None:
    """Log ``job_id``: ``source -> target`` once ``session`` commits (``source`` None:
    the job was just created)."""
    session.info.setdefault(_KEY, []).append((job_id, source, target, attempt, reason))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for job_id, source, target, attempt, reason in session.info.pop(_KEY, ()):
        log.info(
            "job %s: %s -> %s%s%s",
            job_id,
            source or "new",
            target,
            f" (attempt {attempt})" if attempt else "",
            f": {reason}" if reason else "",
            extra={
                "job_id": job_id,
                "from_status": source,
                "to_status": target,
                "attempt": attempt,
                "reason": reason,
            },
        )


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    """Whatever the outermost transaction did not commit (rolled back, closed) is dropped."""
    if transaction.parent is None:
        session.info.pop(_KEY, None)
