"""Targets: infer the task, find the classes, encode labels for the loss in use."""

from __future__ import annotations

from typing import Any

import numpy as np

from syn0.core.errors import DataError

MAX_CLASSES_INFERRED = 50


def as_labels(y: Any) -> np.ndarray:
    """Labels as a plain NumPy array: ``(n, 1)`` squeezed to ``(n,)``, object arrays
    re-inferred (ints stay ints; mixed values become strings), storable without pickle."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.dtype.kind == "O":
        y = np.array(y.tolist())
        if y.dtype.kind == "O":
            y = y.astype(str)
    return y


def infer_task(y: Any, loss: str | None = None) -> str:
    """The task a dataset or a fit call is about.

    A classification loss means classification, and mse means regression. Without a
    loss (a dataset uploaded on its own), strings, booleans and integers with at
    most ``MAX_CLASSES_INFERRED`` distinct values are classes; anything else is a
    regression target.
    """
    if loss in ("cross_entropy", "binary_cross_entropy"):
        return "classification"
    y = as_labels(y)
    if y.dtype.kind in "USb":
        return "classification"
    if loss == "mse":
        return "regression"
    whole = y.dtype.kind in "iu" or (
        y.dtype.kind == "f" and np.isfinite(y).all() and np.all(np.mod(y, 1) == 0)
    )
    if whole and y.ndim == 1 and len(np.unique(y)) <= MAX_CLASSES_INFERRED:
        return "classification"
    return "regression"


def find_classes(y: Any) -> np.ndarray:
    """The sorted distinct labels of ``y`` ``(n,)``."""
    y = as_labels(y)
    if y.ndim != 1:
        raise DataError(
            f"class labels must be one value per sample; received shape {y.shape}", field="y"
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError("class labels must not be NaN or Infinity", field="y")
    return np.unique(y)


def encode(
    y: Any, loss: str, task: str, classes: np.ndarray | None, n_outputs: int, dtype
) -> np.ndarray:
    """Targets in the form the loss reads.

    cross_entropy: class indices ``(n,)``; binary_cross_entropy: 0/1 ``(n, 1)``;
    mse on classes: one-hot ``(n, k)`` or 0/1 ``(n, 1)``; regression ``(n, k)``.
    """
    if task == "regression":
        y = np.asarray(y)
        if y.dtype.kind not in "iufb":
            raise DataError("regression targets must be numbers", field="y")
        y = y.reshape(len(y), -1).astype(dtype)
        if not np.isfinite(y).all():
            raise DataError("targets must be finite numbers (no NaN or Infinity)", field="y")
        return y
    y = as_labels(y)
    index = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
    unknown = classes[index] != y
    if unknown.any():
        raise DataError(
            f"label {y[unknown][0]!r} is not one of the classes {classes.tolist()}", field="y"
        )
    if loss == "cross_entropy":
        return index.astype(np.int64)
    if n_outputs == 1:
        return index.reshape(-1, 1).astype(dtype)
    return np.eye(n_outputs, dtype=dtype)[index]
