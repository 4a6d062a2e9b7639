"""Turn user arrays into training data: split, normalize, encode targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from syn0.core import targets
from syn0.core.checks import check_against_dataset, validation_size
from syn0.core.errors import DataError
from syn0.core.spec import TrainingSpec


@dataclass
class Prepared:
    """Training (and validation) arrays, normalized and encoded for the loss, and what
    ``fit`` binds to the network once every check has passed."""

    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    task: str
    classes: np.ndarray | None
    input_mean: np.ndarray | None
    input_std: np.ndarray | None
    warnings: list[str]
    # normalize_targets: the training split's targets' mean and std per column ``(k,)``.
    target_mean: np.ndarray | None = None
    target_std: np.ndarray | None = None
    # class_weight: each training sample's weight on the loss ``(n_train,)``.
    sample_weight: np.ndarray | None = None

    @property
    def classify(self) -> bool:
        return self.task == "classification"

    def bind(self, net, loss: str) -> None:
        net.loss, net.task, net.classes = loss, self.task, self.classes
        net.input_mean, net.input_std = self.input_mean, self.input_std
        net.target_mean, net.target_std = self.target_mean, self.target_std


def prepare(net, X: Any, y: Any, training: TrainingSpec, task: str | None) -> Prepared:
    """Check ``X`` ``(n_samples, *input_shape)`` and ``y`` against the spec; touches nothing
    on ``net``, so a failed call leaves a trained network as it was."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) == 0:
        raise DataError("the dataset has no samples")
    if len(y) != len(X):
        raise DataError(f"X has {len(X)} samples but y has {len(y)}", field="y")
    task = task or targets.infer_task(y, training.loss)
    classes = targets.find_classes(y) if task == "classification" else None
    n_outputs = len(classes) if classes is not None else int(np.prod(y.shape[1:], dtype=int))
    warnings = check_against_dataset(
        net.spec, training, X.shape[1:], task, n_outputs, n_samples=len(X), classes=classes
    )
    X = net.check_inputs(X, normalize=False)
    encoded = targets.encode(y, training.loss, task, classes, net.n_outputs, net.dtype)
    index = targets.class_index(y, classes) if classes is not None else None
    train_idx, val_idx = split_indices(len(X), training.validation_split, training.seed, index)
    X_train, y_train, X_val, y_val = X, encoded, None, None
    if val_idx is not None:
        X_train, y_train = X[train_idx], encoded[train_idx]
        X_val, y_val = X[val_idx], encoded[val_idx]
    mean = std = None
    if training.normalize_inputs:
        mean, std = input_statistics(X_train)
        X_train = (X_train - mean) / std
        if X_val is not None:
            X_val = (X_val - mean) / std
    target_mean = target_std = sample_weight = None
    if training.normalize_targets:
        target_mean, target_std = input_statistics(y_train)
        y_train = (y_train - target_mean) / target_std
        if y_val is not None:
            y_val = (y_val - target_mean) / target_std
    if training.class_weight is not None:
        train_index = index if val_idx is None else index[train_idx]
        weights = targets.class_weights(training.class_weight, classes, train_index)
        sample_weight = weights[train_index].astype(net.dtype)
    return Prepared(
        X=np.ascontiguousarray(X_train, dtype=net.dtype),
        y=y_train,
        X_val=X_val,
        y_val=y_val,
        task=task,
        classes=classes,
        input_mean=mean,
        input_std=std,
        warnings=warnings,
        target_mean=target_mean,
        target_std=target_std,
        sample_weight=sample_weight,
    )


def split_indices(
    n: int, fraction: float, seed: int, strata: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Training and validation positions ``(sorted)``: a seeded random split, so
    class-sorted data still validates on every class.

    With ``strata`` (each sample's class position, classification), the split is
    stratified: each class gives the validation split its share of ``validation_size``
    (the floor of ``n_val * count / n``, the remainder going to the classes with the
    largest fractions, ties to the earlier class), its samples taken in the order of the
    same seeded permutation.
    """
    if fraction == 0:
        return np.arange(n), None
    n_val = validation_size(n, fraction)
    order = np.random.default_rng([seed, 1]).permutation(n)
    if strata is None:
        return np.sort(order[n_val:]), np.sort(order[:n_val])
    counts = np.bincount(strata)
    exact = n_val * counts / n
    shares = np.floor(exact).astype(int)
    remainder = exact - shares
    for c in np.argsort(-remainder, kind="stable")[: n_val - shares.sum()]:
        shares[c] += 1
    by_class = strata[order]
    val = np.concatenate([order[by_class == c][: shares[c]] for c in range(len(counts))])
    mask = np.zeros(n, bool)
    mask[val] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def held_out(y: Any, task: str, fraction: float, seed: int) -> np.ndarray | None:
    """The positions ``fit`` holds out for validation from a dataset of targets ``y``
    and ``task`` (stratified by class for classification), or None without a split."""
    strata = None
    if task == "classification":
        strata = targets.class_index(y, targets.find_classes(y))
    return split_indices(len(y), fraction, seed, strata)[1]


def input_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per feature (tabular) or per channel (images), std floored to avoid /0."""
    axes = 0 if X.ndim == 2 else (0, 2, 3)
    mean = X.mean(axis=axes, keepdims=X.ndim != 2, dtype=np.float64)
    std = X.std(axis=axes, keepdims=X.ndim != 2, dtype=np.float64)
    std[std < 1e-8] = 1.0
    if X.ndim != 2:
        mean, std = mean[0], std[0]
    return mean.astype(X.dtype), std.astype(X.dtype)
