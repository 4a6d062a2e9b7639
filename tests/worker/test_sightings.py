"""Workers report themselves to the store, and the store answers who was seen when."""

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from syn0.kit.orm import utcnow
from syn0.settings import Settings
from syn0.workers import repository as workers
from syn0.workers.orm import Worker
from syn0.workers.sightings import report_forever


def _rows(factory):
    with factory() as session:
        return session.execute(select(Worker.name, Worker.device, Worker.seen_at)).all()


def test_a_worker_reports_itself_every_period_until_stopped(factory):
    # given
    settings = Settings(worker_device="gpu", heartbeat_seconds=0.05)
    # when
    stop = report_forever("w1@host", settings, factory)
    deadline = time.monotonic() + 10
    while not _rows(factory) and time.monotonic() < deadline:
        time.sleep(0.02)
    first = _rows(factory)
    time.sleep(0.3)
    stop.set()
    # A report under way as the event was set still lands: read the rows after it.
    for thread in threading.enumerate():
        if thread.name == "syn0-sightings":
            thread.join(timeout=10)
    later = _rows(factory)
    # then: one row, its device, a newer sighting each period
    assert [(name, device) for name, device, _ in first] == [("w1@host", "gpu")]
    assert [(name, device) for name, device, _ in later] == [("w1@host", "gpu")]
    assert later[0].seen_at > first[0].seen_at
    time.sleep(0.2)
    assert _rows(factory) == later  # stopped


def _seen_since(session, device, seconds_ago):
    return workers.seen_since(session, device, utcnow() - timedelta(seconds=seconds_ago))


def test_seen_since_tells_devices_and_recency_apart(factory, postgres_factory):
    for sessions in (factory, postgres_factory):
        with sessions.begin() as session:
            workers.record_sighting(session, "cpu@a", "cpu", utcnow())
        with sessions() as session:
            assert _seen_since(session, "cpu", 5)
            assert not _seen_since(session, "gpu", 5)
            assert not _seen_since(session, "cpu", -5)  # a sighting in the future: none
