"""The primer's two programs (Andrew Trask, "A Neural Network in 11 Lines of Python"),
in NumPy and float64, as it runs them; and their starting weights as syn0 weights files.

    python examples/seed/primer.py DIR

writes ``DIR/single_layer.npz`` and ``DIR/xor.npz`` (the weights each program starts
from, in the format ``GET /v1/models/{id}/weights`` gives and ``syn0 models import``
takes), then runs both programs and prints their weights and outputs after training,
for comparing with syn0's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
PROGRAMS = {
    # name: (targets, the shapes of its weights in the order it draws them, steps)
    "single_layer": (np.array([[0, 0, 1, 1]], dtype=np.float64).T, [(3, 1)], 10_000),
    "xor": (np.array([[0, 1, 1, 0]], dtype=np.float64).T, [(3, 4), (4, 1)], 60_000),
}


def nonlin(x, deriv=False):
    if deriv:
        return x * (1 - x)
    return 1 / (1 + np.exp(-x))


def starting_weights(name: str) -> list[np.ndarray]:
    """``np.random.seed(1)``, then ``2 * np.random.random(shape) - 1`` per weight matrix."""
    np.random.seed(1)
    return [2 * np.random.random(shape) - 1 for shape in PROGRAMS[name][1]]


def run(name: str, steps: int | None = None) -> list[np.ndarray]:
    """The program's weights after ``steps`` updates (its own count by default)."""
    y, _, default_steps = PROGRAMS[name]
    weights = starting_weights(name)
    for _ in range(default_steps if steps is None else steps):
        if len(weights) == 1:
            (syn0,) = weights
            l0 = X
            l1 = nonlin(np.dot(l0, syn0))
            l1_error = y - l1
            l1_delta = l1_error * nonlin(l1, True)
            syn0 += np.dot(l0.T, l1_delta)
        else:
            syn0, syn1 = weights
            l0 = X
            l1 = nonlin(np.dot(l0, syn0))
            l2 = nonlin(np.dot(l1, syn1))
            l2_error = y - l2
            l2_delta = l2_error * nonlin(l2, deriv=True)
            l1_error = l2_delta.dot(syn1.T)
            l1_delta = l1_error * nonlin(l1, deriv=True)
            syn1 += l1.T.dot(l2_delta)
            syn0 += l0.T.dot(l1_delta)
    return weights


def outputs(weights: list[np.ndarray]) -> np.ndarray:
    """The network's outputs on ``X`` for ``weights`` (what syn0's predict computes)."""
    layer = X
    for w in weights:
        layer = nonlin(layer.dot(w))
    return layer


def weights_file(name: str) -> bytes:
    """The starting weights as a syn0 weights file: the flat parameter vector holds every
    weight matrix, row-major, in layer order (no biases), in float64."""
    from syn0.core import Network, NetworkSpec

    spec = json.loads((HERE / f"{name}.json").read_text())
    net = Network(NetworkSpec.model_validate(spec["network"]), dtype="float64")
    net.params[...] = np.concatenate([w.ravel() for w in starting_weights(name)])
    net.loss, net.task = "mse", "regression"
    return net.to_bytes()


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    folder.mkdir(parents=True, exist_ok=True)
    np.set_printoptions(precision=8, suppress=True)
    for name in PROGRAMS:
        path = folder / f"{name}.npz"
        path.write_bytes(weights_file(name))
        trained = run(name)
        print(f"{name}: wrote {path}; after {PROGRAMS[name][2]:,} steps the outputs are")
        print(outputs(trained).ravel())


if __name__ == "__main__":
    main()
