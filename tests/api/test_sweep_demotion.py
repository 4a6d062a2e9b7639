"""An asha trial is ranked among the trials numbered up to it, and goes past a rung only
while it ranks in their top: a later trial that reached a rung first is demoted once an
earlier, better one reaches it, while it trains.

The first test trains two trials at once, each in a thread as two workers would, on the
machine's PostgreSQL (the sweep's row lock orders their verdicts); the others set the
store up step by step on the tests' SQLite store."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from syn0.api.app import create_app
from syn0.jobs import attempts
from syn0.jobs.training import run_job
from syn0.kit.db import session_scope
from syn0.sweeps import asha
from syn0.sweeps import repository as store
from syn0.tenants.repository import SCOPES
from tests.api.factories import create_dataset, create_key, training
from tests.api.test_events import _model
from tests.api.test_sweeps import run_all_any, start, sweep_body, trials

EPOCHS = 20_000  # the slow trial would train for seconds unless demoted


def asha_body(dataset_id: str, rates: list[float], epochs: int, max_parallel: int) -> dict:
    return sweep_body(
        dataset_id,
        method="asha",
        metric="loss",
        parameters={"training.optimizer.learning_rate": {"values": rates}},
        training=training(epochs=epochs, optimizer={"type": "sgd"}),
        min_epochs=2,
        eta=2,
        max_parallel=max_parallel,
    )


@pytest.fixture
def pg_client(settings, postgres_factory):
    app = create_app(settings, session_factory=postgres_factory)
    key = create_key(postgres_factory, "acme", SCOPES)
    with TestClient(app, headers=key.headers) as test_client:
        yield test_client


def train(job_id: str, factory, settings, ended: dict) -> threading.Thread:
    thread = threading.Thread(
        target=lambda: ended.update({job_id: run_job(job_id, factory, settings)}), daemon=True
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


def test_a_later_trial_first_past_a_rung_is_demoted_once_an_earlier_better_one_reaches_it(
    pg_client, postgres_factory, settings
):
    # given: trial 0 learns, trial 1's rate is too small to; trial 1 starts first
    client = pg_client
    dataset = create_dataset(client)
    sweep = start(client, asha_body(dataset["id"], [0.5, 1e-5], EPOCHS, max_parallel=2))
    good, slow = trials(client, sweep["id"])
    ended: dict[str, str] = {}
    threads = [train(slow["id"], postgres_factory, settings, ended)]
    try:
        # Alone at rung 2 (its epoch 2 is stored with its verdict), it went on.
        wait_for(lambda: job(client, slow["id"])["progress"]["epoch"] >= 2, "trial 1's rung")
        assert job(client, slow["id"])["status"] == "running"

        # when: trial 0 reaches rung 2
        threads.append(train(good["id"], postgres_factory, settings, ended))

        # then: trial 1 stops soon after, pruned at rung 2, and says why
        wait_for(lambda: slow["id"] in ended, "trial 1 to stop")
        stopped = job(client, slow["id"])
        assert stopped["status"] == "cancelled"
        assert stopped["progress"]["epoch"] < EPOCHS // 2
        assert stopped["error"]["type"] == "pruned" and stopped["error"]["epoch"] == 2
        detail = stopped["error"]["detail"]
        assert detail.startswith("pruned by its asha sweep at rung epoch 2: its loss ")
        assert detail.endswith(
            "ranked 2 of the 2 trials numbered up to 1 that reached it, and only the top 1 "
            "(1/2) go on; it had gone on before trial 0 reached that rung"
        )
        board = client.get(f"/v1/sweeps/{sweep['id']}").json()["leaderboard"]
        assert {row["trial"]: row["status"] for row in board} == {0: "running", 1: "pruned"}
    finally:
        # and a cancel is not a demotion: the sweep's cancel ends trial 0 without a reason
        assert client.post(f"/v1/sweeps/{sweep['id']}/cancel").status_code == 200
        for thread in threads:
            thread.join(timeout=30)
    assert ended[good["id"]] == "cancelled"
    assert job(client, good["id"])["error"] is None


def test_trial_0_is_never_pruned_and_a_better_later_trial_goes_on(client, sessions, settings):
    # given: trial 0 cannot learn in time; trial 1 can
    dataset = create_dataset(client)
    sweep = start(client, asha_body(dataset["id"], [1e-5, 0.5], epochs=8, max_parallel=1))

    # when
    run_all_any(client, sessions, settings, sweep["id"])

    # then: both run their whole budget, and the better one is the best
    done = client.get(f"/v1/sweeps/{sweep['id']}").json()
    board = {row["trial"]: (row["status"], row["epochs"]) for row in done["leaderboard"]}
    assert board == {0: ("succeeded", 8), 1: ("succeeded", 8)}
    assert done["best"]["trial"] == 1


def _claimed(sessions, job_id: str) -> int:
    with session_scope(sessions) as session:
        return attempts.claim_job(session, job_id)


def _demote(sessions, job_id: str, epoch: int = 2) -> dict:
    reason = {"type": "pruned", "epoch": epoch, "detail": f"demoted at rung epoch {epoch}"}
    with session_scope(sessions) as session:
        store.demote(session, job_id, reason)
    return reason


def test_a_demoted_trial_given_back_by_a_worker_shutting_down_ends_pruned(
    client, sessions, settings
):
    # given: trial 1, demoted while it trained, then given back to the queue
    dataset = create_dataset(client)
    sweep = start(client, asha_body(dataset["id"], [0.5, 1e-5], epochs=8, max_parallel=2))
    _, later = trials(client, sweep["id"])
    attempt = _claimed(sessions, later["id"])
    reason = _demote(sessions, later["id"])
    with session_scope(sessions) as session:
        assert attempts.requeue(session, later["id"], attempt)

    # when: the next worker claims it
    assert run_job(later["id"], sessions, settings) == "cancelled"

    # then: it ends with its demotion, not as a client's cancel
    error = job(client, later["id"])["error"]
    assert {key: error[key] for key in reason} == reason
    board = client.get(f"/v1/sweeps/{sweep['id']}").json()["leaderboard"]
    assert board[1]["status"] == "pruned"


def test_a_trial_demoted_as_it_ended_keeps_its_success(client, sessions):
    # given: trial 1 demoted after its last look at its flag
    dataset = create_dataset(client)
    sweep = start(client, asha_body(dataset["id"], [0.5, 1e-5], epochs=8, max_parallel=2))
    _, later = trials(client, sweep["id"])
    attempt = _claimed(sessions, later["id"])
    _demote(sessions, later["id"])

    # when: it ends its budget
    with session_scope(sessions) as session:
        assert attempts.finish_succeeded(
            session, later["id"], attempt, _model(session, later["id"])
        )

    # then: a success, with no reason to be pruned
    ended = job(client, later["id"])
    assert (ended["status"], ended["error"]) == ("succeeded", None)
    board = client.get(f"/v1/sweeps/{sweep['id']}").json()["leaderboard"]
    assert board[1]["status"] == "succeeded"


def test_a_trial_demoted_at_a_rung_counts_at_no_rung_above_it(client, sessions):
    # given: three trials at once; trial 1 was demoted at rung 2 but trained on to rung 4
    # before it read its flag, with a better loss there than trial 2
    dataset = create_dataset(client)
    body = asha_body(dataset["id"], [0.5, 0.1, 0.05], epochs=8, max_parallel=3)
    sweep = start(client, body)
    ids = [trial["id"] for trial in trials(client, sweep["id"])]
    numbers = {job_id: _claimed(sessions, job_id) for job_id in ids[1:]}
    losses = {ids[1]: [0.9, 0.8, 0.3, 0.2], ids[2]: [0.9, 0.7, 0.6, 0.5]}
    with session_scope(sessions) as session:
        for job_id, values in losses.items():
            rows = [
                {"epoch": e, "loss": v, "penalty": 0.0, "learning_rate": 0.1, "seconds": 0.01}
                for e, v in enumerate(values, start=1)
            ]
            assert attempts.record_metrics(session, job_id, numbers[job_id], rows)
    reason = _demote(sessions, ids[1], epoch=2)

    with session_scope(sessions) as session:
        sweep_row = asha.locked_sweep(session, ids[2])
        # when: trial 2 reaches rung 4, and trial 1 asks there too
        second = asha.verdict(session, sweep_row, ids[2], 4)
        first = asha.verdict(session, sweep_row, ids[1], 4)

    # then: trial 2 is first among the trials up to it that count at rung 4: it goes on;
    # trial 1 ends with its demotion
    assert (second.goes_on, second.error) == (True, None)
    assert (first.goes_on, first.error) == (False, reason)
