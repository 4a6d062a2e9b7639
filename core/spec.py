"""The spec: what a client asks to train, as pydantic models.

The service exposes these exact models in its OpenAPI schema and the worker
reads the same definitions. Field checks here speak like Keras: they name the
field, what was expected and what was received. Checks that need the whole
network (the graph, shapes, loss against the last layer) live in ``core.checks``.
The field types are in ``core.spec_types`` and the layers in ``core.spec_layers``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, model_serializer
from typing_extensions import TypeAliasType

from syn0.core.spec_layers import LAYER_TYPES as LAYER_TYPES  # re-exported
from syn0.core.spec_layers import LayerSpec
from syn0.core.spec_types import (
    DeviceChoice,
    Fraction,
    FrozenSpec,
    Loss,
    NonNegativeFloat,
    NonNegativeInt,
    OpenUnit,
    PositiveFloat,
    PositiveInt,
    invalid,
)
from syn0.core.spec_types import (
    Task as Task,  # re-exported
)


def _input_shape(value: list[int], info: ValidationInfo) -> list[int]:
    if len(value) not in (1, 3):
        raise invalid(info, "[features] or [channels, height, width]", value)
    return value


Feature = TypeAliasType(
    "Feature", Literal["x1", "x2", "x1_squared", "x2_squared", "x1_x2", "sin_x1", "sin_x2"]
)


def _unique(value: list[str] | None, info: ValidationInfo) -> list[str] | None:
    if value is not None and len(set(value)) != len(value):
        raise invalid(info, "a list without repeats", value)
    return value


class NetworkSpec(FrozenSpec):
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


class SGDSpec(FrozenSpec):
    type: Literal["sgd"] = "sgd"
    learning_rate: PositiveFloat = 0.01
    momentum: Fraction = 0.0
    nesterov: bool = False


class AdamSpec(FrozenSpec):
    type: Literal["adam"] = "adam"
    learning_rate: PositiveFloat = 0.001
    beta1: Fraction = 0.9
    beta2: Fraction = 0.999
    epsilon: PositiveFloat = 1e-7


class RMSpropSpec(FrozenSpec):
    type: Literal["rmsprop"] = "rmsprop"
    learning_rate: PositiveFloat = 0.001
    rho: Fraction = 0.9
    momentum: Fraction = 0.0
    epsilon: PositiveFloat = 1e-7


OPTIMIZER_TYPES = SGDSpec | AdamSpec | RMSpropSpec
OptimizerSpec = Annotated[OPTIMIZER_TYPES, Field(discriminator="type")]


class ConstantSchedule(FrozenSpec):
    type: Literal["constant"] = "constant"


class StepSchedule(FrozenSpec):
    """Multiply the learning rate by ``factor`` every ``every`` epochs."""

    type: Literal["step"] = "step"
    every: PositiveInt
    factor: OpenUnit = 0.5


class PlateauSchedule(FrozenSpec):
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


class RegularizationSpec(FrozenSpec):
    """Weight penalty ``l1 * sum|W| + l2 * sum W**2`` over weights (never biases)."""

    l1: NonNegativeFloat = 0.0
    l2: NonNegativeFloat = 0.0


class EarlyStoppingSpec(FrozenSpec):
    monitor: Literal["val_loss", "loss", "val_accuracy"] = "val_loss"
    patience: PositiveInt = 10
    min_delta: NonNegativeFloat = 0.0
    restore_best: bool = True


class AugmentationSpec(FrozenSpec):
    """Random changes applied to training batches only, never to validation or predict."""

    gaussian_noise: NonNegativeFloat = 0.0
    shift_pixels: NonNegativeInt = 0
    horizontal_flip: bool = False


class InitialWeights(FrozenSpec):
    """Start from a stored model's weights: fine-tuning. The network must be the model's
    architecture (``core.compat``); its parameters, batchnorm's moving averages
    included, are the first epoch's; the optimizer and the schedule start afresh."""

    model_id: str = Field(min_length=1, max_length=32)


# Fields added to TrainingSpec after jobs were first stored: left out of the JSON when
# unused, so a stored training that uses none of them reads as it always did.
ADDED_FIELDS = ("normalize_targets", "class_weight")


class TrainingSpec(FrozenSpec):
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
    normalize_targets: bool = Field(
        False,
        description="regression only: train on the targets standardized (mean 0, std 1 per "
        "column, from the training split); predict, evaluate and the export un-scale",
    )
    class_weight: Literal["balanced"] | dict[str, PositiveFloat] | None = Field(
        None,
        description="classification only: each class's weight on the loss: `balanced` "
        "(n_samples / (n_classes * the class's count), over the training split, as "
        "scikit-learn's) or {label: weight} (labels as strings; a class left out weighs 1)",
    )
    device: DeviceChoice = Field(
        "auto",
        description="where to train: cpu, gpu (CuPy), or auto: a GPU when one is at hand "
        "and a training step is large enough to gain from it, else the CPU",
    )
    dtype: Literal["float32", "float64"] = Field(
        "float32",
        description="the arithmetic of the weights and of training; the model keeps it",
    )
    initial_weights: InitialWeights | None = Field(
        None,
        description="start from a model's weights (same architecture) instead of a seeded "
        "initialization",
    )

    @model_serializer(mode="wrap")
    def _without_unset_additions(self, handler):
        """``dtype``, ``initial_weights`` and ``ADDED_FIELDS`` at their defaults are left
        out, so the stored training of a job that uses none of them reads as it did
        before they existed (and an Idempotency-Key replay of such a job still matches)."""
        data = handler(self)
        for name in ADDED_FIELDS:
            if getattr(self, name) is None or getattr(self, name) is False:
                data.pop(name, None)
        if self.dtype == "float32":
            data.pop("dtype", None)
        if self.initial_weights is None:
            data.pop("initial_weights", None)
        return data
