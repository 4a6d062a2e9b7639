"""Plain factory functions shared by the core tests."""

from __future__ import annotations

import numpy as np

from syn0.core import Network, NetworkSpec, TrainingSpec
from syn0.core.losses import LOSSES
from syn0.core.regularization import add_gradient, penalty


def dense(units: int, activation: str = "linear", **kw) -> dict:
    return {"type": "dense", "units": units, "activation": activation, **kw}


def conv(filters: int, kernel_size: int = 3, **kw) -> dict:
    return {"type": "conv2d", "filters": filters, "kernel_size": kernel_size, **kw}


def mlp(
    n_in: int,
    hidden: list[int],
    n_out: int,
    activation: str = "tanh",
    out_activation: str = "softmax",
) -> NetworkSpec:
    layers = [dense(units, activation) for units in hidden] + [dense(n_out, out_activation)]
    return NetworkSpec(input_shape=[n_in], layers=layers)


def lenet(size: int, n_classes: int) -> NetworkSpec:
    return NetworkSpec(
        input_shape=[1, size, size],
        layers=[
            conv(6, 3, padding="same", activation="relu"),
            {"type": "maxpool2d", "pool_size": 2},
            conv(12, 3, activation="relu"),
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "flatten"},
            dense(32, "relu"),
            dense(n_classes, "softmax"),
        ],
    )


def training(loss: str = "cross_entropy", **kw) -> TrainingSpec:
    return TrainingSpec(loss=loss, **kw)


def targets_for(loss: str, n: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Random targets in the encoded form each loss reads."""
    if loss == "cross_entropy":
        return rng.integers(0, n_out, n)
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (n, 1)).astype(np.float64)
    return rng.standard_normal((n, n_out))


def gradient_error(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    loss: str,
    l1: float = 0.0,
    l2: float = 0.0,
    eps: float = 1e-6,
    training: bool = True,
    weights: np.ndarray | None = None,
) -> float:
    """Relative error between backprop and central finite differences over every trained
    parameter (not the state, such as batchnorm's moving averages, that no gradient moves).

    Dropout masks are fixed by drawing them from a freshly seeded generator on each pass.
    ``training=False`` checks the inference-mode pass (batchnorm's moving averages).
    ``weights`` ``(n,)`` weigh the samples' losses (``class_weight``).
    """
    xp = net.xp
    x, y = net.to_internal(X), xp.asarray(y)
    w = None if weights is None else xp.asarray(weights)
    classify = loss != "mse"

    def objective() -> float:
        z = net.forward(x, training=training, rng=np.random.default_rng(7))
        value, _, _ = LOSSES[loss](xp, z.copy(), y, net.output_activation, classify, w)
        return float(value) + penalty(xp, net.weights, l1, l2)

    z = net.forward(x, training=training, rng=np.random.default_rng(7))
    _, grad, _ = LOSSES[loss](xp, z, y, net.output_activation, classify, w)
    net.backward(grad)
    analytic = net.grads.copy()
    add_gradient(xp, net.weights, analytic[: net.n_weights], l1, l2)

    params = host(net.params)
    numeric = np.empty_like(params[: net.n_trained])
    for i in range(numeric.size):
        net.params[i] = params[i] + eps
        up = objective()
        net.params[i] = params[i] - eps
        down = objective()
        net.params[i] = params[i]
        numeric[i] = (up - down) / (2 * eps)
    analytic = host(analytic)[: net.n_trained]
    scale = np.linalg.norm(numeric) + np.linalg.norm(analytic)
    return float(np.linalg.norm(numeric - analytic) / scale)


def host(a) -> np.ndarray:
    """A NumPy copy of an array of either device (CuPy's arrays have ``get``)."""
    return a.get() if hasattr(a, "get") else np.array(a)
