"""The graph a ``NetworkSpec`` describes: which earlier layers each layer reads.

Every layer has a name: its ``name``, or ``<type>_<index>`` (``conv2d_0``); names are
unique, and ``inputs`` may name any earlier layer by either. Without ``inputs`` a layer
reads the layer before it, so a plain list is a chain: the sequential network is the
simplest graph, not a second code path. ``inputs`` may only name earlier layers, so
the order of the list is an order of evaluation and there are no cycles. Every
layer's output but the last one's must be read by some layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from syn0.core.errors import SpecError
from syn0.core.registry import LAYERS

NETWORK_INPUT = -1  # the index ``inputs`` entries "input" resolve to


@dataclass(frozen=True)
class Node:
    """Layer ``index`` of the spec, called ``name``, reading ``inputs`` (layer indexes,
    ``NETWORK_INPUT`` for the network's input)."""

    index: int
    name: str
    spec: object
    inputs: tuple[int, ...]


def _where(index: int, *field: str | int) -> tuple[str | int, ...]:
    return ("network", "layers", index, *field)


def _label(index: int, spec) -> str:
    return f"layer {index} ({spec.type})"


def _names(layers) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, spec in enumerate(layers):
        name = spec.name or f"{spec.type}_{index}"
        if name == "input":
            raise SpecError(
                f"{_label(index, spec)} is named 'input', the name of the network's input; "
                "choose another name",
                _where(index, "name"),
            )
        if name in found:
            other = found[name]
            how = "named" if layers[other].name else "the default name of"
            raise SpecError(
                f"{_label(index, spec)} is named {name!r}, which is already {how} "
                f"{_label(other, layers[other])}; names must be unique",
                _where(index, "name"),
            )
        found[name] = index
    return found


def _resolve_inputs(index: int, spec, names: dict[str, int]) -> tuple[int, ...]:
    if spec.inputs is None:
        return (index - 1,)
    resolved = []
    for position, ref in enumerate(spec.inputs):
        where = _where(index, "inputs", position)
        if ref == "input":
            resolved.append(NETWORK_INPUT)
        elif ref not in names:
            earlier = [name for name, at in names.items() if at < index]
            raise SpecError(
                f"{_label(index, spec)} reads {ref!r}, but no layer has that name; expected "
                f"'input' or an earlier layer: {', '.join(map(repr, earlier)) or 'none'}",
                where,
            )
        elif names[ref] >= index:
            raise SpecError(
                f"{_label(index, spec)} reads {ref!r}, which is layer {names[ref]}; "
                "`inputs` may only name earlier layers",
                where,
            )
        else:
            resolved.append(names[ref])
    return tuple(resolved)


def _check_arity(node: Node) -> None:
    arity = LAYERS[node.spec.type].arity
    count = len(node.inputs)
    if arity is None and count < 2:
        raise SpecError(
            f"{_label(node.index, node.spec)} joins two or more inputs; it reads {count}: "
            "list them in `inputs`",
            _where(node.index, "inputs"),
        )
    if arity is not None and count != arity:
        raise SpecError(
            f"{_label(node.index, node.spec)} reads one input; `inputs` names {count}",
            _where(node.index, "inputs"),
        )


def resolve(network) -> list[Node]:
    """The nodes of ``network``'s graph, in the order of its layers; ``SpecError`` for
    a name twice, an unknown or later input, a wrong number of inputs, or an output
    nothing reads."""
    layers = network.layers
    names = _names(layers)
    by_index = {index: name for name, index in names.items()}
    nodes = []
    for index, spec in enumerate(layers):
        node = Node(index, by_index[index], spec, _resolve_inputs(index, spec, names))
        _check_arity(node)
        nodes.append(node)
    read = {source for node in nodes for source in node.inputs}
    for node in nodes[:-1]:
        if node.index not in read:
            raise SpecError(
                f"{_label(node.index, node.spec)} {node.name!r}: nothing reads its output; "
                "name it in a later layer's `inputs`, or remove it (only the last layer's "
                "output is the network's)",
                _where(node.index),
            )
    return nodes


def consumers(nodes: list[Node]) -> list[list[int]]:
    """For each node, the indexes of the nodes that read it."""
    readers: list[list[int]] = [[] for _ in nodes]
    for node in nodes:
        for source in node.inputs:
            if source != NETWORK_INPUT:
                readers[source].append(node.index)
    return readers
