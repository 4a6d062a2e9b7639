"""Request and response models of batch predictions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from syn0.kit.schemas import In, Out, Timestamp

PredictionStatus = Literal["queued", "running", "succeeded", "failed"]


class PredictionsIn(In):
    dataset_id: str = Field(
        description="a stored dataset whose samples fit the model's input; when both name "
        "their features, its columns are matched to the model's by name"
    )


class BatchPredictionOut(Out):
    id: str
    model_id: str
    dataset_id: str | None = Field(description="null once the dataset is deleted")
    status: PredictionStatus
    n_rows: int = Field(description="the dataset's samples: the rows of the result")
    rows_done: int = Field(description="rows predicted and stored so far")
    error: dict[str, Any] | None = Field(description="failed: `type` and `detail`")
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
