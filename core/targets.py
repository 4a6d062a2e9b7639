"""Targets: infer the task, find the classes, encode labels for the loss in use."""

from __future__ import annotations

from typing import Any

import numpy as np

from syn0.core.errors import DataError

# Whole-number targets of a dataset uploaded without a task read as classes up to this
# many distinct values (and while they are at most half the rows, past ``FEW_CLASSES``);
# beyond it they may be counts or prices, and the upload must say which (422).
MAX_CLASSES_INFERRED = 20
FEW_CLASSES = 10


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
    loss (a dataset uploaded on its own), strings, booleans and whole numbers with at
    most ``MAX_CLASSES_INFERRED`` distinct values (at most half the rows when there are
    more than ``FEW_CLASSES``) are classes; more distinct whole numbers are a
    ``DataError`` on ``task`` asking which the targets are; anything else is a
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
    if not whole or y.ndim != 1:
        return "regression"
    distinct = len(np.unique(y))
    if distinct <= FEW_CLASSES or (distinct <= MAX_CLASSES_INFERRED and 2 * distinct <= len(y)):
        return "classification"
    raise DataError(
        f"the targets are {distinct} distinct whole numbers in {len(y)} rows: more than "
        f"{MAX_CLASSES_INFERRED} distinct values (or over half the rows past {FEW_CLASSES}) "
        "may be amounts or classes; say which with task=regression or task=classification",
        field="task",
    )


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


def class_index(y: Any, classes: np.ndarray) -> np.ndarray:
    """The position of each label ``(n,)`` in ``classes``; a ``DataError`` for a label
    that is not one of them."""
    y = as_labels(y)
    index = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
    unknown = classes[index] != y
    if unknown.any():
        raise DataError(
            f"label {y[unknown][0].item()!r} is not one of the classes {classes.tolist()}",
            field="y",
        )
    return index


def class_weights(
    class_weight: str | dict[str, float], classes: np.ndarray, index: np.ndarray
) -> np.ndarray:
    """Each class's weight ``(n_classes,)`` as ``class_weight`` gives it: ``"balanced"``
    is ``n / (n_classes * count)`` over the labels' positions ``index`` (a class absent
    from them weighs 1), a mapping names labels as strings (others weigh 1)."""
    if class_weight == "balanced":
        counts = np.bincount(index, minlength=len(classes)).astype(np.float64)
        weights = np.ones(len(classes))
        present = counts > 0
        weights[present] = len(index) / (len(classes) * counts[present])
        return weights
    weights = np.ones(len(classes))
    for key, weight in class_weight.items():
        matches = [i for i, label in enumerate(classes.tolist()) if _names(key, label)]
        if not matches:
            raise DataError(
                f"class_weight names the label {key!r}, which is not one of the classes "
                f"{classes.tolist()}",
                field="class_weight",
            )
        weights[matches[0]] = weight
    return weights


def _names(key: str, label: Any) -> bool:
    """Whether a JSON key names ``label``: its text, or the same number."""
    if str(label) == key or (isinstance(label, bool) and key.lower() == str(label).lower()):
        return True
    if isinstance(label, int | float) and not isinstance(label, bool):
        try:
            return float(key) == label
        except ValueError:
            return False
    return False


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
    index = class_index(y, classes)
    if loss == "cross_entropy":
        return index.astype(np.int64)
    if n_outputs == 1:
        return index.reshape(-1, 1).astype(dtype)
    return np.eye(n_outputs, dtype=dtype)[index]
