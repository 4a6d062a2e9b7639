"""Layers that join branches: ``Add`` and ``Concat``. Each reads two or more inputs
(a list) and gives back one gradient per input (a list)."""

from __future__ import annotations

from itertools import accumulate, pairwise
from math import prod

from syn0.core.errors import Misfit
from syn0.core.layers import Layer, fmt


def _listed(shapes) -> str:
    return ", ".join(fmt(shape) for shape in shapes)


class Add(Layer):
    """``x_1 + x_2 + ...`` over inputs of one shape (a residual connection).

    It may carry the activation that follows it (``core.fuse``). Backward hands the
    same gradient to every input; the network copies it for all but one, so no branch
    sees another's in-place changes.
    """

    arity = None

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        if any(shape != shapes[0] for shape in shapes):
            raise Misfit(f"needs inputs of one shape but receives {_listed(shapes)}", "inputs")
        return shapes[0]

    @classmethod
    def count_flops(cls, spec, shapes, out):
        return (len(shapes) - 1) * prod(out)

    def forward(self, xs, training, rng):
        out = self.buffer("out", xs[0].shape)
        self.xp.add(xs[0], xs[1], out=out)
        for x in xs[2:]:
            out += x
        return self.activate(out)

    def backward(self, grad, need_input_grad):
        return [self.activation_gradient(grad)] * len(self.in_shapes)


class Concat(Layer):
    """Inputs joined along channels ``(c, h, w, n)`` or features ``(n, f)``.

    Backward gives each input its slice of the gradient, a view. An image input whose
    producer wrote it straight into its slice of the output (``placed``, see
    ``core.fuse``) is not copied.
    """

    arity = None

    @classmethod
    def compute_output_shape(cls, spec, shapes):
        first = shapes[0]
        if any(len(shape) != len(first) or shape[1:] != first[1:] for shape in shapes):
            expected = "vectors" if len(first) == 1 else f"images of {first[1]}x{first[2]}"
            raise Misfit(
                f"joins {expected} but receives {_listed(shapes)}; concat needs all vectors, "
                "or all images of one height and width",
                "inputs",
            )
        return (sum(shape[0] for shape in shapes), *first[1:])

    def __init__(self, backend, dtype, spec, shapes):
        super().__init__(backend, dtype, spec, shapes)
        ends = [0, *accumulate(shape[0] for shape in shapes)]
        self.spans = [slice(a, b) for a, b in pairwise(ends)]
        self.images = len(self.out_shape) == 3
        self.placed: set[int] = set()

    def _part(self, array, span):
        return array[span] if self.images else array[:, span]

    def _output(self, n: int):
        shape = (*self.out_shape, n) if self.images else (n, self.out_shape[0])
        return self.buffer("out", shape)

    def slot(self, position: int, n: int):
        """Input ``position``'s part of the output, an image slice: contiguous, as the
        channels come first."""
        return self._output(n)[self.spans[position]]

    def forward(self, xs, training, rng):
        out = self._output(xs[0].shape[-1] if self.images else xs[0].shape[0])
        for position, (x, span) in enumerate(zip(xs, self.spans, strict=True)):
            if position not in self.placed:
                self._part(out, span)[...] = x
        return out

    def backward(self, grad, need_input_grad):
        return [self._part(grad, span) for span in self.spans]
