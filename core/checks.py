"""Whole-spec checks: the graph and the shapes through it, loss against the last layer,
spec against a dataset. Every failure is a ``SpecError`` naming the field path and the fix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

from syn0.core import targets
from syn0.core.errors import DataError, Misfit, SpecError
from syn0.core.graph import NETWORK_INPUT, Node, resolve
from syn0.core.registry import LAYERS
from syn0.core.spec import NetworkSpec, Task, TrainingSpec

Shape = tuple[int, ...]


def _walk(network: NetworkSpec) -> tuple[list[Node], list[list[Shape]], list[Shape]]:
    """The graph's nodes, the shapes each reads and the shape each gives, checking every
    layer against what it reads."""
    if network.features and network.input_shape != [2]:
        raise SpecError(
            f"features are computed from two inputs (x1, x2); input_shape is "
            f"{network.input_shape}; remove `features` or use input_shape [2]",
            ("network", "features"),
        )
    nodes = resolve(network)
    first = network.first_layer_input()
    reads: list[list[Shape]] = []
    gives: list[Shape] = []
    for node in nodes:
        shapes = [first if source == NETWORK_INPUT else gives[source] for source in node.inputs]
        try:
            gives.append(LAYERS[node.spec.type].compute_output_shape(node.spec, shapes))
        except Misfit as exc:
            where = ("network", "layers", node.index)
            raise SpecError(
                f"layer {node.index} ({node.spec.type}) {exc.message}",
                (*where, exc.field) if exc.field else where,
            ) from None
        reads.append(shapes)
    last = network.layers[-1]
    if last.type != "dense":
        raise SpecError(
            f"layer {len(network.layers) - 1} ({last.type}) is the last layer; "
            "the outputs must come from a dense layer",
            ("network", "layers", len(network.layers) - 1),
        )
    return nodes, reads, gives


def infer_shapes(network: NetworkSpec) -> list[Shape]:
    """Output shape of every layer, checking the graph and each layer's fit to its inputs."""
    return _walk(network)[2]


class LayerSummary(BaseModel):
    index: int
    name: str = Field(description="the layer's `name`, or `<type>_<index>`")
    type: str
    inputs: list[str] = Field(description="the names of the layers it reads; `input`: the input")
    output_shape: list[int]
    params: int
    flops: int


class Summary(BaseModel):
    """Per-layer shapes, parameter counts and forward FLOPs per sample, in graph order."""

    layers: list[LayerSummary]
    total_params: int
    total_flops: int


def summary(network: NetworkSpec) -> Summary:
    nodes, reads, gives = _walk(network)
    rows = []
    for node, shapes, out_shape in zip(nodes, reads, gives, strict=True):
        layer = LAYERS[node.spec.type]
        rows.append(
            LayerSummary(
                index=node.index,
                name=node.name,
                type=node.spec.type,
                inputs=[
                    "input" if source == NETWORK_INPUT else nodes[source].name
                    for source in node.inputs
                ],
                output_shape=list(out_shape),
                params=layer.count_params(node.spec, shapes),
                flops=layer.count_flops(node.spec, shapes, out_shape),
            )
        )
    return Summary(
        layers=rows,
        total_params=sum(r.params for r in rows),
        total_flops=sum(r.flops for r in rows),
    )


def check_spec(network: NetworkSpec, training: TrainingSpec) -> None:
    """Checks that need the network and the training spec together, before any data."""
    infer_shapes(network)
    last_index = len(network.layers) - 1
    last = network.layers[-1]
    where = ("network", "layers", last_index)
    if training.loss == "cross_entropy":
        if last.activation not in ("softmax", "linear") or last.units < 2:
            raise SpecError(
                f"loss cross_entropy needs a last layer with softmax (or linear) activation and "
                f"one unit per class (at least 2); layer {last_index} (dense) has "
                f"units={last.units}, activation={last.activation!r}",
                where,
            )
    elif training.loss == "binary_cross_entropy" and (
        last.activation not in ("sigmoid", "linear") or last.units != 1
    ):
        raise SpecError(
            f"loss binary_cross_entropy needs a last layer of 1 unit with sigmoid (or linear) "
            f"activation; layer {last_index} (dense) has units={last.units}, "
            f"activation={last.activation!r}",
            where,
        )
    if last.activation == "softmax" and last.units == 1:
        raise SpecError(
            f"layer {last_index} (dense) has one softmax unit, whose output is always 1; "
            "use sigmoid for one unit, or one softmax unit per class",
            (*where, "activation"),
        )
    stopping = training.early_stopping
    if stopping and stopping.monitor.startswith("val_") and training.validation_split == 0:
        raise SpecError(
            f"early_stopping monitors {stopping.monitor} but validation_split is 0; "
            "set validation_split > 0 or monitor 'loss'",
            ("training", "early_stopping", "monitor"),
        )
    aug = training.augmentation
    if (aug.shift_pixels or aug.horizontal_flip) and len(network.input_shape) != 3:
        raise SpecError(
            "augmentation shift_pixels and horizontal_flip need image inputs "
            f"(channels, height, width); input_shape is {network.input_shape}",
            ("training", "augmentation"),
        )


