"""Evaluation reports: a trained network's metrics on labelled data, computed with NumPy
as scikit-learn computes them (``accuracy_score``, ``log_loss``, ``confusion_matrix``,
``precision_recall_fscore_support``, ``roc_auc_score``; ``mean_squared_error``,
``root_mean_squared_error``, ``mean_absolute_error``, ``r2_score``), in float64.

Notes
-----
log loss: ``mean(-log(clip(p[i, y_i], eps, 1 - eps)))`` with float64's eps.
precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2 p r / (p + r); each is 0
where its denominator is (scikit-learn's ``zero_division`` default). ROC AUC: the area
under the ROC curve of the second class's probability, one point per distinct score.
R² per target column ``1 - SSE / SST`` (1 when SST = SSE = 0, 0 when only SST = 0),
averaged over the columns, as is RMSE (the mean of the columns' RMSEs).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from syn0.core import targets
from syn0.core.errors import DataError
from syn0.core.prepare import split_indices
from syn0.core.spec import TrainingSpec


def evaluate(net, X: Any, y: Any) -> dict[str, Any]:
    """The report of ``net`` (bound by ``fit`` or loaded) on ``X`` ``(n, *input_shape)``
    and ``y``: class labels for a classifier (``DataError`` on ``y`` for a label it does
    not know), targets ``(n,)`` or ``(n, k)`` for a regression."""
    if len(X) != len(y):
        raise DataError(f"X has {len(X)} samples but y has {len(y)}", field="y")
    if len(X) == 0:
        raise DataError("there are no samples to evaluate", field="X")
    if net.task == "classification":
        index = targets.class_index(y, net.classes)
        return classification_report(index, net.predict_proba(X), net.classes)
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if y.shape[1] != net.n_outputs:
        raise DataError(
            f"the model has {net.n_outputs} output(s) but the targets have {y.shape[1]} column(s)",
            field="y",
        )
    return regression_report(y, net.predict(X))


def validation_report(net, X: Any, y: Any, training: TrainingSpec) -> dict[str, Any] | None:
    """The report on the validation split ``fit`` held out (the same samples: the same
    seeded, stratified for classification, split), or None without one."""
    if not training.validation_split:
        return None
    strata = targets.class_index(y, net.classes) if net.task == "classification" else None
    _, val_idx = split_indices(len(X), training.validation_split, training.seed, strata)
    return evaluate(net, np.asarray(X)[val_idx], np.asarray(y)[val_idx])


def classification_report(
    index: np.ndarray, proba: np.ndarray, classes: np.ndarray
) -> dict[str, Any]:
    """Metrics of class probabilities ``proba`` ``(n, k)`` against the true classes'
    positions ``index`` ``(n,)`` in ``classes``."""
    proba = np.asarray(proba, dtype=np.float64)
    n, k = proba.shape
    predicted = proba.argmax(axis=1)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (index, predicted), 1)
    tp = np.diag(confusion).astype(np.float64)
    support = confusion.sum(axis=1)
    precision = _ratio(tp, confusion.sum(axis=0))
    recall = _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    eps = np.finfo(np.float64).eps
    picked = np.clip(proba, eps, 1 - eps)[np.arange(n), index]
    labels = classes.tolist()
    weights = support / support.sum()
    return {
        "task": "classification",
        "n_samples": n,
        "accuracy": float(tp.sum() / n),
        "log_loss": float(np.mean(-np.log(picked))),
        "classes": labels,
        "confusion_matrix": confusion.tolist(),
        "per_class": [
            {
                "label": label,
                "precision": float(precision[c]),
                "recall": float(recall[c]),
                "f1": float(f1[c]),
                "support": int(support[c]),
            }
            for c, label in enumerate(labels)
        ],
        "macro_avg": _average(precision, recall, f1, support, np.full(k, 1 / k)),
        "weighted_avg": _average(precision, recall, f1, support, weights),
        "roc_auc": roc_auc(index == 1, proba[:, 1]) if k == 2 else None,
    }


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(len(num))
    np.divide(num, den, out=out, where=den > 0)
    return out


def _average(precision, recall, f1, support, weights) -> dict[str, Any]:
    return {
        "precision": float(np.sum(precision * weights)),
        "recall": float(np.sum(recall * weights)),
        "f1": float(np.sum(f1 * weights)),
        "support": int(support.sum()),
    }


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve of ``score`` for the ``positive`` samples; None when the
    labels hold one class only (the area is then undefined)."""
    positive = np.asarray(positive, dtype=np.float64)
    if positive.all() or not positive.any():
        return None
    order = np.argsort(-np.asarray(score), kind="mergesort")
    score, positive = np.asarray(score)[order], positive[order]
    ends = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]  # last of each score
    tps = np.cumsum(positive)[ends]
    fps = 1 + ends - tps
    tpr, fpr = np.r_[0.0, tps] / tps[-1], np.r_[0.0, fps] / fps[-1]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def regression_report(y: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """Metrics of ``predicted`` against ``y``, both ``(n, k)``, averaged over columns."""
    y = np.asarray(y, dtype=np.float64)
    error = np.asarray(predicted, dtype=np.float64).reshape(y.shape) - y
    mse = np.mean(error**2, axis=0)
    sse = np.sum(error**2, axis=0)
    sst = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    r2 = np.where(sst > 0, 1 - _ratio(sse, sst), np.where(sse == 0, 1.0, 0.0))
    return {
        "task": "regression",
        "n_samples": len(y),
        "mse": float(np.mean(mse)),
        "rmse": float(np.mean(np.sqrt(mse))),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(np.mean(r2)),
    }
