"""A trained network as an ONNX model: the same answers as ``Network.predict`` from any
ONNX runtime.

The exported graph takes what predict takes, ``input`` ``(n, *input_shape)`` in the
model's dtype (images as NCHW: the core's batch-innermost layout is its own business),
and computes, in order: the input features (``x1_x2`` ...), the stored input
normalization, every layer of the spec in inference mode (dropout is the identity,
batchnorm uses its moving averages), the output activation and, for a regression trained
with ``normalize_targets``, the targets' un-scaling. Its outputs are ``outputs`` (what
predict's ``outputs`` holds) and, for classifiers, ``probabilities`` (columns in the
order of ``classes``, as predict's) and ``labels`` (the user's class values).

The operators are those of ONNX's default domain at ``OPSET`` (Gemm, Conv, MaxPool,
AveragePool, GlobalAveragePool, BatchNormalization, Add, Sum, Concat, Flatten and the
activations); ``onnx.checker`` checks the model before it is handed out.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from syn0.core import Network
from syn0.core.activations import ELU_ALPHA, LEAKY_ALPHA
from syn0.core.conv import conv_geometry
from syn0.core.graph import NETWORK_INPUT
from syn0.models.onnx_outputs import add_outputs

OPSET = 17
IR_VERSION = 8  # what OPSET 17 needs; runtimes from onnxruntime 1.12 on read it
PRODUCER = "syn0"


class Graph:
    """The nodes, constants and value names of the graph being built. Names made while
    ``scope`` is a layer's name start with it (``dense_2/Gemm_7``), so a viewer of the
    file finds each layer of the spec."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.scope = ""
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{self.scope}/{hint}_{self._count}" if self.scope else f"{hint}_{self._count}"

    def const(self, hint: str, value, dtype=None) -> str:
        """A constant tensor (in the model's dtype unless ``dtype``); returns its name."""
        name = self.name(hint)
        array = np.asarray(value, dtype=dtype or self.dtype)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], out: str | None = None, **attrs) -> str:
        """A node of one output (named ``out``, else made up); returns the output's name."""
        out = out or self.name(op_type)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def activation(self, x: str, activation: str) -> str:
        """``activation`` (one of the core's) applied to ``x``."""
        if activation == "linear":
            return x
        if activation == "leaky_relu":
            return self.op("LeakyRelu", [x], alpha=LEAKY_ALPHA)
        if activation == "elu":
            return self.op("Elu", [x], alpha=ELU_ALPHA)
        if activation == "softmax":
            return self.op("Softmax", [x], axis=-1)
        return self.op(activation.capitalize(), [x])  # Sigmoid, Tanh, Relu


def to_onnx(net: Network, *, name: str = "syn0") -> bytes:
    """The serialized ONNX model of ``net`` (a network bound by ``fit`` or loaded from a
    weights file), checked by ``onnx.checker``."""
    dtype = np.dtype(net.dtype)
    elem = helper.np_dtype_to_tensor_dtype(dtype)
    graph = Graph(dtype)
    x = _prepared_input(graph, net)
    logits = _layers(graph, net, x)
    value_infos = add_outputs(graph, net, logits, elem)
    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            name,
            [helper.make_tensor_value_info("input", elem, ["n", *net.spec.input_shape])],
            value_infos,
            graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        ir_version=IR_VERSION,
    )
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def _prepared_input(graph: Graph, net: Network) -> str:
    """The features (if the spec has them) and the stored normalization of ``input``."""
    x = "input"
    if net.spec.features:
        columns = [_feature(graph, x, name) for name in net.spec.features]
        x = columns[0] if len(columns) == 1 else graph.op("Concat", columns, axis=1)
    if net.input_mean is not None:
        x = graph.op("Sub", [x, graph.const("input_mean", net.input_mean)])
        x = graph.op("Div", [x, graph.const("input_std", net.input_std)])
    return x


# Each input feature of ``core.features``: how it is made from the columns x1 and x2.
FEATURES = {
    "x1": ("Identity", 0),
    "x2": ("Identity", 1),
    "x1_squared": ("Square", 0),
    "x2_squared": ("Square", 1),
    "x1_x2": ("Product", None),
    "sin_x1": ("Sin", 0),
    "sin_x2": ("Sin", 1),
}


def _feature(graph: Graph, x: str, name: str) -> str:
    """One input feature as an ``(n, 1)`` column."""

    def column(i: int) -> str:
        return graph.op("Slice", [x, *(graph.const(h, [v], np.int64) for h, v in _cut(i))])

    how, index = FEATURES[name]
    if how == "Product":
        return graph.op("Mul", [column(0), column(1)])
    x = column(index)
    if how == "Square":
        return graph.op("Mul", [x, x])
    return x if how == "Identity" else graph.op("Sin", [x])


