"""A job and a model after training, through the API on the embedded store, with the
worker's own ``run_job`` in this process: delete (and the quota), the partial model a
stopped job keeps, resume as a new job, lineage and replay."""

from __future__ import annotations

import threading
import time
from importlib.metadata import version

import numpy as np
import pytest
from sqlalchemy import func, select

from syn0.core import Checkpoint, Network
from syn0.jobs import attempts
from syn0.jobs.orm import JobCheckpoint, JobMetric
from syn0.jobs.training import run_job
from syn0.kit.db import session_scope
from tests.api.factories import assert_problem, create_dataset, mlp, points, queued_job

# Every epoch's metrics and checkpoint are stored, and a cancel is seen at the next batch.
WORKER = {
    "checkpoint_every_epochs": 1,
    "checkpoint_min_seconds": 0,
    "metrics_flush_seconds": 0,
    "cancel_poll_seconds": 0,
}
LONG = {"epochs": 100_000, "batch_size": 8, "optimizer": {"type": "sgd", "learning_rate": 0.05}}


@pytest.fixture
def work(settings, sessions):
    """``work(job_id)``: what a worker does with the queued job; its status."""
    worker = settings.model_copy(update=WORKER)
    return lambda job_id: run_job(job_id, sessions, worker)


def _job(client, job_id: str) -> dict:
    return client.get(f"/v1/jobs/{job_id}").json()


def _model(client, model_id: str) -> dict:
    response = client.get(f"/v1/models/{model_id}")
    assert response.status_code == 200, response.text
    return response.json()


def _params(client, model_id: str) -> np.ndarray:
    return Network.from_bytes(client.get(f"/v1/models/{model_id}/weights").content).params


def _stored(client, key) -> int:
    return client.get(f"/v1/tenants/{key.tenant_id}").json()["stored_bytes"]


def _rows(sessions, table, job_id: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).where(table.job_id == job_id))


def _checkpoint(sessions, job_id: str) -> Checkpoint:
    with sessions() as session:
        return Checkpoint.from_bytes(attempts.load_checkpoint(session, job_id))


def _trained(client, work, dataset_id: str, **training) -> tuple[dict, dict]:
    job = queued_job(client, dataset_id, **training)
    assert work(job["id"]) == "succeeded"
    job = _job(client, job["id"])
    return job, _model(client, job["model_id"])


def _time_limited(client, work, dataset_id: str, **training) -> dict:
    body = {
        "dataset_id": dataset_id,
        "network": mlp(),
        "training": {"loss": "cross_entropy", **LONG, **training},
        "max_runtime_seconds": 1,
    }
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.text
    assert work(response.json()["id"]) == "failed"
    return _job(client, response.json()["id"])


# --- delete -------------------------------------------------------------------------------


def test_a_deleted_model_leaves_the_quota_at_once_and_predict_answers_404(client, key, work):
    # given: a model that predict has loaded
    dataset = create_dataset(client)
    job, model = _trained(client, work, dataset["id"])
    predict = f"/v1/models/{model['id']}/predict"
    assert client.post(predict, json={"inputs": [[0.0, 0.0]]}).status_code == 200
    before = _stored(client, key)
    size = len(client.get(f"/v1/models/{model['id']}/weights").content)
    # when
    deleted = client.delete(f"/v1/models/{model['id']}")
    # then
    assert deleted.status_code == 204 and deleted.content == b""
    assert _stored(client, key) == before - size
    assert_problem(client.get(f"/v1/models/{model['id']}"), 404, "not-found")
    assert_problem(client.post(predict, json={"inputs": [[0.0, 0.0]]}), 404, "not-found")
    assert_problem(client.delete(f"/v1/models/{model['id']}"), 404, "not-found")
    assert model["id"] not in client.get("/v1/models").text
    # the job stays, naming no model
    assert _job(client, job["id"])["model_id"] is None


def test_a_deleted_job_takes_its_metrics_and_checkpoint_and_leaves_its_model(
    client, sessions, work
):
    # given: a time-limited job, with its metrics, checkpoint and partial model
    dataset = create_dataset(client)
    job = _time_limited(client, work, dataset["id"])
    assert _rows(sessions, JobMetric, job["id"]) == job["progress"]["epoch"] > 0
    assert _rows(sessions, JobCheckpoint, job["id"]) == 1
    # when
    deleted = client.delete(f"/v1/jobs/{job['id']}")
    # then
    assert deleted.status_code == 204
    assert_problem(client.get(f"/v1/jobs/{job['id']}"), 404, "not-found")
    assert_problem(client.get(f"/v1/jobs/{job['id']}/metrics"), 404, "not-found")
    assert _rows(sessions, JobMetric, job["id"]) == 0
    assert _rows(sessions, JobCheckpoint, job["id"]) == 0
    model = _model(client, job["model_id"])
    assert model["job_id"] is None and model["lineage"]["job_id"] is None
    predicted = client.post(f"/v1/models/{model['id']}/predict", json={"inputs": [[1.0, 1.0]]})
    assert predicted.status_code == 200


