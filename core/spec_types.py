"""The field types of the spec: constrained numbers that speak like Keras, and the
vocabularies (activations, initializers, losses) taken from the registries that
implement them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationInfo
from typing_extensions import TypeAliasType

from syn0.core.activations import ACTIVATIONS
from syn0.core.initializers import INITIALIZERS
from syn0.core.losses import LOSSES

# The vocabularies clients restate (the playground, the Python client) are named type
# aliases: each is one component of the OpenAPI document, which tests compare them with.
# The names come from the registries that implement them, so a new entry there is
# accepted here, and published, without being typed out twice.
Activation = TypeAliasType("Activation", Literal[tuple(ACTIVATIONS)])
Init = Literal[("auto", *INITIALIZERS)]
Loss = Literal[tuple(LOSSES)]
Task = TypeAliasType("Task", Literal["classification", "regression"])
DeviceChoice = Literal["cpu", "gpu", "auto"]


def invalid(info: ValidationInfo, expected: str, value: object) -> ValueError:
    name = info.field_name
    return ValueError(
        f"Received an invalid value for `{name}`, expected {expected}. Received: {name}={value!r}"
    )


def _positive(value: float, info: ValidationInfo) -> float:
    if value <= 0:
        kind = "a positive integer" if isinstance(value, int) else "a positive number"
        raise invalid(info, kind, value)
    return value


def _non_negative(value: float, info: ValidationInfo) -> float:
    if value < 0:
        raise invalid(info, "a number >= 0", value)
    return value


def _fraction(value: float, info: ValidationInfo) -> float:
    if not 0 <= value < 1:
        raise invalid(info, "a number in [0, 1)", value)
    return value


def _open_unit(value: float, info: ValidationInfo) -> float:
    if not 0 < value < 1:
        raise invalid(info, "a number in (0, 1)", value)
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


class FrozenSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- layers -------------------------------------------------------------------------------
