"""The spec: what a client asks to train, as pydantic models.

The service exposes these exact models in its OpenAPI schema and the worker
reads the same definitions. Field checks here speak like Keras: they name the
field, what was expected and what was received. Checks that need the whole
stack (shapes, loss against the last layer) live in ``core.checks``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationInfo
from typing_extensions import TypeAliasType

# The vocabularies clients restate (the playground, the Python client) are named type
# aliases: each is one component of the OpenAPI document, which tests compare them with.
Activation = TypeAliasType(
    "Activation", Literal["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"]
)
Init = Literal[
    "auto", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "zeros"
]
Loss = Literal["mse", "binary_cross_entropy", "cross_entropy"]
Task = TypeAliasType("Task", Literal["classification", "regression"])
DeviceChoice = Literal["cpu", "gpu", "auto"]


def _invalid(info: ValidationInfo, expected: str, value: object) -> ValueError:
    name = info.field_name
    return ValueError(
        f"Received an invalid value for `{name}`, expected {expected}. Received: {name}={value!r}"
    )


def _positive(value: float, info: ValidationInfo) -> float:
    if value <= 0:
        kind = "a positive integer" if isinstance(value, int) else "a positive number"
        raise _invalid(info, kind, value)
    return value


def _non_negative(value: float, info: ValidationInfo) -> float:
    if value < 0:
        raise _invalid(info, "a number >= 0", value)
    return value


def _fraction(value: float, info: ValidationInfo) -> float:
    if not 0 <= value < 1:
        raise _invalid(info, "a number in [0, 1)", value)
    return value


def _open_unit(value: float, info: ValidationInfo) -> float:
    if not 0 < value < 1:
        raise _invalid(info, "a number in (0, 1)", value)
    return value


# Integers are strict: true, 2.5 or "3" is an error, not 1, 2 or 3.
PositiveInt = Annotated[
    int, Strict(), AfterValidator(_positive), Field(json_schema_extra={"minimum": 1})
]
PositiveFloat = Annotated[
    float, AfterValidator(_positive), Field(json_schema_extra={"exclusiveMinimum": 0})
]
NonNegativeFloat = Annotated[
    float, AfterValidator(_non_negative), Field(json_schema_extra={"minimum": 0})
]
NonNegativeInt = Annotated[
    int, Strict(), AfterValidator(_non_negative), Field(json_schema_extra={"minimum": 0})
]
Fraction = Annotated[
    float,
    AfterValidator(_fraction),
    Field(json_schema_extra={"minimum": 0, "exclusiveMaximum": 1}),
]
OpenUnit = Annotated[
    float,
    AfterValidator(_open_unit),
    Field(json_schema_extra={"exclusiveMinimum": 0, "exclusiveMaximum": 1}),
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- layers -------------------------------------------------------------------------------


class DenseSpec(_Spec):
    """A fully connected layer: ``activation(x @ W + b)``."""

    type: Literal["dense"] = "dense"
    units: PositiveInt
    activation: Activation = "linear"
    use_bias: bool = True
    init: Init = "auto"


class Conv2DSpec(_Spec):
    """A 2-D convolution over ``(channels, height, width)`` inputs."""

    type: Literal["conv2d"] = "conv2d"
    filters: PositiveInt
    kernel_size: PositiveInt
    stride: PositiveInt = 1
    padding: Literal["valid", "same"] = "valid"
    activation: Activation = "linear"
    use_bias: bool = True
    init: Init = "auto"


class MaxPool2DSpec(_Spec):
    """Max pooling over ``pool_size`` x ``pool_size`` windows; ``stride`` defaults to it."""

    type: Literal["maxpool2d"] = "maxpool2d"
    pool_size: PositiveInt = 2
    stride: PositiveInt | None = None


class FlattenSpec(_Spec):
    """Reshape ``(channels, height, width)`` to one feature axis."""

    type: Literal["flatten"] = "flatten"


class DropoutSpec(_Spec):
    """Inverted dropout: zero a ``rate`` fraction of units while training only."""

    type: Literal["dropout"] = "dropout"
    rate: Fraction


LAYER_TYPES = DenseSpec | Conv2DSpec | MaxPool2DSpec | FlattenSpec | DropoutSpec
LayerSpec = Annotated[LAYER_TYPES, Field(discriminator="type")]


def _input_shape(value: list[int], info: ValidationInfo) -> list[int]:
    if len(value) not in (1, 3):
        raise _invalid(info, "[features] or [channels, height, width]", value)
    return value


Feature = TypeAliasType(
    "Feature", Literal["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
)


def _unique(value: list[str] | None, info: ValidationInfo) -> list[str] | None:
    if value is not None and len(set(value)) != len(value):
        raise _invalid(info, "a list without repeats", value)
    return value


class NetworkSpec(_Spec):
    """A feed-forward network: the input shape, optional input features computed from it
    (two inputs only: the Playground's x1, x2 and their crosses), and the layers."""

    input_shape: Annotated[list[PositiveInt], AfterValidator(_input_shape)]
    features: Annotated[
        list[Feature] | None, Field(None, min_length=1), AfterValidator(_unique)
    ] = None
    layers: Annotated[list[LayerSpec], Field(min_length=1)]

    def first_layer_input(self) -> tuple[int, ...]:
        """What the first layer sees: the features' count, or the input shape."""
        return (len(self.features),) if self.features else tuple(self.input_shape)


# --- training -----------------------------------------------------------------------------


class SGDSpec(_Spec):
    type: Literal["sgd"] = "sgd"
    learning_rate: PositiveFloat = 0.01
    momentum: Fraction = 0.0
    nesterov: bool = False


class AdamSpec(_Spec):
    type: Literal["adam"] = "adam"
    learning_rate: PositiveFloat = 0.001
    beta1: Fraction = 0.9
    beta2: Fraction = 0.999
    epsilon: PositiveFloat = 1e-7


class RMSpropSpec(_Spec):
    type: Literal["rmsprop"] = "rmsprop"
    learning_rate: PositiveFloat = 0.001
    rho: Fraction = 0.9
    momentum: Fraction = 0.0
    epsilon: PositiveFloat = 1e-7


OPTIMIZER_TYPES = SGDSpec | AdamSpec | RMSpropSpec
OptimizerSpec = Annotated[OPTIMIZER_TYPES, Field(discriminator="type")]


class ConstantSchedule(_Spec):
    type: Literal["constant"] = "constant"


class StepSchedule(_Spec):
    """Multiply the learning rate by ``factor`` every ``every`` epochs."""

    type: Literal["step"] = "step"
    every: PositiveInt
    factor: OpenUnit = 0.5


class PlateauSchedule(_Spec):
    """Multiply the rate by ``factor`` after ``patience`` epochs without improvement.

    The monitored value is ``val_loss`` when there is a validation split, else ``loss``.
    """

    type: Literal["plateau"] = "plateau"
    patience: PositiveInt = 5
    factor: OpenUnit = 0.5
    min_lr: NonNegativeFloat = 0.0
    min_delta: NonNegativeFloat = 0.0


SCHEDULE_TYPES = ConstantSchedule | StepSchedule | PlateauSchedule
ScheduleSpec = Annotated[SCHEDULE_TYPES, Field(discriminator="type")]


class RegularizationSpec(_Spec):
    """Weight penalty ``l1 * sum|W| + l2 * sum W**2`` over weights (never biases)."""

    l1: NonNegativeFloat = 0.0
    l2: NonNegativeFloat = 0.0


class EarlyStoppingSpec(_Spec):
    monitor: Literal["val_loss", "loss", "val_accuracy"] = "val_loss"
    patience: PositiveInt = 10
    min_delta: NonNegativeFloat = 0.0
    restore_best: bool = True


class AugmentationSpec(_Spec):
    """Random changes applied to training batches only, never to validation or predict."""

    gaussian_noise: NonNegativeFloat = 0.0
    shift_pixels: NonNegativeInt = 0
    horizontal_flip: bool = False


class TrainingSpec(_Spec):
    """How to train: loss, optimizer, schedule, epochs, batching and regularization."""

    # Defaults are values, not factories (the specs are frozen, so one instance is safe to
    # share): the OpenAPI document publishes them, and the playground is checked against it.
    loss: Loss
    optimizer: OptimizerSpec = SGDSpec()
    lr_schedule: ScheduleSpec = ConstantSchedule()
    epochs: PositiveInt = 10
    batch_size: PositiveInt | None = 32
    shuffle: bool = True
    validation_split: Fraction = 0.0
    seed: NonNegativeInt = 0
    regularization: RegularizationSpec = RegularizationSpec()
    early_stopping: EarlyStoppingSpec | None = None
    augmentation: AugmentationSpec = AugmentationSpec()
    normalize_inputs: bool = False
    device: DeviceChoice = Field(
        "auto",
        description="where to train: cpu, gpu (CuPy), or auto: a GPU when one is at hand "
        "and a training step is large enough to gain from it, else the CPU",
    )
