"""Pairs of layers computed more cheaply as one, where the graph lets them be.

A pair fuses only when the second layer reads the first alone and nothing else reads
the first: then no one sees the intermediate values the fusion skips. Each fusion
gives the same values and gradients as the two layers apart.
"""

from __future__ import annotations

from functools import partial

from syn0.core.conv import Conv2D
from syn0.core.graph import Node, consumers
from syn0.core.layers import Activation, Layer
from syn0.core.merge import Add, Concat
from syn0.core.norm import BatchNorm
from syn0.core.pool import MaxPool2D

# Layers that can apply an elementwise activation in place in their own output buffer.
# (Convolutions and dense layers already carry their spec's activation.)
_CARRIERS = (BatchNorm, Add)


def fuse(layers: list[Layer], nodes: list[Node]) -> None:
    """Fold activation layers into the layer they read, move a convolution's activation
    behind the max pooling that reads it, and let convolutions write into concats."""
    readers = consumers(nodes)
    for node, layer in zip(nodes, layers, strict=True):
        source = _sole_source(node, layers, readers)
        if source is None:
            continue
        if isinstance(layer, Activation) and _absorbs(source, layer.activation):
            # One pass fewer each way, and no copy: the activation layer passes through.
            source.activation, layer.activation = layer.activation, "linear"
        elif isinstance(layer, MaxPool2D) and isinstance(source, Conv2D):
            # For a non-decreasing f, max(f(z)) = f(max(z)): applying f after pooling
            # gives the same outputs and gradients while touching a quarter of the
            # values (for 2x2 pools).
            layer.activation, source.activation = source.activation, "linear"
    _write_into_concats(layers, nodes, readers)


def _write_into_concats(layers: list[Layer], nodes: list[Node], readers) -> None:
    """A convolution that only a concat of images reads writes its output straight
    into its slice of the concat's output, which then copies nothing for it."""
    for node, concat in zip(nodes, layers, strict=True):
        if not isinstance(concat, Concat) or not concat.images:
            continue
        for position, source in enumerate(node.inputs):
            conv = layers[source] if source >= 0 else None
            if isinstance(conv, Conv2D) and readers[source] == [node.index]:
                conv.into = partial(concat.slot, position)
                concat.placed.add(position)


def _sole_source(node: Node, layers: list[Layer], readers: list[list[int]]) -> Layer | None:
    """The layer ``node`` reads, when it reads one layer that nothing else reads."""
    if len(node.inputs) != 1 or node.inputs[0] < 0 or readers[node.inputs[0]] != [node.index]:
        return None
    return layers[node.inputs[0]]


def _absorbs(source: Layer, activation: str) -> bool:
    """Whether ``source`` can apply ``activation`` (elementwise) to its own output."""
    return (
        isinstance(source, _CARRIERS) and source.activation == "linear" and activation != "softmax"
    )
