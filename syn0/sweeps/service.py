"""Sweeps: check a search space before anything is queued, make trials as room frees
(``advance``), cancel, and rank the trials.

Everything a sweep is lives in the store: its row (search space, ``trials_created``)
and its trials (jobs with ``sweep_id``). ``advance`` re-reads both under the sweep's
row lock and makes what is missing, so it may run any number of times, in any
process, after any trial ends, and never makes a trial twice.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from syn0.datasets import repository as datasets
from syn0.events import repository as events
from syn0.jobs import repository as jobs
from syn0.jobs import service as job_service
from syn0.jobs.orm import ACTIVE, QUEUED, RUNNING, SUCCEEDED, Job
from syn0.jobs.schemas import JobIn
from syn0.kit.errors import Conflict, InvalidInput, LimitExceeded, TooManyJobs
from syn0.kit.lookups import found
from syn0.kit.orm import utcnow
from syn0.settings import Settings
from syn0.sweeps import repository as store
from syn0.sweeps import space
from syn0.sweeps.orm import ASHA, CANCELLED, FAILED, GRID, PRUNED, Sweep
from syn0.sweeps.orm import RUNNING as SWEEP_RUNNING
from syn0.sweeps.orm import SUCCEEDED as SWEEP_SUCCEEDED
from syn0.sweeps.schemas import (
    LOWER_IS_BETTER,
    SweepDetail,
    SweepIn,
    SweepOut,
    SweepProgress,
    TrialOut,
)

DEFAULT_TRIALS = 10
REGRESSION_METRICS = ("mae", "val_mae", "r2", "val_r2")
CLASSIFICATION_METRICS = ("accuracy", "val_accuracy")


def create(
    session: Session, tenant_id: str, body: SweepIn, settings: Settings
) -> tuple[Sweep, list[Job]]:
    """Check the sweep, add it and its first trials (flushed, not committed); the trials
    are to be sent once the caller commits."""
    parameters = {path: domain.model_dump() for path, domain in body.parameters.items()}
    trials = _check(session, tenant_id, body, parameters, settings)
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


def _check(
    session: Session, tenant_id: str, body: SweepIn, parameters: dict, settings: Settings
) -> int:
    """Every check before anything is stored; the number of trials."""
    dataset = datasets.get_dataset(session, tenant_id, body.dataset_id)
    if dataset is None:
        raise InvalidInput(
            f"no dataset with id {body.dataset_id!r}; upload one first", "dataset_id"
        )
    if body.method == GRID:
        for path, domain in parameters.items():
            if space.VALUES not in domain:
                raise InvalidInput(
                    f"a grid takes a list of `values` for each parameter; `{path}` has a "
                    f"{domain['distribution']} distribution (use method random or asha)",
                    f"parameters.{path}",
                )
        trials = space.grid_size(parameters)
        if body.max_trials is not None and body.max_trials < trials:
            raise InvalidInput(
                f"a grid runs every one of its {trials} points; max_trials={body.max_trials} "
                "would leave some out (leave max_trials out, or use method random)",
                "max_trials",
            )
    elif body.method == ASHA and body.max_trials is None and _all_values(parameters):
        trials = space.grid_size(parameters)  # the grid's points, pruned as they go
    else:
        trials = body.max_trials or DEFAULT_TRIALS
    if trials > settings.sweep_max_trials:
        raise LimitExceeded(
            "the number of trials",
            trials,
            settings.sweep_max_trials,
            "sweep_max_trials",
            "max_trials" if body.method != GRID else "parameters",
        )
    _check_metric(body, dataset.task)
    if body.method == ASHA:
        if "training.epochs" in parameters:
            raise InvalidInput(
                "asha gives every trial the training spec's `epochs` as its budget; "
                "`training.epochs` cannot be a parameter",
                "parameters.training.epochs",
            )
        if body.min_epochs >= body.training.epochs:
            raise InvalidInput(
                f"Received an invalid value for `min_epochs`, expected fewer than the "
                f"training spec's epochs ({body.training.epochs}). Received: "
                f"min_epochs={body.min_epochs}",
                "min_epochs",
            )
    base = _base(body)
    for path, value in space.ends(parameters):
        what = f"`{path}` = {value!r}"
        _check_point(session, tenant_id, base, {path: value}, settings, what, path)
    # The grid's points, every combination: some values fail only together.
    if space.enumerates(parameters, body.method, trials):
        for point in space.grid(parameters):
            what = ", ".join(f"`{p}` = {v!r}" for p, v in point.items())
            _check_point(session, tenant_id, base, point, settings, what, None)
    return trials


def _all_values(parameters: dict) -> bool:
    return all(space.VALUES in domain for domain in parameters.values())


def _check_metric(body: SweepIn, task: str) -> None:
    wrong = REGRESSION_METRICS if task == "classification" else CLASSIFICATION_METRICS
    if body.metric in wrong:
        raise InvalidInput(
            f"a {task} dataset's jobs do not report {body.metric}", "metric", value=body.metric
        )
    varied = "training.validation_split" in body.parameters
    if body.metric.startswith("val_") and not body.training.validation_split and not varied:
        raise InvalidInput(
            f"metric {body.metric} is measured on the validation split, and the training "
            "spec has validation_split 0; set one, or rank by a training metric",
            "metric",
        )


def _base(body: SweepIn) -> dict[str, Any]:
    return {
        "dataset_id": body.dataset_id,
        "network": body.network.model_dump(mode="json"),
        "training": body.training.model_dump(mode="json"),
        "max_runtime_seconds": body.max_runtime_seconds,
    }


def _job_body(base: dict[str, Any], point: dict[str, Any]) -> JobIn:
    """The job body of a point; raises ``space.BadPath`` or pydantic's error."""
    body = base
    for path, value in point.items():
        body = space.assign(body, path, value)
    return JobIn.model_validate(body)


