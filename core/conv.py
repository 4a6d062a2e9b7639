"""Image layers on the batch-innermost layout ``(channels, height, width, n)``.

Conv2D is im2col + one GEMM: the columns ``(c*k*k, oh*ow*n)`` are gathered with
k*k strided slice copies, each a run of ``ow * n`` contiguous values when the
stride is 1, and ``W (f, c*k*k) @ cols`` is already the ``(f, oh, ow, n)`` output.
Max pooling is a handful of strided ``maximum`` calls.
"""

from __future__ import annotations

from itertools import pairwise

from syn0.core.activations import ACTIVATIONS, DERIVATIVES
from syn0.core.layers import Layer

# GEMMs along the long column axis (oh * ow * n) run in chunks of this many columns:
# OpenBLAS runs a thin GEMM over ~50k columns several times slower in one call than
# in cache-sized pieces (measured on 2 cores; see docs/benchmarks.md).
GEMM_CHUNK = 6144


def conv_geometry(size: int, kernel: int, stride: int, padding: str) -> tuple[int, int]:
    """Output size and leading pad along one axis (Keras's rule for ``same``)."""
    if padding == "valid":
        return (size - kernel) // stride + 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2


def _window(x, i: int, j: int, stride: int, oh: int, ow: int):
    """The ``(c, oh, ow, n)`` slice of ``x`` that meets kernel offset ``(i, j)``."""
    return x[:, i : i + stride * (oh - 1) + 1 : stride, j : j + stride * (ow - 1) + 1 : stride]


def _patches(xp, x, k: int, stride: int, oh: int, ow: int):
    """A ``(c, k, k, oh, ow, n)`` strided view of ``x``: im2col in one copy, no Python loop.

    The view's windows overlap, so it is only ever read.
    """
    sc, sh, sw, sn = x.strides
    shape = (x.shape[0], k, k, oh, ow, x.shape[3])
    strides = (sc, sh, sw, sh * stride, sw * stride, sn)
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


class Conv2D(Layer):
    """``a = activation(conv(x, W) + b)`` with W ``(filters, c, k, k)``."""

    def __init__(self, backend, dtype, in_shape, spec):
        c, h, w = in_shape
        k, s = spec.kernel_size, spec.stride
        oh, self.pad_h = conv_geometry(h, k, s, spec.padding)
        ow, self.pad_w = conv_geometry(w, k, s, spec.padding)
        super().__init__(backend, dtype, in_shape, (spec.filters, oh, ow))
        self.k, self.stride, self.activation = k, s, spec.activation
        self.padded_hw = (
            max(h + 2 * self.pad_h, (oh - 1) * s + k),
            max(w + 2 * self.pad_w, (ow - 1) * s + k),
        )
        self.weight_shape = (spec.filters, c * k * k)
        self.bias_size = spec.filters if spec.use_bias else 0
        self.fan_in, self.fan_out = c * k * k, spec.filters * k * k

    def _padded(self, name: str, n: int):
        hp, wp = self.padded_hw
        return self.buffer(name, (self.in_shape[0], hp, wp, n), fill=0)

    def _interior(self, padded):
        _, h, w = self.in_shape
        return padded[:, self.pad_h : self.pad_h + h, self.pad_w : self.pad_w + w]

    def forward(self, x, training, rng):
        xp, k, s = self.xp, self.k, self.stride
        n = x.shape[-1]
        c, (f, oh, ow) = self.in_shape[0], self.out_shape
        if self.padded_hw == self.in_shape[1:]:
            src = x
        else:
            src = self._padded("padded", n)
            self._interior(src)[...] = x
        cols = self.buffer("cols", (c, k, k, oh, ow, n))
        cols[...] = _patches(xp, src, k, s, oh, ow)
        self.cols = cols.reshape(c * k * k, oh * ow * n)
        out = self.buffer("out", (f, oh * ow * n))
        for start in range(0, out.shape[1], GEMM_CHUNK):
            end = start + GEMM_CHUNK
            xp.matmul(self.W, self.cols[:, start:end], out=out[:, start:end])
        if self.b is not None:
            out += self.b[:, None]
        self.a = ACTIVATIONS[self.activation](xp, out).reshape(f, oh, ow, n)
        return self.a

    def backward(self, grad, need_input_grad):
        xp, k, s = self.xp, self.k, self.stride
        f, oh, ow = self.out_shape
        n = grad.shape[-1]
        grad = DERIVATIVES[self.activation](xp, self.a, grad)
        g2 = grad.reshape(f, oh * ow * n)
        self._weight_gradient(g2)
        if self.gb is not None:
            xp.matmul(g2, self.buffer("ones", (oh * ow * n,), fill=1), out=self.gb)
        if not need_input_grad:
            return None
        c = self.in_shape[0]
        dcols = self.buffer("dcols", (c * k * k, oh * ow * n))
        xp.matmul(self.W.T, g2, out=dcols)
        dcols = dcols.reshape(c, k, k, oh, ow, n)
        dx = self._padded("dx", n)
        dx.fill(0)
        for i in range(k):
            for j in range(k):
                _window(dx, i, j, s, oh, ow)[...] += dcols[:, i, j]
        return dx if self.padded_hw == self.in_shape[1:] else self._interior(dx)

    def _weight_gradient(self, g2) -> None:
        """dW = g2 @ cols.T, summed over column chunks as (cols @ g2.T).T, the faster
        orientation for a tiny output with a long inner dimension."""
        xp = self.xp
        k_size, p_size = self.cols.shape
        total = self.buffer("gW_t", (k_size, g2.shape[0]))
        part = self.buffer("gW_part", total.shape)
        for start in range(0, p_size, GEMM_CHUNK):
            end = start + GEMM_CHUNK
            target = total if start == 0 else part
            xp.matmul(self.cols[:, start:end], g2[:, start:end].T, out=target)
            if start:
                total += part
        self.gW[...] = total.T


