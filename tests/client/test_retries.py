"""Retries: what is repeated, how long the client waits, and a server that comes up late.

The rules are checked on scripted replies (``httpx.MockTransport``) with the sleeps
recorded instead of slept; then against a real API that starts after the first call.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from syn0.client import (
    Client,
    ConnectionFailed,
    RetryPolicy,
    ServerError,
    ServiceUnavailable,
    TooManyJobs,
)
from syn0.client import http as client_http
from syn0.client.errors import retry_after_seconds
from tests.client.factories import NETWORK, training
from tests.services import ROOT, api_command, free_port

Reply = Callable[[httpx.Request], httpx.Response]
JOB = {
    "id": "j1",
    "dataset_id": "d1",
    "status": "queued",
    "network": NETWORK,
    "training": training(),
    "progress": {"epoch": 0, "epochs": 30, "fraction": 0.0, "eta_seconds": None},
    "created_at": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(client_http.time, "sleep", slept.append)
    return slept


def scripted(*replies: Reply | Exception) -> tuple[Client, list[httpx.Request]]:
    """A client whose n-th request gets the n-th reply (an exception is raised)."""
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        reply = replies[len(requests) - 1]
        if isinstance(reply, Exception):
            raise reply
        return reply(request)

    client = Client("http://syn0.test", transport=httpx.MockTransport(handler))
    return client, requests


def unavailable(retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    problem = {"type": "x", "title": "Service unavailable", "status": 503, "detail": "db down"}
    return lambda request: httpx.Response(503, json=problem, headers=headers)


def ok(body: object) -> Reply:
    return lambda request: httpx.Response(200, json=body)


def test_a_503_is_retried_after_its_retry_after(sleeps):
    client, requests = scripted(unavailable("2"), ok({"database": "ok", "broker": "ok"}))
    assert client.ready() == {"database": "ok", "broker": "ok"}
    assert len(requests) == 2 and sleeps == [2.0]


def test_retry_after_as_a_date_and_capped():
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after_seconds(httpx.Response(503, headers={"Retry-After": later}))
    assert 28 < seconds <= 30
    assert RetryPolicy(max_retry_after=5).delay(0, retry_after=3600) == 5


def test_backoff_grows_with_jitter_up_to_its_cap():
    policy = RetryPolicy(backoff=0.5, max_backoff=4)
    for attempt, step in enumerate([0.5, 1, 2, 4, 4]):
        delays = {policy.delay(attempt) for _ in range(20)}
        assert all(step / 2 <= delay <= step for delay in delays) and len(delays) > 1


def test_gives_up_after_the_last_attempt(sleeps):
    client, requests = scripted(*[unavailable()] * 4)
    with pytest.raises(ServiceUnavailable) as failed:
        client.jobs.get("j1")
    assert len(requests) == 4 and len(sleeps) == 3
    assert failed.value.status == 503 and failed.value.detail == "db down"


def test_an_unsent_request_is_retried_even_when_not_idempotent(sleeps):
    dataset = {**{k: JOB[k] for k in ("id", "created_at")}, "name": "x", "task": "regression"}
    dataset |= {"n_samples": 2, "input_shape": [2], "n_outputs": 1, "sha256": "0"}
    client, requests = scripted(httpx.ConnectError("refused"), ok(dataset))
    assert client.datasets.generate("plane").id == "j1"
    assert len(requests) == 2


def test_a_sent_generate_is_not_repeated(sleeps):
    reset, reset_requests = scripted(httpx.ReadError("reset"), ok({}))
    with pytest.raises(ConnectionFailed, match="reset"):
        reset.datasets.generate("plane")
    busy, busy_requests = scripted(unavailable(), ok({}))
    with pytest.raises(ServiceUnavailable):
        busy.datasets.generate("plane")
    assert len(reset_requests) == len(busy_requests) == 1 and sleeps == []


def test_a_submit_is_repeated_with_the_same_idempotency_key(sleeps):
    client, requests = scripted(httpx.ReadError("reset"), unavailable("0"), ok(JOB))
    assert client.jobs.submit("d1", NETWORK, training()).id == "j1"
    keys = {request.headers["Idempotency-Key"] for request in requests}
    assert len(requests) == 3 and len(keys) == 1 and len(keys.pop()) == 32


def test_a_full_queue_is_reported_with_its_retry_after_not_retried(sleeps):
    problem = {"type": "x", "title": "Too many jobs", "status": 429, "detail": "queue full"}
    full = lambda request: httpx.Response(429, json=problem, headers={"Retry-After": "30"})  # noqa: E731
    client, requests = scripted(full, ok(JOB))
    with pytest.raises(TooManyJobs) as refused:
        client.jobs.submit("d1", NETWORK, training())
    assert refused.value.retry_after == 30 and len(requests) == 1 and sleeps == []


def test_a_reply_that_is_not_a_problem_keeps_its_text(sleeps):
    proxy = lambda request: httpx.Response(502, text="<html>Bad Gateway</html>")  # noqa: E731
    client, _ = scripted(proxy)
    with pytest.raises(ServerError) as failed:
        client.jobs.get("j1")
    assert failed.value.status == 502 and "Bad Gateway" in failed.value.detail


def test_a_server_that_is_down_then_up(stack, monkeypatch):
    # given: nothing listens on the port yet; the API starts there a moment later
    port = free_port()
    started: list[subprocess.Popen] = []

    def start() -> None:
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        started.append(subprocess.Popen(api_command(port), cwd=ROOT, env=stack.env, **quiet))

    timer = threading.Timer(0.5, start)
    slept: list[float] = []
    real_sleep = client_http.time.sleep
    monkeypatch.setattr(client_http.time, "sleep", lambda s: slept.append(s) or real_sleep(s))
    retry = RetryPolicy(attempts=30, backoff=0.1, max_backoff=0.5)
    try:
        timer.start()
        # when
        with Client(f"http://127.0.0.1:{port}", retry=retry) as client:
            ready = client.ready()
    finally:
        timer.join()
        for process in started:
            process.terminate()
            process.wait(timeout=15)
    # then
    assert ready == {"database": "ok", "broker": "ok"}
    assert len(slept) >= 1


def test_a_stopped_server_is_a_connection_failure():
    retry = RetryPolicy(attempts=2, backoff=0.01)
    client = Client(f"http://127.0.0.1:{free_port()}", retry=retry)
    with client, pytest.raises(ConnectionFailed) as failed:
        client.jobs.list()
    assert failed.value.status is None and "127.0.0.1" in failed.value.detail
