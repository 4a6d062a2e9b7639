"""Schemas of the grid endpoints: ``/surface`` (a model or checkpoint on a grid) and
``/points`` (a dataset's samples, as a plot shows them)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class GridQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grid: int = Field(40, ge=2, le=200, description="points per axis")
    x_min: float = -6.0
    x_max: float = 6.0
    y_min: float = -6.0
    y_max: float = 6.0
    neurons: bool = Field(
        False,
        description="also each hidden dense unit's activation, each output's, and every "
        "dense layer's weights and biases",
    )
    neuron_grid: int | None = Field(
        None,
        ge=2,
        le=200,
        description="points per axis of the neurons' and outputs' maps (default: grid); "
        "a fine boundary with coarse neuron maps keeps the reply small",
    )

    @field_validator("x_max", "y_max")
    @classmethod
    def _extent(cls, high: float, info: ValidationInfo) -> float:
        """A range of finite numbers, ``min < max``, whose width is finite too: the grid
        steps by ``(max - min) / (grid - 1)``, and -1e308..1e308 would step by infinity."""
        axis = info.field_name[0]
        low = info.data.get(f"{axis}_min")
        if low is None:  # the minimum failed its own validation, which says why
            return high
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"{axis}_min must be below {axis}_max, both finite numbers")
        if not math.isfinite(high - low):
            raise ValueError(
                f"{axis}_max - {axis}_min must be a finite number; received {axis}_min={low:g}, "
                f"{axis}_max={high:g}"
            )
        return high


class Neurons(BaseModel):
    layer: int = Field(description="index of the dense layer in the spec")
    units: list[list[list[float]]] = Field(description="one grid per unit")


class DenseWeights(BaseModel):
    layer: int = Field(description="index of the dense layer in the spec")
    weights: list[list[float]] = Field(description="W, shape (inputs, units): row i is input i")
    biases: list[float] | None = Field(description="b, one per unit; null without a bias")


class SurfaceOut(BaseModel):
    """``values[i][j]`` is at ``(x[j], y[i])``. Classification: the probability of the
    last class (of two), or the top probability (of more); regression: the output."""

    source: Literal["model", "checkpoint"]
    epoch: int | None = Field(description="the epoch the weights are from")
    task: Literal["classification", "regression"]
    classes: list | None
    grid: int
    x: list[float]
    y: list[float]
    values: list[list[float]]
    labels: list[list[int]] | None = Field(description="index into classes, per cell")
    neurons: list[Neurons] | None
    outputs: list[list[list[float]]] | None = Field(
        None,
        description="with neurons: one grid per output unit (class probabilities, or the "
        "regression outputs), on the neurons' grid",
    )
    neuron_grid: int | None = Field(None, description="points per axis of neurons and outputs")
    weights: list[DenseWeights] | None = Field(
        None,
        description="with neurons: every dense layer's weights in network order, the output "
        "layer last; the first layer's inputs are the network's features (after its input "
        "standardization)",
    )


class PointsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(2000, ge=1, le=20000, description="the first samples only")
    validation_split: float = Field(0.0, ge=0, lt=1, description="as in the training spec")
    seed: int = Field(0, ge=0, description="as in the training spec")


class PointsOut(BaseModel):
    """Samples with two features; ``validation`` marks those a job with the same
    ``validation_split`` and ``seed`` holds out (the split the worker uses)."""

    x: list[list[float]]
    y: list
    validation: list[bool]
