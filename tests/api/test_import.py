"""``POST /v1/models/import``: a network spec and a weights file make a model that
predicts, and that a job can start from (``training.initial_weights``, checked at submit)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from syn0.core import Network, NetworkSpec, npz
from tests.api.factories import (
    assert_problem,
    create_dataset,
    dense,
    job_body,
    mlp,
    submit,
)

XOR = {
    "input_shape": [3],
    "layers": [dense(4, "sigmoid", use_bias=False), dense(1, "sigmoid", use_bias=False)],
}


def _weights(network: dict, dtype: str = "float64", seed: int = 1, **binding) -> bytes:
    net = Network(NetworkSpec.model_validate(network), dtype=dtype)
    net.params[...] = np.random.default_rng(seed).uniform(-1, 1, net.params.size)
    for name, value in binding.items():
        setattr(net, name, value)
    return net.to_bytes()


def _import(client, network: dict | str, weights: bytes):
    text = network if isinstance(network, str) else json.dumps(network)
    return client.post(
        "/v1/models/import", data={"network": text}, files={"file": ("w.npz", weights)}
    )


def _imported(client, network: dict = XOR, weights: bytes | None = None) -> dict:
    response = _import(client, network, weights or _weights(network))
    assert response.status_code == 201, response.text
    return response.json()


# --- import -------------------------------------------------------------------------------


def test_an_imported_model_predicts_with_its_weights_in_their_dtype(client):
    # given
    weights = _weights(XOR)
    expected = Network.from_bytes(weights)
    # when
    response = _import(client, XOR, weights)
    # then
    assert response.status_code == 201, response.text
    model = response.json()
    assert response.headers["location"] == f"/v1/models/{model['id']}"
    assert model["job_id"] is None and model["dataset_id"] is None
    assert (model["task"], model["n_params"]) == ("regression", 16)
    assert NetworkSpec.model_validate(model["network"]) == NetworkSpec.model_validate(XOR)
    X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    outputs = client.post(f"/v1/models/{model['id']}/predict", json={"inputs": X}).json()
    np.testing.assert_allclose(outputs["outputs"], expected.predict(np.array(X)), rtol=1e-12)
    stored = Network.from_bytes(client.get(f"/v1/models/{model['id']}/weights").content)
    assert stored.dtype == np.float64
    assert stored.params.tobytes() == expected.params.tobytes()
    assert client.get("/v1/models").json()["items"][0]["id"] == model["id"]


def test_a_float64_model_of_two_inputs_draws_its_surface(client):
    network = mlp(n_in=2, n_out=1, out_activation="sigmoid")
    weights = _weights(network)
    model = _imported(client, network, weights)
    grid = {"grid": 3, "x_min": -1, "x_max": 1, "y_min": -1, "y_max": 1, "neurons": "true"}
    response = client.get(f"/v1/models/{model['id']}/surface", params=grid)
    assert response.status_code == 200, response.text
    xs = np.linspace(-1, 1, 3)
    gx, gy = np.meshgrid(xs, xs)
    expected = Network.from_bytes(weights).predict(np.column_stack([gx.ravel(), gy.ravel()]))
    np.testing.assert_allclose(np.ravel(response.json()["values"]), expected.ravel(), rtol=1e-12)


def test_a_classifier_imports_with_its_classes_and_labels(client):
    network = mlp(n_in=2, n_out=2)
    weights = _weights(
        network,
        "float32",
        task="classification",
        loss="cross_entropy",
        classes=np.array(["no", "yes"]),
    )
    model = _imported(client, network, weights)
    assert (model["task"], model["classes"]) == ("classification", ["no", "yes"])
    reply = client.post(f"/v1/models/{model['id']}/predict", json={"inputs": [[0.5, -1]]}).json()
    assert reply["labels"][0] in ("no", "yes") and len(reply["probabilities"][0]) == 2


def test_names_and_init_may_differ_from_the_files_spec_and_the_given_spec_is_kept(client):
    named = {**XOR, "layers": [{**XOR["layers"][0], "name": "hidden"}, XOR["layers"][1]]}
    model = _imported(client, named, _weights(XOR))
    assert model["network"]["layers"][0]["name"] == "hidden"


@pytest.mark.parametrize(
    ("network", "weights", "loc", "detail"),
    [
        (
            {**XOR, "layers": [dense(8, "sigmoid", use_bias=False), XOR["layers"][1]]},
            None,
            "file",
            "the weights do not fit the network: layer 0 (dense) has units=8, the weights "
            "file's has units=4",
        ),
        ("{not json", None, "network", "Invalid JSON"),
        ({**XOR, "layers": [dense(0)]}, None, "network.layers.0.units", "expected a positive"),
        (XOR, b"not a zip", "file", "not a syn0.network/1 file"),
        (XOR, "nan", "file", "the weights hold NaN or infinite values"),
    ],
    ids=["architecture", "json", "spec", "not-npz", "nan"],
)
def test_what_does_not_fit_is_a_422_naming_the_field(client, network, weights, loc, detail):
    if weights == "nan":
        header, arrays = npz.load(_weights(XOR))
        arrays["params"][3] = np.nan
        weights = npz.dump(header, arrays)
    response = _import(client, network, weights or _weights(XOR))
    problem = assert_problem(response, 422, response.json()["type"].rsplit("/", 1)[1], loc)
    assert detail in problem["detail"], problem["detail"]
    assert client.get("/v1/models").json()["items"] == []


def test_the_form_needs_both_fields_and_multipart(client):
    assert_problem(
        client.post("/v1/models/import", data={"network": json.dumps(XOR)}),
        422,
        "validation-error",
        "file",
    )
    assert_problem(
        client.post("/v1/models/import", files={"file": ("w.npz", _weights(XOR))}),
        422,
        "validation-error",
        "network",
    )
    assert_problem(client.post("/v1/models/import", json=XOR), 415, "unsupported-media-type")


def test_a_network_over_the_parameter_limit_is_refused(make_client):
    client = make_client(max_parameters=10)
    assert_problem(_import(client, XOR, _weights(XOR)), 422, "limit-exceeded", "network")


def test_the_storage_quota_applies(make_client):
    weights = _weights(XOR)
    client = make_client(tenant_max_stored_bytes=len(weights) + 100)
    _imported(client, XOR, weights)
    problem = assert_problem(_import(client, XOR, weights), 403, "quota-exceeded")
    assert "SYN0_TENANT_MAX_STORED_BYTES" in problem["detail"]
    assert len(client.get("/v1/models").json()["items"]) == 1


def test_a_compressed_file_that_would_expand_past_the_limit_is_refused(client):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, params=np.zeros(30_000_000))
    problem = assert_problem(_import(client, XOR, buffer.getvalue()), 422, "validation-error")
    assert "params array takes 240,000,000 bytes" in problem["detail"]


# --- warm start, checked at submit ---------------------------------------------------------


def _xor_dataset(client) -> str:
    body = {
        "name": "xor",
        "features": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
        "targets": [0, 1, 1, 0],
        "task": "regression",
    }
    return client.post("/v1/datasets", json=body).json()["id"]


def _warm_body(dataset_id: str, model_id: str, network: dict = XOR) -> dict:
    body = job_body(dataset_id, network, loss="mse", dtype="float64")
    body["training"]["initial_weights"] = {"model_id": model_id}
    return body


def test_a_job_may_start_from_a_model_of_its_architecture(client):
    model = _imported(client)
    response = submit(client, _warm_body(_xor_dataset(client), model["id"]))
    assert response.status_code == 202, response.text
    training = response.json()["training"]
    assert training["initial_weights"] == {"model_id": model["id"]}
    assert training["dtype"] == "float64"


def test_a_job_of_another_architecture_is_a_422_naming_the_first_difference(client):
    model = _imported(client)
    other = {**XOR, "layers": [dense(16, "sigmoid", use_bias=False), XOR["layers"][1]]}
    for path in ("/v1/jobs", "/v1/jobs/validate"):
        response = client.post(path, json=_warm_body(_xor_dataset(client), model["id"], other))
        problem = assert_problem(response, 422, "invalid-spec", "training.initial_weights.model_id")
        assert problem["detail"] == (
            f"the network is not model {model['id']}'s architecture: layer 0 (dense) has "
            "units=16, the model's has units=4"
        )


def test_an_unknown_or_another_tenants_model_is_a_422(client, make_client, make_key):
    dataset_id = _xor_dataset(client)
    theirs = _imported(make_client(make_key("other")))
    for model_id in ("nope", theirs["id"]):
        response = submit(client, _warm_body(dataset_id, model_id))
        problem = assert_problem(
            response, 422, "validation-error", "training.initial_weights.model_id"
        )
        assert problem["detail"] == (
            f"no model with id {model_id!r} to start from; list them with GET /v1/models"
        )


def test_the_default_dtype_and_no_initial_weights_leave_the_stored_training_as_before(client):
    dataset = create_dataset(client)
    job = submit(client, job_body(dataset["id"])).json()
    assert "dtype" not in job["training"] and "initial_weights" not in job["training"]
    response = submit(client, job_body(dataset["id"], dtype="float16"))
    assert_problem(response, 422, "validation-error", "training.dtype")
