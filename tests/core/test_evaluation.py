"""Evaluation reports against scikit-learn's metrics on the same predictions."""

from __future__ import annotations

import numpy as np
import pytest

from syn0.core import Network, NetworkSpec, TrainingSpec, datasets, fit
from syn0.core.evaluation import (
    classification_report,
    evaluate,
    regression_report,
    validation_report,
)
from syn0.core.prepare import split_indices
from syn0.core.targets import class_index
from tests.core.factories import dense

metrics = pytest.importorskip("sklearn.metrics")
SAME = {"rel": 1e-12, "abs": 1e-12}
# Probabilities of float32 models, given to scikit-learn as float64, sum to one within
# float32's precision, not float64's: it says so, and computes the same.
pytestmark = pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")


def assert_classification_is_sklearns(report, y, proba, classes):
    """(A report computes in float64 from a model's probabilities: so does scikit-learn.)"""
    proba = np.asarray(proba, dtype=np.float64)
    predicted = classes[proba.argmax(axis=1)]
    assert report["accuracy"] == pytest.approx(metrics.accuracy_score(y, predicted), **SAME)
    expected_loss = metrics.log_loss(y, proba, labels=classes)
    assert report["log_loss"] == pytest.approx(expected_loss, **SAME)
    confusion = metrics.confusion_matrix(y, predicted, labels=classes)
    assert report["confusion_matrix"] == confusion.tolist()
    p, r, f, s = metrics.precision_recall_fscore_support(
        y, predicted, labels=classes, zero_division=0
    )
    assert [row["label"] for row in report["per_class"]] == classes.tolist()
    for c, row in enumerate(report["per_class"]):
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx(
            (p[c], r[c], f[c]), **SAME
        )
        assert row["support"] == s[c]
    for average, name in (("macro", "macro_avg"), ("weighted", "weighted_avg")):
        p, r, f, _ = metrics.precision_recall_fscore_support(
            y, predicted, labels=classes, average=average, zero_division=0
        )
        got = report[name]
        assert (got["precision"], got["recall"], got["f1"]) == pytest.approx((p, r, f), **SAME)
        assert got["support"] == len(y)


def test_a_multiclass_report_is_sklearns_with_a_class_never_predicted():
    rng = np.random.default_rng(0)
    classes = np.array(["ant", "bee", "cow", "dog"])
    y = classes[rng.integers(0, 4, 200)]
    logits = rng.normal(0, 1, (200, 4)) + 1.5 * np.eye(4)[class_index(y, classes)]
    logits[:, 3] -= 10  # "dog" is never predicted: its precision is 0 by convention
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    report = classification_report(class_index(y, classes), proba, classes)
    assert_classification_is_sklearns(report, y, proba, classes)
    assert report["roc_auc"] is None and report["n_samples"] == 200


def test_a_binary_report_adds_sklearns_roc_auc_with_tied_scores():
    rng = np.random.default_rng(1)
    classes = np.array([3, 7])
    y = classes[rng.integers(0, 2, 150)]
    p = np.round(rng.uniform(0, 1, 150) * 0.5 + 0.5 * (y == 7), 1)  # ties: one decimal
    proba = np.stack([1 - p, p], axis=1)
    report = classification_report(class_index(y, classes), proba, classes)
    assert_classification_is_sklearns(report, y, proba, classes)
    assert report["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, p), **SAME)


def test_a_regression_report_is_sklearns_over_columns_with_a_constant_one():
    rng = np.random.default_rng(2)
    y = np.stack([rng.normal(5, 2, 80), rng.normal(0, 1, 80), np.full(80, 3.0)], axis=1)
    predicted = y + rng.normal(0, 0.5, y.shape)
    report = regression_report(y, predicted)
    assert report["mse"] == pytest.approx(metrics.mean_squared_error(y, predicted), **SAME)
    rmse = metrics.root_mean_squared_error(y, predicted)
    assert report["rmse"] == pytest.approx(rmse, **SAME)
    assert report["mae"] == pytest.approx(metrics.mean_absolute_error(y, predicted), **SAME)
    assert report["r2"] == pytest.approx(metrics.r2_score(y, predicted), **SAME)
    one = regression_report(y[:, :1], predicted[:, :1])
    assert one["r2"] == pytest.approx(metrics.r2_score(y[:, 0], predicted[:, 0]), **SAME)


def test_a_trained_networks_validation_report_is_that_of_its_held_out_samples():
    X, y = datasets.spiral(200, noise=0.1)
    net = Network(NetworkSpec(input_shape=[2], layers=[dense(8, "tanh"), dense(2, "softmax")]))
    training = TrainingSpec(loss="cross_entropy", epochs=5, validation_split=0.3, seed=4)
    history = fit(net, X, y, training)
    report = validation_report(net, X, y, training)
    _, val_idx = split_indices(len(X), 0.3, 4, class_index(y, net.classes))
    assert report == evaluate(net, X[val_idx], y[val_idx])
    assert report["n_samples"] == 60
    assert report["accuracy"] == pytest.approx(history.last["val_accuracy"], abs=1e-12)
    assert_classification_is_sklearns(
        report, y[val_idx], net.predict_proba(X[val_idx]), net.classes
    )
    assert validation_report(net, X, y, training.model_copy(update={"validation_split": 0})) is None
