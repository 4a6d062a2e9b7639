"""Through the API: ``normalize_targets`` (regression only; predict and the export in the
targets' units), ``class_weight`` (classification only, labels checked), and a dataset of
many distinct whole numbers uploaded without ``task`` (a 422 asking for it)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from syn0.core.prepare import split_indices
from tests.api.factories import (
    assert_problem,
    create_dataset,
    dense,
    job_body,
    points,
    submit,
    train_model,
    training,
)


def prices(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """House prices, near-linear in two features, in the hundreds of thousands."""
    X, _ = points(n)
    return X, (2e5 + 4e4 * X[:, 0] - 1.5e4 * X[:, 1]).astype(np.float32)


def test_normalized_targets_predict_in_the_targets_units(client, sessions):
    # given: a regression trained with normalize_targets through a submitted job
    X, y = prices()
    network = {"input_shape": [2], "layers": [dense(1)]}
    spec = training(
        "mse",
        normalize_targets=True,
        epochs=150,
        batch_size=None,
        validation_split=0.2,
        optimizer={"type": "adam", "learning_rate": 0.05},
    )
    model = train_model(sessions, client, X, y, network, spec)
    job = client.get(f"/v1/jobs/{model.job_id}").json()
    assert job["training"]["normalize_targets"] is True
    # when
    answered = client.post(f"/v1/models/{model.model_id}/predict", json={"inputs": X.tolist()})
    # then: outputs in prices, un-scaled by the training split's statistics
    outputs = np.array(answered.json()["outputs"])[:, 0]
    train_idx, _ = split_indices(len(X), 0.2, 0)
    np.testing.assert_allclose(model.net.target_mean, [y[train_idx].mean()], rtol=1e-5)
    r2 = 1 - ((outputs - y) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert r2 > 0.999
    np.testing.assert_allclose(outputs, model.net.predict(X)[:, 0], rtol=1e-6)
    ort = pytest.importorskip("onnxruntime")
    exported = client.get(f"/v1/models/{model.model_id}/export").content
    session = ort.InferenceSession(exported, providers=["CPUExecutionProvider"])
    (onnx_outputs,) = session.run(None, {"input": X})
    np.testing.assert_allclose(onnx_outputs[:, 0], outputs, rtol=1e-5)
    # and its weights file, imported elsewhere, still answers in prices
    weights = client.get(f"/v1/models/{model.model_id}/weights").content
    imported = client.post(
        "/v1/models/import",
        data={"network": json.dumps(network)},
        files={"file": ("w.npz", weights)},
    )
    assert imported.status_code == 201, imported.text
    again = client.post(f"/v1/models/{imported.json()['id']}/predict", json={"inputs": X.tolist()})
    assert again.json()["outputs"] == answered.json()["outputs"]


def test_normalize_targets_on_a_classification_is_a_422(client):
    dataset = create_dataset(client)
    response = submit(client, job_body(dataset["id"], normalize_targets=True))
    problem = assert_problem(response, 422, "invalid-spec", "training.normalize_targets")
    assert "standardizes a regression's targets" in problem["detail"]


def test_class_weight_names_the_datasets_labels_on_a_classification(client):
    dataset = create_dataset(client)  # classes 0 and 1
    accepted = submit(client, job_body(dataset["id"], class_weight={"0": 1.0, "1": 3.0}))
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["training"]["class_weight"] == {"0": 1.0, "1": 3.0}
    assert submit(client, job_body(dataset["id"], class_weight="balanced")).status_code == 202
    unknown = submit(client, job_body(dataset["id"], class_weight={"7": 2.0}))
    problem = assert_problem(unknown, 422, "invalid-spec", "training.class_weight")
    assert problem["detail"] == (
        "class_weight names the label '7', which is not one of the classes [0, 1]"
    )
    negative = submit(client, job_body(dataset["id"], class_weight={"0": -1.0}))
    assert_problem(negative, 422, "validation-error")


def test_class_weight_on_a_regression_is_a_422(client):
    X, y = prices(20)
    dataset = client.post(
        "/v1/datasets", json={"name": "p", "features": X.tolist(), "targets": y.tolist()}
    ).json()
    network = {"input_shape": [2], "layers": [dense(1)]}
    body = {
        "dataset_id": dataset["id"],
        "network": network,
        "training": training("mse", class_weight="balanced"),
    }
    problem = assert_problem(submit(client, body), 422, "invalid-spec", "training.class_weight")
    assert "this dataset is regression" in problem["detail"]


def test_a_balanced_job_trains_and_its_model_predicts(client, sessions):
    X, y = points(40, labels=("no", "yes"))
    keep = np.r_[np.flatnonzero(y == "no"), np.flatnonzero(y == "yes")[:5]]
    model = train_model(
        sessions,
        client,
        X[keep],
        y[keep],
        {"input_shape": [2], "layers": [dense(4, "tanh"), dense(2, "softmax")]},
        training(class_weight="balanced", validation_split=0.2, epochs=30),
    )
    job = client.get(f"/v1/jobs/{model.job_id}").json()
    assert job["status"] == "succeeded" and job["training"]["class_weight"] == "balanced"
    answered = client.post(f"/v1/models/{model.model_id}/predict", json={"inputs": [[2, 2]]})
    assert answered.json()["labels"] == ["yes"]


def test_many_distinct_whole_numbers_without_a_task_are_a_422_asking_for_it(client):
    X, _ = points(50)
    whole = (np.arange(50) * 1000 + 150000).tolist()  # 50 prices, in whole dollars
    body = {"name": "prices", "features": X.tolist(), "targets": whole}
    response = client.post("/v1/datasets", json=body)
    problem = assert_problem(response, 422, "validation-error", "task")
    assert problem["detail"] == (
        "the targets are 50 distinct whole numbers in 50 rows: more than 20 distinct values "
        "(or over half the rows past 10) may be amounts or classes; say which with "
        "task=regression or task=classification"
    )
    regression = client.post("/v1/datasets", json={**body, "task": "regression"})
    assert regression.status_code == 201 and regression.json()["task"] == "regression"
    few = client.post("/v1/datasets", json={**body, "targets": [i % 5 for i in range(50)]})
    assert few.json()["task"] == "classification" and few.json()["classes"] == [0, 1, 2, 3, 4]