def test_a_queued_or_running_job_is_not_deleted_until_it_ends(client, sessions):
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"])
    problem = assert_problem(client.delete(f"/v1/jobs/{job['id']}"), 409, "conflict")
    assert problem["job_status"] == "queued"
    assert "cancel it" in problem["detail"] and "only a finished job" in problem["detail"]
    with session_scope(sessions) as session:
        attempts.claim_job(session, job["id"])
    problem = assert_problem(client.delete(f"/v1/jobs/{job['id']}"), 409, "conflict")
    assert problem["job_status"] == "running"
    assert problem["detail"].startswith(f"job {job['id']} is running;")
    assert _job(client, job["id"])["status"] == "running"


def test_a_job_cancelled_while_queued_is_deleted_and_left_no_model(client):
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"])
    cancelled = client.post(f"/v1/jobs/{job['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["model_id"] is None
    assert client.delete(f"/v1/jobs/{job['id']}").status_code == 204


# --- a stopped job keeps its work ---------------------------------------------------------


def test_a_cancelled_job_keeps_the_model_of_its_last_finished_epoch(client, sessions, work):
    # given: a long job training in a worker thread
    X, y = points(40)
    dataset = client.post(
        "/v1/datasets", json={"name": "p", "features": X.tolist(), "targets": y.tolist()}
    ).json()
    job = queued_job(client, dataset["id"], **LONG)
    ended: list[str] = []
    worker = threading.Thread(target=lambda: ended.append(work(job["id"])))
    worker.start()
    try:
        # when: it is cancelled after a few epochs
        deadline = time.monotonic() + 60
        while _job(client, job["id"])["progress"]["epoch"] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.post(f"/v1/jobs/{job['id']}/cancel").status_code == 202
    finally:
        worker.join(60)
    # then: a partial model of the last epoch it finished, not of the cut-off one
    assert ended == ["cancelled"]
    job = _job(client, job["id"])
    model = _model(client, job["model_id"])
    epoch = job["progress"]["epoch"]
    assert (model["partial"], model["epoch"], model["metrics"]["epoch"]) == (True, epoch, epoch)
    assert epoch >= 3
    params = _params(client, model["id"])
    checkpoint = _checkpoint(sessions, job["id"])
    assert checkpoint.epoch == epoch
    assert params.tobytes() == checkpoint.params.tobytes()
    predicted = client.post(f"/v1/models/{model['id']}/predict", json={"inputs": X[:4].tolist()})
    assert predicted.status_code == 200 and len(predicted.json()["labels"]) == 4


def test_a_time_limited_job_keeps_its_best_epoch_when_early_stopping_watches_one(
    client, sessions, work
):
    # given: early stopping that keeps the first epoch of the best validation accuracy
    # (reached early on these separable blobs) and never runs out of patience
    dataset = create_dataset(client)
    stopping = {"monitor": "val_accuracy", "patience": 100_000}
    # when
    job = _time_limited(client, work, dataset["id"], early_stopping=stopping, validation_split=0.25)
    # then
    assert job["error"]["type"] == "time-limit"
    epoch = job["error"]["epoch"]
    assert f"its model of epoch {epoch} is kept (partial)" in job["error"]["detail"]
    rows = client.get(f"/v1/jobs/{job['id']}/metrics").json()["items"][:epoch]
    best = int(np.argmax([row["val_accuracy"] for row in rows])) + 1
    assert best < epoch
    model = _model(client, job["model_id"])
    assert (model["partial"], model["epoch"], model["metrics"]["epoch"]) == (True, best, best)
    assert model["metrics"]["val_accuracy"] == rows[best - 1]["val_accuracy"]
    kept = _checkpoint(sessions, job["id"]).early_stopping["best_params"]
    assert _params(client, model["id"]).tobytes() == kept.tobytes()


def test_a_resumed_job_ends_with_the_weights_of_a_run_never_stopped(client, work):
    # given: a job stopped by its time limit
    dataset = create_dataset(client)
    stopped = _time_limited(client, work, dataset["id"])
    epoch = stopped["error"]["epoch"]
    total = epoch + 3
    # when
    response = client.post(f"/v1/jobs/{stopped['id']}/resume", json={"epochs": total})
    # then: a new job with the stopped one's epochs, that trains the rest
    assert response.status_code == 202, response.text
    resumed = response.json()
    assert response.headers["Location"] == f"/v1/jobs/{resumed['id']}"
    assert resumed["id"] != stopped["id"] and resumed["resumed_from"] == stopped["id"]
    assert resumed["status"] == "queued" and resumed["training"]["epochs"] == total
    assert resumed["progress"]["epoch"] == epoch
    assert work(resumed["id"]) == "succeeded"
    resumed = _job(client, resumed["id"])
    metrics = client.get(f"/v1/jobs/{resumed['id']}/metrics").json()["items"]
    assert [row["epoch"] for row in metrics] == list(range(1, total + 1))
    model = _model(client, resumed["model_id"])
    assert (model["partial"], model["epoch"]) == (False, total)
    _, clean = _trained(client, work, dataset["id"], **{**LONG, "epochs": total})
    assert model["sha256"] == clean["sha256"]


def test_resume_names_what_is_wrong(client, sessions, work):
    dataset = create_dataset(client)
    stopped = _time_limited(client, work, dataset["id"])
    epoch = stopped["error"]["epoch"]
    resume = f"/v1/jobs/{stopped['id']}/resume"
    problem = assert_problem(client.post(resume, json={"epochs": epoch}), 422, "validation-error")
    assert problem["errors"] == [{"loc": "epochs", "msg": problem["detail"]}]
    assert f"more than the checkpoint's epoch {epoch}" in problem["detail"]
    assert_problem(client.post(resume, json={"epochs": 0}), 422, "validation-error", "epochs")
    # a job that succeeded, and one that stopped before any checkpoint
    done, _ = _trained(client, work, dataset["id"])
    problem = assert_problem(
        client.post(f"/v1/jobs/{done['id']}/resume", json={"epochs": 50}), 409, "conflict"
    )
    assert problem["job_status"] == "succeeded"
    early = queued_job(client, dataset["id"])
    client.post(f"/v1/jobs/{early['id']}/cancel")
    problem = assert_problem(
        client.post(f"/v1/jobs/{early['id']}/resume", json={"epochs": 50}), 409, "conflict"
    )
    assert "stored no checkpoint" in problem["detail"]
    # a job whose dataset is gone
    assert client.delete(f"/v1/datasets/{dataset['id']}").status_code == 204
    problem = assert_problem(client.post(resume, json={"epochs": epoch + 1}), 409, "conflict")
    assert "has been deleted" in problem["detail"]
    assert_problem(client.post(f"/v1/jobs/{'0' * 32}/resume", json={"epochs": 5}), 404, "not-found")


# --- lineage and replay -------------------------------------------------------------------


def test_a_model_shows_its_lineage_and_a_replay_on_the_cpu_is_identical(client, work):
    # given
    dataset = create_dataset(client)
    job, model = _trained(client, work, dataset["id"], seed=7)
    # then: its lineage
    assert model["lineage"] == {
        "job_id": job["id"],
        "dataset_id": dataset["id"],
        "dataset_sha256": dataset["sha256"],
        "seed": 7,
        "syn0_version": version("syn0"),
    }
    assert (model["partial"], model["epoch"], model["replay"]) == (False, 5, None)
    # when: it is replayed
    response = client.post(f"/v1/models/{model['id']}/replay")
    assert response.status_code == 202, response.text
    replay_job = response.json()
    assert replay_job["replay_of"] == model["id"] and replay_job["status"] == "queued"
    assert (replay_job["network"], replay_job["training"]) == (job["network"], job["training"])
    assert work(replay_job["id"]) == "succeeded"
    # then
    replayed = _model(client, _job(client, replay_job["id"])["model_id"])
    assert replayed["replay"] == {"of": model["id"], "identical": True}
    assert replayed["sha256"] == model["sha256"]


def test_a_replay_needs_the_same_dataset_and_a_whole_run(client, work):
    dataset = create_dataset(client)
    _, model = _trained(client, work, dataset["id"])
    partial = _model(client, _time_limited(client, work, dataset["id"])["model_id"])
    problem = assert_problem(client.post(f"/v1/models/{partial['id']}/replay"), 409, "conflict")
    assert "partial model" in problem["detail"]
    assert client.delete(f"/v1/datasets/{dataset['id']}").status_code == 204
    problem = assert_problem(client.post(f"/v1/models/{model['id']}/replay"), 409, "conflict")
    assert f"({dataset['id']}) has been deleted" in problem["detail"]
    assert_problem(client.post(f"/v1/models/{'0' * 32}/replay"), 404, "not-found")
