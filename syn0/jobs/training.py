"""Train one job: claim it, resume from its checkpoint, fit with callbacks that write
progress, heartbeats and checkpoints, and store the outcome.

Plain functions that tests call directly; ``worker.tasks`` only adapts them to Celery.
Every write carries the attempt number returned by the claim (``store.attempts``), and
while the database is down the worker keeps training and retries its writes.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from syn0.core import (
    Checkpoint,
    DataError,
    Network,
    NetworkSpec,
    SpecError,
    TrainingDiverged,
    TrainingSpec,
    fit,
)
from syn0.datasets import repository as datasets
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import CANCELLED, FAILED, QUEUED
from syn0.jobs.shutdown import SHUTDOWN
from syn0.kit import blobs
from syn0.kit.db import session_scope
from syn0.models.orm import Model
from syn0.settings import Settings, get_settings

log = logging.getLogger(__name__)


class LostOwnership(RuntimeError):
    """Another attempt owns the job now (or it was finished elsewhere): stop writing."""


class TimeLimit(RuntimeError):
    """The job ran past its ``max_runtime_seconds``."""


@dataclass
class _Attempt:
    """One attempt's writes: metrics (buffered), heartbeats, cancel checks, checkpoints."""

    factory: sessionmaker[Session]
    job_id: str
    number: int
    settings: Settings
    deadline: float
    rows: list[dict] = field(default_factory=list)
    flushed_at: float = field(default_factory=time.monotonic)
    beat_at: float = field(default_factory=time.monotonic)
    polled_at: float = field(default_factory=time.monotonic)
    cancelled: bool = False
    stopped_for_time: bool = False
    stopped_for_shutdown: bool = False
    saved_epoch: int = 0
    saved_at: float = float("-inf")

    def _write(self, action: Callable[[Session], bool]) -> bool:
        """Run a fenced write; False while the database is down (it is tried again later)."""
        try:
            with session_scope(self.factory) as session:
                if not action(session):
                    raise LostOwnership(self.job_id)
        except OperationalError as exc:
            log.warning("job %s: database unavailable, will retry: %s", self.job_id, exc.orig)
            return False
        return True

    # --- fit's callbacks ---------------------------------------------------------------

    def on_epoch_end(self, metrics: dict) -> None:
        self.rows.append(finite(metrics))
        if time.monotonic() - self.flushed_at >= self.settings.metrics_flush_seconds:
            self.flush()

    def on_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Called every ``checkpoint_every_epochs``, stored at most every
        ``checkpoint_min_seconds``; the metrics go first, so a stored checkpoint is never
        ahead of the stored epochs. The checkpoint of a shutdown is always stored."""
        recent = time.monotonic() - self.saved_at < self.settings.checkpoint_min_seconds
        if recent and not SHUTDOWN.requested():
            return
        data = checkpoint.to_bytes()

        def save(session: Session) -> bool:
            return attempts.save_checkpoint(
                session, self.job_id, self.number, checkpoint.epoch, data
            )

        if self._write_with_metrics(save):
            self.saved_epoch, self.saved_at = checkpoint.epoch, time.monotonic()

    def should_stop(self) -> bool:
        """Asked between batches: the time limit, a heartbeat every ``heartbeat_seconds``,
        the cancel flag every ``cancel_poll_seconds``, and a shutdown whose epoch did not
        end in time (``worker.shutdown``)."""
        now = time.monotonic()
        if now >= self.deadline:
            self.stopped_for_time = True
            return True
        if now - self.beat_at >= self.settings.heartbeat_seconds:
            self.beat_at = self.polled_at = now
            self._write(self._beat)
        elif now - self.polled_at >= self.settings.cancel_poll_seconds:
            self.polled_at = now
            self._write(self._poll)
        if not self.cancelled:
            self.stopped_for_shutdown = SHUTDOWN.overdue(now)
        return self.cancelled or self.stopped_for_shutdown

    def _beat(self, session: Session) -> bool:
        owner, self.cancelled = attempts.heartbeat(session, self.job_id, self.number)
        return owner

    def _poll(self, session: Session) -> bool:
        self.cancelled = jobs.cancel_requested(session, self.job_id)
        return True

    # --- writes ------------------------------------------------------------------------

    def flush(self) -> None:
        if self._write_with_metrics():
            self.flushed_at = time.monotonic()

    def _write_with_metrics(self, action: Callable[[Session], bool] | None = None) -> bool:
        """The buffered rows and ``action`` in one fenced transaction. The rows leave the
        buffer only once it commits: a commit the outage breaks keeps them for the next try."""
        rows = self.rows

        def write(session: Session) -> bool:
            ok = attempts.record_metrics(session, self.job_id, self.number, rows)
            return ok and (action is None or action(session))

        if not self._write(write):
            return False
        self.rows = []
        return True

    def finish(self, outcome: Callable[[Session], bool]) -> None:
        """The outcome and the last metrics in one transaction, retried while the
        database is down (up to ``db_retry_seconds``; after that the reaper takes over)."""
        give_up = time.monotonic() + self.settings.db_retry_seconds
        delay = 0.5
        while not self._write_with_metrics(outcome):
            if time.monotonic() > give_up:
                raise StoreUnavailable(self.job_id, self.settings.db_retry_seconds)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


class StoreUnavailable(Exception):
    """The database stayed down past ``db_retry_seconds`` while a job was finishing; the
    job is left ``running`` for the reaper to requeue once its heartbeat is stale."""

    def __init__(self, job_id: str, seconds: float):
        super().__init__(f"job {job_id}: the database stayed down for {seconds} s")


def finite(metrics: dict) -> dict:
    """Metrics as JSON can hold them: a non-finite value (an overflowing validation
    loss, say) becomes None; PostgreSQL's JSON refuses NaN and Infinity."""
    return {
        k: v if not isinstance(v, float) or math.isfinite(v) else None for k, v in metrics.items()
    }


