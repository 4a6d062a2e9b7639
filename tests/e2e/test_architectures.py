"""The five CNN families end to end on PostgreSQL + Redis with a real Celery worker: each
template, fetched from ``/v1/architectures``, trains on generated glyphs to a stated
validation accuracy, and its model predicts what its weights compute."""

from __future__ import annotations

import numpy as np
import pytest

from syn0.core import Network
from tests.e2e.conftest import Stack, wait_for

# Small knobs keep the five runs to seconds each on two cores. Each must reach the
# stated validation accuracy (1,500 16x16 glyphs of 10 classes, 20 % held out, 8
# epochs; chance is 0.1); what each reached here is in the comment.
FAMILIES = {
    "lenet5": ({}, 0.7),  # measured 0.84
    "alexnet": ({"width": 8, "depth": 1}, 0.9),  # 0.98
    "vgg": ({"width": 8, "depth": 1}, 0.85),  # 0.92
    "googlenet": ({"width": 12, "depth": 2}, 0.75),  # 0.82
    "resnet": ({"width": 8, "depth": 1}, 0.9),  # 1.00
}
TRAINING = {
    "loss": "cross_entropy",
    "optimizer": {"type": "adam", "learning_rate": 0.003},
    "epochs": 8,
    "batch_size": 32,
    "validation_split": 0.2,
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack("postgres-redis", tmp_path_factory.mktemp("architectures"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def jobs(stack):
    """One job per family on one glyphs dataset, all queued up front."""
    client = stack.client
    body = {"kind": "glyphs", "n_samples": 1500, "noise": 0.1, "seed": 0, "image_size": 16}
    dataset = client.post("/v1/datasets/generate", json=body)
    assert dataset.status_code == 201, dataset.text
    submitted = {}
    for name, (knobs, _) in FAMILIES.items():
        query = {"input_shape": "1,16,16", "classes": 10, **knobs}
        template = client.get(f"/v1/architectures/{name}", params=query)
        assert template.status_code == 200, template.text
        job_body = {
            "dataset_id": dataset.json()["id"],
            "network": template.json()["network"],
            "training": TRAINING,
        }
        reply = client.post("/v1/jobs", json=job_body)
        assert reply.status_code == 202, reply.text
        submitted[name] = reply.json()["id"]
    return submitted


@pytest.mark.parametrize("name", FAMILIES)
def test_each_family_trains_on_generated_glyphs(stack, jobs, name):
    client = stack.client
    done = wait_for(client, jobs[name], {"succeeded", "failed"}, seconds=900)
    assert done["status"] == "succeeded", f"{done}\n{stack.logs()}"
    rows = client.get(f"/v1/jobs/{jobs[name]}/metrics").json()["items"]
    assert len(rows) == TRAINING["epochs"]
    assert rows[-1]["val_accuracy"] >= FAMILIES[name][1], rows[-1]
    # the served model is the graph it was given: predict equals its own weights' outputs
    model_id = done["model_id"]
    net = Network.from_bytes(client.get(f"/v1/models/{model_id}/weights").content)
    images = np.random.default_rng(1).random((3, 1, 16, 16)).round(3)
    predicted = client.post(f"/v1/models/{model_id}/predict", json={"inputs": images.tolist()})
    assert predicted.status_code == 200, predicted.text
    np.testing.assert_allclose(predicted.json()["outputs"], net.predict(images), rtol=1e-5)
