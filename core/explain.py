"""One sample's forward and backward pass, layer by layer (what the explain view shows).

The network's own layers run it, on a copy of the network in float64 built without fused
layers (``core.fuse`` hides values: an activation folded into the batchnorm before it, a
convolution's activation moved behind its pooling), in inference mode: dropout off,
batchnorm on its moving statistics. A layer with an activation runs forward twice, once
with its activation set to ``linear`` (its pre-activation ``z``) and once as it is.
Backward visits every layer in reverse and keeps each output's gradient before the layer
reads it (layers change the gradient they receive in place).

Notes
-----
The loss is the model's loss for this sample alone, as ``fit`` computes it
(``core.losses``), without class weights and the L1/L2 penalty; a regression trained on
normalized targets compares its output with the target normalized the same way. The last
layer's ``output_gradient`` is dLoss/dz, of its logits: the loss takes the output
activation in (softmax with cross-entropy), so dLoss/da is never formed. Every other
layer's is dLoss/da, of its output.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np

from syn0.core import targets
from syn0.core.activations import ACTIVATIONS
from syn0.core.conv import Conv2D
from syn0.core.errors import DataError
from syn0.core.graph import NETWORK_INPUT
from syn0.core.losses import LOSSES
from syn0.core.network import Network
from syn0.core.norm import BatchNorm

BINDING = ("loss", "task", "classes", "input_mean", "input_std", "target_mean", "target_std")


@dataclass
class LayerTrace:
    """One layer's part of the pass; sample arrays drop the batch axis (images are
    ``(channels, height, width)``)."""

    index: int
    name: str
    type: str
    activation: str | None  # None: the layer has none; the last layer's: the output's
    output_shape: tuple[int, ...]
    pre_activation: np.ndarray | None  # z, for layers with an activation
    activation_values: np.ndarray  # a = f(z), the layer's output
    output_gradient: np.ndarray  # dLoss/da (the last layer: dLoss/dz)
    # Dense: W (in, units); conv2d: (filters, channels, k, k); batchnorm: gamma and beta.
    weights: np.ndarray | None = None
    biases: np.ndarray | None = None
    weight_gradient: np.ndarray | None = None
    bias_gradient: np.ndarray | None = None


@dataclass
class Explanation:
    loss: float
    loss_name: str
    input: np.ndarray  # the values on the input nodes (normalized, features made)
    input_gradient: np.ndarray  # dLoss/dinput
    output: np.ndarray  # what predict answers for this input
    probabilities: np.ndarray | None  # classifiers: per class, in the order of classes
    prediction: Any  # the label (classifiers) or the output
    layers: list[LayerTrace]


def explain(net: Network, sample: Any, target: Any) -> Explanation:
    """The pass of one ``sample`` (shaped like one input, ``input_shape``) against its
    ``target`` (a class label as the network's ``classes`` spell it, or one number per
    output) through a network bound by ``fit`` or ``from_bytes``. ``DataError`` (field
    ``input`` or ``target``) for a sample or target that does not fit."""
    if net.loss is None:
        raise DataError("the network has no loss bound: train it with fit first", "loss")
    twin = _float64_twin(net)
    raw = _one_input(twin, sample)
    x = twin.check_inputs(raw)
    y = encode_target(twin, target)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        values, pre = _forward(twin, twin.to_internal(x))
        loss, output_grads, input_grad = _backward(twin, values[-1], y)
        explanation = _assemble(twin, x, values, pre, loss, output_grads, input_grad)
        explanation.output, explanation.probabilities, explanation.prediction = _predicted(
            twin, raw
        )
    _check_finite(explanation)
    return explanation


def count_values(net: Network) -> int:
    """The numbers an explanation holds: parameters and their gradients, each layer's
    pre-activation, output and output gradient, the input and its gradient."""
    layers = sum(3 * prod(layer.out_shape) for layer in net.layers)
    return 2 * net.n_trained + layers + 2 * prod(net.spec.first_layer_input())


def _float64_twin(net: Network) -> Network:
    twin = Network(net.spec, dtype="float64", fuse_layers=False)
    twin.params[...] = net.backend.to_numpy(net.params)
    for name in BINDING:
        setattr(twin, name, getattr(net, name))
    return twin


def _one_input(net: Network, sample: Any) -> np.ndarray:
    """``sample`` as a batch of one, or a ``DataError`` naming its shape."""
    try:
        x = np.asarray(sample, dtype=np.float64)
    except (ValueError, TypeError):
        x = None
    expected = list(net.spec.input_shape)
    # A single-channel image may come as (height, width), as predict takes it.
    shapes = [expected, expected[1:]] if len(expected) == 3 and expected[0] == 1 else [expected]
    if x is None or list(x.shape) not in shapes:
        got = "a ragged or non-numeric list" if x is None else f"shape {list(x.shape)}"
        raise DataError(
            f"input must be one sample of shape {expected} (numbers); received {got}", "input"
        )
    if not np.isfinite(x).all():
        raise DataError("input must be finite numbers (no NaN or Infinity)", "input")
    return x.reshape(1, *expected)


def encode_target(net: Network, target: Any) -> np.ndarray:
    """``target`` as the loss reads it for a batch of one (``targets.encode``)."""
    if net.task == "classification":
        position = _class_position(net.classes, target)
        label = net.classes[position : position + 1]
        return targets.encode(label, net.loss, net.task, net.classes, net.n_outputs, net.dtype)
    values = target if isinstance(target, list) else [target]
    if not values or not all(_is_number(value) for value in values):
        raise DataError(
            f"target must be a number or a list of {net.n_outputs} numbers (one per output); "
            f"received {target!r}",
            "target",
        )
    y = np.asarray(values, dtype=np.float64)
    if y.size != net.n_outputs:
        raise DataError(
            f"target has {y.size} values; the model has {net.n_outputs} outputs", "target"
        )
    if not np.isfinite(y).all():
        raise DataError("target must be finite numbers (no NaN or Infinity)", "target")
    if net.target_mean is not None:
        y = (y - net.target_mean) / net.target_std
    return y.reshape(1, -1)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def _class_position(classes: np.ndarray, target: Any) -> int:
    """The column of ``target`` among ``classes``: equal values, a bool only to a bool
    (and a number's text is not the number)."""
    for position, label in enumerate(classes.tolist()):
        if isinstance(label, bool) == isinstance(target, bool) and label == target:
            return position
    raise DataError(
        f"target {target!r} is not one of the model's classes {classes.tolist()}", "target"
    )


def _forward(net: Network, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Each layer's output, and its pre-activation for layers with an activation (both
    copied: the layers reuse their buffers)."""
    outs: list[np.ndarray] = []
    values: list[np.ndarray] = []
    pre: list[np.ndarray | None] = []
    for node, layer in zip(net.nodes, net.layers, strict=True):
        ins = [x if source == NETWORK_INPUT else outs[source] for source in node.inputs]
        given = ins if layer.arity is None else ins[0]
        z = None
        if layer.activation != "linear":
            activation, layer.activation = layer.activation, "linear"
            z = layer.forward(given, False, None).copy()
            layer.activation = activation
        out = layer.forward(given, False, None)
        if z is None and hasattr(node.spec, "activation"):
            z = out.copy()
        outs.append(out)
        values.append(out.copy())
        pre.append(z)
    return values, pre


def _backward(net: Network, logits: np.ndarray, y: np.ndarray):
    """The loss, each layer's output gradient and the input's gradient; the parameters'
    gradients land in ``net.grads`` (each layer overwrites its own part)."""
    loss, grad, _ = LOSSES[net.loss](
        np, logits.copy(), y, net.output_activation, net.task == "classification"
    )
    grads: list[np.ndarray | None] = [None] * len(net.layers)
    grads[-1] = grad
    kept: list[np.ndarray] = [grad] * len(net.layers)
    input_grad = None
    for node, layer in zip(reversed(net.nodes), reversed(net.layers), strict=True):
        kept[node.index] = grads[node.index].copy()
        got = layer.backward(grads[node.index], need_input_grad=True)
        got = got if layer.arity is None else [got]
        for position, source in enumerate(node.inputs):
            part = np.array(got[position], copy=True)
            if source == NETWORK_INPUT:
                input_grad = part if input_grad is None else input_grad + part
            else:
                grads[source] = part if grads[source] is None else grads[source] + part
    return float(loss), kept, input_grad


def _assemble(net, x, values, pre, loss, output_grads, input_grad) -> Explanation:
    layers = []
    last = len(net.layers) - 1
    for node, layer in zip(net.nodes, net.layers, strict=True):
        activation = getattr(node.spec, "activation", None)
        value = values[node.index]
        if node.index == last:
            activation = net.output_activation
            value = ACTIVATIONS[activation](np, value.copy())
        trace = LayerTrace(
            index=node.index,
            name=node.name,
            type=node.spec.type,
            activation=activation,
            output_shape=tuple(layer.out_shape),
            pre_activation=None if pre[node.index] is None else _sample(pre[node.index]),
            activation_values=_sample(value),
            output_gradient=_sample(output_grads[node.index]),
        )
        _add_parameters(trace, layer)
        layers.append(trace)
    return Explanation(
        loss=loss,
        loss_name=net.loss,
        input=x[0],
        input_gradient=_sample(input_grad),
        output=np.empty(0),
        probabilities=None,
        prediction=None,
        layers=layers,
    )


def _predicted(net: Network, raw: np.ndarray):
    """Predict's answer for the sample (a batch of one, as given): outputs, class
    probabilities, and the label (classifiers) or the outputs as the prediction."""
    if net.task != "classification":
        output = net.predict(raw)[0]
        return output, None, output.tolist() if output.size > 1 else output.item()
    output, proba = net.predict_with_proba(raw)
    return output[0], proba[0], net.classes[proba[0].argmax()].item()


def _check_finite(explanation: Explanation) -> None:
    """An input far beyond the training data's scale can overflow even float64 (a
    squared error of 1e200): the reply could not carry the infinities."""
    arrays = [explanation.input_gradient, explanation.output]
    for trace in explanation.layers:
        arrays += [trace.activation_values, trace.output_gradient]
        arrays += [a for a in (trace.pre_activation, trace.weight_gradient) if a is not None]
    if not np.isfinite(explanation.loss) or not all(np.isfinite(a).all() for a in arrays):
        raise DataError(
            "the pass of this input is not finite: its values are too large for the model's "
            "arithmetic; send an input on the scale of the training data",
            "input",
        )


def _add_parameters(trace: LayerTrace, layer) -> None:
    """The layer's parameters and their gradients, copied, shaped as its spec reads them."""
    if isinstance(layer, BatchNorm):
        params = (layer.gamma, layer.beta, layer.dgamma, layer.dbeta)
    elif layer.weight_shape is not None:
        shape = layer.weight_shape
        if isinstance(layer, Conv2D):
            shape = (shape[0], layer.in_shape[0], layer.k, layer.k)
        params = (layer.W.reshape(shape), layer.b, layer.gW.reshape(shape), layer.gb)
    else:
        return
    trace.weights, trace.biases, trace.weight_gradient, trace.bias_gradient = (
        None if array is None else np.array(array, copy=True) for array in params
    )


def _sample(array: np.ndarray) -> np.ndarray:
    """The one sample of a batch: ``(1, f)`` vectors, ``(c, h, w, 1)`` images."""
    return array[0] if array.ndim == 2 else array[..., 0]
