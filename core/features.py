"""Input features: the TensorFlow Playground's crosses of two inputs, computed inside the
network, so training and predict apply the same transform.

``FEATURES[name](X)`` maps ``X`` ``(n, 2)`` to one column ``(n,)``.
"""

from __future__ import annotations

import numpy as np

FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1_squared": lambda X: X[:, 0] ** 2,
    "x2_squared": lambda X: X[:, 1] ** 2,
    "x1_x2": lambda X: X[:, 0] * X[:, 1],
    "sin_x1": lambda X: np.sin(X[:, 0]),
    "sin_x2": lambda X: np.sin(X[:, 1]),
}


def transform(X: np.ndarray, features: list[str]) -> np.ndarray:
    """``X`` ``(n, 2)`` to ``(n, len(features))``, columns in the order given."""
    return np.stack([FEATURES[name](X) for name in features], axis=1).astype(X.dtype)
