"""Request and response models of models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from syn0.core.spec import Task
from syn0.kit.schemas import Out, Timestamp


class ModelOut(Out):
    id: str
    job_id: str | None = Field(description="the job that trained it; null: imported")
    dataset_id: str | None
    network: dict[str, Any]
    training: dict[str, Any]
    task: Task
    classes: list[Any] | None
    metrics: dict[str, Any] = Field(description="the final (or best, with early stopping) epoch")
    n_params: int
    sha256: str = Field(description="sha256 of the weights file")
    created_at: Timestamp


class PredictIn(BaseModel):
    """What ``POST /v1/models/{id}/predict`` decodes: small bodies with this very model,
    bodies over 256 KiB with a streaming parser held to the same rules."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[Any] = Field(min_length=1, description="(n, *input_shape) nested list of numbers")


class PredictOut(BaseModel):
    model_id: str
    outputs: list[Any]
    labels: list[Any] | None = Field(None, description="classifiers: the user's class values")
    probabilities: list[list[float]] | None = Field(None, description="classifiers only")


class ModelImport(BaseModel):
    """Multipart import: a network spec and the weights file that fits it."""

    network: str = Field(description="the network spec, as JSON (what a job's `network` holds)")
    file: bytes = Field(
        json_schema_extra={"format": "binary"},
        description="the .npz weights file, in the format GET /v1/models/{id}/weights gives",
    )
