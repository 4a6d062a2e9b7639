"""Processes that start together on a new embedded broker (``syn0 serve``'s API and
worker) each send or consume without failing: ``Dispatcher.prepare`` makes its tables
and queues safely first. Unprepared, a first send lost that race to another process in
about one start in eight here (``UNIQUE constraint failed: kombu_queue.name``), and its
job waited minutes for the reaper."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import time
from contextlib import closing

from fastapi.testclient import TestClient

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
        broker = tmp_path / f"broker-{round_}.db"
        outcomes = fork.Queue()
        at = time.time() + 0.5
        started = [
            fork.Process(target=start_then_send, args=(f"sqla+sqlite:///{broker}", at, outcomes))
            for _ in range(PROCESSES)
        ]
        for process in started:
            process.start()
        for process in started:
            process.join(timeout=60)
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


def test_the_api_and_a_worker_prepare_the_broker_as_they_start(tmp_path):
    def settings(broker: str) -> Settings:
        return Settings(
            database_url=f"sqlite:///{tmp_path / 'syn0.db'}",
            broker_url=f"sqla+sqlite:///{tmp_path / broker}",
        )

    with TestClient(create_app(settings("api.db"))):
        assert queues(tmp_path / "api.db") == {DEFAULT_QUEUE: 0, GPU_QUEUE: 0}
    create_celery(settings("worker.db")).WorkController(hostname="prepares@test", pool_cls="solo")
    assert queues(tmp_path / "worker.db") == {DEFAULT_QUEUE: 0, GPU_QUEUE: 0}


def test_a_broker_server_needs_no_preparing():
    Dispatcher("redis://127.0.0.1:1/0").prepare()  # nothing listens there: never contacted


def test_an_api_whose_broker_cannot_be_prepared_still_starts_and_says_why(tmp_path, caplog):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'syn0.db'}",
        broker_url=f"sqla+sqlite:///{tmp_path / 'no-such-folder' / 'broker.db'}",
    )
    app = create_app(settings)
    with caplog.at_level(logging.ERROR, logger="syn0.api.app"), TestClient(app) as api:
        assert api.get("/healthz").status_code == 200
    assert "could not prepare the embedded broker; each send will try again" in caplog.text