class MaxPool2D(Layer):
    """Maximum over ``pool`` x ``pool`` windows moved by ``stride`` (no padding).

    It may carry the activation of the convolution before it (see ``fuse_activations``).
    """

    def __init__(self, backend, dtype, in_shape, spec):
        c, h, w = in_shape
        self.pool = spec.pool_size
        self.stride = spec.stride or spec.pool_size
        oh, _ = conv_geometry(h, self.pool, self.stride, "valid")
        ow, _ = conv_geometry(w, self.pool, self.stride, "valid")
        super().__init__(backend, dtype, in_shape, (c, oh, ow))
        self.tiles = self.stride == self.pool and h % self.pool == 0 and w % self.pool == 0

    def forward(self, x, training, rng):
        _, oh, ow = self.out_shape
        self.x = x
        out = self.buffer("out", (*self.out_shape, x.shape[-1]))
        out[...] = _window(x, 0, 0, self.stride, oh, ow)
        for i in range(self.pool):
            for j in range(self.pool):
                if i or j:
                    self.xp.maximum(out, _window(x, i, j, self.stride, oh, ow), out=out)
        self.out = out
        if self.activation == "linear":
            return out
        self.a = self.buffer("a", out.shape)
        self.a[...] = out
        return ACTIVATIONS[self.activation](self.xp, self.a)

    def backward(self, grad, need_input_grad):
        """Route each output gradient to the first position in its window holding the max.

        ``remaining`` holds the gradient not yet routed; subtracting what was routed
        (instead of masked assignment, several times slower) keeps ties from routing twice.
        """
        xp = self.xp
        _, oh, ow = self.out_shape
        if self.activation != "linear":
            grad = DERIVATIVES[self.activation](xp, self.a, grad)
        dx = self.buffer("dx", (*self.in_shape, grad.shape[-1]))
        if not self.tiles:
            dx.fill(0)
        remaining = self.buffer("remaining", grad.shape)
        remaining[...] = grad
        routed = self.buffer("routed", grad.shape)
        is_max = self.xp.empty(grad.shape, dtype=bool)
        for i in range(self.pool):
            for j in range(self.pool):
                xp.equal(_window(self.x, i, j, self.stride, oh, ow), self.out, out=is_max)
                target = _window(dx, i, j, self.stride, oh, ow)
                if self.tiles:
                    # Windows tile the input: each dx position is written exactly once.
                    routed = xp.multiply(remaining, is_max, out=target)
                else:
                    xp.multiply(remaining, is_max, out=routed)
                    target += routed
                remaining -= routed
        return dx


def fuse_activations(layers: list) -> None:
    """Move a convolution's activation behind the max pooling that follows it.

    For a non-decreasing f, max(f(z)) = f(max(z)): applying f after pooling gives the
    same outputs and gradients while touching a quarter of the values (for 2x2 pools).
    """
    for conv, pool in pairwise(layers):
        if isinstance(conv, Conv2D) and isinstance(pool, MaxPool2D):
            pool.activation, conv.activation = conv.activation, "linear"
