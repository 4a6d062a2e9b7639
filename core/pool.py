"""Pooling on the batch-innermost layout ``(channels, height, width, n)``: a handful of
strided whole-array calls per window offset, never a loop over samples.

``padding="same"`` (as Keras) pads the input so the output is ``ceil(size / stride)``:
max pooling pads with -inf, so a pad never wins; average pooling averages the real
values of each window only.
"""

from __future__ import annotations

from math import prod

from syn0.core.activations import ACTIVATIONS, DERIVATIVES
from syn0.core.conv import conv_geometry, window, window_output
from syn0.core.layers import Layer, image_input


class _Pool(Layer):
    """A ``pool`` x ``pool`` window moved by ``stride`` (default: the window)."""

    pad_value = 0.0

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        stride, c = spec.stride or spec.pool_size, shapes[0][0]
        return window_output(shapes[0], spec.pool_size, stride, spec.padding, c, "pool_size")

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
        _, h, w = self.in_shape
        _, oh, ow = self.out_shape
        self.pool = p = spec.pool_size
        self.stride = s = spec.stride or spec.pool_size
        self.pad_h = conv_geometry(h, p, s, spec.padding)[1]
        self.pad_w = conv_geometry(w, p, s, spec.padding)[1]
        self.padded_hw = (
            max(h + 2 * self.pad_h, (oh - 1) * s + p),
            max(w + 2 * self.pad_w, (ow - 1) * s + p),
        )
        self.padded = self.padded_hw != (h, w)
        # Windows that tile the input write each input position exactly once backward.
        self.tiles = not self.padded and s == p and h % p == 0 and w % p == 0

    def _windows(self, x):
        """Each window offset's ``(c, oh, ow, n)`` view of ``x``."""
        _, oh, ow = self.out_shape
        for i in range(self.pool):
            for j in range(self.pool):
                yield window(x, i, j, self.stride, oh, ow)

    def _interior(self, padded):
        _, h, w = self.in_shape
        return padded[:, self.pad_h : self.pad_h + h, self.pad_w : self.pad_w + w]

    def _source(self, x):
        """``x``, or ``x`` inside a border of ``pad_value`` when padding."""
        if not self.padded:
            return x
        shape = (self.in_shape[0], *self.padded_hw, x.shape[-1])
        src = self.buffer("padded", shape, fill=self.pad_value)  # the border is set once
        self._interior(src)[...] = x
        return src

    def _input_gradient(self, n: int):
        """The zeroed (unless the windows tile) gradient buffer, padded like ``_source``."""
        dx = self.buffer("dx", (self.in_shape[0], *self.padded_hw, n))
        if not self.tiles:
            dx.fill(0)
        return dx

    def _unpadded(self, dx):
        return self._interior(dx) if self.padded else dx


class MaxPool2D(_Pool):
    """Maximum over each window.

    It may carry the activation of the convolution before it (see ``core.fuse``).
    """

    pad_value = float("-inf")

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return prod(out) * (spec.pool_size**2 - 1)

    def forward(self, x, training, rng):
        """The maximum of each window; overlapping windows (stride below the pool size)
        take the maximum along rows, then along columns: 2 (p - 1) passes, not p*p - 1.
        A maximum is exact in any order, so both give the same values."""
        xp, p, s = self.xp, self.pool, self.stride
        _, oh, ow = self.out_shape
        self.x = x = self._source(x)
        out = self.buffer("out", (*self.out_shape, x.shape[-1]))
        if s < p:
            rows = (oh - 1) * s + p
            across = [x[:, :rows, j : j + s * (ow - 1) + 1 : s] for j in range(p)]
            row_max = self.buffer("row_max", across[0].shape)
            _max_of(xp, across, row_max)
            _max_of(xp, [row_max[:, i : i + s * (oh - 1) + 1 : s] for i in range(p)], out)
        else:
            _max_of(xp, list(self._windows(x)), out)
        self.out = out
        if self.activation == "linear":
            return out
        self.a = self.buffer("a", out.shape)
        self.a[...] = out
        return ACTIVATIONS[self.activation](self.xp, self.a)

    def backward(self, grad, need_input_grad):
        """Route each output gradient to the first position in its window holding the max.

        Window offsets go in order; ``claimed`` marks the outputs already routed, so of
        tied maxima only the first receives the gradient. Each input position sums what
        it receives in offset order, as it always has.
        """
        xp = self.xp
        if self.activation != "linear":
            grad = DERIVATIVES[self.activation](xp, self.a, grad)
        dx = self._input_gradient(grad.shape[-1])
        is_max = self.buffer("is_max", grad.shape, dtype=bool)
        first = self.buffer("first", grad.shape, dtype=bool)
        claimed = self.buffer("claimed", grad.shape, dtype=bool)
        routed = None if self.tiles else self.buffer("routed", grad.shape)
        pairs = zip(self._windows(self.x), self._windows(dx), strict=True)
        for offset, (source, target) in enumerate(pairs):
            if offset == 0:
                xp.equal(source, self.out, out=first)
                claimed[...] = first
            else:
                xp.equal(source, self.out, out=is_max)
                xp.greater(is_max, claimed, out=first)
                claimed |= is_max
            if self.tiles:
                # Windows tile the input: each dx position is written exactly once.
                xp.multiply(grad, first, out=target)
            else:
                xp.multiply(grad, first, out=routed)
                target += routed
        return self._unpadded(dx)


def _max_of(xp, views, out) -> None:
    """``out`` = the elementwise maximum of ``views``."""
    if len(views) == 1:
        out[...] = views[0]
        return
    xp.maximum(views[0], views[1], out=out)
    for view in views[2:]:
        xp.maximum(out, view, out=out)


class AvgPool2D(_Pool):
    """The mean over each window; backward spreads each gradient evenly over its window."""

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return prod(out) * spec.pool_size**2

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
        # 1 / (the real values in each window), (oh, ow, 1); all alike without padding.
        ones = self.xp.zeros((1, *self.padded_hw, 1), dtype=dtype)
        self._interior(ones)[...] = 1
        counts = sum(self._windows(ones))
        self.scale = (1.0 / counts)[0]

    def forward(self, x, training, rng):
        x = self._source(x)
        out = self.buffer("out", (*self.out_shape, x.shape[-1]))
        views = self._windows(x)
        out[...] = next(views)
        for view in views:
            out += view
        out *= self.scale
        return out

    def backward(self, grad, need_input_grad):
        share = self.buffer("share", grad.shape)
        self.xp.multiply(grad, self.scale, out=share)
        dx = self._input_gradient(grad.shape[-1])
        for target in self._windows(dx):
            if self.tiles:
                target[...] = share
            else:
                target += share
        return self._unpadded(dx)


class GlobalAvgPool2D(Layer):
    """``(c, h, w, n)`` to ``(n, c)``: the mean of each channel, as a transposed view."""

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        return (image_input(shapes[0])[0],)

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return prod(shapes[0])

    def forward(self, x, training, rng):
        c, h, w = self.in_shape
        n = x.shape[-1]
        out = self.buffer("out", (c, n))
        self.xp.mean(x.reshape(c, h * w, n), axis=1, out=out)
        return out.T

    def backward(self, grad, need_input_grad):
        c, h, w = self.in_shape
        n = grad.shape[0]
        dx = self.buffer("dx", (c, h * w, n))
        self.xp.multiply(grad.T[:, None, :], 1.0 / (h * w), out=dx)
        return dx.reshape(c, h, w, n)
