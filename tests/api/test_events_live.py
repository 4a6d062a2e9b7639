"""Event streams read live over real HTTP (uvicorn in a thread, the store a SQLite
file): a running job's stream while the worker's writes land, cut midway and resumed
with the last id; the tenant's never-ending stream with heartbeats, resumed likewise;
a reader that leaves gives its slot back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from syn0.api.app import create_app
from syn0.jobs import attempts
from syn0.kit.db import session_scope
from tests.api.factories import create_dataset, queued_job
from tests.api.sse import Sse, parse
from tests.api.test_events import _model, _row
from tests.services import free_port

FAST = {"events_poll_seconds": 0.05, "events_heartbeat_seconds": 0.3}


@pytest.fixture
def served(settings, sessions, key):
    """The app served on a free port: (an httpx client with the key, the app)."""
    app = create_app(settings.model_copy(update=FAST), session_factory=sessions)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=key.headers, timeout=30)
    yield client, app
    client.close()
    server.should_exit = True
    thread.join(15)


@contextmanager
def _open(client: httpx.Client, path: str, **headers: str) -> Iterator[tuple[Iterator, list]]:
    """The stream's events as they come, and the raw lines read (comments included);
    ``raw.more()`` reads one more line."""
    raw = Lines()
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, response.read()
        raw.source = response.iter_lines()
        yield parse(raw), raw


class Lines(list):
    """The lines read so far; iterating reads on (between events, ``more`` may too)."""

    source: Iterator[str]

    def more(self) -> str:
        self.append(next(self.source))
        return self[-1]

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                yield self.more()
            except StopIteration:
                return


def _take(events: Iterator[Sse], n: int) -> list[Sse]:
    return [next(events) for _ in range(n)]


def _train(sessions, job_id: str, epochs: int, started: threading.Event) -> threading.Thread:
    """The worker's writes in a thread, an epoch every 50 ms once ``started`` is set."""

    def work() -> None:
        started.wait(10)
        with session_scope(sessions) as session:
            attempt = attempts.claim_job(session, job_id)
        for epoch in range(1, epochs + 1):
            time.sleep(0.05)
            with session_scope(sessions) as session:
                attempts.record_metrics(session, job_id, attempt, [_row(epoch, 1 / epoch)])
        with session_scope(sessions) as session:
            attempts.finish_succeeded(session, job_id, attempt, _model(session, job_id))

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def _kinds(events: list[Sse]) -> list:
    return [(e.event, e.data.get("type") or e.data.get("epoch")) for e in events]


def test_a_running_jobs_stream_is_live_and_resumes_with_no_gap_or_repeat(served, sessions):
    client, app = served
    job_id = queued_job(client, create_dataset(client)["id"])["id"]
    started = threading.Event()
    worker = _train(sessions, job_id, 6, started)
    path = f"/v1/jobs/{job_id}/events"
    # when: a reader sees the job queued, then the worker starts; the reader leaves
    # after epoch 3
    with _open(client, path) as (events, _):
        first = _take(events, 1)
        started.set()
        first += _take(events, 4)
    assert _kinds(first) == [
        ("status", "job.queued"),
        ("status", "job.running"),
        ("epoch", 1),
        ("epoch", 2),
        ("epoch", 3),
    ]
    # then: reconnecting with the last id gives the rest, live, then the stream ends
    with _open(client, path, **{"Last-Event-ID": first[-1].id}) as (events, _):
        rest = list(events)
    worker.join()
    assert _kinds(rest) == [
        ("epoch", 4),
        ("epoch", 5),
        ("epoch", 6),
        ("status", "job.succeeded"),
        ("end", None),
    ]
    with _open(client, path) as (events, _):
        assert first + rest == list(events)  # the finished job's replay: the same events
    _until(lambda: app.state.runtime.streams.open == 0)


def test_the_tenants_stream_never_ends_beats_and_resumes(served, sessions):
    client, app = served
    dataset_id = create_dataset(client)["id"]
    one = queued_job(client, dataset_id)["id"]
    # given: the reader joins from the first event on
    with _open(client, "/v1/events?after=0") as (events, raw):
        (queued,) = _take(events, 1)
        two = queued_job(client, dataset_id)["id"]
        assert client.post(f"/v1/jobs/{one}/cancel").status_code == 200
        seen = [queued, *_take(events, 2)]
        # quiet: heartbeats (comment lines), and the stream stays open
        pings = 0
        while pings < 2:
            pings += raw.more().startswith(": ping")
        assert app.state.runtime.streams.open == 1
    assert [(e.event, e.data["job_id"]) for e in seen] == [
        ("job.queued", one),
        ("job.queued", two),
        ("job.cancelled", one),
    ]
    assert [int(e.id) for e in seen] == [e.data["id"] for e in seen]
    assert "retry: 2000" in raw
    _until(lambda: app.state.runtime.streams.open == 0)  # the reader left
    # when: more happens while nobody reads, and the reader comes back with its last id
    assert client.post(f"/v1/jobs/{two}/cancel").status_code == 200
    with _open(client, "/v1/events", **{"Last-Event-ID": seen[1].id}) as (events, _):
        rest = _take(events, 2)
    assert [(e.event, e.data["job_id"]) for e in rest] == [
        ("job.cancelled", one),
        ("job.cancelled", two),
    ]
    # and without an id it starts from now: only what happens next
    with _open(client, "/v1/events") as (events, raw):
        # the stream has polled once before its first heartbeat (0.3 s; polls: 0.05 s)
        while not raw.more().startswith(": ping"):
            pass
        three = queued_job(client, dataset_id)["id"]
        (fresh,) = _take(events, 1)
    assert (fresh.event, fresh.data["job_id"]) == ("job.queued", three)


def _until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