def check_against_dataset(
    network: NetworkSpec,
    training: TrainingSpec,
    input_shape: Shape,
    task: Task,
    n_outputs: int,
    n_samples: int | None = None,
    classes: Sequence | None = None,
) -> list[str]:
    """Check the spec against a dataset; return warnings, raise ``SpecError`` on misfit.

    ``input_shape`` is the shape of one sample; ``n_outputs`` is the number of classes
    for classification and the number of target columns for regression; ``classes``
    (the labels), when given, are checked against ``class_weight``'s.
    """
    check_spec(network, training)
    _check_input_shape(tuple(network.input_shape), tuple(input_shape))
    if n_samples is not None:
        _check_samples(training, n_samples)
    if task == "regression":
        if training.class_weight is not None:
            raise SpecError(
                "class_weight weighs the classes of a classification; this dataset is "
                "regression: leave it out",
                ("training", "class_weight"),
            )
        return _check_regression(network, training, n_outputs)
    if training.normalize_targets:
        raise SpecError(
            "normalize_targets standardizes a regression's targets; this dataset is "
            "classification: leave it out",
            ("training", "normalize_targets"),
        )
    if isinstance(training.class_weight, dict) and classes is not None:
        try:
            targets.class_weights(training.class_weight, np.asarray(classes), np.zeros(0, int))
        except DataError as exc:
            raise SpecError(exc.message, ("training", "class_weight")) from exc
    return _check_classification(network, training, n_outputs)


def _check_input_shape(expected: Shape, received: Shape) -> None:
    single_channel = len(expected) == 3 and expected[0] == 1 and received == expected[1:]
    if received == expected or single_channel:
        return
    if len(received) == 3 and received[-1] in (1, 3, 4) and received[0] not in (1, 3, 4):
        fix = "the samples look channels-last; transpose them to (channels, height, width)"
    elif len(received) == 2:
        fix = f"treat them as one-channel images with input_shape {[1, *received]}"
    elif len(received) in (1, 3):
        fix = f"set input_shape to {list(received)}"
    else:
        fix = "samples must be (features,), (height, width) or (channels, height, width)"
    raise SpecError(
        f"input_shape {list(expected)} does not match the dataset's samples of shape "
        f"{list(received)}; {fix}",
        ("network", "input_shape"),
    )


def validation_size(n: int, fraction: float) -> int:
    """Samples held out for validation: ``n * fraction`` rounded half up."""
    return int(n * fraction + 0.5)


def _check_samples(training: TrainingSpec, n_samples: int) -> None:
    if training.validation_split:
        n_val = validation_size(n_samples, training.validation_split)
        if n_val < 1 or n_samples - n_val < 1:
            raise SpecError(
                f"validation_split={training.validation_split} leaves no samples for training "
                f"or validation with {n_samples} samples",
                ("training", "validation_split"),
            )


def _check_regression(network: NetworkSpec, training: TrainingSpec, n_outputs: int) -> list[str]:
    last = network.layers[-1]
    if training.loss != "mse":
        raise SpecError(
            f"loss {training.loss} needs a classification dataset; this dataset is "
            "regression, use loss 'mse'",
            ("training", "loss"),
        )
    stopping = training.early_stopping
    if stopping and stopping.monitor == "val_accuracy":
        raise SpecError(
            "early_stopping cannot monitor val_accuracy on a regression task; monitor val_loss",
            ("training", "early_stopping", "monitor"),
        )
    if last.units != n_outputs:
        raise SpecError(
            f"the last layer has {last.units} units but the dataset has {n_outputs} "
            f"target column(s); set units={n_outputs}",
            ("network", "layers", len(network.layers) - 1, "units"),
        )
    if last.activation in ("sigmoid", "softmax", "relu"):
        return [f"a {last.activation} output limits the range of a regression; 'linear' is usual"]
    return []


def _check_classification(
    network: NetworkSpec, training: TrainingSpec, n_classes: int
) -> list[str]:
    last, loss = network.layers[-1], training.loss
    if n_classes < 2:
        raise SpecError(
            f"a classification dataset needs at least 2 classes; it has {n_classes}", ()
        )
    if loss == "binary_cross_entropy" and n_classes != 2:
        raise SpecError(
            f"loss binary_cross_entropy needs 2 classes; the dataset has {n_classes}; "
            f"use cross_entropy with units={n_classes}",
            ("training", "loss"),
        )
    single_unit_ok = loss == "mse" and last.units == 1 and n_classes == 2
    if loss != "binary_cross_entropy" and last.units != n_classes and not single_unit_ok:
        raise SpecError(
            f"the last layer has {last.units} units but the dataset has {n_classes} classes; "
            f"set units={n_classes}",
            ("network", "layers", len(network.layers) - 1, "units"),
        )
    if loss == "mse":
        return [
            f"mse with a {last.activation} output on a classification task; "
            "cross_entropy usually trains faster"
        ]
    return []
