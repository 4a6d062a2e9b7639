"""Request and response models of sweeps."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from syn0.core import NetworkSpec, TrainingSpec
from syn0.kit.schemas import In, Out, Timestamp

Method = Literal["grid", "random", "asha"]
Goal = Literal["min", "max"]
# What a trial is ranked by: its last epoch's value of one of the job's metrics.
Metric = Literal["loss", "val_loss", "accuracy", "val_accuracy", "mae", "val_mae", "r2", "val_r2"]
LOWER_IS_BETTER = ("loss", "val_loss", "mae", "val_mae")
MAX_PARAMETERS, MAX_VALUES = 32, 1000  # each value is checked before anything is stored
SweepStatus = Literal["running", "succeeded", "failed", "cancelled"]
TrialStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "pruned"]


class Values(In):
    values: list[Any] = Field(
        min_length=1, max_length=MAX_VALUES, description="the values to try, in order"
    )


class Distribution(In):
    distribution: Literal["uniform", "log_uniform", "int_uniform"]
    min: float = Field(allow_inf_nan=False)
    max: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> Distribution:
        if not self.min < self.max:
            raise ValueError(f"expected min < max. Received: min={self.min:g}, max={self.max:g}")
        if self.distribution == "log_uniform" and self.min <= 0:
            raise ValueError(f"log_uniform needs min > 0. Received: min={self.min:g}")
        if self.distribution == "int_uniform" and not (
            self.min.is_integer() and self.max.is_integer()
        ):
            raise ValueError(
                f"int_uniform needs whole ends. Received: min={self.min:g}, max={self.max:g}"
            )
        return self


class SweepIn(In):
    dataset_id: str = Field(min_length=1, max_length=32)
    network: NetworkSpec
    training: TrainingSpec = Field(description="each trial's; `epochs` is a trial's budget")
    parameters: dict[str, Values | Distribution] = Field(
        min_length=1,
        max_length=MAX_PARAMETERS,
        description="a path in the job body (`training.optimizer.learning_rate`, "
        "`network.layers[0].units`) -> its domain: `{values: [...]}` or "
        "`{distribution: uniform|log_uniform|int_uniform, min, max}`",
    )
    method: Method = "grid"
    metric: Metric = Field(
        "val_loss", description="ranks the trials: its value at a trial's last epoch"
    )
    goal: Goal | None = Field(
        None, description="min or max the metric (default: min for losses and mae, else max)"
    )
    max_trials: int | None = Field(
        None,
        gt=0,
        description="random and asha: trials to draw (default 10); grid, and asha over "
        "`values` only with max_trials left out: every point of the grid, in order",
    )
    max_parallel: int = Field(2, gt=0, description="trials queued or running at once")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random and asha draws")
    min_epochs: int = Field(1, gt=0, description="asha: the first rung's epochs")
    eta: int = Field(3, ge=2, description="asha: rungs at min_epochs x eta^k; top 1/eta go on")
    max_runtime_seconds: int | None = Field(None, gt=0, description="each trial's time limit")


class TrialOut(Out):
    trial: int = Field(description="its number in the sweep, from 0")
    job_id: str
    parameters: dict[str, Any]
    status: TrialStatus = Field(description="the job's, or `pruned` for an asha trial stopped")
    metric: float | None = Field(description="the sweep's metric at the trial's last epoch")
    epochs: int = Field(description="epochs trained")
    model_id: str | None


class SweepProgress(Out):
    trials: int = Field(description="the sweep's trials in all")
    created: int
    queued: int
    running: int
    finished: int


class SweepOut(Out):
    id: str
    dataset_id: str | None
    status: SweepStatus
    method: Method
    metric: Metric
    goal: Goal
    parameters: dict[str, Any]
    max_trials: int
    max_parallel: int
    seed: int
    min_epochs: int | None
    eta: int | None
    progress: SweepProgress
    best: TrialOut | None = Field(description="the succeeded trial with the best metric")
    created_at: Timestamp
    finished_at: Timestamp | None


class SweepDetail(SweepOut):
    leaderboard: list[TrialOut] = Field(
        description="every trial made, best first; trials with no metric yet last"
    )


class RegisterIn(In):
    name: str = Field(description="the registry name the best model becomes a version of")
