"""Request and response models of models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from syn0.core.spec import Task
from syn0.kit.features import names_of
from syn0.kit.schemas import Out, Timestamp
from syn0.models.orm import Model


class Lineage(BaseModel):
    """Where a model's weights come from: enough to train them again (``replay``)."""

    job_id: str | None = Field(description="the job that trained it; null once it is deleted")
    dataset_id: str | None
    dataset_sha256: str | None = Field(
        description="sha256 of the dataset it was trained on; null for models from before "
        "lineage was recorded"
    )
    seed: int | None = Field(description="training.seed: every random draw of the run")
    syn0_version: str | None = Field(description="the syn0 that trained it; null: unknown")


class Replay(BaseModel):
    of: str = Field(description="the model whose spec and dataset were trained again")
    identical: bool | None = Field(
        description="the new weights' sha256 equals the replayed model's (null: that model "
        "was deleted before the replay ended)"
    )


class Signature(BaseModel):
    """What the model reads and answers: predict's contract."""

    feature_names: list[str] | None = Field(
        description="the input columns by name, in the order `inputs` gives them (its "
        "dataset's names; `x0, x1, …` when it had none); `records` and CSV bodies name "
        "them in any order; null for images"
    )
    target_name: str | None = Field(
        description="the column it was trained to predict (a CSV dataset's `target`); a "
        "CSV body may hold it, and it is ignored"
    )
    input_shape: list[int] = Field(description="one sample's shape: `inputs` is (n, *shape)")
    dtype: str = Field(description="the arithmetic of the forward pass")
    task: Task
    classes: list[Any] | None = Field(description="classifiers: the labels, in column order")

    @classmethod
    def of(cls, model: Any) -> Signature:
        """From a ``Model`` row, or a query's row holding the same columns."""
        shape = model.network["input_shape"]
        return cls(
            feature_names=names_of(model.feature_names, shape),
            target_name=model.target_name,
            input_shape=shape,
            dtype=model.training.get("dtype", "float32"),
            task=model.task,  # type: ignore[arg-type]
            classes=model.classes,
        )


class ModelOut(Out):
    id: str
    job_id: str | None = Field(
        description="the job that trained it; null: imported, or its job was deleted"
    )
    dataset_id: str | None
    network: dict[str, Any]
    training: dict[str, Any]
    task: Task
    classes: list[Any] | None
    metrics: dict[str, Any] = Field(description="the final (or best, with early stopping) epoch")
    n_params: int
    sha256: str = Field(description="sha256 of the weights file")
    partial: bool = Field(
        description="true: a cancelled or time-limited job's model, the weights of `epoch`"
    )
    epoch: int | None = Field(
        description="the epoch whose weights these are (the best one with early stopping)"
    )
    signature: Signature
    lineage: Lineage
    replay: Replay | None = Field(
        description="a replay's model: the model it replays, and whether the weights are equal"
    )
    created_at: Timestamp

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        if not isinstance(data, Model):
            return data
        computed = ("lineage", "replay", "signature")
        fields = {name: getattr(data, name) for name in cls.model_fields if name not in computed}
        lineage = Lineage(
            job_id=data.job_id,
            dataset_id=data.dataset_id,
            dataset_sha256=data.dataset_sha256,
            seed=data.training.get("seed"),
            syn0_version=data.syn0_version,
        )
        replay = None
        if data.replay_of is not None:
            replay = Replay(of=data.replay_of, identical=data.replay_identical)
        signature = Signature.of(data)
        return {**fields, "lineage": lineage, "replay": replay, "signature": signature}


def _one_of_the_two(schema: dict[str, Any]) -> None:
    """``inputs`` or ``records``: each optional, neither with a default to publish."""
    for field in schema["properties"].values():
        field.pop("default", None)


class PredictIn(BaseModel):
    """What ``POST /v1/models/{id}/predict`` decodes: small bodies with this very model,
    bodies over 256 KiB with a streaming parser held to the same rules."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_one_of_the_two)

    # Absent means None, but neither is nullable: a body sends exactly one of them.
    inputs: list[Any] = Field(  # type: ignore[assignment]
        None, min_length=1, description="(n, *input_shape) nested list of numbers"
    )
    records: list[dict[str, Annotated[float, Field(strict=True)]]] = Field(  # type: ignore[assignment]
        None,
        min_length=1,
        description="instead of `inputs`, for models of flat features: one object per "
        "sample, `{feature name: number}`, every feature of the model's signature named once",
    )

    @model_validator(mode="after")
    def _one_of(self) -> PredictIn:
        if (self.inputs is None) == (self.records is None):
            raise ValueError("send either `inputs` or `records`")
        return self


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
