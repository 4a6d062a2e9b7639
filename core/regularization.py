"""The L1/L2 weight penalty, on weights only (never biases).

Notes
-----
penalty = l1 sum|W| + l2 sum W**2;  d penalty / dW = l1 sign(W) + 2 l2 W
"""

from __future__ import annotations

from typing import Any

import numpy as np


def penalty(xp, weights: Any, l1: float, l2: float) -> float:
    """The penalty, summed in float64 so its report does not depend on the dtype."""
    value = 0.0
    if l1:
        value += l1 * float(xp.abs(weights).sum(dtype=np.float64))
    if l2:
        value += l2 * float(xp.square(weights, dtype=np.float64).sum())
    return value


def add_gradient(xp, weights: Any, grads: Any, l1: float, l2: float) -> None:
    """Add the penalty's gradient to the weight gradients, in place."""
    if l1:
        grads += l1 * xp.sign(weights)
    if l2:
        grads += (2 * l2) * weights
