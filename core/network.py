"""``Network``: the graph of a ``NetworkSpec``'s layers over one flat parameter buffer.

All weights come first in the buffer, then all biases (and batchnorm's gamma and
beta), then the state that is kept but not trained (batchnorm's moving averages),
so the L1/L2 penalty is one slice and an optimizer step is a few whole-array calls.
The last layer, a dense one, computes logits; its activation is applied by
``predict`` or fused into the loss (training).

Forward runs the layers in the spec's order, each on the outputs of the layers it
reads (``core.graph``); backward runs them in reverse, summing the gradients of an
output read more than once. A chain of layers is the simplest such graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from syn0.core import initializers
from syn0.core.backend import DEVICES, Backend, get_backend
from syn0.core.checks import infer_shapes
from syn0.core.errors import DataError
from syn0.core.fuse import fuse
from syn0.core.graph import NETWORK_INPUT, resolve
from syn0.core.inference import Inference
from syn0.core.layers import Layer
from syn0.core.registry import LAYERS
from syn0.core.spec import NetworkSpec


class Network(Inference):
    """A trainable network. ``fit`` binds the loss, task, classes and input statistics.

    A network reuses its work buffers between calls, so one instance runs one pass at a
    time: serve it from one thread, or hold a lock around each call.

    Parameters
    ----------
    spec : NetworkSpec
    seed : int
        Seeds the weight initialization.
    dtype : str
        ``"float32"`` (default) or ``"float64"`` (for gradient checks).
    backend : str
        The array module: ``"numpy"`` or ``"cupy"``.
    fuse_layers : bool
        Compute pairs of layers as one (``core.fuse``; the same outputs and gradients).
        ``core.explain`` turns it off, as it shows each layer's own values.
    """

    def __init__(
        self,
        spec: NetworkSpec,
        *,
        seed: int = 0,
        dtype: str = "float32",
        backend: str = "numpy",
        fuse_layers: bool = True,
    ):
        infer_shapes(spec)
        self.spec, self.dtype, self.fuse_layers = spec, np.dtype(dtype), fuse_layers
        self.output_activation = spec.layers[-1].activation
        self._build(get_backend(backend))
        self._initialize(seed)
        # Bound by fit (or from_bytes): how to read the outputs and prepare inputs.
        self.loss: str | None = None
        self.task: str | None = None
        self.classes: np.ndarray | None = None
        self.input_mean: np.ndarray | None = None
        self.input_std: np.ndarray | None = None
        # A regression trained with normalize_targets: predict un-scales its outputs.
        self.target_mean: np.ndarray | None = None
        self.target_std: np.ndarray | None = None

    def _build(self, backend: Backend) -> None:
        """Layers, and the flat parameter and gradient buffers (zeros), on ``backend``."""
        self.backend, self.xp = backend, backend.xp
        self.nodes = resolve(self.spec)
        self.layers: list[Layer] = []
        first = self.spec.first_layer_input()
        for node in self.nodes:
            shapes = [
                first if source == NETWORK_INPUT else self.layers[source].out_shape
                for source in node.inputs
            ]
            self.layers.append(LAYERS[node.spec.type](backend, self.dtype, node.spec, shapes))
        self.layers[-1].activation = "linear"  # the logits; see the module docstring
        if self.fuse_layers:
            fuse(self.layers, self.nodes)
        self.n_outputs = self.layers[-1].out_shape[0]
        self.n_weights = sum(_size(la.weight_shape) for la in self.layers)
        self.n_trained = self.n_weights + sum(la.bias_size for la in self.layers)
        size = self.n_trained + sum(la.state_size for la in self.layers)
        self.params = self.xp.zeros(size, dtype=self.dtype)
        self.grads = self.xp.zeros(size, dtype=self.dtype)
        self._bind()
        self._plan_backward()

    @property
    def device(self) -> str:
        """Where the network computes: ``"cpu"`` (NumPy) or ``"gpu"`` (CuPy)."""
        return self.backend.device

    def to_device(self, device: str) -> Network:
        """Move the parameters to ``device`` (``"cpu"`` or ``"gpu"``), in place; returns
        the network. Work buffers are made anew there."""
        backend = get_backend(DEVICES[device])
        if backend is not self.backend:
            params = self.backend.to_numpy(self.params)
            self._build(backend)
            self.params[...] = self.xp.asarray(params)
        return self

    # --- parameters -------------------------------------------------------------------------

    def _bind(self) -> None:
        w_at, b_at, s_at = 0, self.n_weights, self.n_trained
        for layer in self.layers:
            if layer.trainable:
                w_end, b_end = w_at + _size(layer.weight_shape), b_at + layer.bias_size
                weights, bias = slice(w_at, w_end), slice(b_at, b_end) if layer.bias_size else None
                shape = layer.weight_shape or (0,)
                layer.bind(
                    self.params[weights].reshape(shape),
                    self.params[bias] if bias else None,
                    self.grads[weights].reshape(shape),
                    self.grads[bias] if bias else None,
                )
                w_at, b_at = w_end, b_end
            if layer.state_size:
                layer.bind_state(self.params[s_at : s_at + layer.state_size])
                s_at += layer.state_size

    def _initialize(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        for layer, layer_spec in zip(self.layers, self.spec.layers, strict=True):
            layer.initialize_constants()
            if layer.weight_shape is None:
                continue
            name = initializers.resolve(layer_spec.init, layer_spec.activation)
            values = initializers.INITIALIZERS[name](
                rng, layer.weight_shape, layer.fan_in, layer.fan_out
            )
            layer.W[...] = self.xp.asarray(values, dtype=self.dtype)

    def _plan_backward(self) -> None:
        """Which layers backward visits (those with parameters at or before them) and
        who reads each output (a gradient of an output read twice is a sum)."""
        self.upstream: list[bool] = []
        for node, layer in zip(self.nodes, self.layers, strict=True):
            before = any(self.upstream[s] for s in node.inputs if s != NETWORK_INPUT)
            self.upstream.append(layer.trainable or before)

    @property
    def weights(self) -> Any:
        """The weight part of the flat buffer (what L1/L2 penalize)."""
        return self.params[: self.n_weights]

    # --- passes -----------------------------------------------------------------------------

    def forward(self, x: Any, training: bool = False, rng: np.random.Generator | None = None):
        """Logits ``(n, n_outputs)`` for a batch already in the internal layout."""
        return self._outputs(x, training, rng)[-1]

    def _outputs(self, x: Any, training: bool, rng) -> list[Any]:
        """Every layer's output, in the spec's order."""
        outs: list[Any] = []
        for node, layer in zip(self.nodes, self.layers, strict=True):
            ins = [x if source == NETWORK_INPUT else outs[source] for source in node.inputs]
            outs.append(layer.forward(ins if layer.arity is None else ins[0], training, rng))
        return outs

    def backward(self, grad: Any) -> None:
        """Fill ``self.grads`` from dL/dlogits ``(n, n_outputs)``."""
        grads: list[Any] = [None] * len(self.layers)
        grads[-1] = grad
        for node, layer in zip(reversed(self.nodes), reversed(self.layers), strict=True):
            if not self.upstream[node.index]:
                continue
            wanted = [s != NETWORK_INPUT and self.upstream[s] for s in node.inputs]
            got = layer.backward(grads[node.index], need_input_grad=any(wanted))
            grads[node.index] = None
            got = got if layer.arity is None else [got]
            for position, source in enumerate(node.inputs):
                if wanted[position]:
                    _accumulate(self.xp, grads, source, got[position], got[position + 1 :])

    def load_checkpoint(self, checkpoint) -> None:
        """Take a checkpoint's weights and how to read them, to predict mid-training."""
        if checkpoint.params.shape != self.params.shape:
            raise DataError("the checkpoint does not match this network", field="checkpoint")
        self.params[...] = self.xp.asarray(checkpoint.params)
        bound = checkpoint.binding
        self.loss, self.task = bound.get("loss"), bound.get("task")
        self.classes = bound.get("classes")
        self.input_mean, self.input_std = bound.get("input_mean"), bound.get("input_std")
        self.target_mean, self.target_std = bound.get("target_mean"), bound.get("target_std")

    def to_bytes(self) -> bytes:
        from syn0.core.serialization import network_to_bytes

        return network_to_bytes(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> Network:
        from syn0.core.serialization import network_from_bytes

        return network_from_bytes(data)


def _accumulate(xp, grads: list[Any], source: int, grad: Any, later: list[Any]) -> None:
    """Add ``grad`` to the gradient of ``source``'s output. A gradient a merge also hands
    to a later input (``Add`` hands one array to all) is copied first: a layer may
    change the gradient it receives in place."""
    if any(other is grad for other in later):
        grad = grad.copy()
    if grads[source] is None:
        grads[source] = grad
    else:
        grads[source] += grad


def _size(shape: tuple[int, ...] | None) -> int:
    return int(np.prod(shape)) if shape else 0
