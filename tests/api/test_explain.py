"""Explain: one sample's forward and backward pass through a model, or through a job at
its latest checkpoint; every bad input a 422 naming its field."""

import numpy as np
import pytest

from syn0.core import Network, NetworkSpec, TrainingSpec, fit
from syn0.core.explain import explain
from syn0.jobs import attempts
from syn0.kit.db import session_scope
from tests.api.factories import (
    assert_problem,
    create_key,
    job_body,
    mlp,
    points,
    submit,
    train_model,
    training,
)


def _explain(client, model_id: str, body: dict) -> dict:
    response = client.post(f"/v1/models/{model_id}/explain", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_classifiers_pass_per_layer(client, classifier):
    # given
    x = classifier.X[3]
    net = classifier.net
    # when
    out = _explain(client, classifier.model_id, {"input": x.tolist(), "target": "yes"})
    # then: the loss is -log p(yes), and the output is what predict answers
    proba = net.predict_proba(x[None])[0]
    assert out["loss"] == pytest.approx(-np.log(proba[1]), rel=1e-5)
    assert out["loss_name"] == "cross_entropy"
    assert (out["model_id"], out["job_id"]) == (classifier.model_id, None)
    np.testing.assert_allclose(out["output"], proba, rtol=1e-5)
    np.testing.assert_allclose(out["probabilities"], proba, rtol=1e-5)
    assert out["prediction"] == net.predict_labels(x[None])[0]
    np.testing.assert_allclose(out["input"], x, rtol=1e-6)  # trained without normalization
    hidden, last = out["layers"]
    assert [hidden["name"], hidden["type"], hidden["activation"]] == ["dense_0", "dense", "tanh"]
    assert (last["activation"], last["output_gradient_of"]) == ("softmax", "pre_activation")
    assert hidden["output_gradient_of"] == "activation_values"
    assert np.shape(hidden["weights"]) == np.shape(hidden["weight_gradient"]) == (2, 8)
    assert np.shape(hidden["biases"]) == np.shape(hidden["pre_activation"]) == (8,)
    np.testing.assert_allclose(hidden["weights"], net.layers[0].W, rtol=1e-6)
    np.testing.assert_allclose(hidden["activation_values"], np.tanh(hidden["pre_activation"]))
    np.testing.assert_allclose(last["activation_values"], proba, rtol=1e-5)
    # the gradients are core.explain's (checked against finite differences in tests/core)
    core = explain(net, x, "yes")
    np.testing.assert_allclose(hidden["weight_gradient"], core.layers[0].weight_gradient)
    np.testing.assert_allclose(last["output_gradient"], proba - [0, 1], rtol=1e-5, atol=1e-7)


def test_a_record_names_the_features_in_any_order(client, classifier):
    x = classifier.X[0].tolist()
    by_input = _explain(client, classifier.model_id, {"input": x, "target": "no"})
    record = {"x1": x[1], "x0": x[0]}
    by_record = _explain(client, classifier.model_id, {"record": record, "target": "no"})
    assert by_record == by_input


def test_a_regressions_target_is_a_number(client, sessions):
    X, _ = points(30)
    y = (X[:, 0] - X[:, 1]) / 4
    network = mlp(n_out=1, out_activation="linear")
    model = train_model(sessions, client, X, y, network, training("mse", normalize_inputs=True))
    out = _explain(client, model.model_id, {"input": X[2].tolist(), "target": 0.5})
    net = model.net
    np.testing.assert_allclose(out["input"], (X[2] - net.input_mean) / net.input_std, rtol=1e-5)
    assert out["loss"] == pytest.approx((out["output"][0] - 0.5) ** 2, rel=1e-12)
    assert out["output"][0] == pytest.approx(net.predict(X[2:3])[0, 0], rel=1e-5)
    assert out["prediction"] == out["output"][0]
    assert out["probabilities"] is None


def test_an_image_models_values_keep_their_shapes(client, sessions):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 1, 6, 6)).astype(np.float32)
    y = np.arange(12) % 2
    network = {
        "input_shape": [1, 6, 6],
        "layers": [
            {"type": "conv2d", "filters": 2, "kernel_size": 3, "activation": "relu"},
            {"type": "maxpool2d"},
            {"type": "flatten"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
    }
    model = train_model(sessions, client, X, y, network, training(epochs=2))
    out = _explain(client, model.model_id, {"input": X[0].tolist(), "target": 1})
    conv, pool, flat, last = out["layers"]
    assert np.shape(conv["weights"]) == (2, 1, 3, 3) and np.shape(conv["biases"]) == (2,)
    assert np.shape(conv["activation_values"]) == np.shape(conv["output_gradient"]) == (2, 4, 4)
    assert conv["output_shape"] == [2, 4, 4] and pool["output_shape"] == [2, 2, 2]
    assert (pool["weights"], pool["pre_activation"], pool["activation"]) == (None, None, None)
    assert np.shape(flat["activation_values"]) == (8,)
    assert np.shape(out["input"]) == np.shape(out["input_gradient"]) == (1, 6, 6)
    np.testing.assert_allclose(last["activation_values"], out["output"], rtol=1e-6)


@pytest.mark.parametrize(
    ("body", "loc", "detail"),
    [
        (
            {"input": [1.0, 2.0, 3.0], "target": "no"},
            "input",
            "input must be one sample of shape [2] (numbers); received shape [3]",
        ),
        (
            {"input": [[1.0, 2.0]], "target": "no"},
            "input",
            "input must be one sample of shape [2] (numbers); received shape [1, 2]",
        ),
        (
            {"input": [1.0, 2.0], "target": "maybe"},
            "target",
            "target 'maybe' is not one of the model's classes ['no', 'yes']",
        ),
        (
            {"input": [1.0, 2.0], "target": 1},
            "target",
            "target 1 is not one of the model's classes ['no', 'yes']",
        ),
        ({"input": [1.0, 2.0]}, "target", "target: Field required"),
        (
            {"target": "no"},
            "body",
            "body: send one sample as either `input` or `record`, not both",
        ),
        (
            {"input": [1.0, 2.0], "record": {"x0": 1.0, "x1": 2.0}, "target": "no"},
            "body",
            "body: send one sample as either `input` or `record`, not both",
        ),
        (
            {"record": {"x0": 1.0, "x1": 2.0, "x9": 3.0}, "target": "no"},
            "record",
            "record has the unknown feature 'x9'; the model reads ['x0', 'x1']",
        ),
        (
            {"record": {"x0": 1.0}, "target": "no"},
            "record",
            "record lacks the feature 'x1'; the model reads ['x0', 'x1']",
        ),
    ],
)
def test_bad_inputs_are_422s_naming_the_field(client, classifier, body, loc, detail):
    response = client.post(f"/v1/models/{classifier.model_id}/explain", json=body)
    assert assert_problem(response, 422, "validation-error", loc)["detail"] == detail


def test_a_non_finite_input_is_a_422(client, classifier):
    response = client.post(
        f"/v1/models/{classifier.model_id}/explain",
        content=b'{"input": [NaN, 1.0], "target": "no"}',
        headers={"Content-Type": "application/json"},
    )
    problem = assert_problem(response, 422, "validation-error", "input")
    assert problem["detail"] == "input must be finite numbers (no NaN or Infinity)"


def test_a_network_over_the_limit_is_refused_before_any_work(make_client, classifier):
    limited = make_client(explain_max_values=50)
    response = limited.post(
        f"/v1/models/{classifier.model_id}/explain", json={"input": [0, 0], "target": "no"}
    )
    problem = assert_problem(response, 422, "limit-exceeded", "model_id")
    # 2 x 42 parameters, 3 x (8 + 2) layer values, 2 x 2 input values
    assert problem["detail"] == (
        "the count of numbers in this network's explanation is 118, over the limit of 50 "
        "(set by SYN0_EXPLAIN_MAX_VALUES); make the request smaller"
    )


def test_another_tenants_model_is_not_found(make_client, sessions, classifier):
    other = make_client(create_key(sessions, "globex", ("predict", "train")))
    response = other.post(
        f"/v1/models/{classifier.model_id}/explain", json={"input": [0, 0], "target": "no"}
    )
    problem = assert_problem(response, 404, "not-found")
    assert problem["detail"] == f"no model with id {classifier.model_id!r}"


def test_a_finished_job_explains_its_model(client, classifier):
    response = client.post(
        f"/v1/jobs/{classifier.job_id}/explain", json={"input": [0.5, 0.5], "target": "no"}
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["model_id"], out["job_id"]) == (classifier.model_id, classifier.job_id)
    by_model = _explain(client, classifier.model_id, {"input": [0.5, 0.5], "target": "no"})
    assert out["layers"] == by_model["layers"] and out["loss"] == by_model["loss"]


def test_a_running_job_is_explained_at_its_latest_checkpoint(client, sessions):
    # given: a running job, first without a checkpoint
    X, y = points(40)
    dataset = client.post(
        "/v1/datasets", json={"name": "p", "features": X.tolist(), "targets": y.tolist()}
    ).json()
    job = submit(client, job_body(dataset["id"], epochs=4)).json()
    url = f"/v1/jobs/{job['id']}/explain"
    body = {"input": X[1].tolist(), "target": int(y[1])}
    problem = assert_problem(client.post(url, json=body), 409, "conflict")
    assert problem["detail"].startswith(f"job {job['id']} has no checkpoint yet")
    saved = []
    net = Network(NetworkSpec.model_validate(job["network"]))
    spec = TrainingSpec.model_validate(job["training"])
    fit(net, X, y, spec, task="classification", on_checkpoint=saved.append)
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job["id"])
        assert attempts.save_checkpoint(session, job["id"], attempt, 2, saved[1].to_bytes())
    # when
    response = client.post(url, json=body)
    # then: the checkpoint of epoch 2's weights, not the final ones
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["model_id"], out["job_id"], out["epoch"]) == (None, job["id"], 2)
    at_epoch_2 = Network(NetworkSpec.model_validate(job["network"]))
    at_epoch_2.load_checkpoint(saved[1])
    assert out["loss"] == pytest.approx(explain(at_epoch_2, X[1], int(y[1])).loss, rel=1e-9)
    np.testing.assert_allclose(out["layers"][0]["weights"], at_epoch_2.layers[0].W, rtol=1e-6)
    # records name the dataset's features there too
    record = {"x0": float(X[1][0]), "x1": float(X[1][1])}
    by_record = client.post(url, json={"record": record, "target": int(y[1])}).json()
    assert by_record["loss"] == out["loss"]