def _cut(i: int) -> list[tuple[str, int]]:
    return [("starts", i), ("ends", i + 1), ("axes", 1)]


def _layers(graph: Graph, net: Network, x: str) -> str:
    """Every layer in the spec's order, each reading its inputs; the last layer's
    pre-activation (the logits) is returned and its activation left to the outputs."""
    outs: list[str] = []
    last = len(net.layers) - 1
    for node, layer in zip(net.nodes, net.layers, strict=True):
        ins = [x if source == NETWORK_INPUT else outs[source] for source in node.inputs]
        spec = node.spec
        graph.scope = node.name
        out = EMITTERS[spec.type](graph, layer, spec, ins)
        if node.index != last:
            out = graph.activation(out, getattr(spec, "activation", "linear"))
        outs.append(out)
    graph.scope = ""
    return outs[-1]


def _array(layer, name: str) -> np.ndarray:
    return np.asarray(layer.backend.to_numpy(getattr(layer, name)))


def _dense(graph: Graph, layer, spec, ins: list[str]) -> str:
    inputs = [ins[0], graph.const("W", _array(layer, "W"))]
    if layer.b is not None:
        inputs.append(graph.const("b", _array(layer, "b")))
    return graph.op("Gemm", inputs)


def _conv(graph: Graph, layer, spec, ins: list[str]) -> str:
    c, h, w = layer.in_shape
    k = spec.kernel_size
    weights = _array(layer, "W").reshape(spec.filters, c, k, k)
    inputs = [ins[0], graph.const("W", weights)]
    if layer.b is not None:
        inputs.append(graph.const("b", _array(layer, "b")))
    pads = _pads(h, w, k, spec.stride, spec.padding)
    return graph.op("Conv", inputs, kernel_shape=[k, k], strides=[spec.stride] * 2, pads=pads)


def _pads(h: int, w: int, k: int, stride: int, padding: str) -> list[int]:
    """ONNX's ``[top, left, bottom, right]`` for the core's geometry (Keras's ``same``:
    the smaller half of the padding before, the larger after)."""
    if padding == "valid":
        return [0, 0, 0, 0]
    oh, top = conv_geometry(h, k, stride, padding)
    ow, left = conv_geometry(w, k, stride, padding)
    bottom = max((oh - 1) * stride + k - h - top, 0)
    right = max((ow - 1) * stride + k - w - left, 0)
    return [top, left, bottom, right]


def _pool(op_type: str):
    def emit(graph: Graph, layer, spec, ins: list[str]) -> str:
        _, h, w = layer.in_shape
        p, s = spec.pool_size, spec.stride or spec.pool_size
        attrs = {"kernel_shape": [p, p], "strides": [s, s], "pads": _pads(h, w, p, s, spec.padding)}
        if op_type == "AveragePool":
            attrs["count_include_pad"] = 0  # a padded window averages its real values
        return graph.op(op_type, ins, **attrs)

    return emit


def _global_avgpool(graph: Graph, layer, spec, ins: list[str]) -> str:
    return graph.op("Flatten", [graph.op("GlobalAveragePool", ins)], axis=1)


def _flatten(graph: Graph, layer, spec, ins: list[str]) -> str:
    return graph.op("Flatten", ins, axis=1)


def _identity(graph: Graph, layer, spec, ins: list[str]) -> str:
    return ins[0]  # dropout at inference; an activation layer's activation comes after


def _batchnorm(graph: Graph, layer, spec, ins: list[str]) -> str:
    consts = [
        graph.const(name, _array(layer, name))
        for name in ("gamma", "beta", "moving_mean", "moving_var")
    ]
    return graph.op("BatchNormalization", [ins[0], *consts], epsilon=spec.epsilon)


def _add(graph: Graph, layer, spec, ins: list[str]) -> str:
    return graph.op("Add" if len(ins) == 2 else "Sum", ins)


def _concat(graph: Graph, layer, spec, ins: list[str]) -> str:
    return graph.op("Concat", ins, axis=1)  # channels of NCHW, features of (n, f)


EMITTERS = {
    "dense": _dense,
    "conv2d": _conv,
    "maxpool2d": _pool("MaxPool"),
    "avgpool2d": _pool("AveragePool"),
    "global_avgpool2d": _global_avgpool,
    "flatten": _flatten,
    "dropout": _identity,
    "activation": _identity,
    "batchnorm": _batchnorm,
    "add": _add,
    "concat": _concat,
}
