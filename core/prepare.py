"""Turn user arrays into training data: split, normalize, encode targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core import targets
from core.checks import check_against_dataset
from core.errors import DataError, SpecError
from core.spec import TrainingSpec


@dataclass
class Prepared:
    """Training (and validation) arrays, normalized and encoded for the loss."""

    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    classify: bool
    warnings: list[str]


def prepare(net, X: Any, y: Any, training: TrainingSpec, task: str | None) -> Prepared:
    """Check the data against the spec and bind task, classes and input statistics to ``net``."""
    X, y = np.asarray(X), np.asarray(y)
    if len(y) != len(X):
        raise DataError(f"X has {len(X)} samples but y has {len(y)}", field="y")
    task = task or targets.infer_task(y, training.loss)
    classes = targets.find_classes(y) if task == "classification" else None
    n_outputs = len(classes) if classes is not None else int(np.prod(y.shape[1:], dtype=int))
    warnings = check_against_dataset(net.spec, training, X.shape[1:], task, n_outputs)
    if (
        task == "regression"
        and training.early_stopping
        and training.early_stopping.monitor == "val_accuracy"
    ):
        raise SpecError(
            "early_stopping cannot monitor val_accuracy on a regression task; monitor val_loss",
            ("training", "early_stopping", "monitor"),
        )
    net.input_mean = net.input_std = None
    X = net.check_inputs(X)
    encoded = targets.encode(y, training.loss, task, classes, net.n_outputs, net.dtype)
    net.loss, net.task, net.classes = training.loss, task, classes

    train_idx, val_idx = split_indices(len(X), training.validation_split, training.seed)
    X_train, y_train, X_val, y_val = X, encoded, None, None
    if val_idx is not None:
        X_train, y_train = X[train_idx], encoded[train_idx]
        X_val, y_val = X[val_idx], encoded[val_idx]
    if training.normalize_inputs:
        net.input_mean, net.input_std = input_statistics(X_train)
        X_train = (X_train - net.input_mean) / net.input_std
        if X_val is not None:
            X_val = (X_val - net.input_mean) / net.input_std
    return Prepared(
        X=np.ascontiguousarray(X_train, dtype=net.dtype),
        y=y_train,
        X_val=X_val,
        y_val=y_val,
        classify=task == "classification",
        warnings=warnings,
    )


def split_indices(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A seeded random split, so class-sorted data still validates on every class."""
    if fraction == 0:
        return np.arange(n), None
    n_val = round(n * fraction)
    if n_val < 1 or n - n_val < 1:
        raise DataError(
            f"validation_split={fraction} leaves no samples for training or "
            f"validation with {n} samples",
            field="validation_split",
        )
    order = np.random.default_rng([seed, 1]).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def input_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per feature (tabular) or per channel (images), std floored to avoid /0."""
    axes = 0 if X.ndim == 2 else (0, 2, 3)
    mean = X.mean(axis=axes, keepdims=X.ndim != 2, dtype=np.float64)
    std = X.std(axis=axes, keepdims=X.ndim != 2, dtype=np.float64)
    std[std < 1e-8] = 1.0
    if X.ndim != 2:
        mean, std = mean[0], std[0]
    return mean.astype(X.dtype), std.astype(X.dtype)
