"""Delete, partial models, resume, lineage and replay over real HTTP with a real worker,
on PostgreSQL + Redis and on the embedded default."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from syn0.core import Checkpoint, Network
from syn0.jobs import attempts
from syn0.jobs.orm import JobCheckpoint, JobMetric
from syn0.kit.db import make_engine
from tests.e2e.conftest import Stack, wait_for

# The worker stores every epoch's checkpoint and sees a cancel at the next batch.
WORKER = {
    "SYN0_CHECKPOINT_EVERY_EPOCHS": "1",
    "SYN0_CHECKPOINT_MIN_SECONDS": "0",
    "SYN0_CANCEL_POLL_SECONDS": "0",
}
NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}
TRAINING = {
    "loss": "cross_entropy",
    "batch_size": 16,
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}


@pytest.fixture(scope="module", params=["postgres-redis", "embedded"])
def stack(request, tmp_path_factory):
    running = Stack(request.param, tmp_path_factory.mktemp(request.param), env=WORKER)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def store(stack):
    """Connections to the stack's database, to see the rows an API call removed."""
    engine = make_engine(stack.env["SYN0_DATABASE_URL"])
    yield lambda: engine.connect()
    engine.dispose()


@pytest.fixture(scope="module")
def dataset(stack) -> dict:
    body = {"kind": "moons", "n_samples": 200, "noise": 0.1, "seed": 1}
    return stack.client.post("/v1/datasets/generate", json=body).json()


def _submit(client, dataset_id: str, epochs: int, **extra) -> dict:
    body = {
        "dataset_id": dataset_id,
        "network": NETWORK,
        "training": {**TRAINING, "epochs": epochs},
        **extra,
    }
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.text
    return response.json()


def _trained(client, dataset_id: str, epochs: int) -> dict:
    job = _submit(client, dataset_id, epochs)
    return wait_for(client, job["id"], {"succeeded", "failed"})


def _count(store, table, job_id: str) -> int:
    with store() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(table.job_id == job_id))


def _used(client) -> int:
    tenants = client.get("/v1/tenants").json()["items"]
    admin = next(tenant for tenant in tenants if tenant["name"] == "admin")
    return client.get(f"/v1/tenants/{admin['id']}").json()["stored_bytes"]


def test_a_cancelled_job_keeps_its_epoch_and_resumes_to_an_uninterrupted_runs_weights(
    stack, store, dataset
):
    client = stack.client
    # given: a long job cancelled after a few epochs
    job = _submit(client, dataset["id"], 100_000)
    deadline = time.monotonic() + 60
    while client.get(f"/v1/jobs/{job['id']}").json()["progress"]["epoch"] < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.post(f"/v1/jobs/{job['id']}/cancel").status_code == 202
    stopped = wait_for(client, job["id"], {"cancelled"})
    # then: the partial model of its last finished epoch, that predicts
    epoch = stopped["progress"]["epoch"]
    model = client.get(f"/v1/models/{stopped['model_id']}").json()
    assert (model["partial"], model["epoch"]) == (True, epoch)
    weights = client.get(f"/v1/models/{model['id']}/weights").content
    with store() as conn:
        kept = Checkpoint.from_bytes(attempts.load_checkpoint(conn, job["id"]))
    assert kept.epoch == epoch
    assert Network.from_bytes(weights).params.tobytes() == kept.params.tobytes()
    predicted = client.post(f"/v1/models/{model['id']}/predict", json={"inputs": [[0.0, 0.5]]})
    assert predicted.status_code == 200
    # when: it is resumed to three more epochs
    response = client.post(f"/v1/jobs/{job['id']}/resume", json={"epochs": epoch + 3})
    assert response.status_code == 202, response.text
    resumed = wait_for(client, response.json()["id"], {"succeeded", "failed"})
    # then: the weights of a run of that many epochs that never stopped
    assert resumed["status"] == "succeeded" and resumed["resumed_from"] == job["id"]
    clean = _trained(client, dataset["id"], epoch + 3)
    final = client.get(f"/v1/models/{resumed['model_id']}").json()
    assert final["sha256"] == client.get(f"/v1/models/{clean['model_id']}").json()["sha256"]


def test_a_time_limited_job_keeps_its_model(stack, dataset):
    client = stack.client
    job = _submit(client, dataset["id"], 100_000, max_runtime_seconds=1)
    failed = wait_for(client, job["id"], {"failed"})
    assert failed["error"]["type"] == "time-limit" and failed["error"]["epoch"] >= 1
    model = client.get(f"/v1/models/{failed['model_id']}").json()
    assert (model["partial"], model["epoch"]) == (True, failed["error"]["epoch"])


def test_deletes_free_the_quota_and_the_rows_and_a_running_job_is_refused(stack, store, dataset):
    client = stack.client
    # given: a job stopped with a checkpoint and a partial model, and one running
    stopped = wait_for(
        client,
        _submit(client, dataset["id"], 100_000, max_runtime_seconds=1)["id"],
        {"failed"},
    )
    running = _submit(client, dataset["id"], 100_000)
    wait_for(client, running["id"], {"running"})
    refused = client.delete(f"/v1/jobs/{running['id']}")
    assert refused.status_code == 409 and refused.json()["job_status"] == "running"
    client.post(f"/v1/jobs/{running['id']}/cancel")
    wait_for(client, running["id"], {"cancelled"})
    # when: the stopped job goes
    assert _count(store, JobCheckpoint, stopped["id"]) == 1
    assert client.delete(f"/v1/jobs/{stopped['id']}").status_code == 204
    # then: with its metrics and checkpoint; its model stays
    assert client.get(f"/v1/jobs/{stopped['id']}").status_code == 404
    assert _count(store, JobMetric, stopped["id"]) == 0
    assert _count(store, JobCheckpoint, stopped["id"]) == 0
    model_id = stopped["model_id"]
    assert client.get(f"/v1/models/{model_id}").json()["job_id"] is None
    # when: the model goes, its bytes leave the quota at once
    before, size = _used(client), len(client.get(f"/v1/models/{model_id}/weights").content)
    assert client.delete(f"/v1/models/{model_id}").status_code == 204
    assert _used(client) == before - size
    assert client.get(f"/v1/models/{model_id}").status_code == 404


def test_a_replay_on_the_cpu_gives_identical_weights(stack, dataset):
    client = stack.client
    model = client.get(f"/v1/models/{_trained(client, dataset['id'], 5)['model_id']}").json()
    assert model["lineage"]["dataset_sha256"] == dataset["sha256"]
    assert model["lineage"]["seed"] == 0 and model["lineage"]["syn0_version"]
    response = client.post(f"/v1/models/{model['id']}/replay")
    assert response.status_code == 202, response.text
    done = wait_for(client, response.json()["id"], {"succeeded", "failed"})
    replayed = client.get(f"/v1/models/{done['model_id']}").json()
    assert replayed["replay"] == {"of": model["id"], "identical": True}
