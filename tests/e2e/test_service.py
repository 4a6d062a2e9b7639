"""The service end to end over real HTTP, with a real Celery worker, on PostgreSQL +
Redis and on the embedded default (SQLite file + SQLite broker)."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

from syn0.core import Network
from tests.e2e.conftest import wait_for

SPIRAL = {
    "network": {
        "input_shape": [2],
        "layers": [
            {"type": "dense", "units": 16, "activation": "tanh"},
            {"type": "dense", "units": 16, "activation": "tanh"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
    },
    "training": {
        "loss": "cross_entropy",
        "epochs": 150,
        "batch_size": 32,
        "optimizer": {"type": "adam", "learning_rate": 0.02},
        "validation_split": 0.2,
    },
}


def _generate(client, kind="spiral", n=300):
    response = client.post(
        "/v1/datasets/generate", json={"kind": kind, "n_samples": n, "noise": 0.1, "seed": 1}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _submit(client, dataset_id, spec=SPIRAL, **headers):
    response = client.post("/v1/jobs", json={"dataset_id": dataset_id, **spec}, headers=headers)
    assert response.status_code == 202, response.text
    return response


def test_train_poll_predict(stack):
    client = stack.client
    # given
    dataset = _generate(client)
    # when
    submitted = _submit(client, dataset["id"])
    job = submitted.json()
    assert job["status"] == "queued"
    assert submitted.headers["location"].endswith(f"/v1/jobs/{job['id']}")
    done = wait_for(client, job["id"], {"succeeded", "failed"})
    # then
    assert done["status"] == "succeeded", done
    rows = client.get(f"/v1/jobs/{job['id']}/metrics").json()["items"]
    assert [row["epoch"] for row in rows] == list(range(1, 151))
    assert rows[-1]["val_accuracy"] >= 0.9
    # the worker's report on the validation split: the last epoch's weights on it
    assert done["evaluation"]["accuracy"] == pytest.approx(rows[-1]["val_accuracy"])
    model_id = done["model_id"]
    evaluated = client.post(f"/v1/models/{model_id}/evaluate", json={"dataset_id": dataset["id"]})
    report = evaluated.json()["report"]
    assert report["n_samples"] == dataset["n_samples"]
    assert sum(map(sum, report["confusion_matrix"])) == dataset["n_samples"]
    weights = client.get(f"/v1/models/{model_id}/weights")
    assert weights.status_code == 200
    net = Network.from_bytes(weights.content)
    inputs = [[0.5, -1.0], [2.0, 3.0], [-4.0, 0.1]]
    predicted = client.post(f"/v1/models/{model_id}/predict", json={"inputs": inputs}).json()
    np.testing.assert_allclose(predicted["outputs"], net.predict(np.array(inputs)), rtol=1e-5)
    assert predicted["labels"] == net.predict_labels(np.array(inputs)).tolist()


def test_uploads_json_csv_and_npz(stack):
    client = stack.client
    as_json = client.post(
        "/v1/datasets",
        json={
            "name": "tiny",
            "features": [[0, 0], [0, 1], [1, 0], [1, 1]],
            "targets": [0, 1, 1, 0],
        },
    )
    assert as_json.status_code == 201, as_json.text
    assert as_json.json()["task"] == "classification"
    csv = "x1,x2,colour\n0,0,red\n0,1,blue\n1,0,blue\n1,1,red\n"
    as_csv = client.post(
        "/v1/datasets", data={"target": "colour"}, files={"file": ("xor.csv", csv, "text/csv")}
    )
    assert as_csv.status_code == 201, as_csv.text
    assert as_csv.json()["classes"] == ["blue", "red"]
    buffer = io.BytesIO()
    np.savez(buffer, X=np.random.default_rng(0).random((20, 3)), y=np.linspace(0, 1, 20))
    as_npz = client.post(
        "/v1/datasets", files={"file": ("d.npz", buffer.getvalue(), "application/octet-stream")}
    )
    assert as_npz.status_code == 201, as_npz.text
    assert as_npz.json()["input_shape"] == [3] and as_npz.json()["task"] == "regression"


def test_string_labels_train_and_predict_in_the_users_values(stack):
    client = stack.client
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    rows = "\n".join(f"{a:.4f},{b:.4f},{'left' if a < 0 else 'right'}" for a, b in X)
    dataset = client.post(
        "/v1/datasets",
        data={"target": "side"},
        files={"file": ("s.csv", "a,b,side\n" + rows, "text/csv")},
    ).json()
    spec = {
        "network": {
            "input_shape": [2],
            "layers": [{"type": "dense", "units": 2, "activation": "softmax"}],
        },
        "training": {
            "loss": "cross_entropy",
            "epochs": 30,
            "optimizer": {"type": "adam", "learning_rate": 0.05},
        },
    }
    job = _submit(client, dataset["id"], spec).json()
    done = wait_for(client, job["id"], {"succeeded", "failed"})
    assert done["status"] == "succeeded", done
    predicted = client.post(
        f"/v1/models/{done['model_id']}/predict", json={"inputs": [[-2.0, 0.0], [2.0, 0.0]]}
    ).json()
    assert predicted["labels"] == ["left", "right"]
    assert len(predicted["probabilities"][0]) == 2


def test_long_job_is_cancelled_within_an_epoch(stack):
    client = stack.client
    dataset = _generate(client, n=2000)
    long_spec = {**SPIRAL, "training": {**SPIRAL["training"], "epochs": 100_000}}
    job = _submit(client, dataset["id"], long_spec).json()
    running = wait_for(client, job["id"], {"running"})
    deadline = time.monotonic() + 30
    while running["progress"]["epoch"] < 2 and time.monotonic() < deadline:
        running = client.get(f"/v1/jobs/{job['id']}").json()
    epoch_seconds = running["latest_metrics"]["seconds"]
    asked = time.monotonic()
    assert client.post(f"/v1/jobs/{job['id']}/cancel").status_code == 202
    cancelled = wait_for(client, job["id"], {"cancelled"}, seconds=30)
    # stops at a batch boundary: well within one epoch plus the cancel poll interval
    assert time.monotonic() - asked < max(5 * epoch_seconds, 3.0)
    # it keeps the model of its last checkpoint (every 5 epochs), partial; none before one
    kept = cancelled["progress"]["epoch"] // 5 * 5
    if kept == 0:
        assert cancelled["model_id"] is None
    else:
        model = client.get(f"/v1/models/{cancelled['model_id']}").json()
        assert (model["partial"], model["epoch"]) == (True, kept)
    assert client.post(f"/v1/jobs/{job['id']}/cancel").status_code == 409


def test_idempotent_submit_returns_the_first_job(stack):
    client = stack.client
    dataset = _generate(client, n=100)
    first = _submit(client, dataset["id"], **{"Idempotency-Key": "e2e-key-" + stack.kind})
    second = _submit(client, dataset["id"], **{"Idempotency-Key": "e2e-key-" + stack.kind})
    assert first.json()["id"] == second.json()["id"]
    listed = client.get("/v1/jobs", params={"dataset_id": dataset["id"]}).json()
    assert [job["id"] for job in listed["items"]] == [first.json()["id"]]


def test_paging_walks_every_dataset_once(stack):
    client = stack.client
    made = {_generate(client, kind="xor", n=20)["id"] for _ in range(5)}
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/datasets", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert made <= set(seen)
    assert len(seen) == len(set(seen))


def test_a_gpu_job_waits_in_the_gpu_queue_until_a_worker_takes_that_queue(stack):
    client = stack.client
    # given: the stack's one worker, a CPU worker (it takes Celery's default queue)
    dataset = _generate(client, "xor", n=100)
    small = {"network": SPIRAL["network"], "training": {**SPIRAL["training"], "epochs": 5}}
    gpu = {**small, "training": {**small["training"], "device": "gpu"}}
    # when
    waiting = _submit(client, dataset["id"], gpu).json()
    cpu = _submit(client, dataset["id"], small).json()
    # then: the CPU job trains, the GPU job waits in its queue and says why
    assert wait_for(client, cpu["id"], {"succeeded", "failed"})["status"] == "succeeded"
    job = client.get(f"/v1/jobs/{waiting['id']}").json()
    assert (job["status"], job["device"]) == ("queued", "gpu")
    assert "no GPU worker has been seen" in job["notice"]
    assert stack.queued_messages("gpu") == 1
    # when: a worker that consumes the gpu queue starts (this machine has no GPU, so it
    # trains on the CPU: what is checked here is the routing)
    stack.start_worker("gpu-queue", "--queues=gpu")
    # then
    done = wait_for(client, waiting["id"], {"succeeded", "failed"}, seconds=60)
    assert done["status"] == "succeeded", f"{done}\n{stack.logs()}"
    assert stack.queued_messages("gpu") == 0


def test_trained_models_become_versions_and_the_alias_picks_the_answer(stack):
    client = stack.client
    inputs = {"inputs": [[0.5, -1.0], [-2.0, 3.0]]}
    # given: two models trained by the worker
    dataset = _generate(client, "xor", n=100)
    models = []
    for epochs in (5, 20):
        spec = {"network": SPIRAL["network"], "training": {**SPIRAL["training"], "epochs": epochs}}
        job = _submit(client, dataset["id"], spec).json()
        done = wait_for(client, job["id"], {"succeeded", "failed"})
        assert done["status"] == "succeeded", done
        models.append(done["model_id"])
    # when: versions 1 and 2 of a name, its alias moved to 2
    assert client.put("/v1/registry/xor", json={"tags": {"task": "xor"}}).status_code == 201
    for model_id in models:
        client.post("/v1/registry/xor/versions", json={"model_id": model_id})
    client.put("/v1/registry/xor/aliases/production", json={"version": 1})
    client.put("/v1/registry/xor/aliases/production", json={"version": 2})
    follows = client.post("/v1/registry/xor/predict?alias=production", json=inputs)
    # then: the alias's model answers, as predict by id does; a rollback goes back to 1
    assert follows.status_code == 200, follows.text
    by_id = client.post(f"/v1/models/{models[1]}/predict", json=inputs).json()
    assert follows.json() == {**by_id, "version": 2, "alias": "production"}
    assert follows.headers["syn0-model-id"] == models[1]
    assert client.post("/v1/registry/xor/aliases/production/rollback").json()["version"] == 1
    again = client.post("/v1/registry/xor/predict?alias=production", json=inputs)
    assert again.json()["model_id"] == models[0]
    detail = client.get("/v1/registry/xor").json()
    assert [v["model_id"] for v in detail["versions"]] == models
    assert all(v["dataset_sha256"] == dataset["sha256"] for v in detail["versions"])
