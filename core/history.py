"""What ``fit`` reports (``History``) and early stopping, both with resumable state."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

StopReason = Literal["completed", "early_stopping", "cancelled", "paused"]


@dataclass
class History:
    """One dict of metrics per finished epoch, and why training stopped.

    Each epoch holds ``epoch`` (1-based), ``loss`` (mean training data loss over the
    epoch's batches plus the weight penalty at the epoch's end), ``penalty``,
    ``learning_rate``, ``seconds``, and ``accuracy`` for classification or ``mae``
    and ``r2`` for regression; with a validation split also ``val_loss`` (data loss
    only, so early stopping on ``loss`` and on ``val_loss`` compare different things)
    and ``val_accuracy`` or ``val_mae`` / ``val_r2``. ``r2`` pools all target columns and
    is None when the targets are constant. ``warnings`` are the spec checks' warnings.
    """

    epochs: list[dict[str, float]] = field(default_factory=list)
    stop_reason: StopReason = "completed"
    best_epoch: int | None = None
    warnings: list[str] = field(default_factory=list)

    def metric(self, name: str) -> list[float]:
        return [row[name] for row in self.epochs]

    @property
    def last(self) -> dict[str, float]:
        return self.epochs[-1] if self.epochs else {}


class EarlyStopping:
    """Stop after ``patience`` epochs without an improvement of more than ``min_delta``.

    Training stops at epoch ``best + patience``; with ``restore_best`` the best
    epoch's weights are put back when training ends.
    """

    def __init__(self, spec):
        self.spec = spec
        self.sign = -1.0 if spec.monitor == "val_accuracy" else 1.0
        self.best = math.inf
        self.best_epoch: int | None = None
        self.wait = 0
        self.best_params: Any = None

    def update(self, epoch: int, metrics: dict[str, float], params: Any) -> bool:
        """Record an epoch; return True when training should stop."""
        value = self.sign * metrics[self.spec.monitor]
        if value < self.best - self.spec.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.spec.restore_best:
                self.best_params = params.copy()
            return False
        self.wait += 1
        return self.wait >= self.spec.patience

    @property
    def exhausted(self) -> bool:
        """Patience ran out: training stops (also true right after resuming at the stop)."""
        return self.wait >= self.spec.patience

    def restore(self, params: Any) -> None:
        if self.spec.restore_best and self.best_params is not None:
            params[...] = self.best_params

    def state(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_params": self.best_params,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        self.best_params = state["best_params"]
