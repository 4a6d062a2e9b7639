"""Sweeps: start one once its search space passed the checks (``syn0.sweeps.checks``),
make trials as room frees (``advance``), end it with its best trial, cancel it.

Everything a sweep is lives in the store: its row (search space, ``trials_created``)
and its trials (jobs with ``sweep_id``). ``advance`` re-reads both under the sweep's
row lock and makes what is missing, so it may run any number of times, in any
process, after any trial ends, and never makes a trial twice.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from syn0.events import repository as events
from syn0.jobs import repository as jobs
from syn0.jobs import service as job_service
from syn0.jobs.orm import ACTIVE, SUCCEEDED, Job
from syn0.kit.errors import Conflict, InvalidInput, TooManyJobs
from syn0.kit.lookups import found
from syn0.kit.orm import utcnow
from syn0.settings import Settings
from syn0.sweeps import checks, space
from syn0.sweeps import repository as store
from syn0.sweeps.orm import ASHA, CANCELLED, FAILED, Sweep
from syn0.sweeps.orm import RUNNING as SWEEP_RUNNING
from syn0.sweeps.orm import SUCCEEDED as SWEEP_SUCCEEDED
from syn0.sweeps.schemas import (
    LOWER_IS_BETTER,
    SweepIn,
)


def create(
    session: Session, tenant_id: str, body: SweepIn, settings: Settings
) -> tuple[Sweep, list[Job]]:
    """Check the sweep, add it and its first trials (flushed, not committed); the trials
    are to be sent once the caller commits."""
    parameters = {path: domain.model_dump() for path, domain in body.parameters.items()}
    trials = checks.check(session, tenant_id, body, parameters, settings)
    sweep = store.add(
        session,
        Sweep(
            tenant_id=tenant_id,
            dataset_id=body.dataset_id,
            network=body.network.model_dump(mode="json"),
            training=body.training.model_dump(mode="json"),
            parameters=parameters,
            method=body.method,
            metric=body.metric,
            goal=body.goal or ("min" if body.metric in LOWER_IS_BETTER else "max"),
            max_trials=trials,
            max_parallel=body.max_parallel,
            seed=body.seed,
            min_epochs=body.min_epochs if body.method == ASHA else None,
            eta=body.eta if body.method == ASHA else None,
            max_runtime_seconds=body.max_runtime_seconds,
        ),
    )
    return sweep, advance(session, sweep.id, settings, strict=True)


def advance(session: Session, sweep_id: str, settings: Settings, strict: bool = False) -> list[Job]:
    """Make the trials that room allows (``max_parallel`` less those queued or running)
    and end the sweep once every trial has ended; the jobs made, to send after the
    commit. Idempotent: a second call with nothing changed makes nothing.

    ``strict`` (the submit): no room for even the first trial is the client's 429, and
    a trial the spec no longer admits a 422. Otherwise (a worker, the reaper), a trial
    refused for room is made on a later advance, once room frees.
    """
    return advance_locked(session, store.lock(session, sweep_id), settings, strict)


def advance_locked(
    session: Session, sweep: Sweep | None, settings: Settings, strict: bool = False
) -> list[Job]:
    """``advance`` of a sweep its caller locked (``syn0.sweeps.repository``)."""
    if sweep is None or sweep.status != SWEEP_RUNNING:
        return []
    # Counted, not loaded: the trials' rows are read only when the sweep ends (a sweep of
    # 1,000 trials took ~0.2 s of CPU to load them on every advance).
    active = store.count_active(session, sweep.id)
    made: list[Job] = []
    while active + len(made) < sweep.max_parallel and sweep.trials_created < sweep.max_trials:
        number = sweep.trials_created
        point = space.point(sweep.parameters, sweep.method, sweep.seed, number, sweep.max_trials)
        base = {
            "dataset_id": sweep.dataset_id,
            "network": sweep.network,
            "training": sweep.training,
            "max_runtime_seconds": sweep.max_runtime_seconds,
        }
        try:
            body = checks.job_body(base, point)
            submitted = job_service.submit(
                session, sweep.tenant_id, body, None, settings, sweep=(sweep.id, number)
            )
        except TooManyJobs:
            if strict and not made:
                raise
            break
        except (InvalidInput, ValidationError, space.BadPath):
            if strict:
                raise
            # The dataset was deleted, or the server's limits changed since the submit:
            # no further trial can be made.
            _finish(session, sweep, store.trials(session, sweep.id), FAILED)
            return made
        sweep.trials_created = number + 1
        session.flush()
        made.append(submitted.job)
    if not made and active == 0 and sweep.trials_created >= sweep.max_trials:
        _finish(session, sweep, store.trials(session, sweep.id), None)
    return made


def _finish(session: Session, sweep: Sweep, trials: list[Job], status: str | None) -> None:
    """End the sweep: succeeded when a trial did (its best is kept), else failed."""
    best = best_trial(sweep, trials)
    sweep.best_job_id = best.id if best else None
    sweep.best_value = metric_of(best, sweep.metric) if best else None
    sweep.status = status or (SWEEP_SUCCEEDED if best else FAILED)
    sweep.finished_at = utcnow()
    session.flush()
    if sweep.status != CANCELLED:
        events.record(
            session,
            tenant_id=sweep.tenant_id,
            type=events.SWEEP_COMPLETED,
            data={
                "id": sweep.id,
                "status": sweep.status,
                "trials": len(trials),
                "best_job_id": sweep.best_job_id,
                "best_model_id": best.model_id if best else None,
                "metric": sweep.metric,
                "best_value": sweep.best_value,
            },
        )


def metric_of(job: Job, metric: str) -> float | None:
    value = (job.latest_metrics or {}).get(metric)
    return float(value) if isinstance(value, int | float) else None


def best_trial(sweep: Sweep, trials: list[Job]) -> Job | None:
    """The succeeded trial with the best metric (the earlier trial on a tie)."""
    scored = [
        (value, trial.sweep_trial, trial)
        for trial in trials
        if trial.status == SUCCEEDED and (value := metric_of(trial, sweep.metric)) is not None
    ]
    if not scored:
        return None
    sign = 1 if sweep.goal == "min" else -1
    return min(scored, key=lambda item: (sign * item[0], item[1]))[2]


def get(session: Session, tenant_id: str, sweep_id: str) -> Sweep:
    return found(store.get(session, tenant_id, sweep_id), "sweep", sweep_id)


def cancel(session: Session, tenant_id: str, sweep_id: str) -> Sweep:
    """Cancel the sweep and every trial of it still queued or running (a running one
    stops at its next batch); a finished sweep is a 409."""
    get(session, tenant_id, sweep_id)
    sweep = store.lock(session, sweep_id)
    if sweep.status != SWEEP_RUNNING:
        raise Conflict(
            f"sweep {sweep_id} already finished with status {sweep.status!r}; only a "
            "running sweep can be cancelled",
            sweep_status=sweep.status,
        )
    trials = store.trials(session, sweep.id)
    for trial in trials:
        if trial.status in ACTIVE:
            jobs.cancel_job(session, tenant_id, trial.id)
    _finish(session, sweep, store.trials(session, sweep.id), CANCELLED)
    return sweep


def best_model_id(session: Session, sweep: Sweep) -> str:
    """The model of the sweep's best trial so far; 409 while there is none."""
    best = best_trial(sweep, store.trials(session, sweep.id))
    if best is None or best.model_id is None:
        raise Conflict(
            f"sweep {sweep.id} has no succeeded trial yet (status {sweep.status!r}), so no "
            "best model to register",
            sweep_status=sweep.status,
        )
    return best.model_id
