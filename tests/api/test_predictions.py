"""Batch predictions over a stored dataset (issue 16, item 4): submitted through the API,
sent to the queue after the commit, run by the worker's function, downloaded as CSV or
JSON lines a chunk at a time."""

from __future__ import annotations

import csv
import io
import time

import numpy as np
import orjson
import pytest

from syn0.jobs.training import run_job
from syn0.kit.db import session_scope
from syn0.predictions import repository as store
from syn0.predictions import running
from syn0.predictions.orm import BatchPrediction
from syn0.predictions.running import run_prediction
from syn0.tenants import repository as tenants
from tests.api.factories import assert_problem, mlp, points, training

NAMES = ["age", "income"]


def _dataset(client, X, y, **fields) -> dict:
    body = {"name": "d", "features": X.tolist(), "targets": y.tolist(), **fields}
    response = client.post("/v1/datasets", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _model(client, sessions, settings, dataset: dict, network=None, spec=None) -> str:
    body = {
        "dataset_id": dataset["id"],
        "network": network or mlp(),
        "training": spec or training(epochs=10),
    }
    job = client.post("/v1/jobs", json=body).json()
    assert run_job(job["id"], sessions, settings) == "succeeded"
    return client.get(f"/v1/jobs/{job['id']}").json()["model_id"]


@pytest.fixture
def classifier(client, sessions, settings) -> str:
    X, y = points(40, labels=("no", "yes"))
    return _model(client, sessions, settings, _dataset(client, X, y, feature_names=NAMES))


def _submit(client, model_id: str, dataset_id: str):
    return client.post(f"/v1/models/{model_id}/predictions", json={"dataset_id": dataset_id})


def test_a_prediction_is_queued_sent_run_and_downloaded(
    client, sessions, broker, classifier, monkeypatch
):
    # given: a dataset of the model's features in another order, over several chunks
    monkeypatch.setattr(running, "CHUNK_ROWS", 7)
    X, y = points(30, seed=2, labels=("no", "yes"))
    swapped = _dataset(client, X[:, ::-1], y, feature_names=NAMES[::-1])

    # when
    submitted = _submit(client, classifier, swapped["id"])

    # then: queued, sent after the commit
    assert submitted.status_code == 202, submitted.text
    prediction = submitted.json()
    assert submitted.headers["location"] == f"/v1/predictions/{prediction['id']}"
    assert (prediction["status"], prediction["n_rows"], prediction["rows_done"]) == (
        "queued",
        30,
        0,
    )
    assert broker.sent_job_ids(task="predictions.run") == [prediction["id"]]
    assert_problem(client.get(f"/v1/predictions/{prediction['id']}/result"), 409, "conflict")

    # when: the worker runs it
    assert run_prediction(prediction["id"], sessions) == "succeeded"
    assert run_prediction(prediction["id"], sessions) == "not-claimed"

    # then: its result equals predict on the same samples, in row order
    done = client.get(f"/v1/predictions/{prediction['id']}").json()
    assert (done["status"], done["rows_done"], done["error"]) == ("succeeded", 30, None)
    expected = client.post(f"/v1/models/{classifier}/predict", json={"inputs": X.tolist()}).json()
    lines = client.get(f"/v1/predictions/{prediction['id']}/result")
    assert lines.headers["content-type"] == "application/x-ndjson"
    rows = [orjson.loads(line) for line in lines.text.splitlines()]
    assert [row["row"] for row in rows] == list(range(30))
    assert [row["label"] for row in rows] == expected["labels"]
    np.testing.assert_allclose([r["probabilities"] for r in rows], expected["probabilities"])
    np.testing.assert_allclose([r["outputs"] for r in rows], expected["outputs"])
    table = client.get(f"/v1/predictions/{prediction['id']}/result", headers={"accept": "text/csv"})
    assert table.headers["content-type"].startswith("text/csv")
    assert 'filename="prediction-' in table.headers["content-disposition"]
    cells = list(csv.reader(io.StringIO(table.text)))
    assert cells[0] == ["row", "label", "p_no", "p_yes"]
    assert [int(row[0]) for row in cells[1:]] == list(range(30))
    assert [row[1] for row in cells[1:]] == expected["labels"]
    np.testing.assert_allclose(
        [[float(p) for p in row[2:]] for row in cells[1:]], expected["probabilities"]
    )


def test_a_regression_over_an_unnamed_dataset_reads_its_columns_in_order(
    client, sessions, settings
):
    X, _ = points(20)
    y = X[:, 0] - X[:, 1]
    data = _dataset(client, X, y, task="regression")
    model = _model(
        client, sessions, settings, data, mlp(n_out=1, out_activation="linear"), training("mse")
    )
    prediction = _submit(client, model, data["id"]).json()

    assert run_prediction(prediction["id"], sessions) == "succeeded"

    table = client.get(f"/v1/predictions/{prediction['id']}/result", headers={"accept": "text/csv"})
    cells = list(csv.reader(io.StringIO(table.text)))
    expected = client.post(f"/v1/models/{model}/predict", json={"inputs": X.tolist()}).json()
    assert cells[0] == ["row", "output"]
    np.testing.assert_allclose([float(r[1]) for r in cells[1:]], np.ravel(expected["outputs"]))


def test_what_does_not_fit_the_model_is_refused_before_anything_is_stored(
    client, broker, classifier
):
    X, y = points(10)
    wide = _dataset(client, np.hstack([X, X]), y)
    renamed = _dataset(client, X, y, feature_names=["age", "height"])

    assert_problem(_submit(client, "0" * 32, wide["id"]), 404, "not-found")
    assert_problem(_submit(client, classifier, "0" * 32), 404, "not-found")
    shape = assert_problem(_submit(client, classifier, wide["id"]), 422, "validation-error")
    names = assert_problem(_submit(client, classifier, renamed["id"]), 422, "validation-error")

    assert "holds samples of shape [4]" in shape["detail"] and "reads [2]" in shape["detail"]
    assert "unknown feature 'height'" not in names["detail"]
    assert "lacks the feature 'income'" in names["detail"]
    assert client.get("/v1/predictions").json()["items"] == []
    assert broker.sent_job_ids(task="predictions.run") == []


def test_a_prediction_whose_dataset_went_fails_with_a_reason(client, sessions, classifier):
    X, y = points(10)
    data = _dataset(client, X, y)
    prediction = _submit(client, classifier, data["id"]).json()
    assert client.delete(f"/v1/datasets/{data['id']}").status_code == 204

    assert run_prediction(prediction["id"], sessions) == "failed"

    failed = client.get(f"/v1/predictions/{prediction['id']}").json()
    assert failed["dataset_id"] is None and failed["rows_done"] == 0
    assert failed["error"] == {
        "type": "bad-data",
        "detail": "the dataset was deleted before the prediction started",
    }
    conflict = assert_problem(
        client.get(f"/v1/predictions/{prediction['id']}/result"), 409, "conflict"
    )
    assert "is failed" in conflict["detail"] and "deleted" in conflict["detail"]


def test_predictions_are_the_tenants_list_and_go_with_their_model(
    client, sessions, make_key, classifier
):
    X, y = points(10)
    data = _dataset(client, X, y)
    first = _submit(client, classifier, data["id"]).json()
    second = _submit(client, classifier, data["id"]).json()
    assert run_prediction(first["id"], sessions) == "succeeded"
    other = {"Authorization": f"Bearer {make_key('other').key}"}

    listed = client.get("/v1/predictions", params={"limit": 1}).json()
    assert [p["id"] for p in listed["items"]] == [second["id"]]
    rest = client.get("/v1/predictions", params={"cursor": listed["next_cursor"]}).json()
    assert [p["id"] for p in rest["items"]] == [first["id"]]
    assert client.get("/v1/predictions", headers=other).json()["items"] == []
    for url in (f"/v1/predictions/{first['id']}", f"/v1/predictions/{first['id']}/result"):
        assert_problem(client.get(url, headers=other), 404, "not-found")
    assert_problem(_submit_as(client, other, classifier, data["id"]), 404, "not-found")

    assert client.delete(f"/v1/predictions/{second['id']}").status_code == 204
    assert_problem(client.get(f"/v1/predictions/{second['id']}"), 404, "not-found")
    assert client.delete(f"/v1/models/{classifier}").status_code == 204
    assert_problem(client.get(f"/v1/predictions/{first['id']}"), 404, "not-found")


def _submit_as(client, headers, model_id, dataset_id):
    return client.post(
        f"/v1/models/{model_id}/predictions", json={"dataset_id": dataset_id}, headers=headers
    )


def test_results_count_in_the_quota_and_a_prediction_at_it_is_refused(
    client, sessions, make_client, key, classifier
):
    # given: a prediction's result stored
    X, y = points(10)
    data = _dataset(client, X, y)
    first = _submit(client, classifier, data["id"]).json()
    before = _stored(sessions, key.tenant_id)
    assert run_prediction(first["id"], sessions) == "succeeded"
    after = _stored(sessions, key.tenant_id)
    assert after > before

    # when: the quota is what the tenant now stores
    refused = _submit(make_client(tenant_max_stored_bytes=after), classifier, data["id"])

    # then
    problem = assert_problem(refused, 403, "quota-exceeded")
    assert "a prediction's result needs room" in problem["detail"]
    assert len(client.get("/v1/predictions").json()["items"]) == 1
    assert client.delete(f"/v1/predictions/{first['id']}").status_code == 204
    assert _stored(sessions, key.tenant_id) == before


def _stored(sessions, tenant_id: str) -> int:
    with session_scope(sessions) as session:
        return tenants.stored_bytes(session, tenant_id)


def test_a_prediction_whose_worker_died_is_taken_over_from_its_last_chunk(
    client, sessions, classifier, monkeypatch
):
    # given: a worker that stored the first chunk of three, then died
    monkeypatch.setattr(running, "CHUNK_ROWS", 8)
    X, y = points(20, seed=7)
    data = _dataset(client, X, y)
    prediction = _submit(client, classifier, data["id"]).json()
    net = running._load(sessions, *_owner(sessions, prediction["id"]), data["id"])[0]
    with session_scope(sessions) as session:
        assert store.claim(session, prediction["id"]) is not None
    with session_scope(sessions) as session:
        store.add_chunk(session, prediction["id"], 0, 0, **running._predict(net, X[:8], 0))

    # when: its message comes again while the heartbeat is fresh, then once it is stale
    fresh = run_prediction(prediction["id"], sessions, grace_seconds=60)
    time.sleep(0.05)
    stale = run_prediction(prediction["id"], sessions, grace_seconds=0.01)

    # then: the rows are all there once, in order, as predict gives them
    assert (fresh, stale) == ("not-claimed", "succeeded")
    done = client.get(f"/v1/predictions/{prediction['id']}").json()
    assert (done["status"], done["rows_done"]) == ("succeeded", 20)
    lines = client.get(f"/v1/predictions/{prediction['id']}/result").text.splitlines()
    expected = client.post(f"/v1/models/{classifier}/predict", json={"inputs": X.tolist()})
    assert [orjson.loads(line)["row"] for line in lines] == list(range(20))
    assert [orjson.loads(line)["label"] for line in lines] == expected.json()["labels"]


def _owner(sessions, prediction_id: str) -> tuple[str, str]:
    with session_scope(sessions) as session:
        row = session.get(BatchPrediction, prediction_id)
        return row.tenant_id, row.model_id
