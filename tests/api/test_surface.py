"""The grid endpoints: a model or a running job's checkpoint on a grid, and a dataset's
points with the split a job would hold out."""

import numpy as np

from syn0.core import Network, NetworkSpec, TrainingSpec, fit
from syn0.core.layers import Dense
from syn0.jobs import attempts
from syn0.kit.db import session_scope
from tests.api.factories import assert_problem, create_dataset, job_body, points, submit

GRID = {"grid": 5, "x_min": -4, "x_max": 4, "y_min": -3, "y_max": 3}


def _grid_points():
    xs, ys = np.linspace(-4, 4, 5), np.linspace(-3, 3, 5)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def test_a_model_on_a_grid_with_its_neurons(client, classifier):
    # when
    response = client.get(
        f"/v1/models/{classifier.model_id}/surface", params={**GRID, "neurons": "true"}
    )
    # then
    assert response.status_code == 200, response.text
    surface = response.json()
    assert surface["source"] == "model" and surface["classes"] == ["no", "yes"]
    assert surface["x"] == np.linspace(-4, 4, 5).tolist()
    proba = classifier.net.predict_proba(_grid_points())
    np.testing.assert_allclose(np.ravel(surface["values"]), proba[:, 1], rtol=1e-5)
    assert np.ravel(surface["labels"]).tolist() == proba.argmax(axis=1).tolist()
    hidden = classifier.net.hidden_activations(_grid_points())
    assert [n["layer"] for n in surface["neurons"]] == [i for i, _ in hidden]
    unit = np.array(surface["neurons"][0]["units"][3])
    np.testing.assert_allclose(unit.ravel(), hidden[0][1][:, 3], rtol=1e-5, atol=1e-6)


def test_the_links_weights_are_the_stored_models(client, classifier):
    # when: a fine boundary with coarse neuron maps, and the weights
    query = {**GRID, "grid": 9, "neurons": "true", "neuron_grid": 5}
    response = client.get(f"/v1/models/{classifier.model_id}/surface", params=query)
    # then: every dense layer's W (inputs, units) and b are the downloaded weights file's
    assert response.status_code == 200, response.text
    surface = response.json()
    stored = Network.from_bytes(client.get(f"/v1/models/{classifier.model_id}/weights").content)
    dense = [(i, layer) for i, layer in enumerate(stored.layers) if isinstance(layer, Dense)]
    assert [w["layer"] for w in surface["weights"]] == [i for i, _ in dense]
    for drawn, (_, layer) in zip(surface["weights"], dense, strict=True):
        np.testing.assert_array_equal(np.array(drawn["weights"], dtype=np.float32), layer.W)
        np.testing.assert_array_equal(np.array(drawn["biases"], dtype=np.float32), layer.b)
    # the boundary on its 9x9 grid, each neuron and each class's probability on 5x5
    assert (surface["grid"], surface["neuron_grid"]) == (9, 5)
    assert len(surface["values"]) == 9 and len(surface["neurons"][0]["units"][0]) == 5
    proba = stored.predict_proba(_grid_points())
    assert len(surface["outputs"]) == 2
    for k, grid in enumerate(surface["outputs"]):
        np.testing.assert_allclose(np.ravel(grid), proba[:, k], rtol=1e-5, atol=1e-7)


def test_the_neuron_grid_has_bounds(client, classifier):
    response = client.get(
        f"/v1/models/{classifier.model_id}/surface", params={"neurons": "true", "neuron_grid": 1}
    )
    assert_problem(response, 422, "validation-error", loc="query.neuron_grid")


def test_a_running_job_is_drawn_from_its_latest_checkpoint(client, sessions):
    # given: a job that stored a checkpoint after epoch 2 and is still running
    X, y = points(40)
    dataset = client.post(
        "/v1/datasets", json={"name": "p", "features": X.tolist(), "targets": y.tolist()}
    ).json()
    job = submit(client, job_body(dataset["id"], epochs=4)).json()
    assert_problem(client.get(f"/v1/jobs/{job['id']}/surface"), 409, "conflict")
    spec = TrainingSpec.model_validate(job["training"])
    saved = []
    fit(
        Network(NetworkSpec.model_validate(job["network"])),
        X,
        y,
        spec,
        task="classification",
        on_checkpoint=saved.append,
    )
    with session_scope(sessions) as session:
        attempt = attempts.claim_job(session, job["id"])
        assert attempts.save_checkpoint(session, job["id"], attempt, 2, saved[1].to_bytes())
    # when
    surface = client.get(f"/v1/jobs/{job['id']}/surface", params=GRID).json()
    # then
    assert (surface["source"], surface["epoch"], surface["neurons"]) == ("checkpoint", 2, None)
    assert len(surface["values"]) == 5 and len(surface["values"][0]) == 5


def test_a_grid_must_have_an_extent(client, classifier):
    response = client.get(
        f"/v1/models/{classifier.model_id}/surface", params={"x_min": 1, "x_max": 1}
    )
    assert (
        "x_min must be below x_max" in assert_problem(response, 422, "validation-error")["detail"]
    )
    assert_problem(
        client.get(f"/v1/models/{classifier.model_id}/surface", params={"grid": 1}),
        422,
        "validation-error",
        loc="query.grid",
    )


def test_points_mark_the_split_a_job_holds_out(client):
    dataset = client.post(
        "/v1/datasets/generate", json={"kind": "spiral", "n_samples": 200, "seed": 1}
    ).json()
    response = client.get(
        f"/v1/datasets/{dataset['id']}/points", params={"validation_split": 0.25, "seed": 3}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["x"]) == len(body["y"]) == len(body["validation"]) == 200
    assert sum(body["validation"]) == 50
    # stratified as a job splits a classification: each class gives its share
    labels = np.array(body["y"])[np.array(body["validation"])]
    assert np.bincount(labels).tolist() == [25, 25]
    limited = client.get(f"/v1/datasets/{dataset['id']}/points", params={"limit": 10}).json()
    assert limited["x"] == body["x"][:10] and not any(limited["validation"])


def test_points_need_two_features(client):
    dataset = create_dataset(client, features=[[0.0, 1.0, 2.0]] * 4, targets=[0, 1, 0, 1])
    response = client.get(f"/v1/datasets/{dataset['id']}/points")
    assert_problem(response, 422, "validation-error", loc="dataset_id")
