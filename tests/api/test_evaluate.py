"""``POST /v1/models/{id}/evaluate``: a model's report on a stored dataset, every number
scikit-learn's on the same predictions; datasets that do not fit are a 422 naming
``dataset_id``."""

from __future__ import annotations

import numpy as np
import pytest

from tests.api.factories import assert_problem, dense, points, train_model, training

metrics = pytest.importorskip("sklearn.metrics")
SAME = {"rel": 1e-12, "abs": 1e-12}
# Probabilities of float32 models, given to scikit-learn as float64, sum to one within
# float32's precision, not float64's: it says so, and computes the same.
pytestmark = pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")


def upload(client, X, y, **extra) -> str:
    body = {"name": "eval", "features": np.asarray(X).tolist(), "targets": list(y), **extra}
    response = client.post("/v1/datasets", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def evaluated(client, model_id: str, dataset_id: str) -> dict:
    response = client.post(f"/v1/models/{model_id}/evaluate", json={"dataset_id": dataset_id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["model_id"], body["dataset_id"]) == (model_id, dataset_id)
    return body["report"]


def test_a_classifiers_report_is_sklearns_on_its_predictions(client, classifier):
    # given: new samples of the classifier's blobs, some of them near the boundary
    X, y = points(60, seed=5, labels=("no", "yes"))
    X[:10] *= 0.1
    dataset_id = upload(client, X, y.tolist())
    # when
    report = evaluated(client, classifier.model_id, dataset_id)
    # then
    proba = classifier.net.predict_proba(X).astype(np.float64)
    predicted = np.array(["no", "yes"])[proba.argmax(axis=1)]
    assert report["task"] == "classification" and report["n_samples"] == 60
    assert report["classes"] == ["no", "yes"]
    assert report["accuracy"] == pytest.approx(metrics.accuracy_score(y, predicted), **SAME)
    assert report["log_loss"] == pytest.approx(metrics.log_loss(y, proba), **SAME)
    confusion = metrics.confusion_matrix(y, predicted, labels=["no", "yes"])
    assert report["confusion_matrix"] == confusion.tolist()
    p, r, f, s = metrics.precision_recall_fscore_support(y, predicted, zero_division=0)
    assert [row["label"] for row in report["per_class"]] == ["no", "yes"]
    assert [row["precision"] for row in report["per_class"]] == pytest.approx(p, **SAME)
    assert [row["recall"] for row in report["per_class"]] == pytest.approx(r, **SAME)
    assert [row["f1"] for row in report["per_class"]] == pytest.approx(f, **SAME)
    assert [row["support"] for row in report["per_class"]] == s.tolist()
    for average in ("macro", "weighted"):
        p, r, f, _ = metrics.precision_recall_fscore_support(
            y, predicted, average=average, zero_division=0
        )
        got = report[f"{average}_avg"]
        assert (got["precision"], got["recall"], got["f1"]) == pytest.approx((p, r, f), **SAME)
    auc = metrics.roc_auc_score(y == "yes", proba[:, 1])
    assert report["roc_auc"] == pytest.approx(auc, **SAME)


def test_a_regressions_report_is_sklearns_on_its_predictions(client, sessions):
    X, _ = points(50)
    y = (2 * X[:, 0] - X[:, 1] + 0.3 * np.sin(3 * X[:, 0])).astype(np.float32)
    network = {"input_shape": [2], "layers": [dense(8, "tanh"), dense(1)]}
    model = train_model(sessions, client, X, y, network, training("mse", epochs=20))
    X_new, _ = points(30, seed=9)
    y_new = (2 * X_new[:, 0] - X_new[:, 1]).astype(np.float32)
    report = evaluated(client, model.model_id, upload(client, X_new, y_new.tolist()))
    predicted = model.net.predict(X_new)[:, 0].astype(np.float64)
    truth = np.asarray(y_new, np.float64)
    assert report == {
        "task": "regression",
        "n_samples": 30,
        "mse": pytest.approx(metrics.mean_squared_error(truth, predicted), **SAME),
        "rmse": pytest.approx(metrics.root_mean_squared_error(truth, predicted), **SAME),
        "mae": pytest.approx(metrics.mean_absolute_error(truth, predicted), **SAME),
        "r2": pytest.approx(metrics.r2_score(truth, predicted), **SAME),
    }


def test_datasets_that_do_not_fit_are_a_422_naming_dataset_id(client, classifier):
    model_id = classifier.model_id

    def refused(dataset_id: str) -> str:
        response = client.post(f"/v1/models/{model_id}/evaluate", json={"dataset_id": dataset_id})
        return assert_problem(response, 422, "validation-error", "dataset_id")["detail"]

    assert refused("nope") == "no dataset with id 'nope'; upload one first"
    X, _ = points(30)
    regression = upload(client, X, (X[:, 0] * 0.37).tolist())
    assert refused(regression) == (
        f"dataset {regression} is a regression dataset; model {model_id} is a classification "
        "model: evaluate it on a classification dataset"
    )
    other_labels = upload(client, X, ["no", "maybe"] * 15)
    assert refused(other_labels) == (
        f"dataset {other_labels} does not fit model {model_id}: label 'maybe' is not one of "
        "the classes ['no', 'yes']"
    )
    wide = upload(client, np.hstack([X, X]), ["no", "yes"] * 15)
    assert refused(wide) == (
        f"dataset {wide} does not fit model {model_id}: expected inputs of shape (n, 2); "
        "received (30, 4)"
    )
    missing = client.post(f"/v1/models/{model_id}/evaluate", json={})
    assert_problem(missing, 422, "validation-error")


def test_another_tenants_model_or_dataset_is_not_found(client, classifier, make_client, make_key):
    other = make_client(make_key("globex"))
    X, y = points(20, labels=("no", "yes"))
    theirs = upload(other, X, y.tolist())
    response = other.post(f"/v1/models/{classifier.model_id}/evaluate", json={"dataset_id": theirs})
    assert_problem(response, 404, "not-found")
    response = client.post(
        f"/v1/models/{classifier.model_id}/evaluate", json={"dataset_id": theirs}
    )
    assert_problem(response, 422, "validation-error", "dataset_id")


def csv_of(columns: dict[str, list]) -> bytes:
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    return "\n".join([",".join(names), *(",".join(map(str, row)) for row in rows)]).encode()


def test_a_csv_body_is_evaluated_as_the_same_samples_stored(client, classifier):
    # given: the samples as a stored dataset, and as a CSV whose columns are in another order
    X, y = points(60, seed=5, labels=("no", "yes"))
    stored = evaluated(client, classifier.model_id, upload(client, X, y.tolist()))
    body = csv_of({"label": y.tolist(), "x1": X[:, 1].tolist(), "x0": X[:, 0].tolist()})
    # when
    response = client.post(
        f"/v1/models/{classifier.model_id}/evaluate",
        params={"target": "label"},
        content=body,
        headers={"Content-Type": "text/csv"},
    )
    # then: the same report, of no stored dataset
    assert response.status_code == 200, response.text
    assert response.json() == {
        "model_id": classifier.model_id,
        "dataset_id": None,
        "report": stored,
    }


def test_a_csv_body_that_does_not_fit_is_a_422_naming_it(client, classifier):
    X, y = points(10, labels=("no", "yes"))
    url = f"/v1/models/{classifier.model_id}/evaluate"
    csv = {"Content-Type": "text/csv"}
    body = csv_of({"x0": X[:, 0].tolist(), "x1": X[:, 1].tolist(), "label": y.tolist()})

    untargeted = client.post(url, content=body, headers=csv)
    detail = assert_problem(untargeted, 422, "validation-error", "target")["detail"]
    assert detail == (
        f"model {classifier.model_id} keeps no target column name; name the CSV's with `?target=`"
    )
    elsewhere = client.post(url, params={"target": "y"}, content=body, headers=csv)
    assert (
        "the CSV has no column 'y'"
        in assert_problem(elsewhere, 422, "validation-error", "target")["detail"]
    )
    unknown = csv_of({"x0": X[:, 0].tolist(), "age": X[:, 1].tolist(), "label": y.tolist()})
    refused = client.post(url, params={"target": "label"}, content=unknown, headers=csv)
    assert "'x1'" in assert_problem(refused, 422, "validation-error", "body")["detail"]
    labels = csv_of({"x0": X[:, 0].tolist(), "x1": X[:, 1].tolist(), "label": ["maybe"] * 10})
    other = client.post(url, params={"target": "label"}, content=labels, headers=csv)
    assert assert_problem(other, 422, "validation-error", "body")["detail"] == (
        f"the CSV does not fit model {classifier.model_id}: label 'maybe' is not one of the "
        "classes ['no', 'yes']"
    )
    plain = client.post(url, content=body, headers={"Content-Type": "text/plain"})
    assert_problem(plain, 415, "unsupported-media-type")
