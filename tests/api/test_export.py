"""``GET /v1/models/{id}/export?format=onnx``: a file onnxruntime serves with predict's
answers; another format or another tenant's model is refused."""

from __future__ import annotations

import numpy as np
import pytest

from tests.api.factories import assert_problem, dense, points, train_model, training

ort = pytest.importorskip("onnxruntime")


def run(content: bytes, X: np.ndarray) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(content, providers=["CPUExecutionProvider"])
    names = [out.name for out in session.get_outputs()]
    return dict(zip(names, session.run(None, {"input": X}), strict=True))


def test_an_exported_classifier_answers_as_predict(client, classifier):
    # when
    response = client.get(f"/v1/models/{classifier.model_id}/export?format=onnx")
    # then
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="model-{classifier.model_id}.onnx"'
    )
    X = classifier.X[:10]
    answered = client.post(f"/v1/models/{classifier.model_id}/predict", json={"inputs": X.tolist()})
    predicted = answered.json()
    got = run(response.content, X)
    np.testing.assert_allclose(got["outputs"], predicted["outputs"], atol=1e-5)
    np.testing.assert_allclose(got["probabilities"], predicted["probabilities"], atol=1e-5)
    assert got["labels"].tolist() == predicted["labels"] == ["no", "yes"] * 5


def test_format_defaults_to_onnx_and_a_normalized_regression_exports(client, sessions):
    X, _ = points(40)
    y = 3 * X[:, 0] - X[:, 1]
    network = {"input_shape": [2], "layers": [dense(8, "relu"), dense(1)]}
    model = train_model(
        sessions, client, X, y, network, training("mse", normalize_inputs=True, epochs=10)
    )
    response = client.get(f"/v1/models/{model.model_id}/export")
    assert response.status_code == 200, response.text
    got = run(response.content, X)
    assert list(got) == ["outputs"]
    np.testing.assert_allclose(got["outputs"], model.net.predict(X), atol=1e-5)


def test_another_format_is_a_422_naming_the_formats(client, classifier):
    response = client.get(f"/v1/models/{classifier.model_id}/export?format=pmml")
    problem = assert_problem(response, 422, "validation-error", "format")
    assert problem["detail"] == (
        "Received an invalid value for `format`, expected one of: onnx. Received: format='pmml'"
    )


def test_an_unknown_or_another_tenants_model_is_a_404(client, classifier, make_client, make_key):
    assert_problem(client.get("/v1/models/nope/export"), 404, "not-found")
    other = make_client(make_key("globex"))
    assert_problem(other.get(f"/v1/models/{classifier.model_id}/export"), 404, "not-found")
