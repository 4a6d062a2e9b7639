"""Whether a network is a stored model's architecture, so the model's weights can start
its training (``TrainingSpec.initial_weights``) or be imported under its spec.

The same architecture: the same input shape and features, and layer for layer the same
type, the same inputs in the graph (by position; names may differ) and the same
settings, except those that neither shape the weights nor change what a trained network
computes: ``name``, ``init`` (the weights replace it), dropout's ``rate`` and
batchnorm's ``momentum`` (both act while training only).
"""

from __future__ import annotations

from syn0.core.graph import NETWORK_INPUT, resolve
from syn0.core.spec import NetworkSpec

# Settings a network may change and still take a model's weights, by layer type.
FREE = {"name", "inputs", "init"}
FREE_BY_TYPE = {"dropout": {"rate"}, "batchnorm": {"momentum"}}


def mismatch(network: NetworkSpec, model: NetworkSpec, whose: str = "the model's") -> str | None:
    """The first way ``network`` is not ``model``'s architecture, in words (``whose``
    names the model's side), or None."""
    for field in ("input_shape", "features"):
        mine, theirs = getattr(network, field), getattr(model, field)
        if mine != theirs:
            return f"{field} is {mine}, {whose} is {theirs}"
    if len(network.layers) != len(model.layers):
        return f"the network has {len(network.layers)} layers, {whose} has {len(model.layers)}"
    for mine, theirs in zip(resolve(network), resolve(model), strict=True):
        found = _layer_mismatch(mine, theirs, whose)
        if found:
            return found
    return None


def _layer_mismatch(mine, theirs, whose: str) -> str | None:
    label = f"layer {mine.index} ({mine.spec.type})"
    if mine.spec.type != theirs.spec.type:
        return f"layer {mine.index} is {mine.spec.type}, {whose} is {theirs.spec.type}"
    if mine.inputs != theirs.inputs:
        return f"{label} reads {_sources(mine.inputs)}, {whose} reads {_sources(theirs.inputs)}"
    free = FREE | FREE_BY_TYPE.get(mine.spec.type, set())
    for name in type(mine.spec).model_fields:
        if name in free:
            continue
        a, b = getattr(mine.spec, name), getattr(theirs.spec, name)
        if a != b:
            return f"{label} has {name}={a!r}, {whose} has {name}={b!r}"
    return None


def _sources(inputs: tuple[int, ...]) -> str:
    return ", ".join("the input" if i == NETWORK_INPUT else f"layer {i}" for i in inputs)
