"""The reaper: run by beat every ``SYN0_REAP_INTERVAL_SECONDS``, or by hand with
``python -m syn0.jobs.reaper``. It requeues running jobs whose heartbeat stopped (their
worker died), fails those that used up ``max_attempts``, and sends again queued jobs
no worker took (lost between commit and send, or dropped by a broker restart)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from syn0.dispatch import Dispatcher
from syn0.jobs.recovery import Reaped, reap
from syn0.kit.db import Database, session_scope
from syn0.kit.orm import utcnow
from syn0.settings import Settings, get_settings

log = logging.getLogger(__name__)


def reap_once(factory: sessionmaker[Session], settings: Settings, dispatch: Dispatcher) -> Reaped:
    with session_scope(factory) as session:
        reaped = reap(
            session, utcnow(), settings.heartbeat_grace_seconds, settings.queued_grace_seconds
        )
    for job_id, device in reaped.to_send.items():  # after the commit, like every send
        dispatch.train(job_id, device)
    if reaped.requeued or reaped.failed or reaped.to_send:
        log.warning(
            "reaper: requeued %s, failed %s, sent %s",
            reaped.requeued,
            reaped.failed,
            list(reaped.to_send),
        )
    return reaped


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    settings = get_settings()
    database = Database(settings.database_url)
    result = reap_once(database.sessions, settings, Dispatcher(settings.broker_url))
    print(
        f"requeued {len(result.requeued)}, failed {len(result.failed)}, "
        f"cancelled {len(result.cancelled)}, sent {len(result.to_send)}"
    )
