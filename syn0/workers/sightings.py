"""A worker's reports of itself: every ``heartbeat_seconds`` its main process writes its
name, device and the time to the store (``store.workers``), from a daemon thread. The
API reads them to tell a GPU job that no GPU worker is there to take it."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from syn0.kit.db import session_scope
from syn0.kit.orm import utcnow
from syn0.settings import Settings
from syn0.workers import repository as workers

log = logging.getLogger(__name__)


def report_forever(
    name: str, settings: Settings, factory: sessionmaker[Session]
) -> threading.Event:
    """Report ``name`` now and every period in the background, until the returned event
    is set. A failed write (the database is down) is logged and tried again."""
    started, stop = utcnow(), threading.Event()

    def loop() -> None:
        while True:
            try:
                with session_scope(factory) as session:
                    workers.record_sighting(session, name, settings.worker_device, started)
            except Exception as exc:  # keep reporting once the database is back
                log.warning("worker %s could not report itself: %s", name, exc)
            if stop.wait(settings.heartbeat_seconds):
                return

    threading.Thread(target=loop, name="syn0-sightings", daemon=True).start()
    return stop
