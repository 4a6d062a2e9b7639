"""The reaper: every ``SYN0_REAP_INTERVAL_SECONDS`` a thread in each worker's main
process runs it (``reap_forever``), or run it by hand with ``python -m worker.reaper``.
It requeues running jobs whose heartbeat stopped (their worker died), fails those that
used up ``max_attempts``, and sends again queued jobs whose message is lost (between
commit and send, or dropped by a broker restart).

It runs beside the worker's consumer, never as a task through the broker: a message
would wait behind the training jobs it is meant to rescue, which is exactly when it is
needed. One pass at a time per process, at a fixed rate; passes of several workers may
overlap, and each of their decisions is a conditional UPDATE, so none is taken twice.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from store.db import session_factory, session_scope
from store.orm import utcnow
from store.reaper import Reaped, reap
from store.settings import Settings, get_settings
from worker.app import enqueue_training

log = logging.getLogger(__name__)


def reap_once(
    factory: sessionmaker[Session] | None = None, settings: Settings | None = None
) -> Reaped:
    settings = settings or get_settings()
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


def reap_forever(
    settings: Settings, factory: sessionmaker[Session] | None = None
) -> threading.Event:
    """Reap now and then every ``reap_interval_seconds`` in a daemon thread, until the
    returned event is set. A pass that fails (the database is down) is logged; a pass
    that overruns the interval delays the next one, so passes never pile up."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            started = time.monotonic()
            try:
                reap_once(factory, settings)
            except Exception as exc:  # keep reaping once the database is back
                log.warning("reaper pass failed: %s", exc)
            elapsed = time.monotonic() - started
            if stop.wait(max(0.0, settings.reap_interval_seconds - elapsed)):
                return

    threading.Thread(target=loop, name="syn0-reaper", daemon=True).start()
    return stop


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    result = reap_once()
    print(
        f"requeued {len(result.requeued)}, failed {len(result.failed)}, "
        f"cancelled {len(result.cancelled)}, sent {len(result.to_send)}"
    )
