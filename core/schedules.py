"""Learning-rate schedules: the rate in force for each epoch, with resumable state."""

from __future__ import annotations

import math
from typing import Any


class Schedule:
    """Start at ``base_lr``; ``end_epoch(epoch, monitored)`` may change the rate."""

    def __init__(self, spec, base_lr: float):
        self.spec, self.lr = spec, base_lr
        self.best, self.wait = math.inf, 0

    def end_epoch(self, epoch: int, monitored: float) -> None:
        s = self.spec
        if s.type == "step":
            if epoch % s.every == 0:
                self.lr *= s.factor
        elif s.type == "plateau":
            if monitored < self.best - s.min_delta:
                self.best, self.wait = monitored, 0
            else:
                self.wait += 1
                if self.wait >= s.patience:
                    self.lr = max(self.lr * s.factor, s.min_lr)
                    self.wait = 0

    def state(self) -> dict[str, Any]:
        return {"lr": self.lr, "best": self.best, "wait": self.wait}

    def load_state(self, state: dict[str, Any]) -> None:
        self.lr, self.best, self.wait = state["lr"], state["best"], state["wait"]
