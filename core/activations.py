"""Activation functions as registries of small in-place functions (after scikit-learn).

``ACTIVATIONS[name](xp, z)`` overwrites the pre-activation ``z`` with ``f(z)``.
``DERIVATIVES[name](xp, a, grad)`` multiplies ``grad`` in place by ``f'`` expressed
through the output ``a = f(z)``, so a layer keeps only its output for backward.

Notes
-----
sigmoid' = a (1 - a); tanh' = 1 - a**2; relu' = [a > 0];
leaky_relu' = 1 if a > 0 else alpha; elu' = 1 if a > 0 else a + alpha;
softmax backward is the Jacobian-vector product ``a * (g - sum(g * a))``.
"""

from __future__ import annotations

from typing import Any

LEAKY_ALPHA = 0.01
ELU_ALPHA = 1.0

Array = Any


def linear(xp, z: Array) -> Array:
    return z


def sigmoid(xp, z: Array) -> Array:
    # 1 / (1 + exp(-z)) written as 0.5 * (1 + tanh(z / 2)): no overflow for any z.
    z *= 0.5
    xp.tanh(z, out=z)
    z += 1
    z *= 0.5
    return z


def tanh(xp, z: Array) -> Array:
    return xp.tanh(z, out=z)


def relu(xp, z: Array) -> Array:
    return xp.maximum(z, 0, out=z)


def leaky_relu(xp, z: Array) -> Array:
    # For 0 < alpha < 1, max(z, alpha * z) is z where z > 0 and alpha * z elsewhere.
    return xp.maximum(z, LEAKY_ALPHA * z, out=z)


def elu(xp, z: Array) -> Array:
    negative = xp.minimum(z, 0)
    xp.expm1(negative, out=negative)
    negative *= ELU_ALPHA
    return xp.add(xp.maximum(z, 0, out=z), negative, out=z)


def softmax(xp, z: Array) -> Array:
    z -= z.max(axis=-1, keepdims=True)
    xp.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def d_linear(xp, a: Array, grad: Array) -> Array:
    return grad


def d_sigmoid(xp, a: Array, grad: Array) -> Array:
    grad *= a
    grad *= 1 - a
    return grad


def d_tanh(xp, a: Array, grad: Array) -> Array:
    grad *= 1 - a * a
    return grad


def d_relu(xp, a: Array, grad: Array) -> Array:
    # Multiplying by a boolean mask is several times faster than masked assignment.
    return xp.multiply(grad, a > 0, out=grad)


def d_leaky_relu(xp, a: Array, grad: Array) -> Array:
    return xp.multiply(grad, xp.where(a > 0, 1.0, LEAKY_ALPHA).astype(grad.dtype), out=grad)


def d_elu(xp, a: Array, grad: Array) -> Array:
    return xp.multiply(grad, xp.where(a > 0, 1.0, a + ELU_ALPHA).astype(grad.dtype), out=grad)


def d_softmax(xp, a: Array, grad: Array) -> Array:
    inner = (grad * a).sum(axis=-1, keepdims=True)
    grad -= inner
    grad *= a
    return grad


ACTIVATIONS = {
    "linear": linear,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softmax": softmax,
}

DERIVATIVES = {
    "linear": d_linear,
    "sigmoid": d_sigmoid,
    "tanh": d_tanh,
    "relu": d_relu,
    "leaky_relu": d_leaky_relu,
    "elu": d_elu,
    "softmax": d_softmax,
}
