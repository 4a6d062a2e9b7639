"""What the API returns, as light read-only models.

Fields the client and the command line use are typed; every other member of a reply
is kept (``extra="allow"``), so ``model_dump(mode="json")`` gives back the whole reply
and a newer server's fields are not lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # NumPy is imported where arrays are made: `syn0 jobs ls` starts faster
    import numpy as np

# The server's vocabularies, restated so the client needs none of its packages;
# tests/client/test_vocabulary.py compares each with the OpenAPI document.
Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]  # JobStatus
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})  # its x-finished
Task = Literal["classification", "regression"]
Item = TypeVar("Item")


class _Reply(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Page(_Reply, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None


class Dataset(_Reply):
    id: str
    name: str
    task: Task
    n_samples: int
    input_shape: list[int]
    n_outputs: int
    classes: list[Any] | None = None
    feature_names: list[str] | None = None  # None: images
    target_name: str | None = None  # a CSV upload's target column
    created_at: datetime


class Progress(_Reply):
    epoch: int
    epochs: int
    fraction: float
    eta_seconds: float | None = None


class JobError(_Reply):
    type: str
    detail: str


class Job(_Reply):
    id: str
    dataset_id: str | None
    status: Status
    network: dict[str, Any]
    training: dict[str, Any]
    progress: Progress
    latest_metrics: dict[str, Any] | None = None
    model_id: str | None = None  # a succeeded job's model, or a stopped job's partial one
    resumed_from: str | None = None  # the stopped job it continues
    replay_of: str | None = None  # the model whose spec and dataset it trains again
    error: JobError | None = None
    # A succeeded job with a validation split: its model's report on that split (as
    # ``Evaluation.report``).
    evaluation: dict[str, Any] | None = None
    device: str = "cpu"
    notice: str | None = None  # why a queued job may wait (no GPU worker seen, say)
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class Metric(_Reply):
    """One finished epoch (the API's ``MetricOut``); the ``val_*`` values need a
    validation split, ``accuracy`` a classifier, ``mae`` and ``r2`` a regression;
    ``penalty`` is the regularization term added to ``loss``."""

    epoch: int
    loss: float
    val_loss: float | None = None
    accuracy: float | None = None
    val_accuracy: float | None = None
    mae: float | None = None
    val_mae: float | None = None
    r2: float | None = None
    val_r2: float | None = None
    penalty: float | None = None
    learning_rate: float | None = None
    seconds: float | None = None


class Lineage(_Reply):
    """Where a model's weights come from (``None``: unknown, e.g. its job was deleted)."""

    job_id: str | None = None
    dataset_id: str | None = None
    dataset_sha256: str | None = None
    seed: int | None = None
    syn0_version: str | None = None


class Replay(_Reply):
    """A replay's model: the model it replays, and whether the weights came out equal."""

    of: str
    identical: bool | None = None


class Signature(_Reply):
    """What a model reads: its features by name (None: images) in ``inputs`` order, the
    target column it was trained on (a CSV may hold it), shape, dtype, task, classes."""

    feature_names: list[str] | None = None
    target_name: str | None = None
    input_shape: list[int]
    dtype: str = "float32"
    task: Task
    classes: list[Any] | None = None


class Model(_Reply):
    id: str
    job_id: str | None = None  # None: imported (client.models.import_), or its job deleted
    dataset_id: str | None
    network: dict[str, Any]
    training: dict[str, Any]
    task: Task
    classes: list[Any] | None = None
    metrics: dict[str, Any]
    n_params: int
    sha256: str
    partial: bool = False  # a cancelled or time-limited job's model, of ``epoch``
    epoch: int | None = None
    lineage: Lineage | None = None
    replay: Replay | None = None
    signature: Signature | None = None  # None from a server before feature names
    created_at: datetime


class Evaluation(_Reply):
    """A model's report on a dataset: ``report["task"]`` says which metrics it holds
    (classification: accuracy, log_loss, classes, confusion_matrix, per_class, macro_avg,
    weighted_avg, roc_auc; regression: mse, rmse, mae, r2)."""

    model_id: str
    dataset_id: str | None  # None: a CSV sent with the request
    report: dict[str, Any]


PREDICTION_FINISHED: frozenset[str] = frozenset({"succeeded", "failed"})


class BatchPrediction(_Reply):
    """A model over a stored dataset, through the queue (``client.predictions``)."""

    id: str
    model_id: str
    dataset_id: str | None
    status: Literal["queued", "running", "succeeded", "failed"]
    n_rows: int
    rows_done: int
    error: JobError | None = None
    created_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in PREDICTION_FINISHED


class Validation(_Reply):
    dataset_id: str
    summary: dict[str, Any]
    estimated_work: dict[str, Any]
    warnings: list[str]


class Knob(_Reply):
    name: str
    default: int
    minimum: int
    maximum: int
    description: str


class Architecture(_Reply):
    name: str
    title: str
    year: int
    paper: str
    idea: str
    knobs: list[Knob]


class Template(_Reply):
    """A family's network for an input: ``network`` and ``training`` as a job takes them,
    ``summary`` its layers' shapes, parameters and FLOPs."""

    name: str
    input_shape: list[int]
    classes: int
    knobs: dict[str, int]
    network: dict[str, Any]
    training: dict[str, Any]
    summary: dict[str, Any]


class Alias(_Reply):
    alias: str
    version: int
    model_id: str
    updated_at: datetime


class AliasMove(_Reply):
    """``from_version`` null: the move made the alias; ``to_version`` null: it deleted
    it. ``moved_by``: the key's prefix."""

    alias: str
    action: Literal["set", "rollback", "delete"]
    from_version: int | None = None
    to_version: int | None = None
    moved_by: str | None = None
    moved_at: datetime


class Version(_Reply):
    version: int
    model_id: str
    task: Task
    metrics: dict[str, Any]
    dataset_id: str | None = None
    dataset_sha256: str | None = None
    signature: Signature | None = None  # None from a server before feature names
    aliases: list[str]
    created_by: str | None = None
    created_at: datetime


class Registered(_Reply):
    """A registered model as lists show it; ``Registry.get`` adds its versions and the
    history of its aliases (``RegisteredDetail``)."""

    name: str
    description: str | None = None
    tags: dict[str, str]
    latest_version: int
    aliases: list[Alias]
    created_at: datetime
    updated_at: datetime


class RegisteredDetail(Registered):
    versions: list[Version]
    alias_history: list[AliasMove]


@dataclass(frozen=True)
class Prediction:
    """``outputs`` float32 ``(n, n_outputs)``; classifiers add ``labels`` ``(n,)`` in the
    dataset's own class values and ``probabilities`` ``(n, n_classes)``. Predict by
    registry name adds the ``version`` that answered and the ``alias`` followed."""

    model_id: str
    outputs: np.ndarray
    labels: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    version: int | None = None
    alias: str | None = None

    @classmethod
    def from_reply(cls, reply: dict[str, Any]) -> Prediction:
        import numpy as np

        labels, proba = reply.get("labels"), reply.get("probabilities")
        return cls(
            model_id=reply["model_id"],
            outputs=np.asarray(reply["outputs"], dtype=np.float32),
            labels=None if labels is None else np.asarray(labels),
            probabilities=None if proba is None else np.asarray(proba, dtype=np.float32),
            version=reply.get("version"),
            alias=reply.get("alias"),
        )

    def to_reply(self) -> dict[str, Any]:
        """Back to the API's JSON shape (lists instead of arrays)."""
        by_name = {} if self.version is None else {"version": self.version, "alias": self.alias}
        return {
            "model_id": self.model_id,
            **by_name,
            "outputs": self.outputs.tolist(),
            "labels": None if self.labels is None else self.labels.tolist(),
            "probabilities": None if self.probabilities is None else self.probabilities.tolist(),
        }
