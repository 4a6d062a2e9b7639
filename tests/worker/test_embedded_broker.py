"""Processes that start together on a new embedded broker (``syn0 serve``'s API and
worker) each send or consume without failing: ``Dispatcher.prepare`` makes its tables
and queues safely first. Unprepared, four processes sending together to a new broker lost
10 of 80 sends here (``UNIQUE constraint failed: kombu_queue.name``, and errors inside
Celery's retry of ``table ... already exists``), and a job whose send failed so waited
minutes for the reaper."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from fastapi.testclient import TestClient
from threadpoolctl import threadpool_limits

from syn0.api.app import create_app
from syn0.dispatch import DEFAULT_QUEUE, GPU_QUEUE, Dispatcher
from syn0.settings import Settings
from syn0.worker.app import create_celery

PROCESSES = 4
ROUNDS = 4


def start_then_send(broker_url: str, at: float, outcomes) -> None:
    """As a process of syn0 does: prepare at its start, then send a job."""
    dispatch = Dispatcher(broker_url)
    assert dispatch.app  # built before the start line, so that the processes meet there
    time.sleep(max(0.0, at - time.time()))
    try:
        dispatch.prepare()
        dispatch.train("a-job", "cpu")
        outcomes.put("sent")
    except Exception as error:  # reported to the test, which names it
        outcomes.put(f"{type(error).__name__}: {error}")


def test_processes_starting_together_on_a_new_embedded_broker_all_send(tmp_path):
    # Forked from a server process with no threads (a fork of this one would copy its
    # threads' locks), which has imported this module once for every child.
    fork = multiprocessing.get_context("forkserver")
    fork.set_forkserver_preload([__name__])
    for round_ in range(ROUNDS):
        # given: a new broker
        broker = tmp_path / f"broker-{round_}.db"
        outcomes = fork.Queue()
        # when: four processes start on it at once, each preparing it, then sending
        at = time.time() + 0.5
        started = [
            fork.Process(target=start_then_send, args=(f"sqla+sqlite:///{broker}", at, outcomes))
            for _ in range(PROCESSES)
        ]
        for process in started:
            process.start()
        for process in started:
            process.join(timeout=60)
        # then: every send went through, and the broker holds each one's message
        assert [outcomes.get(timeout=5) for _ in started] == ["sent"] * PROCESSES
        assert queues(broker) == {DEFAULT_QUEUE: PROCESSES, GPU_QUEUE: 0}


def queues(broker) -> dict[str, int]:
    """The embedded broker's queues and the messages in each."""
    with closing(sqlite3.connect(broker)) as db:
        return dict(
            db.execute(
                "SELECT q.name, count(m.id) FROM kombu_queue q "
                "LEFT JOIN kombu_message m ON m.queue_id = q.id GROUP BY q.name"
            )
        )


def open_files() -> set[Path]:
    """The files this process holds open."""
    found = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # the directory's own descriptor, closed by now
            found.add(Path(os.readlink(fd)))
    return found


def test_the_api_and_a_worker_prepare_the_broker_as_they_start(tmp_path):
    def settings(broker: str) -> Settings:
        return Settings(
            database_url=f"sqlite:///{tmp_path / 'syn0.db'}",
            broker_url=f"sqla+sqlite:///{tmp_path / broker}",
        )

    # when: an API starts; then: its new broker has both queues
    with TestClient(create_app(settings("api.db"))):
        assert queues(tmp_path / "api.db") == {DEFAULT_QUEUE: 0, GPU_QUEUE: 0}
    # when: a worker starts (its BLAS bound is set as it does, and undone after)
    with threadpool_limits(limits=None):
        create_celery(settings("worker.db")).WorkController(hostname="w@test", pool_cls="solo")
    # then: the same, and the broker's file is left closed for a prefork pool to fork
    assert queues(tmp_path / "worker.db") == {DEFAULT_QUEUE: 0, GPU_QUEUE: 0}
    assert tmp_path / "worker.db" not in open_files()


def test_a_broker_server_needs_no_preparing():
    Dispatcher("redis://127.0.0.1:1/0").prepare()  # nothing listens there: never contacted


def test_an_api_whose_broker_cannot_be_prepared_still_starts_and_says_why(tmp_path, caplog):
    # given: a broker in a folder that does not exist
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'syn0.db'}",
        broker_url=f"sqla+sqlite:///{tmp_path / 'no-such-folder' / 'broker.db'}",
    )
    # when: the API starts; then: it serves, and its log says why the broker is not ready
    app = create_app(settings)
    with caplog.at_level(logging.ERROR, logger="syn0.api.app"), TestClient(app) as api:
        assert api.get("/healthz").status_code == 200
    assert "could not prepare the broker's tables and queues; each send will try" in caplog.text
