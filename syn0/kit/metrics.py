"""The Prometheus metrics every syn0 process counts (prometheus-client).

Counters and histograms are counted where things happen: requests (``syn0.api.observe``),
predictions (``syn0.models.serving``), epochs (``syn0.jobs.running``), the reaper
(``syn0.jobs.reaper``), webhook deliveries. Gauges of the store and the broker (jobs by
status, queue depth, workers' heartbeats) are read when ``/metrics`` is scraped
(``syn0.api.metrics``), so they need no process to count them.

Several processes (API processes, a worker and its pool): with ``SYN0_METRICS_DIR`` each
process writes its counts to files there (prometheus-client's multiprocess mode) and
``/metrics`` of any API process on the machine sums them all. Files are named by host
name and pid, so containers sharing the folder as a volume never write the same file.
``configure`` chooses the mode; it runs in each entry point before the first metric is
made, which is on first use: use them as ``metrics.EPOCHS.inc()``, never import the
names themselves at import time.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    multiprocess,
    values,
)

_state: dict[str, Path | None] = {}  # "directory": the folder of multiprocess mode, once set

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# Outcomes of a webhook delivery attempt (``WEBHOOK_DELIVERIES.labels(outcome=...)``).
WEBHOOK_OUTCOMES = ("delivered", "failed", "gave_up")


def process_id() -> str:
    """This process across every host sharing the folder (pids repeat across containers)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def configure(directory: Path | None) -> None:
    """Count in this process only (``None``), or in files under ``directory`` that
    every process of the machine shares. Before the first metric is made; a second call
    with the same folder does nothing."""
    if "directory" in _state:
        if _state["directory"] != directory:
            raise RuntimeError(
                f"metrics already count {_where(_state['directory'])}; "
                f"cannot switch to {_where(directory)} in the same process"
            )
        return
    if directory is not None:
        if _built.cache_info().currsize:  # made already, counting in this process
            raise RuntimeError("configure the metrics before the first one is used")
        directory.mkdir(parents=True, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
        values.ValueClass = values.MultiProcessValue(process_id)
    _state["directory"] = directory


def _where(directory: Path | None) -> str:
    return f"in files under {directory}" if directory else "in this process"


def directory() -> Path | None:
    """The folder of multiprocess mode, or None (this process counts alone)."""
    return _state.get("directory")


def collected(registry: CollectorRegistry) -> None:
    """Add what this process counts (or, in multiprocess mode, every process) to
    ``registry``, made for one scrape."""
    folder = directory()
    if folder is None:
        from prometheus_client import REGISTRY

        registry.register(_Forward(REGISTRY))
    else:
        multiprocess.MultiProcessCollector(registry, path=str(folder))


def process_exited() -> None:
    """At a process's exit: its live gauges leave the folder (its counters stay, so the
    totals never go back)."""
    folder = directory()
    if folder is not None:
        multiprocess.mark_process_dead(process_id(), str(folder))


class _Forward:
    """The collectors of another registry, forwarded."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


@dataclass(frozen=True)
class _Metrics:
    HTTP_REQUESTS: Counter
    HTTP_SECONDS: Histogram
    PREDICT_SECONDS: Histogram
    PREDICT_ROWS: Counter
    EPOCHS: Counter
    TRAINING_SECONDS: Counter
    REAPED: Counter
    WEBHOOK_DELIVERIES: Counter


@cache
def _built() -> _Metrics:
    # A ``_created`` gauge per series only doubles the scrape (multiprocess mode has none).
    disable_created_metrics()
    return _Metrics(
        HTTP_REQUESTS=Counter(
            "syn0_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
        ),
        HTTP_SECONDS=Histogram(
            "syn0_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
        ),
        PREDICT_SECONDS=Histogram(
            "syn0_predict_duration_seconds",
            "Forward passes of predict (model or registry name), loaded model to outputs",
            buckets=LATENCY_BUCKETS,
        ),
        PREDICT_ROWS=Counter("syn0_predict_rows", "Rows (samples) predicted"),
        EPOCHS=Counter("syn0_epochs_trained", "Epochs trained by the workers", ["device"]),
        TRAINING_SECONDS=Counter(
            "syn0_training_seconds", "Seconds spent training epochs, by device", ["device"]
        ),
        REAPED=Counter(
            "syn0_reaper_actions",
            "Jobs the reaper acted on: requeued, failed, cancelled; sent: messages sent again",
            ["action"],
        ),
        WEBHOOK_DELIVERIES=Counter(
            "syn0_webhook_deliveries",
            "Webhook delivery attempts, by outcome: delivered (2xx), failed (to retry), "
            "gave_up (out of retries)",
            ["outcome"],
        ),
    )


def __getattr__(name: str):
    if name in _Metrics.__dataclass_fields__:
        return getattr(_built(), name)
    raise AttributeError(name)
