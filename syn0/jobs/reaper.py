"""The reaper: every ``SYN0_REAP_INTERVAL_SECONDS`` a thread in each worker's main
process runs it (``reap_forever``), or run it by hand with ``python -m syn0.jobs.reaper``.
It requeues running jobs whose heartbeat stopped (their worker died), fails those that
used up ``max_attempts``, sends again queued jobs whose message is lost (between
commit and send, or dropped by a broker restart), and advances running sweeps whose
trials ended without making the next (``syn0.sweeps.advancing``).

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

from syn0.dispatch import Dispatcher
from syn0.jobs.recovery import Reaped, reap
from syn0.kit import metrics
from syn0.kit.db import Database, session_scope
from syn0.kit.orm import utcnow
from syn0.settings import Settings, get_settings
from syn0.sweeps.advancing import advance_running

log = logging.getLogger(__name__)


def reap_once(factory: sessionmaker[Session], settings: Settings, dispatch: Dispatcher) -> Reaped:
    with session_scope(factory) as session:
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
        dispatch.train(job_id, device)
    # The backstop of the sweeps: a trial whose worker died before it advanced its sweep.
    made = advance_running(factory, settings, dispatch)
    if made:
        log.warning("reaper: made trials %s of running sweeps", made)
    acted = {
        "requeued": reaped.requeued,
        "failed": reaped.failed,
        "cancelled": reaped.cancelled,
        "sent": reaped.to_send,
    }
    for action, jobs in acted.items():
        if jobs:
            metrics.REAPED.labels(action=action).inc(len(jobs))
    if reaped.requeued or reaped.failed or reaped.to_send:
        log.warning(
            "reaper: requeued %s, failed %s, sent %s",
            reaped.requeued,
            reaped.failed,
            list(reaped.to_send),
        )
    return reaped


def reap_forever(
    factory: sessionmaker[Session], settings: Settings, dispatch: Dispatcher
) -> threading.Event:
    """Reap now and then every ``reap_interval_seconds`` in a daemon thread, until the
    returned event is set. A pass that fails (the database is down) is logged; a pass
    that overruns the interval delays the next one, so passes never pile up."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            started = time.monotonic()
            try:
                reap_once(factory, settings, dispatch)
            except Exception as exc:  # keep reaping once the database is back
                log.warning("reaper pass failed: %s", exc)
            elapsed = time.monotonic() - started
            if stop.wait(max(0.0, settings.reap_interval_seconds - elapsed)):
                return

    threading.Thread(target=loop, name="syn0-reaper", daemon=True).start()
    return stop


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    settings = get_settings()
    database = Database(settings.database_url)
    result = reap_once(database.sessions, settings, Dispatcher(settings.broker_url))
    print(
        f"requeued {len(result.requeued)}, failed {len(result.failed)}, "
        f"cancelled {len(result.cancelled)}, sent {len(result.to_send)}"
    )
