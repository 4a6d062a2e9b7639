"""``client.sweeps``: hyperparameter sweeps (grid, random, asha) whose trials are jobs,
their leaderboards, cancel, and registering the best model."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from syn0.client.common import given, pages, path
from syn0.client.http import Http
from syn0.client.jobs import _plain
from syn0.client.types import Page, Version, _Reply

_SWEEPS = "/v1/sweeps"
SweepStatus = Literal["running", "succeeded", "failed", "cancelled"]
SWEEP_FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


class Trial(_Reply):
    trial: int
    job_id: str
    parameters: dict[str, Any]
    status: str  # a job status, or ``pruned``
    metric: float | None = None
    epochs: int
    model_id: str | None = None


class SweepProgress(_Reply):
    trials: int
    created: int
    queued: int
    running: int
    finished: int


class Sweep(_Reply):
    id: str
    dataset_id: str | None = None
    status: SweepStatus
    method: str
    metric: str
    goal: str
    parameters: dict[str, Any]
    max_trials: int
    max_parallel: int
    seed: int
    min_epochs: int | None = None
    eta: int | None = None
    progress: SweepProgress
    best: Trial | None = None
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in SWEEP_FINISHED


class SweepDetail(Sweep):
    leaderboard: list[Trial]


class Sweeps:
    def __init__(self, http: Http) -> None:
        self._http = http

    def create(
        self,
        dataset_id: str,
        network: Any,
        training: Any,
        parameters: Mapping[str, Mapping[str, Any]],
        **options: Any,
    ) -> SweepDetail:
        """Start a sweep; ``options``: ``method``, ``metric``, ``goal``, ``max_trials``,
        ``max_parallel``, ``seed``, ``min_epochs``, ``eta``, ``max_runtime_seconds``. A bad
        path or value is a ``ValidationFailed`` naming ``parameters.<path>``. Not retried:
        a repeat would start a second sweep."""
        body = {
            "dataset_id": dataset_id,
            "network": _plain(network),
            "training": _plain(training),
            "parameters": {key: dict(value) for key, value in parameters.items()},
            **given(options),
        }
        reply = self._http.json("POST", _SWEEPS, repeatable=False, json=body)
        return SweepDetail.model_validate(reply)

    def get(self, sweep_id: str) -> SweepDetail:
        reply = self._http.json("GET", path(_SWEEPS, sweep_id), repeatable=True)
        return SweepDetail.model_validate(reply)

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Sweep]:
        params = given({"limit": limit, "cursor": cursor})
        reply = self._http.json("GET", _SWEEPS, repeatable=True, params=params)
        return Page[Sweep].model_validate(reply)

    def iter(self, *, page_size: int = 100) -> Iterator[Sweep]:
        return pages(lambda cursor: self.list(limit=page_size, cursor=cursor))

    def cancel(self, sweep_id: str) -> SweepDetail:
        """Cancel the sweep and its queued or running trials (``Conflict`` once ended)."""
        where = path(_SWEEPS, sweep_id, "/cancel")
        return SweepDetail.model_validate(self._http.json("POST", where, repeatable=True))

    def register(self, sweep_id: str, name: str) -> Version:
        """The best trial's model as the next version of ``name`` (made if new)."""
        where = path(_SWEEPS, sweep_id, "/register")
        reply = self._http.json("POST", where, repeatable=False, json={"name": name})
        return Version.model_validate(reply)

    def wait(
        self,
        sweep_id: str,
        on_update: Callable[[SweepDetail], None] | None = None,
        *,
        poll_interval: float = 1.0,
        timeout: float | None = None,
    ) -> SweepDetail:
        """Poll until the sweep has ended; ``on_update(sweep)`` with every snapshot.
        ``TimeoutError`` after ``timeout`` seconds (the sweep goes on)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            sweep = self.get(sweep_id)
            if on_update is not None:
                on_update(sweep)
            if sweep.finished:
                return sweep
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"sweep {sweep_id} is still {sweep.status} after {timeout} s")
            time.sleep(poll_interval)
