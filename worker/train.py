"""Train one job: claim it, fit with callbacks that write progress, store the outcome.

Plain functions that tests call directly; ``worker.tasks`` only adapts them to Celery.
Every write carries the attempt number returned by the claim (see ``store.jobs``).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from core import DataError, Network, NetworkSpec, SpecError, TrainingDiverged, TrainingSpec, fit
from store import blobs, datasets, jobs
from store.db import session_factory, session_scope
from store.orm import CANCELLED, FAILED, Model
from store.settings import get_settings

log = logging.getLogger(__name__)


class LostOwnership(RuntimeError):
    """Another attempt owns the job now (or it was finished elsewhere): stop writing."""


@dataclass
class _Progress:
    """Buffers finished epochs and writes them at most every ``flush_seconds``."""

    factory: sessionmaker[Session]
    job_id: str
    attempt: int
    flush_seconds: float
    rows: list[dict] = field(default_factory=list)
    flushed_at: float = field(default_factory=time.monotonic)

    def add(self, metrics: dict) -> None:
        self.rows.append(finite(metrics))
        if time.monotonic() - self.flushed_at >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        with session_scope(self.factory) as session:
            self.write(session)

    def write(self, session: Session) -> None:
        """Write the buffered rows in the caller's transaction."""
        if self.rows and not jobs.record_metrics(session, self.job_id, self.attempt, self.rows):
            raise LostOwnership(self.job_id)
        self.rows = []
        self.flushed_at = time.monotonic()


def finite(metrics: dict) -> dict:
    """Metrics as JSON can hold them: a non-finite value (an overflowing validation
    loss, say) becomes None; PostgreSQL's JSON refuses NaN and Infinity."""
    return {
        k: v if not isinstance(v, float) or math.isfinite(v) else None for k, v in metrics.items()
    }


@dataclass
class _CancelCheck:
    """``should_stop`` for fit: reads the job's cancel flag at most every ``poll_seconds``."""

    factory: sessionmaker[Session]
    job_id: str
    poll_seconds: float
    checked_at: float = 0.0
    cancelled: bool = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.cancelled and now - self.checked_at >= self.poll_seconds:
            with session_scope(self.factory) as session:
                self.cancelled = jobs.cancel_requested(session, self.job_id)
            self.checked_at = now
        return self.cancelled


def run_job(job_id: str, factory: sessionmaker[Session] | None = None) -> str:
    """Train job ``job_id`` if it is still queued; return the status it ends in."""
    factory = factory or session_factory()
    with session_scope(factory) as session:
        attempt = jobs.claim_job(session, job_id)
        if attempt is None:
            log.info("job %s is not queued; nothing to do", job_id)
            return "not-claimed"
        job = jobs.get_job(session, job_id)
        network, training, dataset_id = job.network, job.training, job.dataset_id
    settings = get_settings()
    progress = _Progress(factory, job_id, attempt, settings.metrics_flush_seconds)
    should_stop = _CancelCheck(factory, job_id, settings.cancel_poll_seconds)
    try:
        net, history = _train(factory, dataset_id, network, training, progress, should_stop)
        with session_scope(factory) as session:
            # The last metrics land in the same transaction as the job's outcome.
            progress.write(session)
            if history.stop_reason == "cancelled":
                jobs.finish_unsuccessful(session, job_id, attempt, CANCELLED, None)
                return CANCELLED
            if not jobs.finish_succeeded(
                session,
                job_id,
                attempt,
                _model(job_id, dataset_id, network, training, net, history),
            ):
                raise LostOwnership(job_id)
        return "succeeded"
    except LostOwnership:
        log.warning("job %s attempt %s lost ownership; stopping", job_id, attempt)
        return "lost-ownership"
    except Exception as exc:  # every failure ends the job, none leaves it running
        return _fail(factory, job_id, attempt, progress, exc)


def _train(factory, dataset_id, network, training, progress, should_stop):
    with session_scope(factory) as session:
        dataset = datasets.get_dataset(session, dataset_id) if dataset_id else None
        if dataset is None:
            raise DataError(
                "the job's dataset was deleted before training started", field="dataset_id"
            )
        task = dataset.task
        X, y = datasets.load_arrays(session, dataset_id)
    training_spec = TrainingSpec.model_validate(training)
    net = Network(NetworkSpec.model_validate(network), seed=training_spec.seed)
    history = fit(
        net, X, y, training_spec, task=task, on_epoch_end=progress.add, should_stop=should_stop
    )
    return net, history


def _model(job_id, dataset_id, network, training, net, history) -> Model:
    weights = net.to_bytes()
    final = history.epochs[history.best_epoch - 1] if history.best_epoch else history.last
    classes = None if net.classes is None else net.classes.tolist()
    return Model(
        job_id=job_id,
        dataset_id=dataset_id,
        network=network,
        training=training,
        task=net.task,
        classes=classes,
        metrics=finite(final),
        n_params=int(net.params.size),
        sha256=blobs.sha256(weights),
        weights=weights,
    )


def _fail(factory, job_id, attempt, progress, exc: Exception) -> str:
    error = finite(describe_failure(exc))
    if error["type"] == "internal-error":
        log.exception("job %s failed unexpectedly", job_id)
    try:
        progress.flush()
    except LostOwnership:
        return "lost-ownership"
    except Exception:  # the epochs before the failure are lost; the failure is not
        log.exception("job %s: could not store its last metrics", job_id)
    with session_scope(factory) as session:
        jobs.finish_unsuccessful(session, job_id, attempt, FAILED, error)
    return FAILED


def describe_failure(exc: Exception) -> dict:
    """A reason a person can act on, with a stable ``type``."""
    if isinstance(exc, TrainingDiverged):
        return {
            "type": "diverged",
            "detail": str(exc),
            "epoch": exc.epoch,
            "last_finite_loss": exc.last_finite_loss,
        }
    if isinstance(exc, SpecError):
        return {"type": "invalid-spec", "detail": exc.message}
    if isinstance(exc, DataError):
        return {"type": "bad-data", "detail": exc.message}
    if isinstance(exc, blobs.CorruptBlob):
        return {"type": "corrupt-data", "detail": str(exc)}
    return {
        "type": "internal-error",
        "detail": f"training stopped on an unexpected {type(exc).__name__}; "
        "the operators have the details in the worker log",
    }
