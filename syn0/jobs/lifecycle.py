"""A job after it ends: delete it, resume a stopped one from its last checkpoint as a
new job, and replay a model (its spec on its dataset again) as a new job."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from syn0.datasets import repository as datasets
from syn0.jobs import repository as jobs
from syn0.jobs import service
from syn0.jobs.orm import CANCELLED, FAILED, Job
from syn0.jobs.schemas import JobIn, ResumeIn
from syn0.kit.errors import Conflict, InvalidInput
from syn0.kit.lookups import found
from syn0.models import repository as models
from syn0.settings import Settings

RESUMABLE = (CANCELLED, FAILED)


def delete(session: Session, tenant_id: str, job_id: str) -> None:
    """Delete a finished job with its metrics and checkpoint; its model stays. A queued
    or running job is a 409: cancel it first."""
    job = service.get(session, tenant_id, job_id)
    if not jobs.delete_job(session, tenant_id, job_id):
        session.refresh(job)
        raise Conflict(
            f"job {job_id} is {job.status}; only a finished job can be deleted: cancel it "
            f"(POST /v1/jobs/{job_id}/cancel), then delete it once it has stopped",
            job_status=job.status,
        )


def resume(
    session: Session, tenant_id: str, job_id: str, body: ResumeIn, settings: Settings
) -> Job:
    """A new job (flushed, not committed) that continues the cancelled, time-limited or
    failed job ``job_id`` from its last checkpoint to ``body.epochs`` epochs in all."""
    old = service.get(session, tenant_id, job_id)
    if old.status not in RESUMABLE:
        raise Conflict(
            f"job {job_id} is {old.status}; only a cancelled, time-limited or failed job can "
            "be resumed",
            job_status=old.status,
        )
    epoch = jobs.checkpoint_epoch(session, old.id)
    if epoch is None:
        raise Conflict(
            f"job {job_id} stored no checkpoint (it stopped before its first), so there is "
            "nothing to resume from; submit it again instead"
        )
    if body.epochs <= epoch:
        raise InvalidInput(
            f"Received an invalid value for `epochs`, expected more than the checkpoint's "
            f"epoch {epoch} (the new job's total, counted from the first epoch). "
            f"Received: epochs={body.epochs}",
            "epochs",
        )
    _dataset_kept(session, tenant_id, old.dataset_id, f"job {job_id}")
    training = {**old.training, "epochs": body.epochs}
    runtime = body.max_runtime_seconds or old.max_runtime_seconds
    request = _job_in(old.dataset_id, old.network, training, runtime)
    job = service.submit(session, tenant_id, request, None, settings).job
    job.resumed_from = old.id
    jobs.copy_progress(session, old, job)
    return job


def replay(session: Session, tenant_id: str, model_id: str, settings: Settings) -> Job:
    """A new job (flushed, not committed) that trains the model's spec on its dataset
    again; its model reports whether the weights came out identical."""
    model = found(models.get_model(session, tenant_id, model_id), "model", model_id)
    if model.partial:
        raise Conflict(
            f"model {model_id} is a stopped job's partial model (epoch {model.epoch}), not "
            "the outcome of its spec; replay the model of the job that resumed it"
        )
    dataset = _dataset_kept(session, tenant_id, model.dataset_id, f"model {model_id}")
    if model.dataset_sha256 is None or dataset.sha256 != model.dataset_sha256:
        recorded = model.dataset_sha256 or "none (the model predates lineage)"
        raise Conflict(
            f"dataset {dataset.id} is not the data model {model_id} was trained on: its "
            f"sha256 is {dataset.sha256}, the model recorded {recorded}"
        )
    job = service.submit(
        session, tenant_id, _job_in(dataset.id, model.network, model.training), None, settings
    ).job
    job.replay_of = model.id
    session.flush()
    return job


def _dataset_kept(session: Session, tenant_id: str, dataset_id: str | None, what: str):
    dataset = datasets.get_dataset(session, tenant_id, dataset_id) if dataset_id else None
    if dataset is None:
        raise Conflict(
            f"the dataset {what} was trained on ({dataset_id or 'unknown'}) has been "
            "deleted; upload it again and submit a new job"
        )
    return dataset


def _job_in(
    dataset_id: str, network: dict, training: dict, max_runtime_seconds: int | None = None
) -> JobIn:
    """A stored job's spec as a submit's body; a spec this server no longer accepts is a
    422 naming the field."""
    body = {"dataset_id": dataset_id, "network": network, "training": training}
    try:
        return JobIn.model_validate({**body, "max_runtime_seconds": max_runtime_seconds})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(f"the stored spec is no longer valid: {error['msg']}", loc) from exc
