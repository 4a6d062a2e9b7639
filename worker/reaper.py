"""The reaper: run by beat every ``SYN0_REAP_INTERVAL_SECONDS``, or by hand with
``python -m worker.reaper``. It requeues running jobs whose heartbeat stopped (their
worker died), fails those that used up ``max_attempts``, and sends again queued jobs
no worker took (lost between commit and send, or dropped by a broker restart)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from store.db import session_factory, session_scope
from store.orm import utcnow
from store.reaper import Reaped, reap
from store.settings import get_settings
from worker.app import enqueue_training

log = logging.getLogger(__name__)


def reap_once(factory: sessionmaker[Session] | None = None) -> Reaped:
    settings = get_settings()
    with session_scope(factory or session_factory()) as session:
        reaped = reap(
            session,
            utcnow(),
            settings.heartbeat_grace_seconds,
            settings.queued_grace_seconds,
            # Two missed sightings: a worker gone quiet stops counting long before its
            # job's heartbeat grace runs out.
            present_within=2 * settings.heartbeat_seconds,
        )
    for job_id, device in reaped.to_send.items():  # after the commit, like every send
        enqueue_training(job_id, device)
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
    result = reap_once()
    print(
        f"requeued {len(result.requeued)}, failed {len(result.failed)}, "
        f"cancelled {len(result.cancelled)}, sent {len(result.to_send)}"
    )
