"""Sweeps end to end on PostgreSQL and Redis with two worker processes: a grid runs
exactly its points, ASHA prunes and keeps the best of the full runs, and a worker killed
mid-sweep loses no trial."""

from __future__ import annotations

import itertools
import signal
import time

import pytest

from tests.e2e.conftest import Stack

LRS = [0.3, 0.6, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003]


@pytest.fixture
def stack(tmp_path):
    running = Stack(
        "postgres-redis",
        tmp_path,
        SYN0_HEARTBEAT_SECONDS="0.5",
        SYN0_HEARTBEAT_GRACE_SECONDS="3",
        SYN0_REAP_INTERVAL_SECONDS="1",
    )
    running.start_worker("worker2")
    yield running
    running.stop()


def dataset(stack) -> str:
    body = {"kind": "gauss", "n_samples": 80, "noise": 0.1, "seed": 0}
    made = stack.client.post("/v1/datasets/generate", json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def sweep_body(dataset_id: str, parameters: dict, epochs: int, **fields) -> dict:
    return {
        "dataset_id": dataset_id,
        "network": {
            "input_shape": [2],
            "layers": [
                {"type": "dense", "units": 8, "activation": "tanh"},
                {"type": "dense", "units": 2, "activation": "softmax"},
            ],
        },
        "training": {
            "loss": "cross_entropy",
            "epochs": epochs,
            "optimizer": {"type": "sgd"},
            "device": "cpu",
        },
        "parameters": parameters,
        "metric": "loss",
        **fields,
    }


def start(stack, body: dict) -> dict:
    response = stack.client.post("/v1/sweeps", json=body)
    assert response.status_code == 202, response.text
    return response.json()


def finished(stack, sweep_id: str, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sweep = stack.client.get(f"/v1/sweeps/{sweep_id}").json()
        if sweep["status"] != "running":
            return sweep
        time.sleep(0.3)
    raise AssertionError(f"sweep {sweep_id} still running after {seconds} s:\n{stack.logs()}")


def trials(stack, sweep_id: str) -> list[dict]:
    page = stack.client.get("/v1/jobs", params={"sweep_id": sweep_id, "limit": 100}).json()
    return sorted(page["items"], key=lambda job: job["sweep_trial"])


def point(job: dict) -> tuple:
    training = job["training"]
    return (
        training["optimizer"]["learning_rate"],
        job["network"]["layers"][0]["units"],
        training["regularization"]["l2"],
    )


GRID = {
    "training.optimizer.learning_rate": {"values": [0.5, 0.05]},
    "network.layers[0].units": {"values": [4, 8]},
    "training.regularization.l2": {"values": [0.0, 0.001]},
}
GRID_VALUES = [domain["values"] for domain in GRID.values()]


def test_a_grid_of_8_runs_exactly_the_grid(stack):
    sweep = start(stack, sweep_body(dataset(stack), GRID, epochs=3, max_parallel=4))

    done = finished(stack, sweep["id"])

    assert done["status"] == "succeeded", done
    made = trials(stack, sweep["id"])
    assert [point(job) for job in made] == list(itertools.product(*GRID_VALUES))
    assert {job["status"] for job in made} == {"succeeded"}
    assert done["progress"]["finished"] == 8 and len(done["leaderboard"]) == 8
    best = min(made, key=lambda job: job["latest_metrics"]["loss"])
    assert done["best"]["job_id"] == best["id"] and done["best"]["model_id"] == best["model_id"]


@pytest.mark.slow
def test_asha_prunes_half_and_keeps_the_best_of_the_full_runs(stack):
    # given: the same eight learning rates, pruned by asha and run in full by a grid
    data = dataset(stack)
    space = {"training.optimizer.learning_rate": {"values": LRS}}
    asha = start(
        stack,
        sweep_body(data, space, epochs=6, method="asha", min_epochs=1, eta=2, max_parallel=2),
    )
    full = start(stack, sweep_body(data, space, epochs=6, max_parallel=2))

    # when
    pruned_sweep, full_sweep = finished(stack, asha["id"]), finished(stack, full["id"])

    # then
    statuses = [row["status"] for row in pruned_sweep["leaderboard"]]
    assert statuses.count("pruned") >= len(LRS) // 2, pruned_sweep["leaderboard"]
    assert pruned_sweep["status"] == full_sweep["status"] == "succeeded"
    assert pruned_sweep["best"]["parameters"] == full_sweep["best"]["parameters"]
    assert pruned_sweep["best"]["metric"] == full_sweep["best"]["metric"]
    pruned_epochs = sum(row["epochs"] for row in pruned_sweep["leaderboard"])
    assert pruned_epochs < sum(row["epochs"] for row in full_sweep["leaderboard"]) / 2


@pytest.mark.slow
def test_a_worker_killed_mid_sweep_loses_no_trial(stack):
    # given: trials long enough to be caught running, one on each worker
    space = {"training.optimizer.learning_rate": {"values": [0.5, 0.2, 0.1, 0.05]}}
    body = sweep_body(dataset(stack), space, epochs=400, max_parallel=2)
    body["training"]["batch_size"] = 8
    sweep = start(stack, body)
    deadline = time.monotonic() + 60
    while sum(job["status"] == "running" for job in trials(stack, sweep["id"])) < 2:
        assert time.monotonic() < deadline, stack.logs()
        time.sleep(0.1)

    # when: the second worker dies at once
    stack.processes[-1].send_signal(signal.SIGKILL)

    # then: the reaper requeues its trial, the other worker trains every trial
    done = finished(stack, sweep["id"], seconds=180)
    made = trials(stack, sweep["id"])
    assert done["status"] == "succeeded", done
    assert [job["training"]["optimizer"]["learning_rate"] for job in made] == [0.5, 0.2, 0.1, 0.05]
    assert {job["status"] for job in made} == {"succeeded"}
    assert max(job["attempts"] for job in made) == 2  # the killed one's trial ran again
