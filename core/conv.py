"""Image layers on the batch-innermost layout ``(channels, height, width, n)``.

Conv2D is im2col + one GEMM: the columns ``(c*k*k, oh*ow*n)`` are gathered with
k*k strided slice copies, each a run of ``ow * n`` contiguous values when the
stride is 1, and ``W (f, c*k*k) @ cols`` is already the ``(f, oh, ow, n)`` output.
Pooling lives in ``core.pool``.
"""

from __future__ import annotations

from math import prod

from syn0.core.activations import ACTIVATIONS, DERIVATIVES
from syn0.core.errors import Misfit
from syn0.core.layers import Layer, fmt, image_input

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


def window_output(shape, k: int, stride: int, padding: str, channels: int, field: str):
    """The ``(channels, oh, ow)`` output of a ``k`` x ``k`` window moved over ``shape``;
    ``field`` names the window's size in the spec."""
    _, h, w = image_input(shape)
    if padding == "valid" and (k > h or k > w):
        raise Misfit(
            f"has a {k}x{k} window but receives {fmt(shape)}; use a smaller `{field}` "
            "or padding='same'",
            field,
        )
    oh, ow = conv_geometry(h, k, stride, padding)[0], conv_geometry(w, k, stride, padding)[0]
    return channels, oh, ow


def window(x, i: int, j: int, stride: int, oh: int, ow: int):
    """The ``(c, oh, ow, n)`` slice of ``x`` that meets kernel offset ``(i, j)``."""
    return x[:, i : i + stride * (oh - 1) + 1 : stride, j : j + stride * (ow - 1) + 1 : stride]