def run_job(job_id: str, factory: sessionmaker[Session], settings: Settings | None = None) -> str:
    """Train job ``job_id`` if it is still queued; return the status it ends in
    (``settings``: the environment's when not given)."""
    settings = settings or get_settings()
    with session_scope(factory) as session:
        number = attempts.claim_job(session, job_id)
        if number is None:
            log.info("job %s is not queued; nothing to do", job_id)
            return "not-claimed"
        job = attempts.claimed_job(session, job_id)
        spec = (job.tenant_id, job.network, job.training, job.dataset_id)
        runtime = min(
            job.max_runtime_seconds or settings.max_runtime_seconds, settings.max_runtime_seconds
        )
        resume = _checkpoint(session, job_id)
    attempt = _Attempt(factory, job_id, number, settings, time.monotonic() + runtime)
    try:
        net, history = _train(attempt, *spec, resume)
        if attempt.stopped_for_time:
            raise TimeLimit(runtime)
        if history.stop_reason == "paused" or attempt.stopped_for_shutdown:
            return _give_back(attempt)
        if history.stop_reason == "cancelled":
            attempt.finish(
                lambda s: attempts.finish_unsuccessful(s, job_id, number, CANCELLED, None)
            )
            return CANCELLED
        model = _model(job_id, spec, net, history)
        attempt.finish(lambda s: attempts.finish_succeeded(s, job_id, number, model))
        return "succeeded"
    except LostOwnership:
        log.warning("job %s attempt %s lost ownership; stopping", job_id, number)
        return "lost-ownership"
    except (TimeLimit, SoftTimeLimitExceeded):
        kept = (
            f"its last checkpoint (epoch {attempt.saved_epoch}) is kept"
            if attempt.saved_epoch
            else "it wrote no checkpoint"
        )
        error = {
            "type": "time-limit",
            "epoch": attempt.saved_epoch or None,
            "detail": f"the job ran longer than its {runtime} s (max_runtime_seconds); {kept}",
        }
        return _end(attempt, FAILED, error)
    except (OperationalError, StoreUnavailable):
        raise  # the database stayed down: the reaper requeues the job later
    except Exception as exc:  # every other failure ends the job, none leaves it running
        return _end(attempt, FAILED, describe_failure(exc))


def _checkpoint(session: Session, job_id: str) -> Checkpoint | None:
    try:
        data = attempts.load_checkpoint(session, job_id)
    except blobs.CorruptBlob:
        # Training again from the start gives the same weights; a corrupt checkpoint
        # only costs time.
        log.error("job %s: its checkpoint failed the sha256 check; starting over", job_id)
        return None
    return Checkpoint.from_bytes(data) if data else None


def _train(attempt: _Attempt, tenant_id, network, training, dataset_id, resume: Checkpoint | None):
    with session_scope(attempt.factory) as session:
        dataset = datasets.get_dataset(session, tenant_id, dataset_id) if dataset_id else None
        if dataset is None:
            raise DataError(
                "the job's dataset was deleted before training started", field="dataset_id"
            )
        task = dataset.task
        X, y = datasets.load_arrays(session, tenant_id, dataset_id)
    # The worker's own device: routing sent the job to a worker of the device it chose.
    device = attempt.settings.worker_device
    training_spec = TrainingSpec.model_validate(training).model_copy(update={"device": device})
    net = Network(NetworkSpec.model_validate(network), seed=training_spec.seed)
    history = fit(
        net,
        X,
        y,
        training_spec,
        task=task,
        on_epoch_end=attempt.on_epoch_end,
        should_stop=attempt.should_stop,
        should_pause=SHUTDOWN.requested,
        on_checkpoint=attempt.on_checkpoint,
        checkpoint_every=attempt.settings.checkpoint_every_epochs,
        resume=resume,
    )
    return net, history


def _model(job_id: str, spec: tuple, net: Network, history) -> Model:
    tenant_id, network, training, dataset_id = spec
    weights = net.to_bytes()
    final = history.epochs[history.best_epoch - 1] if history.best_epoch else history.last
    classes = None if net.classes is None else net.classes.tolist()
    return Model(
        tenant_id=tenant_id,
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


def _give_back(attempt: _Attempt) -> str:
    """The worker is shutting down: the job is ``queued`` again at once, with the checkpoint
    it just stored (or its last one), for the next worker to resume."""
    try:
        attempt.finish(lambda s: attempts.requeue(s, attempt.job_id, attempt.number))
    except LostOwnership:
        return "lost-ownership"
    log.warning("job %s: the worker is shutting down; requeued", attempt.job_id)
    return QUEUED


def _end(attempt: _Attempt, status: str, error: dict) -> str:
    if error["type"] == "internal-error":
        log.exception("job %s failed unexpectedly", attempt.job_id)
    try:
        attempt.finish(
            lambda s: attempts.finish_unsuccessful(
                s, attempt.job_id, attempt.number, status, finite(error)
            )
        )
    except LostOwnership:
        return "lost-ownership"
    return status


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
