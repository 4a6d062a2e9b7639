"""Train one job: claim it, resume from its checkpoint, fit with callbacks that write
progress, heartbeats and checkpoints, and store the outcome.

Plain functions that tests call directly; ``syn0.jobs.tasks`` only adapts them to
Celery. The attempt's callbacks and fenced writes are in ``syn0.jobs.running``.
"""

from __future__ import annotations

import json
import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from syn0.core import (
    Checkpoint,
    DataError,
    SpecError,
    TrainingDiverged,
    fit,
)
from syn0.core.evaluation import validation_report
from syn0.jobs import attempts
from syn0.jobs.inputs import Inputs, prepared
from syn0.jobs.orm import CANCELLED, FAILED, QUEUED
from syn0.jobs.results import Run, finished_model, partial_model
from syn0.jobs.running import (
    Attempt,
    LostOwnership,
    StoreUnavailable,
    TimeLimit,
    finite,
)
from syn0.jobs.shutdown import SHUTDOWN
from syn0.kit import blobs
from syn0.kit.db import session_scope
from syn0.models.lineage import compare_replay
from syn0.settings import Settings, get_settings
from syn0.sweeps import asha

log = logging.getLogger(__name__)


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
        run, cancel_requested = Run.of(job), job.cancel_requested
        runtime = min(
            job.max_runtime_seconds or settings.max_runtime_seconds, settings.max_runtime_seconds
        )
        resume = _checkpoint(session, job_id)
        earlier = _earlier_metrics(session, job_id, resume)
        rungs = asha.rungs_of(session, job)
        # Demoted by its sweep, then given back by a worker shutting down: it ends pruned.
        demoted = asha.demotion(session, job_id) if cancel_requested and rungs else None
        inputs = prepared(session, run, resume, settings)
    attempt = Attempt(factory, job_id, number, settings, time.monotonic() + runtime)
    attempt.rungs = rungs
    # A cancel that came before the claim stops the job at its first batch.
    attempt.cancelled, attempt.pruned = cancel_requested, demoted
    if resume is not None:
        attempt.latest, attempt.saved_epoch = resume, resume.epoch
        # Resumed past a rung it went on from: a later arrival may still demote it.
        attempt.past_rung = any(rung <= resume.epoch for rung in rungs)
    try:
        if isinstance(inputs, Exception):
            raise inputs
        net, history, report = _train(attempt, inputs, resume, earlier)
        if attempt.stopped_for_time:
            raise TimeLimit(runtime)
        if history.stop_reason == "paused" or attempt.stopped_for_shutdown:
            return _give_back(attempt)
        if history.stop_reason == "cancelled":  # by its client, or pruned by its sweep
            return _stop(attempt, run, CANCELLED, attempt.pruned)
        model = finished_model(run, net, history)
        evaluation = _evaluation(job_id, report) if report else None
        attempt.finish(
            lambda s: attempts.finish_succeeded(
                s, job_id, number, compare_replay(s, model), evaluation
            )
        )
        return "succeeded"
    except LostOwnership:
        log.warning("job %s attempt %s lost ownership; stopping", job_id, number)
        return "lost-ownership"
    except (TimeLimit, SoftTimeLimitExceeded):
        epoch = attempt.latest.epoch if attempt.latest else None
        kept = (
            f"its model of epoch {epoch} is kept (partial), and it can be resumed from there"
            if epoch
            else "it finished no checkpoint, so it leaves no model"
        )
        error = {
            "type": "time-limit",
            "epoch": epoch,
            "detail": f"the job ran longer than its {runtime} s (max_runtime_seconds); {kept}",
        }
        return _stop(attempt, run, FAILED, error)
    except (OperationalError, StoreUnavailable):
        raise  # the database stayed down: the reaper requeues the job later
    except Exception as exc:  # every other failure ends the job, none leaves it running
        return _end(attempt, FAILED, describe_failure(exc))


def _evaluation(job_id: str, report) -> dict | None:
    """The validation split's report, if JSON can hold it (outputs that overflowed would
    make infinite errors); a report that cannot be made leaves the job's model alone."""
    try:
        made = report()
        json.dumps(made, allow_nan=False)
    except ValueError as exc:
        log.error("job %s: no report on its validation split: %s", job_id, exc)
        return None
    return made


def _checkpoint(session: Session, job_id: str) -> Checkpoint | None:
    try:
        data = attempts.load_checkpoint(session, job_id)
    except blobs.CorruptBlob:
        # Training again from the start gives the same weights; a corrupt checkpoint
        # only costs time.
        log.error("job %s: its checkpoint failed the sha256 check; starting over", job_id)
        return None
    return Checkpoint.from_bytes(data) if data else None


def _earlier_metrics(session: Session, job_id: str, resume: Checkpoint | None) -> list | None:
    """The epochs up to the checkpoint, stored before it (``Attempt.on_checkpoint``)."""
    if resume is None:
        return None
    rows = attempts.metrics_until(session, job_id, resume.epoch)
    if len(rows) != resume.epoch:  # never expected: the history then starts at the checkpoint
        log.error("job %s: %d of %d epochs' metrics stored", job_id, len(rows), resume.epoch)
        return None
    return rows


def _train(attempt: Attempt, inputs: Inputs, resume: Checkpoint | None, earlier: list | None):
    """The trained network, its history, and (with a validation split) the function that
    makes the report on that split, called once the job is known to succeed."""
    net, X, y, training_spec = inputs.net, inputs.X, inputs.y, inputs.training
    history = fit(
        net,
        X,
        y,
        training_spec,
        task=inputs.task,
        on_epoch_end=attempt.on_epoch_end,
        should_stop=attempt.should_stop,
        should_pause=SHUTDOWN.requested,
        on_checkpoint=attempt.on_checkpoint,
        checkpoint_every=attempt.settings.checkpoint_every_epochs,
        resume=resume,
        history=earlier,
    )
    if not training_spec.validation_split:
        return net, history, None
    return net, history, lambda: validation_report(net, X, y, training_spec)


def _stop(attempt: Attempt, run: Run, status: str, error: dict | None) -> str:
    """End a cancelled or time-limited job with the partial model of its last checkpoint
    (stored first if fit handed it over since the last one stored)."""
    latest = attempt.latest
    checkpoint = None
    if latest is not None and latest.epoch > attempt.saved_epoch:
        checkpoint = (latest.epoch, latest.to_bytes())
    model = partial_model(run, latest) if latest is not None else None
    if error is not None:
        error = finite(error)
    try:
        attempt.finish(
            lambda s: attempts.finish_stopped(
                s, run.job_id, attempt.number, status, error, checkpoint, model
            )
        )
    except LostOwnership:
        return "lost-ownership"
    return status


def _give_back(attempt: Attempt) -> str:
    """The worker is shutting down: the job is ``queued`` again at once, with the checkpoint
    it just stored (or its last one), for the next worker to resume."""
    try:
        attempt.finish(lambda s: attempts.requeue(s, attempt.job_id, attempt.number))
    except LostOwnership:
        return "lost-ownership"
    log.warning("job %s: the worker is shutting down; requeued", attempt.job_id)
    return QUEUED


def _end(attempt: Attempt, status: str, error: dict) -> str:
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
