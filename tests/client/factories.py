"""Specs shared by the client and command-line tests."""

from __future__ import annotations

from typing import Any

NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}


def training(**overrides: Any) -> dict[str, Any]:
    return {
        "loss": "cross_entropy",
        "epochs": 30,
        "optimizer": {"type": "adam", "learning_rate": 0.02},
        "validation_split": 0.2,
        **overrides,
    }


# Runs until it is cancelled: 2000 samples x 100,000 epochs is just within the limits.
LONG_TRAINING = training(epochs=100_000)
