"""Warm starts, imports and float64 end to end, over real HTTP with a real worker, on
PostgreSQL + Redis and on the embedded default: the primer's two programs
(``examples/seed``) trained through the API give the weights and outputs of the same
programs run in NumPy, to 1e-6; a job started from a model goes on from where that
model's job stopped."""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from syn0.core import Network
from tests.e2e.conftest import Stack, wait_for

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed"


def _primer():
    """``examples/seed/primer.py``, the programs as the primer runs them."""
    spec = importlib.util.spec_from_file_location("primer", SEED / "primer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


primer = _primer()


@functools.cache
def _in_numpy(program: str) -> tuple[np.ndarray, ...]:
    """The program's weights after its steps, run once for both stacks."""
    return tuple(primer.run(program))


@pytest.fixture(scope="module", params=["postgres-redis", "embedded"])
def stack(request, tmp_path_factory):
    # Metrics as the service writes them by default (the tests' stack writes every epoch
    # at once, 60,000 commits here).
    running = Stack(
        request.param, tmp_path_factory.mktemp(request.param), SYN0_METRICS_FLUSH_SECONDS="1"
    )
    yield running
    running.stop()


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def _dataset(client, name: str, X, y) -> str:
    body = {"name": name, "features": np.asarray(X).tolist(), "targets": np.ravel(y).tolist()}
    return _ok(client.post("/v1/datasets", json={**body, "task": "regression"}), 201)["id"]


def _import(client, network: dict, weights: bytes) -> dict:
    files = {"file": ("weights.npz", weights)}
    response = client.post("/v1/models/import", data={"network": json.dumps(network)}, files=files)
    return _ok(response, 201)


def _train(client, dataset_id: str, spec: dict, seconds: float = 300) -> dict:
    job = _ok(client.post("/v1/jobs", json={"dataset_id": dataset_id, **spec}), 202)
    done = wait_for(client, job["id"], {"succeeded", "failed", "cancelled"}, seconds)
    assert done["status"] == "succeeded", done
    return done


def _weights(client, model_id: str) -> Network:
    return Network.from_bytes(client.get(f"/v1/models/{model_id}/weights").content)


@pytest.mark.parametrize("program", ["single_layer", "xor"])
def test_the_primers_program_through_the_api_is_the_program_in_numpy(stack, program):
    client = stack.client
    # given: the program's data, and its starting weights imported as a model
    y, _, steps = primer.PROGRAMS[program]
    spec = json.loads((SEED / f"{program}.json").read_text())
    dataset_id = _dataset(client, program, primer.X, y)
    start = _import(client, spec["network"], primer.weights_file(program))
    # when: a job trains from them
    spec["training"]["initial_weights"] = {"model_id": start["id"]}
    job = _train(client, dataset_id, spec)
    # then: the weights and the outputs of the program run in NumPy
    expected = list(_in_numpy(program))
    net = _weights(client, job["model_id"])
    assert net.dtype == np.float64 and job["progress"]["epoch"] == steps
    flat = np.concatenate([w.ravel() for w in expected])
    np.testing.assert_allclose(net.params, flat, rtol=0, atol=1e-6)
    reply = _ok(
        client.post(f"/v1/models/{job['model_id']}/predict", json={"inputs": primer.X.tolist()})
    )
    np.testing.assert_allclose(reply["outputs"], primer.outputs(expected), rtol=0, atol=1e-6)
    # and the start model, imported, predicts with its own weights
    first = _ok(
        client.post(f"/v1/models/{start['id']}/predict", json={"inputs": primer.X.tolist()})
    )
    np.testing.assert_allclose(
        first["outputs"], primer.outputs(primer.starting_weights(program)), rtol=0, atol=1e-12
    )


BATCHNORM = {
    "network": {
        "input_shape": [3],
        "layers": [
            {"type": "dense", "units": 8},
            {"type": "batchnorm", "momentum": 0.9},
            {"type": "activation", "activation": "tanh"},
            {"type": "dense", "units": 1, "activation": "sigmoid"},
        ],
    },
    "training": {
        "loss": "mse",
        "optimizer": {"type": "sgd", "learning_rate": 0.5},
        "batch_size": None,
        "shuffle": False,
        "seed": 3,
    },
}


def test_a_job_started_from_a_model_goes_on_where_its_job_stopped(stack):
    client = stack.client
    dataset_id = _dataset(client, "xor", primer.X, primer.PROGRAMS["xor"][0])

    def spec(epochs: int, **training) -> dict:
        return {
            "network": BATCHNORM["network"],
            "training": {**BATCHNORM["training"], "epochs": epochs, **training},
        }

    # given: 40 epochs, then 25 more starting from its model (the optimizer and the
    # schedule start afresh: plain SGD has no state to lose)
    first = _train(client, dataset_id, spec(40))
    then = _train(client, dataset_id, spec(25, initial_weights={"model_id": first["model_id"]}))
    # when: the same 65 epochs in one job
    whole = _train(client, dataset_id, spec(65))
    # then: the same weights and batchnorm moving averages, bit for bit
    tuned, straight = _weights(client, then["model_id"]), _weights(client, whole["model_id"])
    assert tuned.params.tobytes() == straight.params.tobytes()
    assert tuned.dtype == np.float32
    assert _weights(client, first["model_id"]).params.tobytes() != straight.params.tobytes()