def _check_point(
    session: Session,
    tenant_id: str,
    base: dict,
    point: dict,
    settings: Settings,
    what: str,
    path: str | None,
) -> None:
    loc = f"parameters.{path}" if path else "parameters"
    try:
        job = _job_body(base, point)
    except space.BadPath as exc:
        raise InvalidInput(f"parameter `{path}` names no field of the job: {exc}", loc) from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(f"{what} makes the job invalid: {field}: {error['msg']}", loc) from exc
    try:
        job_service.validate(session, tenant_id, job, settings)
    except InvalidInput as exc:
        raise InvalidInput(f"{what} makes the job invalid: {exc.detail}", loc) from exc


def advance(session: Session, sweep_id: str, settings: Settings, strict: bool = False) -> list[Job]:
    """Make the trials that room allows (``max_parallel`` less those queued or running)
    and end the sweep once every trial has ended; the jobs made, to send after the
    commit. Idempotent: a second call with nothing changed makes nothing.

    ``strict`` (the submit): no room for even the first trial is the client's 429, and
    a trial the spec no longer admits a 422. Otherwise (a worker, the reaper), a trial
    refused for room is made on a later advance, once room frees.
    """
    sweep = store.lock(session, sweep_id)
    if sweep is None or sweep.status != SWEEP_RUNNING:
        return []
    trials = store.trials(session, sweep.id)
    active = sum(trial.status in ACTIVE for trial in trials)
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
            submitted = job_service.submit(
                session, sweep.tenant_id, _job_body(base, point), None, settings
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
            _finish(session, sweep, trials, FAILED)
            return made
        job = submitted.job
        job.sweep_id, job.sweep_trial = sweep.id, number
        sweep.trials_created = number + 1
        session.flush()
        made.append(job)
    if not made and active == 0 and sweep.trials_created >= sweep.max_trials:
        _finish(session, sweep, trials, None)
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


def trial_out(sweep: Sweep, job: Job) -> TrialOut:
    pruned = (job.error or {}).get("type") == PRUNED
    return TrialOut(
        trial=job.sweep_trial,
        job_id=job.id,
        parameters=space.point(
            sweep.parameters, sweep.method, sweep.seed, job.sweep_trial, sweep.max_trials
        ),
        status=PRUNED if pruned else job.status,
        metric=metric_of(job, sweep.metric),
        epochs=job.epoch,
        model_id=job.model_id,
    )


def present(sweep: Sweep, trials: list[Job]) -> SweepOut:
    best = next((t for t in trials if t.id == sweep.best_job_id), None)
    if sweep.status == SWEEP_RUNNING:
        best = best_trial(sweep, trials)
    progress = SweepProgress(
        trials=sweep.max_trials,
        created=sweep.trials_created,
        queued=sum(t.status == QUEUED for t in trials),
        running=sum(t.status == RUNNING for t in trials),
        finished=sum(t.status not in ACTIVE for t in trials),
    )
    computed = ("progress", "best")
    fields = {name: getattr(sweep, name) for name in SweepOut.model_fields if name not in computed}
    fields.update(progress=progress, best=trial_out(sweep, best) if best else None)
    return SweepOut.model_validate(fields)


def summaries(session: Session, rows: list[Sweep]) -> list[SweepOut]:
    trials = store.trials_of(session, [row.id for row in rows])
    return [present(row, [t for t in trials if t.sweep_id == row.id]) for row in rows]


def detail(session: Session, sweep: Sweep) -> SweepDetail:
    trials = store.trials(session, sweep.id)
    sign = 1 if sweep.goal == "min" else -1
    ranked = sorted(
        trials,
        key=lambda t: (
            (v := metric_of(t, sweep.metric)) is None,
            sign * v if v is not None else 0.0,
            t.sweep_trial,
        ),
    )
    leaderboard = [trial_out(sweep, trial) for trial in ranked]
    return SweepDetail(**present(sweep, trials).model_dump(), leaderboard=leaderboard)


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
