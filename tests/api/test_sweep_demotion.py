"""An asha trial goes past a rung only while it ranks in the top: one that went on as
the first to reach a rung is demoted once a better trial reaches it, while it trains.

Two trials train at once, each in a thread as two workers would, on the machine's
PostgreSQL (the sweep's row lock orders their verdicts)."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from syn0.api.app import create_app
from syn0.jobs.training import run_job
from syn0.tenants.repository import SCOPES
from tests.api.factories import create_dataset, create_key, training
from tests.api.test_sweeps import start, sweep_body, trials

EPOCHS = 20_000  # the slow trial would train for seconds unless demoted


@pytest.fixture
def client(settings, postgres_factory):
    app = create_app(settings, session_factory=postgres_factory)
    key = create_key(postgres_factory, "acme", SCOPES)
    with TestClient(app, headers=key.headers) as test_client:
        yield test_client


def train(job_id: str, factory, settings, ended: dict) -> threading.Thread:
    thread = threading.Thread(
        target=lambda: ended.update({job_id: run_job(job_id, factory, settings)})
    )
    thread.start()
    return thread


def job(client, job_id: str) -> dict:
    return client.get(f"/v1/jobs/{job_id}").json()


def wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_trial_first_past_a_rung_is_demoted_once_a_better_one_reaches_it(
    client, postgres_factory, settings
):
    # given: a learning rate that learns, and one too small to; the slow one starts first
    dataset = create_dataset(client)
    body = sweep_body(
        dataset["id"],
        method="asha",
        metric="loss",
        parameters={"training.optimizer.learning_rate": {"values": [0.5, 1e-5]}},
        training=training(epochs=EPOCHS, optimizer={"type": "sgd"}),
        min_epochs=2,
        eta=2,
        max_parallel=2,
    )
    sweep = start(client, body)
    good, slow = trials(client, sweep["id"])
    ended: dict[str, str] = {}
    threads = [train(slow["id"], postgres_factory, settings, ended)]
    # Alone at rung 2 (its epoch 2 is stored with its verdict), it went on.
    wait_for(lambda: job(client, slow["id"])["progress"]["epoch"] >= 2, "the slow trial's rung")
    assert job(client, slow["id"])["status"] == "running"

    # when: the better trial reaches rung 2
    threads.append(train(good["id"], postgres_factory, settings, ended))

    # then: the slow trial stops soon after, pruned at rung 2, and says why
    wait_for(lambda: slow["id"] in ended, "the slow trial to stop")
    stopped = job(client, slow["id"])
    assert stopped["status"] == "cancelled"
    assert stopped["progress"]["epoch"] < EPOCHS // 2
    assert stopped["error"]["type"] == "pruned" and stopped["error"]["epoch"] == 2
    assert stopped["error"]["detail"].startswith(
        "pruned by its asha sweep at rung epoch 2: its loss "
    )
    assert stopped["error"]["detail"].endswith(
        "ranked 2 of the 2 trials numbered up to 1 that reached it, and only the top 1 "
        "(1/2) go on; it had gone on before trial 0 reached that rung"
    )
    board = {
        row["trial"]: row for row in client.get(f"/v1/sweeps/{sweep['id']}").json()["leaderboard"]
    }
    assert board[1]["status"] == "pruned"
    assert job(client, good["id"])["status"] == "running"

    # and a cancel is not a demotion: the sweep's cancel ends the good trial without a reason
    assert client.post(f"/v1/sweeps/{sweep['id']}/cancel").status_code == 200
    for thread in threads:
        thread.join(timeout=30)
    assert ended[good["id"]] == "cancelled"
    assert job(client, good["id"])["error"] is None
