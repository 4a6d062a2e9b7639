from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sqlalchemy import update

from syn0.core import Network
from syn0.kit.db import session_scope
from syn0.models.orm import Model
from syn0.models.serving import INLINE_BODY_BYTES
from tests.api.factories import assert_problem, mlp, points, train_model, training


@pytest.fixture
def regressor(client, sessions):
    X, _ = points(30)
    y = (X[:, 0] - X[:, 1]) / 4
    network = mlp(n_out=1, out_activation="linear")
    return train_model(sessions, client, X, y, network, training("mse", epochs=5))


def _predict(client, model_id: str, inputs) -> dict:
    response = client.post(f"/v1/models/{model_id}/predict", json={"inputs": inputs})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


# --- predict ------------------------------------------------------------------------------


def test_predict_matches_core_with_labels_in_the_users_values(client, classifier):
    # given
    X = classifier.X[:7]

    # when
    result = _predict(client, classifier.model_id, X.tolist())

    # then
    assert result["model_id"] == classifier.model_id
    np.testing.assert_allclose(result["outputs"], classifier.net.predict(X), rtol=1e-6)
    np.testing.assert_allclose(result["probabilities"], classifier.net.predict_proba(X), rtol=1e-6)
    assert result["labels"] == classifier.net.predict_labels(X).tolist()
    assert set(result["labels"]) <= {"no", "yes"}


def test_predict_a_regression_gives_outputs_only(client, regressor):
    X = regressor.X[:3]

    result = _predict(client, regressor.model_id, X.tolist())

    np.testing.assert_allclose(result["outputs"], regressor.net.predict(X), rtol=1e-6)
    assert "labels" not in result and "probabilities" not in result


def test_networks_are_loaded_once_and_the_cache_is_bounded(make_client, sessions):
    # given
    client = make_client(predict_cache_size=1)
    X, y = points(20)
    first = train_model(sessions, client, X, y, mlp(), training())
    second = train_model(sessions, client, X, y, mlp(), training(seed=1))
    cache = client.app.state.runtime.models

    # when
    _predict(client, first.model_id, X[:1].tolist())
    loaded = cache._served[first.model_id]
    _predict(client, first.model_id, X[:1].tolist())
    hit = cache._served[first.model_id]
    _predict(client, second.model_id, X[:1].tolist())

    # then
    assert hit is loaded
    assert list(cache._served) == [second.model_id]


def test_wrong_input_width_names_the_expected_shape(client, classifier):
    response = client.post(
        f"/v1/models/{classifier.model_id}/predict", json={"inputs": [[1.0, 2.0, 3.0]]}
    )

    problem = assert_problem(response, 422, "validation-error", loc="inputs")
    assert "(n, 2)" in problem["detail"] and "(1, 3)" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        (b'{"inputs": [[1, 2]', "body", "not valid JSON"),
        (b'{"inputs": [[1, NaN]]}', "inputs", "finite"),
        (b'{"inputs": [[1, 2], [3]]}', "inputs", "rectangular"),
        (b'{"inputs": [["a", "b"]]}', "inputs", "numbers"),
        (b'{"inputs": []}', "inputs", "non-empty"),
        (b'{"rows": [[1, 2]]}', "inputs", "inputs"),
        (b'{"inputs": [[1, 2]], "extra": 1}', "extra", "unknown field"),
    ],
)
def test_bad_inputs(client, classifier, body, loc, words):
    response = client.post(
        f"/v1/models/{classifier.model_id}/predict",
        content=body,
        headers={"content-type": "application/json"},
    )

    problem = assert_problem(response, 422, "validation-error", loc=loc)
    assert words in problem["detail"]


def test_inputs_that_overflow_the_models_float32_are_a_422_not_nulls(client, classifier):
    # 1e300 is finite, but not in float32: the outputs would be NaN, sent as null
    inputs = [[0.5, -1.0], [1e300, 1e300]]

    response = client.post(f"/v1/models/{classifier.model_id}/predict", json={"inputs": inputs})

    problem = assert_problem(response, 422, "validation-error", loc="inputs.1")
    assert "not finite" in problem["detail"] and "float32" in problem["detail"]


def test_unknown_model(client):
    assert_problem(
        client.post("/v1/models/nope/predict", json={"inputs": [[1, 2]]}), 404, "not-found"
    )
    assert_problem(client.get("/v1/models/nope"), 404, "not-found")
    assert_problem(client.get("/v1/models/nope/weights"), 404, "not-found")


# --- read ---------------------------------------------------------------------------------


def test_get_and_list_models(client, classifier):
    model = client.get(f"/v1/models/{classifier.model_id}").json()
    listed = client.get("/v1/models").json()

    assert model["job_id"] == classifier.job_id
    assert model["task"] == "classification" and model["classes"] == ["no", "yes"]
    assert model["n_params"] == classifier.net.params.size
    assert model["network"]["layers"][0]["units"] == 8
    assert model["metrics"]["epoch"] == 20
    assert [item["id"] for item in listed["items"]] == [classifier.model_id]
    job = client.get(f"/v1/jobs/{classifier.job_id}").json()
    assert (job["status"], job["model_id"]) == ("succeeded", classifier.model_id)


def test_weights_round_trip_through_core(client, classifier):
    response = client.get(f"/v1/models/{classifier.model_id}/weights")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="model-{classifier.model_id}.npz"'
    )
    net = Network.from_bytes(response.content)
    np.testing.assert_array_equal(net.predict(classifier.X), classifier.net.predict(classifier.X))
    assert net.classes.tolist() == ["no", "yes"]


def test_corrupt_weights_are_a_clear_server_error(client, sessions, classifier):
    with session_scope(sessions) as session:
        session.execute(
            update(Model).where(Model.id == classifier.model_id).values(weights=b"garbage")
        )

    download = client.get(f"/v1/models/{classifier.model_id}/weights")
    predict = client.post(
        f"/v1/models/{classifier.model_id}/predict", content=json.dumps({"inputs": [[1, 2]]})
    )

    for response in (download, predict):
        problem = assert_problem(response, 500, "corrupt-data")
        assert "sha256" in problem["detail"]


def test_a_large_batch_is_served_off_the_event_loop(client, regressor):
    X = np.random.default_rng(0).normal(size=(20_000, 2)).astype(np.float32)
    body = json.dumps({"inputs": X.tolist()}).encode()
    assert len(body) > INLINE_BODY_BYTES

    response = client.post(f"/v1/models/{regressor.model_id}/predict", content=body)

    assert response.status_code == 200, response.text
    np.testing.assert_allclose(response.json()["outputs"], regressor.net.predict(X), rtol=1e-5)


def test_concurrent_large_batches_each_get_their_own_answer(client, regressor):
    # given: batches big enough to be served in worker threads, all at once
    rng = np.random.default_rng(1)
    batches = [rng.normal(size=(9_000, 2)).astype(np.float32) for _ in range(6)]
    url = f"/v1/models/{regressor.model_id}/predict"

    def post(X: np.ndarray) -> np.ndarray:
        response = client.post(url, content=json.dumps({"inputs": X.tolist()}))
        assert response.status_code == 200, response.text
        return np.asarray(response.json()["outputs"])

    # when
    with ThreadPoolExecutor(len(batches)) as pool:
        outputs = list(pool.map(post, batches))

    # then
    for X, output in zip(batches, outputs, strict=True):
        np.testing.assert_allclose(output, regressor.net.predict(X), rtol=1e-5)
