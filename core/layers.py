"""Layers: each keeps its forward and backward side by side, and its own geometry.

Layout. Vectors are ``(n_samples, features)``. Image layers keep the batch
innermost, ``(channels, height, width, n_samples)``: every im2col and pooling
slice is then a long contiguous run, and a convolution is one GEMM whose output
is already in that layout. ``Flatten`` turns it into ``(n_samples, c*h*w)`` with
features in the user's ``(c, h, w)`` order (a transposed view, no copy).

Geometry (after Keras's ``compute_output_shape`` and ``count_params``): each layer
type says, from its spec and input shapes alone, its output shape, its parameter
count and its forward FLOPs per sample, so the checks and the summary never ask
what type a layer is. A misfit raises ``Misfit``, which the checks turn into a
``SpecError`` naming the layer.

A layer with parameters gets views into the network's flat parameter and
gradient buffers through ``bind``; ``backward`` writes its gradients straight
into those views. Work buffers are cached per batch shape. No layer writes into
its inputs: in a graph another layer may read them too.
"""

from __future__ import annotations

from math import prod
from typing import Any

from syn0.core.activations import ACTIVATIONS, DERIVATIVES
from syn0.core.errors import Misfit

Array = Any
Shape = tuple[int, ...]


def fmt(shape: Shape) -> str:
    return "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


def image_input(shape: Shape) -> Shape:
    if len(shape) != 3:
        raise Misfit(f"needs an image input (channels, height, width) but receives {fmt(shape)}")
    return shape


class Layer:
    """Base class: one input, no parameters, a cache of work buffers."""

    arity: int | None = 1  # the inputs a layer reads; None: two or more (the merges)
    weight_shape: tuple[int, ...] | None = None  # penalized by L1/L2
    bias_size = 0  # trained, never penalized
    state_size = 0  # kept with the parameters, never trained (moving averages)
    fan_in = fan_out = 0
    activation = "linear"

    @classmethod
    def compute_output_shape(cls, spec, shapes: list[Shape]) -> Shape:
        return shapes[0]

    @classmethod
    def count_params(cls, spec, shapes: list[Shape]) -> int:
        return 0

    @classmethod
    def count_flops(cls, spec, shapes: list[Shape], out: Shape) -> int:
        """Forward FLOPs per sample; a multiply-add counts as two."""
        return 0

    def __init__(self, backend, dtype, spec, shapes: list[Shape]):
        self.backend, self.xp, self.dtype = backend, backend.xp, dtype
        self.in_shapes, self.in_shape = shapes, shapes[0]
        self.out_shape = self.compute_output_shape(spec, shapes)
        self._buffers: dict[str, dict[tuple[int, ...], Array]] = {}

    @property
    def trainable(self) -> bool:
        return self.weight_shape is not None or self.bias_size > 0

    def buffer(
        self, name: str, shape: tuple[int, ...], fill: float | None = None, dtype=None
    ) -> Array:
        """A cached work array (of the layer's dtype unless given); ``fill`` sets its
        value once, when it is made.

        Two shapes are kept per name (a full batch and the last, smaller one), so
        requests of ever-new sizes do not make the cache grow.
        """
        shapes = self._buffers.setdefault(name, {})
        buf = shapes.get(shape)
        if buf is None:
            if len(shapes) >= 2:
                shapes.pop(next(iter(shapes)))
            buf = shapes[shape] = self.xp.empty(shape, dtype=dtype or self.dtype)
            if fill is not None:
                buf.fill(fill)
        return buf

    def bind(self, weights: Array, bias: Array | None, grad_w: Array, grad_b: Array | None):
        self.W, self.b, self.gW, self.gb = weights, bias, grad_w, grad_b

    def bind_state(self, state: Array) -> None:
        self.state = state

    def initialize_constants(self) -> None:
        """Set the parameters that start at a constant (weights are drawn by the network)."""

    def activate(self, out: Array) -> Array:
        """``activation(out)`` in place, kept as ``self.a`` for ``activation_gradient``."""
        if self.activation != "linear" and not self.backend.bias_activation(
            out, None, self.activation
        ):
            out = ACTIVATIONS[self.activation](self.xp, out)
        self.a = out
        return out

    def activation_gradient(self, grad: Array) -> Array:
        """``grad`` times the activation's derivative at ``self.a``, in place."""
        if self.activation == "linear" or self.backend.activation_grad(
            self.activation, self.a, grad
        ):
            return grad
        return DERIVATIVES[self.activation](self.xp, self.a, grad)

    def forward(self, x: Array, training: bool, rng) -> Array:
        raise NotImplementedError

    def backward(self, grad: Array, need_input_grad: bool) -> Array | None:
        raise NotImplementedError


class Dense(Layer):
    """``a = activation(x @ W + b)``; x ``(n, in)``, W ``(in, units)``, a ``(n, units)``."""

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        if len(shapes[0]) != 1:
            raise Misfit(
                f"needs a flat input but receives {fmt(shapes[0])}; add a flatten layer before it"
            )
        return (spec.units,)

    @classmethod
    def count_params(cls, spec, shapes):
        return shapes[0][0] * spec.units + (spec.units if spec.use_bias else 0)

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return 2 * shapes[0][0] * spec.units + (spec.units if spec.use_bias else 0)

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
        self.activation = spec.activation
        self.weight_shape = (self.in_shape[0], spec.units)
        self.bias_size = spec.units if spec.use_bias else 0
        self.fan_in, self.fan_out = self.in_shape[0], spec.units

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


class Activation(Layer):
    """``activation(x)`` on its own (after a batchnorm), elementwise on any shape.

    When the layer it reads applies the activation itself (``core.fuse``), this one
    is ``linear`` and passes values and gradients through.
    """

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        if spec.activation == "softmax" and len(shapes[0]) != 1:
            raise Misfit(
                f"cannot use softmax on {fmt(shapes[0])}; softmax needs a flat input",
                "activation",
            )
        return shapes[0]

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return prod(out)

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
        self.activation = spec.activation

    def forward(self, x, training, rng):
        if self.activation == "linear":
            return x
        out = self.buffer("out", x.shape)
        out[...] = x
        return self.activate(out)

    def backward(self, grad, need_input_grad):
        return self.activation_gradient(grad)


class Dropout(Layer):
    """Inverted dropout: while training keep each unit with probability ``1 - rate``
    and scale it by ``1 / (1 - rate)``; at inference pass the input through."""

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return prod(out)

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
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

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        return (prod(image_input(shapes[0])),)

    def forward(self, x, training, rng):
        return x.reshape(self.out_shape[0], x.shape[-1]).T

    def backward(self, grad, need_input_grad):
        return grad.T.reshape(*self.in_shape, grad.shape[0])
