"""``Sketch``: a network spec written layer by layer, for the architecture templates.

Each layer gets a readable name, and the sketch keeps the shape every layer gives (by
the layer type's own ``compute_output_shape``), so a template can choose its
downsampling from the size its feature maps have reached.
``inputs`` is written only where a layer reads something other than the layer before
it, so a plain stretch of a template reads as a plain list.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from syn0.core.registry import LAYERS
from syn0.core.spec import NetworkSpec
from syn0.core.spec_layers import LayerSpec

Shape = tuple[int, ...]
_LAYER = TypeAdapter(LayerSpec)


class Sketch:
    def __init__(self, input_shape: Shape) -> None:
        self.input_shape = input_shape
        self.layers: list[Any] = []
        self.shapes: dict[str, Shape] = {"input": input_shape}
        self.last = "input"

    def shape(self, name: str | None = None) -> Shape:
        """``(channels, height, width)`` of layer ``name``'s output (default: the last)."""
        return self.shapes[name or self.last]

    def side(self, name: str | None = None) -> int:
        """The smaller of the height and width of layer ``name``'s output maps."""
        return min(self.shape(name)[1:])

    def add(self, name: str, type: str, inputs: list[str] | None = None, **fields: Any) -> str:
        """Append a layer reading ``inputs`` (default: the last layer); its name."""
        sources = inputs or [self.last]
        layer = {"name": name, "type": type, **fields}
        if sources != [self.last]:
            layer["inputs"] = sources
        spec = _LAYER.validate_python(layer)
        reads = [self.shapes[source] for source in sources]
        self.shapes[name] = LAYERS[type].compute_output_shape(spec, reads)
        self.layers.append(spec)
        self.last = name
        return name

    def conv(
        self,
        name: str,
        filters: int,
        kernel_size: int,
        *,
        stride: int = 1,
        padding: str = "same",
        activation: str = "relu",
        use_bias: bool = True,
        inputs: list[str] | None = None,
    ) -> str:
        fields = {"filters": filters, "kernel_size": kernel_size, "stride": stride}
        fields |= {"padding": padding, "activation": activation, "use_bias": use_bias}
        return self.add(name, "conv2d", inputs, **fields)

    def pool(
        self,
        name: str,
        pool_size: int,
        stride: int,
        *,
        type: str = "maxpool2d",
        padding: str = "same",
        inputs: list[str] | None = None,
    ) -> str:
        fields = {"pool_size": pool_size, "stride": stride, "padding": padding}
        return self.add(name, type, inputs, **fields)

    def dense(self, name: str, units: int, activation: str) -> str:
        return self.add(name, "dense", units=units, activation=activation)

    def network(self) -> NetworkSpec:
        return NetworkSpec(input_shape=list(self.input_shape), layers=self.layers)
