"""Metrics and logs of several processes on PostgreSQL + Redis: two API processes and a
prefork worker (its main process and a pool child) share ``SYN0_METRICS_DIR``, so either
API process's ``/metrics`` has every process's counts; each logs JSON lines."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Stack, wait_for
from tests.services import free_port

TOKEN = "e2e-metrics-token"
EPOCHS = 12


class PreforkStack(Stack):
    """The stack with its worker as docker-compose runs it: a prefork pool, so epochs are
    counted in a child process, not in the process the worker was started as."""

    def start_worker(self, name: str, *options: str) -> None:
        self.processes.append(
            self._spawn(
                name,
                "-m",
                "celery",
                "-A",
                "syn0.worker.main:app",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                f"--hostname={name}@%h",
                *options,
            )
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("metrics-stack")
    env = {
        "SYN0_METRICS_DIR": str(tmp / "metrics"),
        "SYN0_METRICS_TOKEN": TOKEN,
        "SYN0_LOG_FORMAT": "json",
        "SYN0_HEARTBEAT_SECONDS": "1",
    }
    running = PreforkStack("postgres-redis", tmp, env=env)
    yield running
    running.stop()


def _second_api(stack: Stack) -> httpx.Client:
    """Another API process on the same store, broker and metrics folder."""
    port = free_port()
    stack.processes.append(
        stack._spawn(
            "api2",
            "-m",
            "uvicorn",
            "--factory",
            "syn0.api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        )
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return client
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"the second API did not start:\n{stack.logs()}")


def _scrape(client: httpx.Client) -> dict[tuple[str, frozenset], float]:
    reply = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200, reply.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def _json_lines(stack: Stack, name: str) -> list[dict]:
    text = (stack.tmp / f"{name}.log").read_text(errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_one_scrape_of_either_api_process_counts_every_process(stack):
    client = stack.client
    assert client.get("/metrics").status_code == 401  # the API key is not the token
    dataset = client.post(
        "/v1/datasets/generate", json={"kind": "xor", "n_samples": 200, "noise": 0.1, "seed": 1}
    ).json()
    spec = {
        "network": {
            "input_shape": [2],
            "layers": [
                {"type": "dense", "units": 8, "activation": "tanh"},
                {"type": "dense", "units": 2, "activation": "softmax"},
            ],
        },
        "training": {"loss": "cross_entropy", "epochs": EPOCHS, "batch_size": 32},
    }
    submitted = client.post(
        "/v1/jobs", json={"dataset_id": dataset["id"], **spec}, headers={"X-Request-ID": "e2e-1"}
    )
    assert submitted.status_code == 202, submitted.text
    job = wait_for(client, submitted.json()["id"], {"succeeded", "failed"}, seconds=120)
    assert job["status"] == "succeeded", job
    other = _second_api(stack)
    try:
        for api in (client, other):
            samples = _scrape(api)
            # counted in the worker's pool child
            assert samples[("syn0_epochs_trained_total", frozenset({("device", "cpu")}))] == EPOCHS
            assert samples[("syn0_training_seconds_total", frozenset({("device", "cpu")}))] > 0
            # counted in the first API process
            submit = {("route", "/v1/jobs"), ("method", "POST"), ("status", "202")}
            assert samples[("syn0_http_requests_total", frozenset(submit))] == 1
            # read from the store and the broker
            assert samples[("syn0_jobs", frozenset({("status", "succeeded")}))] == 1
            assert samples[("syn0_queue_messages", frozenset({("queue", "celery")}))] == 0
            ages = [v for (name, _), v in samples.items() if name.startswith("syn0_worker_heart")]
            assert len(ages) == 1 and 0 <= ages[0] < 30
    finally:
        other.close()
    # the folder holds the files of several processes: two APIs, the worker and its child
    writers = {path.stem.split("_", 1)[1] for path in (stack.tmp / "metrics").glob("counter_*")}
    assert len(writers) >= 3, writers
    # and each process logged JSON lines: the request, then the job's transitions
    [line] = [
        line
        for line in _json_lines(stack, "api")
        if line.get("request_id") == "e2e-1" and line["logger"] == "syn0.http"
    ]
    assert (line["method"], line["route"], line["status"]) == ("POST", "/v1/jobs", 202)
    moves = [
        (line["from_status"], line["to_status"], line["attempt"])
        for line in _json_lines(stack, "worker")
        if line["logger"] == "syn0.jobs" and line["job_id"] == job["id"]
    ]
    assert moves == [("queued", "running", 1), ("running", "succeeded", 1)]
