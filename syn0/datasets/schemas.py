"""Request and response models of datasets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from typing_extensions import TypeAliasType

from syn0.core.datasets import KINDS, task_of
from syn0.core.spec import Task
from syn0.kit.schemas import In, Out, Timestamp

# Printable names only: no NUL or other control characters.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"

# A named component of the OpenAPI document, with the task each generator makes.
DatasetKind = TypeAliasType(
    "DatasetKind",
    Annotated[
        Literal[KINDS],  # type: ignore[valid-type]
        Field(
            description="a generator of POST /v1/datasets/generate; `x-tasks`: the task "
            "of the dataset each one makes",
            json_schema_extra={"x-tasks": {kind: task_of(kind) for kind in KINDS}},
        ),
    ],
)


class DatasetIn(In):
    """A dataset as JSON. Features are ``(n, features)``, ``(n, height, width)`` or
    ``(n, channels, height, width)``; targets one value per sample (numbers or class
    labels), or one row of numbers per sample for multi-output regression."""

    name: str = Field(min_length=1, max_length=200, pattern=NAME_PATTERN)
    features: list[Any] = Field(min_length=1, description="rectangular nested list of numbers")
    targets: list[Any] = Field(min_length=1, description="one target per sample")
    task: Task | None = Field(None, description="inferred from the targets when absent")


class DatasetUpload(BaseModel):
    """Multipart upload: a CSV (header row) or an ``.npz`` holding ``X`` and ``y``."""

    file: bytes = Field(json_schema_extra={"format": "binary"})
    target: str | None = Field(None, description="the CSV's target column (required for CSV)")
    name: str | None = Field(None, description="defaults to the file name")
    task: Task | None = None


class GenerateIn(In):
    kind: DatasetKind
    n_samples: int = Field(500, ge=2, strict=True)
    noise: float = Field(0.0, ge=0, le=1)
    seed: int = Field(0, ge=0, strict=True)
    name: str | None = Field(None, min_length=1, max_length=200, pattern=NAME_PATTERN)


class Generator(BaseModel):
    kind: str
    n_samples: int
    noise: float
    seed: int


class DatasetOut(Out):
    id: str
    name: str
    task: Task
    n_samples: int
    input_shape: list[int] = Field(description="what a NetworkSpec's input_shape should be")
    n_outputs: int = Field(description="number of classes, or of regression target columns")
    classes: list[Any] | None
    sha256: str
    generator: Generator | None = Field(
        None, description="the settings of POST /v1/datasets/generate; null for an upload"
    )
    created_at: Timestamp
