"""Losses, computed from the last layer's pre-activation (the logits).

``LOSSES[name](xp, z, y, activation, classify, w=None)`` -> ``(loss, dL/dz, stat)``;
dL/dz may reuse the memory of ``z``. ``w`` ``(n,)``, when given, weighs each sample's
loss (``class_weight``): the loss is ``sum(w_i * L_i) / n`` and its gradient rows are
scaled by ``w_i``; without it nothing is multiplied, so unweighted training is as
before. The loss and the statistic are 0-d arrays of the backend: reading them on the
host would wait for a GPU after every batch, so the trainer collects them and reads
them once per epoch.

Softmax + cross-entropy and sigmoid + binary cross-entropy are fused and computed
from logits, so they stay finite for any logit. Every loss is a mean over the
batch. The statistic feeds the epoch metrics (correct predictions for classifiers,
(sum of squared errors, sum of absolute errors) for regression, stacked).

Notes
-----
cross_entropy: L = mean(logsumexp(z) - z[y]),  dL/dz = (softmax(z) - onehot(y)) / n
binary_cross_entropy: L = mean(max(z, 0) - z y + log(1 + exp(-|z|))),
    dL/dz = (sigmoid(z) - y) / n
mse: L = mean((a - y)**2) over all outputs,  dL/da = 2 (a - y) / (n k)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from syn0.core.activations import ACTIVATIONS, DERIVATIVES

Array = Any


def _correct(a: Array, y: Array, threshold: float) -> Array:
    """Correct predictions: argmax for several outputs, a threshold for one."""
    if a.shape[1] == 1:
        return ((a > threshold) == (y > 0.5)).sum()
    return (a.argmax(axis=1) == y.argmax(axis=1)).sum()


def cross_entropy(xp, z: Array, y: Array, activation: str, classify: bool, w: Array = None):
    """``y`` holds class indices ``(n,)``; ``z`` is ``(n, n_classes)``."""
    n = z.shape[0]
    rows = xp.arange(n)
    correct = (z.argmax(axis=1) == y).sum()
    z -= z.max(axis=1, keepdims=True)
    picked = z[rows, y]
    xp.exp(z, out=z)
    total = z.sum(axis=1, keepdims=True)
    if w is None:
        loss = (xp.log(total).sum() - picked.sum()).astype(xp.float64) / n
    else:
        loss = (w * (xp.log(total[:, 0]) - picked)).sum().astype(xp.float64) / n
    z /= total
    z[rows, y] -= 1
    z *= 1.0 / n
    if w is not None:
        z *= w[:, None]
    return loss, z, correct


def binary_cross_entropy(xp, z: Array, y: Array, activation: str, classify: bool, w=None):
    """``y`` holds 0/1 targets ``(n, 1)``; ``z`` is ``(n, 1)``."""
    n = z.shape[0]
    correct = _correct(z, y, 0.0)
    each = xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))
    if w is not None:
        each *= w[:, None]
    loss = each.sum().astype(xp.float64) / n
    ACTIVATIONS["sigmoid"](xp, z)
    z -= y
    z *= 1.0 / n
    if w is not None:
        z *= w[:, None]
    return loss, z, correct


def mse(xp, z: Array, y: Array, activation: str, classify: bool, w: Array = None, scale=None):
    """``y`` is ``(n, k)``: targets, one-hot classes, or 0/1 for a single unit.
    ``scale`` ``(k,)``: standardized targets' std, so that the statistic (not the loss)
    is in the targets' own units."""
    n, k = z.shape
    a = ACTIVATIONS[activation](xp, z)
    diff = a - y
    squared = (diff * diff).sum().astype(xp.float64)
    if classify:
        stat = _correct(a, y, 0.5)
    elif scale is None:
        stat = xp.stack([squared, xp.abs(diff).sum().astype(xp.float64)])
    else:
        error = diff * scale
        sums = [(error * error).sum(), xp.abs(error).sum()]
        stat = xp.stack([value.astype(xp.float64) for value in sums])
    loss = squared / (n * k)
    if w is not None:
        loss = (w[:, None] * diff * diff).sum().astype(xp.float64) / (n * k)
    grad = xp.multiply(diff, 2.0 / (n * k), out=diff)
    if w is not None:
        grad *= w[:, None]
    grad = DERIVATIVES[activation](xp, a, grad)
    return loss, grad, stat


LOSSES = {
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "cross_entropy": cross_entropy,
}


def add_stats(a, b):
    """Two statistics of ``sum_batch_stats`` added: counts, or pairs element by element."""
    return tuple(x + y for x, y in zip(a, b, strict=True)) if isinstance(a, tuple) else a + b


def sum_batch_stats(stats: np.ndarray):
    """Per-batch statistics ``(n_batches,)`` or ``(n_batches, 2)`` summed in batch order:
    a count, or a (squared error, absolute error) pair."""
    total = stats[0].copy()
    for row in stats[1:]:
        total += row
    return float(total) if total.ndim == 0 else tuple(total.tolist())
