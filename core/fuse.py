"""Pairs of layers computed more cheaply as one, where the graph lets them be.

A pair fuses only when the second layer reads the first alone and nothing else reads
the first: then no one sees the intermediate values the fusion skips.
"""

from __future__ import annotations

from syn0.core.conv import Conv2D
from syn0.core.graph import Node, consumers
from syn0.core.layers import Layer
from syn0.core.pool import MaxPool2D


def fuse_activations(layers: list[Layer], nodes: list[Node]) -> None:
    """Move a convolution's activation behind the max pooling that reads it.

    For a non-decreasing f, max(f(z)) = f(max(z)): applying f after pooling gives the
    same outputs and gradients while touching a quarter of the values (for 2x2 pools).
    """
    readers = consumers(nodes)
    for node, pool in zip(nodes, layers, strict=True):
        if not isinstance(pool, MaxPool2D) or len(node.inputs) != 1:
            continue
        source = node.inputs[0]
        conv = layers[source] if source >= 0 else None
        if isinstance(conv, Conv2D) and readers[source] == [node.index]:
            pool.activation, conv.activation = conv.activation, "linear"
