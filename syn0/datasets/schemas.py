"""Request and response models of datasets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator
from typing_extensions import TypeAliasType

from syn0.core import glyphs
from syn0.core.datasets import IMAGE_KINDS, KINDS, task_of
from syn0.core.spec import Task
from syn0.datasets.orm import Dataset
from syn0.kit.features import MAX_NAME_CHARS, names_of
from syn0.kit.schemas import In, Out, Timestamp

# Printable names only: no NUL or other control characters.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"

# The generators: KINDS make 2-D points, IMAGE_KINDS images (and classify).
GENERATORS = {
    **{kind: task_of(kind) for kind in KINDS},
    **dict.fromkeys(IMAGE_KINDS, "classification"),
}

# A named component of the OpenAPI document, with the task each generator makes.
DatasetKind = TypeAliasType(
    "DatasetKind",
    Annotated[
        Literal[tuple(GENERATORS)],  # type: ignore[valid-type]
        Field(
            description="a generator of POST /v1/datasets/generate; `x-tasks`: the task "
            "of the dataset each one makes; `x-images`: the ones that make images "
            "(`channels` x `image_size` x `image_size`) rather than 2-D points",
            json_schema_extra={"x-tasks": GENERATORS, "x-images": list(IMAGE_KINDS)},
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
    feature_names: list[str] | None = Field(
        None,
        description="flat features only: one unique, non-empty name (at most "
        f"{MAX_NAME_CHARS} characters) per column; `x0, x1, …` when absent",
    )


class DatasetUpload(BaseModel):
    """Multipart upload: a CSV (header row) or an ``.npz`` holding ``X`` and ``y``."""

    file: bytes = Field(
        json_schema_extra={"format": "binary"},
        description="a CSV's header names its features; an .npz may hold `feature_names` "
        "(strings, one per column of X)",
    )
    target: str | None = Field(None, description="the CSV's target column (required for CSV)")
    name: str | None = Field(None, description="defaults to the file name")
    task: Task | None = None


def _channels(value: int) -> int:
    if value not in glyphs.CHANNELS:
        raise ValueError(f"channels must be 1 (grey) or 3 (colour); received {value}")
    return value


# An integer, strictly (no `true`, no 3.0), that is 1 or 3.
Channels = Annotated[
    int,
    Field(strict=True, json_schema_extra={"enum": list(glyphs.CHANNELS)}),
    AfterValidator(_channels),
]


class GenerateIn(In):
    kind: DatasetKind
    n_samples: int = Field(500, ge=2, strict=True)
    noise: float = Field(0.0, ge=0, le=1, description="for images, the std of pixel noise")
    seed: int = Field(0, ge=0, strict=True)
    name: str | None = Field(None, min_length=1, max_length=200, pattern=NAME_PATTERN)
    channels: Channels | None = Field(
        None, description="images only: 1 (grey) or 3 (colour); 1 when absent"
    )
    image_size: int | None = Field(
        None,
        ge=glyphs.MIN_SIZE,
        le=glyphs.MAX_SIZE,
        strict=True,
        description=f"images only: height and width in pixels; {glyphs.DEFAULT_SIZE} when absent",
    )


class Generator(BaseModel):
    kind: str
    n_samples: int
    noise: float
    seed: int


class ImageGenerator(Generator):
    channels: int
    image_size: int


class DatasetOut(Out):
    id: str
    name: str
    task: Task
    n_samples: int
    input_shape: list[int] = Field(description="what a NetworkSpec's input_shape should be")
    n_outputs: int = Field(description="number of classes, or of regression target columns")
    classes: list[Any] | None
    feature_names: list[str] | None = Field(
        description="the names of the feature columns (a CSV's header, the upload's "
        "`feature_names`, else `x0, x1, …`); null for images"
    )
    target_name: str | None = Field(description="a CSV upload's target column")
    sha256: str
    generator: ImageGenerator | Generator | None = Field(
        None, description="the settings of POST /v1/datasets/generate; null for an upload"
    )
    created_at: Timestamp

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        if not isinstance(data, Dataset):
            return data
        fields = {name: getattr(data, name) for name in cls.model_fields}
        fields["feature_names"] = names_of(data.feature_names, data.input_shape)
        return fields
