"""Layers: each keeps its forward and backward side by side.

Layout. Dense layers see ``(n_samples, features)``. Image layers keep the batch
innermost, ``(channels, height, width, n_samples)``: every im2col and pooling
slice is then a long contiguous run, and a convolution is one GEMM whose output
is already in that layout. ``Flatten`` turns it into ``(n_samples, c*h*w)`` with
features in the user's ``(c, h, w)`` order (a transposed view, no copy).

A layer with parameters gets views into the network's flat parameter and
gradient buffers through ``bind``; ``backward`` writes its gradients straight
into those views. Work buffers are cached per batch shape.
"""

from __future__ import annotations

from typing import Any

from syn0.core.activations import ACTIVATIONS, DERIVATIVES

Array = Any


class Layer:
    """Base class: no parameters, a cache of work buffers keyed by name and shape."""

    weight_shape: tuple[int, ...] | None = None
    bias_size = 0
    fan_in = fan_out = 0
    activation = "linear"

    def __init__(self, backend, dtype, in_shape: tuple[int, ...], out_shape: tuple[int, ...]):
        self.backend, self.xp, self.dtype = backend, backend.xp, dtype
        self.in_shape, self.out_shape = in_shape, out_shape
        self._buffers: dict[str, dict[tuple[int, ...], Array]] = {}

    def buffer(self, name: str, shape: tuple[int, ...], fill: float | None = None) -> Array:
        """A cached work array; ``fill`` sets its value once, when it is made.

        Two shapes are kept per name (a full batch and the last, smaller one), so
        requests of ever-new sizes do not make the cache grow.
        """
        shapes = self._buffers.setdefault(name, {})
        buf = shapes.get(shape)
        if buf is None:
            if len(shapes) >= 2:
                shapes.pop(next(iter(shapes)))
            buf = shapes[shape] = self.xp.empty(shape, dtype=self.dtype)
            if fill is not None:
                buf.fill(fill)
        return buf

    def bind(self, weights: Array, bias: Array | None, grad_w: Array, grad_b: Array | None):
        self.W, self.b, self.gW, self.gb = weights, bias, grad_w, grad_b

    def forward(self, x: Array, training: bool, rng) -> Array:
        raise NotImplementedError

    def backward(self, grad: Array, need_input_grad: bool) -> Array | None:
        raise NotImplementedError


class Dense(Layer):
    """``a = activation(x @ W + b)``; x ``(n, in)``, W ``(in, units)``, a ``(n, units)``."""

    def __init__(self, backend, dtype, in_shape, spec, activation: str):
        super().__init__(backend, dtype, in_shape, (spec.units,))
        self.activation = activation
        self.weight_shape = (in_shape[0], spec.units)
        self.bias_size = spec.units if spec.use_bias else 0
        self.fan_in, self.fan_out = in_shape[0], spec.units

    def forward(self, x, training, rng):
        self.x = x
        out = self.buffer("out", (x.shape[0], self.out_shape[0]))
        self.xp.matmul(x, self.W, out=out)
        self.a = out
        if not self.backend.bias_activation(out, self.b, self.activation):
            if self.b is not None:
                out += self.b
            self.a = ACTIVATIONS[self.activation](self.xp, out)
        return self.a

    def backward(self, grad, need_input_grad):
        xp = self.xp
        if not self.backend.activation_grad(self.activation, self.a, grad):
            grad = DERIVATIVES[self.activation](xp, self.a, grad)
        xp.matmul(self.x.T, grad, out=self.gW)
        if self.gb is not None:
            # The bias gradient as a matrix product: ones(n) @ grad is one BLAS call.
            xp.matmul(self.buffer("ones", (grad.shape[0],), fill=1), grad, out=self.gb)
        if not need_input_grad:
            return None
        dx = self.buffer("dx", self.x.shape)
        return xp.matmul(grad, self.W.T, out=dx)


class Dropout(Layer):
    """Inverted dropout: while training keep each unit with probability ``1 - rate``
    and scale it by ``1 / (1 - rate)``; at inference pass the input through."""

    def __init__(self, backend, dtype, in_shape, spec):
        super().__init__(backend, dtype, in_shape, in_shape)
        self.rate = spec.rate

    def forward(self, x, training, rng):
        self.mask = None
        if not training or self.rate == 0:
            return x
        keep = self.backend.uniform(rng, x.shape, self.dtype) >= self.rate
        self.mask = self.xp.multiply(keep, 1.0 / (1.0 - self.rate), dtype=self.dtype)
        out = self.buffer("out", x.shape)
        return self.xp.multiply(x, self.mask, out=out)

    def backward(self, grad, need_input_grad):
        if self.mask is not None:
            grad *= self.mask
        return grad


class Flatten(Layer):
    """``(c, h, w, n)`` to ``(n, c*h*w)``, as a transposed view."""

    def __init__(self, backend, dtype, in_shape, spec):
        size = 1
        for d in in_shape:
            size *= d
        super().__init__(backend, dtype, in_shape, (size,))

    def forward(self, x, training, rng):
        return x.reshape(self.out_shape[0], x.shape[-1]).T

    def backward(self, grad, need_input_grad):
        return grad.T.reshape(*self.in_shape, grad.shape[0])
