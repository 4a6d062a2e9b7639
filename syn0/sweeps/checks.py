"""A sweep's checks before anything is stored: the method's rules, the metric against
the dataset's task, and every parameter path and value through the job submit's own
checks (``syn0.jobs.validation.validate``): a 422 naming ``parameters.<path>`` and the
value."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from syn0.datasets import repository as datasets
from syn0.datasets.orm import Dataset
from syn0.jobs import validation as job_validation
from syn0.jobs.schemas import JobIn
from syn0.kit.errors import InvalidInput, LimitExceeded
from syn0.settings import Settings
from syn0.sweeps import space
from syn0.sweeps.orm import ASHA, GRID
from syn0.sweeps.schemas import SweepIn

DEFAULT_TRIALS = 10
REGRESSION_METRICS = ("mae", "val_mae", "r2", "val_r2")
CLASSIFICATION_METRICS = ("accuracy", "val_accuracy")


def check(
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
        _check_point(session, dataset, base, {path: value}, settings, what, path)
    # The grid's points, every combination: some values fail only together.
    if space.enumerates(parameters, body.method, trials):
        for point in space.grid(parameters):
            what = ", ".join(f"`{p}` = {v!r}" for p, v in point.items())
            _check_point(session, dataset, base, point, settings, what, None)
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


def job_body(base: dict[str, Any], point: dict[str, Any]) -> JobIn:
    """The job body of a point; raises ``space.BadPath`` or pydantic's error."""
    return JobIn.model_validate(space.assign(base, point))


def _check_point(
    session: Session,
    dataset: Dataset,
    base: dict,
    point: dict,
    settings: Settings,
    what: str,
    path: str | None,
) -> None:
    loc = f"parameters.{path}" if path else "parameters"
    try:
        job = job_body(base, point)
    except space.BadPath as exc:
        raise InvalidInput(f"parameter `{path}` names no field of the job: {exc}", loc) from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(f"{what} makes the job invalid: {field}: {error['msg']}", loc) from exc
    try:
        job_validation.validate(session, dataset.tenant_id, job, settings, dataset)
    except InvalidInput as exc:
        raise InvalidInput(f"{what} makes the job invalid: {exc.detail}", loc) from exc
