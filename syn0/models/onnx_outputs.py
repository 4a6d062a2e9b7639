"""The outputs of an exported network (``syn0.models.onnx_export``): what predict answers,
computed from the logits as ``Network.predict`` and ``predict_with_proba`` compute it."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

# ONNX's element type of the labels' constant, by NumPy kind (strings become STRING).
_STRING_KINDS = "USO"


def add_outputs(graph, net, logits: str, elem: int) -> list:
    """Name the graph's outputs: ``outputs`` ``(n, n_outputs)``, and for a classifier
    ``probabilities`` ``(n, n_classes)`` and ``labels`` ``(n,)``; returns their value infos."""
    outputs = graph.activation(logits, net.output_activation)
    target_mean = getattr(net, "target_mean", None)
    if target_mean is not None:  # a regression trained on standardized targets
        outputs = graph.op("Mul", [outputs, graph.const("target_std", net.target_std)])
        outputs = graph.op("Add", [outputs, graph.const("target_mean", target_mean)])
    infos = [_named(graph, outputs, "outputs", elem, ["n", net.n_outputs])]
    if net.task != "classification":
        return infos
    proba = _probabilities(graph, net, logits, outputs)
    classes = np.asarray(net.classes)
    infos.append(_named(graph, proba, "probabilities", elem, ["n", len(classes)]))
    best = graph.op("ArgMax", [proba], axis=1, keepdims=0)
    labels = graph.op("Gather", [_classes(graph, classes), best], axis=0)
    label_type = (
        TensorProto.STRING
        if classes.dtype.kind in _STRING_KINDS
        else helper.np_dtype_to_tensor_dtype(classes.dtype)
    )
    infos.append(_named(graph, labels, "labels", label_type, ["n"]))
    return infos


def _probabilities(graph, net, logits: str, outputs: str) -> str:
    """Class probabilities as ``Network.predict_with_proba`` makes them for each loss."""
    if net.loss == "cross_entropy":
        same = net.output_activation == "softmax"
        return outputs if same else graph.activation(logits, "softmax")
    if net.loss == "binary_cross_entropy":
        same = net.output_activation == "sigmoid"
        p = outputs if same else graph.activation(logits, "sigmoid")
        return _two_columns(graph, p)
    zero, one = graph.const("zero", 0), graph.const("one", 1)
    p = graph.op("Clip", [outputs, zero, one])
    if net.n_outputs == 1:
        return _two_columns(graph, p)
    total = graph.op("ReduceSum", [p, graph.const("axes", [1], np.int64)], keepdims=1)
    # Outputs all zero (clipped) read as every class alike, as predict_with_proba says.
    uniform = graph.const("uniform", 1 / net.n_outputs)
    positive = graph.op("Greater", [total, zero])
    return graph.op("Where", [positive, graph.op("Div", [p, total]), uniform])


def _two_columns(graph, p: str) -> str:
    """``[1 - p, p]``: one unit's probability as the two classes'."""
    complement = graph.op("Sub", [graph.const("one", 1), p])
    return graph.op("Concat", [complement, p], axis=1)


def _classes(graph, classes: np.ndarray) -> str:
    name = graph.name("classes")
    if classes.dtype.kind in _STRING_KINDS:
        tensor = helper.make_tensor(
            name, TensorProto.STRING, [len(classes)], [str(c).encode() for c in classes]
        )
    else:
        tensor = numpy_helper.from_array(classes, name)
    graph.initializers.append(tensor)
    return name


def _named(graph, value: str, name: str, elem: int, shape: list) -> object:
    """``value`` under the output name ``name``, and its value info."""
    graph.op("Identity", [value], out=name)
    return helper.make_tensor_value_info(name, elem, shape)
