"""Layer specs: one pydantic model per layer type, a discriminated union on ``type``.

Every layer may carry a ``name`` and the ``inputs`` it reads (names of earlier layers,
or ``"input"`` for the network's input); without ``inputs`` a layer reads the layer
listed before it. ``core.graph`` checks the graph these make.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_serializer

from syn0.core.spec_types import (
    Activation,
    Fraction,
    FrozenSpec,
    Init,
    PositiveFloat,
    PositiveInt,
)

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=64)]


class LayerBase(FrozenSpec):
    """What every layer may carry: its name and the layers it reads."""

    name: Name | None = Field(None, description="unique among the layers; `[a-z][a-z0-9_]*`")
    inputs: list[Name] | None = Field(
        None,
        min_length=1,
        description="names of earlier layers, or `input` for the network's input; "
        "the layer listed before this one when absent",
    )

    # Fields added after specs were first stored, with the value that means "as before":
    # left out of the JSON at that value, so a spec written before them serializes as it
    # always did (stored specs and weight files of plain stacks stay byte for byte).
    added_fields: ClassVar[dict[str, object]] = {"name": None, "inputs": None}

    @model_serializer(mode="wrap")
    def _without_added_defaults(self, handler):
        data = handler(self)
        for field, default in self.added_fields.items():
            if getattr(self, field) == default:
                data.pop(field, None)
        return data


class DenseSpec(LayerBase):
    """A fully connected layer: ``activation(x @ W + b)``."""

    type: Literal["dense"] = "dense"
    units: PositiveInt
    activation: Activation = "linear"
    use_bias: bool = True
    init: Init = "auto"


class Conv2DSpec(LayerBase):
    """A 2-D convolution over ``(channels, height, width)`` inputs."""

    type: Literal["conv2d"] = "conv2d"
    filters: PositiveInt
    kernel_size: PositiveInt
    stride: PositiveInt = 1
    padding: Literal["valid", "same"] = "valid"
    activation: Activation = "linear"
    use_bias: bool = True
    init: Init = "auto"


class MaxPool2DSpec(LayerBase):
    """Max pooling over ``pool_size`` x ``pool_size`` windows; ``stride`` defaults to it;
    ``same`` padding keeps ``ceil(size / stride)`` (an inception block's pool branch)."""

    added_fields: ClassVar[dict[str, object]] = {**LayerBase.added_fields, "padding": "valid"}

    type: Literal["maxpool2d"] = "maxpool2d"
    pool_size: PositiveInt = 2
    stride: PositiveInt | None = None
    padding: Literal["valid", "same"] = "valid"


class AvgPool2DSpec(LayerBase):
    """Average pooling over ``pool_size`` x ``pool_size`` windows; ``stride`` defaults to
    it; with ``same`` padding each window averages its real values only."""

    type: Literal["avgpool2d"] = "avgpool2d"
    pool_size: PositiveInt = 2
    stride: PositiveInt | None = None
    padding: Literal["valid", "same"] = "valid"


class GlobalAvgPool2DSpec(LayerBase):
    """The mean of each channel: ``(channels, height, width)`` to ``(channels,)``."""

    type: Literal["global_avgpool2d"] = "global_avgpool2d"


class FlattenSpec(LayerBase):
    """Reshape ``(channels, height, width)`` to one feature axis."""

    type: Literal["flatten"] = "flatten"


class DropoutSpec(LayerBase):
    """Inverted dropout: zero a ``rate`` fraction of units while training only."""

    type: Literal["dropout"] = "dropout"
    rate: Fraction


class BatchNormSpec(LayerBase):
    """Batch normalization, per feature of vectors and per channel of images (after Keras).

    Training normalizes with the batch's mean and variance and moves the moving averages
    ``m = momentum * m + (1 - momentum) * batch``; predict normalizes with the moving
    averages. ``gamma`` and ``beta`` are learned.
    """

    type: Literal["batchnorm"] = "batchnorm"
    momentum: Fraction = 0.99
    epsilon: PositiveFloat = 1e-3


class ActivationSpec(LayerBase):
    """An activation on its own, as after a batchnorm: ``{"type": "activation",
    "activation": "relu"}``."""

    type: Literal["activation"] = "activation"
    activation: Activation


class AddSpec(LayerBase):
    """The sum of two or more inputs of one shape (a residual connection)."""

    type: Literal["add"] = "add"


class ConcatSpec(LayerBase):
    """Two or more inputs joined along channels (images) or features (vectors)."""

    type: Literal["concat"] = "concat"


LAYER_TYPES = (
    DenseSpec
    | Conv2DSpec
    | MaxPool2DSpec
    | FlattenSpec
    | DropoutSpec
    | AvgPool2DSpec
    | GlobalAvgPool2DSpec
    | BatchNormSpec
    | ActivationSpec
    | AddSpec
    | ConcatSpec
)
LayerSpec = Annotated[LAYER_TYPES, Field(discriminator="type")]