def _reach(size: int, out: int, offset: int, stride: int, pad: int) -> tuple[slice, slice]:
    """Along one axis, the input positions kernel offset ``offset`` meets inside the
    unpadded input, and the output positions they belong to."""
    first = max(0, -(-(pad - offset) // stride))
    last = min(out, (size - 1 + pad - offset) // stride + 1)
    if last <= first:
        return slice(0, 0), slice(0, 0)
    start = first * stride + offset - pad
    return slice(start, start + (last - first - 1) * stride + 1, stride), slice(first, last)


def _patches(xp, x, k: int, stride: int, oh: int, ow: int):
    """A ``(c, k, k, oh, ow, n)`` strided view of ``x``: im2col in one copy, no Python loop.

    The view's windows overlap, so it is only ever read.
    """
    sc, sh, sw, sn = x.strides
    shape = (x.shape[0], k, k, oh, ow, x.shape[3])
    strides = (sc, sh, sw, sh * stride, sw * stride, sn)
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


class Conv2D(Layer):
    """``a = activation(conv(x, W) + b)`` with W ``(filters, c, k, k)``.

    A 1x1 convolution with stride 1 reads its input as the columns, with no copy, and
    its input gradient is the columns' gradient: the GEMMs alone.
    """

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        if spec.activation == "softmax":
            raise Misfit("cannot use softmax; use it on a dense layer", "activation")
        k, filters = spec.kernel_size, spec.filters
        return window_output(shapes[0], k, spec.stride, spec.padding, filters, "kernel_size")

    @classmethod
    def count_params(cls, spec, shapes):
        per_out = shapes[0][0] * spec.kernel_size**2
        return spec.filters * per_out + (spec.filters if spec.use_bias else 0)

    @classmethod
    def count_flops(cls, spec, shapes, out):
        per_out = shapes[0][0] * spec.kernel_size**2
        return prod(out) * (2 * per_out + (1 if spec.use_bias else 0))

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
        c, h, w = self.in_shape
        k, s = spec.kernel_size, spec.stride
        _, oh, ow = self.out_shape
        self.pad_h = conv_geometry(h, k, s, spec.padding)[1]
        self.pad_w = conv_geometry(w, k, s, spec.padding)[1]
        self.k, self.stride, self.activation = k, s, spec.activation
        self.padded_hw = (
            max(h + 2 * self.pad_h, (oh - 1) * s + k),
            max(w + 2 * self.pad_w, (ow - 1) * s + k),
        )
        self.pointwise = k == 1 and s == 1
        # Where forward writes its output, n -> array: its own buffer, or its part of
        # the concat that alone reads it (core.fuse).
        self.into = None
        # Where each kernel offset's column gradients land in the unpadded input (col2im).
        self.scatter = []
        for i in range(k):
            for j in range(k):
                rows, out_rows = _reach(h, oh, i, s, self.pad_h)
                cols, out_cols = _reach(w, ow, j, s, self.pad_w)
                self.scatter.append((i, j, rows, cols, out_rows, out_cols))
        self.weight_shape = (spec.filters, c * k * k)
        self.bias_size = spec.filters if spec.use_bias else 0
        self.fan_in, self.fan_out = c * k * k, spec.filters * k * k

    def _padded(self, name: str, n: int):
        hp, wp = self.padded_hw
        return self.buffer(name, (self.in_shape[0], hp, wp, n), fill=0)

    def _interior(self, padded):
        _, h, w = self.in_shape
        return padded[:, self.pad_h : self.pad_h + h, self.pad_w : self.pad_w + w]

    def _source(self, x):
        """``x``, or ``x`` inside its zero padding."""
        if self.padded_hw == self.in_shape[1:]:
            return x
        src = self._padded("padded", x.shape[-1])
        self._interior(src)[...] = x
        return src

    def _chunks(self, n: int) -> list[tuple[int, int]]:
        """The ``[start, end)`` column ranges of the GEMMs, in order (see GEMM_CHUNK)."""
        _, oh, ow = self.out_shape
        size = oh * ow * n
        return [(start, min(start + GEMM_CHUNK, size)) for start in range(0, size, GEMM_CHUNK)]

    def _columns(self, start: int, end: int):
        """Columns ``[start, end)`` of the ``(c*k*k, oh*ow*n)`` im2col matrix.

        A 1x1 convolution of stride 1 reads them from its input. Otherwise the output
        rows the range spans are gathered into a band reused chunk after chunk: the
        GEMM reads it from cache and a large matrix is never written to memory whole,
        at the price of gathering each band again for the weight gradient. A matrix of
        one or two chunks is gathered whole, once, and kept for backward.
        """
        if self.pointwise:
            return self.source[:, start:end]
        _, oh, ow = self.out_shape
        per_row = ow * self.source.shape[-1]
        first, last = start // per_row, min(-(-end // per_row), oh)
        held = self.band_rows
        if held is None or first < held[0] or last > held[1]:
            self._gather(*((first, last) if self.banded else (0, oh)))
        offset = self.band_rows[0] * per_row
        return self.band[:, start - offset : end - offset]

    def _gather(self, first: int, last: int) -> None:
        """Output rows ``[first, last)`` of the im2col matrix into the band buffer."""
        k, c, (_, oh, ow) = self.k, self.in_shape[0], self.out_shape
        n = self.source.shape[-1]
        per_row = ow * n
        most = min(-(-GEMM_CHUNK // per_row) + 1, oh) if self.banded else oh
        flat = self.buffer("band", (c * k * k * most * per_row,))
        band = flat[: c * k * k * (last - first) * per_row].reshape(c, k, k, last - first, ow, n)
        band[...] = self.patches[:, :, :, first:last]
        self.band, self.band_rows = band.reshape(c * k * k, -1), (first, last)

    def forward(self, x, training, rng):
        xp = self.xp
        f, oh, ow = self.out_shape
        c, n = self.in_shape[0], x.shape[-1]
        if self.pointwise:
            self.source = xp.ascontiguousarray(x).reshape(c, oh * ow * n)
        else:
            self.source = self._source(x)
            self.patches = _patches(xp, self.source, self.k, self.stride, oh, ow)
            self.band_rows, self.banded = None, oh * ow * n > 2 * GEMM_CHUNK
        shape = (f, oh * ow * n)
        out = self.into(n).reshape(shape) if self.into else self.buffer("out", shape)
        for start, end in self._chunks(n):
            xp.matmul(self.W, self._columns(start, end), out=out[:, start:end])
        if self.b is not None:
            out += self.b[:, None]
        self.a = ACTIVATIONS[self.activation](xp, out).reshape(f, oh, ow, n)
        return self.a

    def backward(self, grad, need_input_grad):
        xp, k = self.xp, self.k
        f, oh, ow = self.out_shape
        n = grad.shape[-1]
        grad = DERIVATIVES[self.activation](xp, self.a, grad)
        g2 = grad.reshape(f, oh * ow * n)
        self._weight_gradient(g2, n)
        if self.gb is not None:
            xp.matmul(g2, self.buffer("ones", (oh * ow * n,), fill=1), out=self.gb)
        if not need_input_grad:
            return None
        c = self.in_shape[0]
        dcols = self.buffer("dcols", (c * k * k, oh * ow * n))
        xp.matmul(self.W.T, g2, out=dcols)
        if self.pointwise:
            return dcols.reshape(*self.in_shape, n)
        dcols = dcols.reshape(c, k, k, oh, ow, n)
        dx = self.buffer("dx", (*self.in_shape, n))
        dx.fill(0)
        # Offsets in order, so each input position sums its terms as it always has;
        # the terms that fell in the padding are never computed.
        for i, j, rows, cols, out_rows, out_cols in self.scatter:
            dx[:, rows, cols] += dcols[:, i, j, out_rows, out_cols]
        return dx

    def _weight_gradient(self, g2, n: int) -> None:
        """dW = g2 @ cols.T, summed over column chunks as (cols @ g2.T).T, the faster
        orientation for a tiny output with a long inner dimension."""
        xp = self.xp
        total = self.buffer("gW_t", (self.W.shape[1], g2.shape[0]))
        part = self.buffer("gW_part", total.shape)
        for start, end in self._chunks(n):
            target = total if start == 0 else part
            xp.matmul(self._columns(start, end), g2[:, start:end].T, out=target)
            if start:
                total += part
        self.gW[...] = total.T
