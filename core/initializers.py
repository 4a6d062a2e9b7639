"""Weight initializers, by name. Each takes the fans and returns a float64 array."""

from __future__ import annotations

import numpy as np

RELU_LIKE = {"relu", "leaky_relu", "elu"}


def glorot_uniform(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


def glorot_normal(rng, shape, fan_in, fan_out):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)


def he_normal(rng, shape, fan_in, fan_out):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)


def he_uniform(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, shape)


def lecun_normal(rng, shape, fan_in, fan_out):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), shape)


def zeros(rng, shape, fan_in, fan_out):
    return np.zeros(shape)


INITIALIZERS = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "zeros": zeros,
}


def resolve(init: str, activation: str) -> str:
    """``auto`` means He for ReLU-like activations and Glorot for the rest."""
    if init != "auto":
        return init
    return "he_normal" if activation in RELU_LIKE else "glorot_uniform"
