"""Jobs: check a spec against its dataset and the limits, submit once per
Idempotency-Key, cancel, and send the committed job to the broker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syn0.core import Checkpoint, Network, NetworkSpec, SpecError, check_against_dataset, summary
from syn0.core.backend import choose_device, step_flops
from syn0.core.compat import mismatch
from syn0.datasets import repository as datasets
from syn0.datasets.orm import Dataset
from syn0.dispatch import Dispatcher
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import GPU, QUEUED, Job, JobMetric
from syn0.jobs.schemas import EstimatedWork, JobIn, JobOut, Validation
from syn0.kit.errors import (
    Conflict,
    InvalidInput,
    InvalidSpec,
    LimitExceeded,
    QuotaExceeded,
    TooManyJobs,
)
from syn0.kit.lookups import found
from syn0.kit.orm import utcnow
from syn0.models import repository as models
from syn0.settings import Settings
from syn0.tenants import repository as tenants
from syn0.workers import repository as workers

log = logging.getLogger(__name__)

# A client told 429 may try again after this long; queues drain at training speed.
RETRY_AFTER_SECONDS = 30


def validate(
    session: Session,
    tenant_id: str,
    body: JobIn,
    settings: Settings,
    dataset: Dataset | None = None,
) -> Validation:
    """Every check a submit runs, in order; raises on the first failure. ``dataset``: the
    body's dataset row, if the caller already read it in this transaction (a sweep checks
    each of its points against one)."""
    if dataset is None:
        dataset = _dataset(session, tenant_id, body.dataset_id)
    network, training = body.network, body.training
    try:
        warnings = check_against_dataset(
            network,
            training,
            tuple(dataset.input_shape),
            dataset.task,
            dataset.n_outputs,
            n_samples=dataset.n_samples,
            classes=dataset.classes,
        )
        spec_summary = summary(network)
    except SpecError as exc:
        raise InvalidSpec.from_core(exc) from exc
    if training.initial_weights:
        _check_initial_weights(session, tenant_id, network, training.initial_weights.model_id)
    if spec_summary.total_params > settings.max_parameters:
        raise LimitExceeded(
            "the number of parameters",
            spec_summary.total_params,
            settings.max_parameters,
            "max_parameters",
            "network",
        )
    if (body.max_runtime_seconds or 0) > settings.max_runtime_seconds:
        raise LimitExceeded(
            "max_runtime_seconds",
            body.max_runtime_seconds,
            settings.max_runtime_seconds,
            "max_runtime_seconds",
            "max_runtime_seconds",
        )
    epoch_samples = training.epochs * dataset.n_samples
    if epoch_samples > settings.max_epoch_samples:
        raise LimitExceeded(
            f"epochs x samples ({training.epochs} x {dataset.n_samples})",
            epoch_samples,
            settings.max_epoch_samples,
            "max_epoch_samples",
            "training.epochs",
        )
    step = step_flops(spec_summary.total_flops, training.batch_size, dataset.n_samples)
    work = EstimatedWork(
        flops_per_sample=spec_summary.total_flops,
        samples=dataset.n_samples,
        epochs=training.epochs,
        total_flops=spec_summary.total_flops * epoch_samples,
        step_flops=step,
    )
    # ``auto`` picks a GPU only for a large step and only while a GPU worker is present.
    large = step >= settings.gpu_min_step_flops
    gpu_ready = training.device == "auto" and large and _gpu_worker_seen(session, settings)
    return Validation(
        dataset_id=dataset.id,
        summary=spec_summary,
        estimated_work=work,
        device=choose_device(training.device, step, gpu_ready, settings.gpu_min_step_flops),
        warnings=warnings,
    )


def _check_initial_weights(
    session: Session, tenant_id: str, network: NetworkSpec, model_id: str
) -> None:
    """The tenant's model exists and the network is its architecture (``core.compat``)."""
    loc = "training.initial_weights.model_id"
    model = models.get_model(session, tenant_id, model_id)
    if model is None:
        raise InvalidInput(
            f"no model with id {model_id!r} to start from; list them with GET /v1/models", loc
        )
    different = mismatch(network, NetworkSpec.model_validate(model.network))
    if different:
        raise InvalidSpec(f"the network is not model {model_id}'s architecture: {different}", loc)


def _gpu_worker_seen(session: Session, settings: Settings) -> bool:
    since = utcnow() - timedelta(seconds=settings.worker_seen_seconds)
    return workers.seen_since(session, GPU, since)


def _dataset(session: Session, tenant_id: str, dataset_id: str) -> Dataset:
    dataset = datasets.get_dataset(session, tenant_id, dataset_id)
    if dataset is None:
        raise InvalidInput(f"no dataset with id {dataset_id!r}; upload one first", "dataset_id")
    return dataset


@dataclass
class Submitted:
    job: Job
    created: bool  # False: an Idempotency-Key replay of an earlier submit


def submit(
    session: Session,
    tenant_id: str,
    body: JobIn,
    key: str | None,
    settings: Settings,
    sweep: tuple[str, int] | None = None,
) -> Submitted:
    """Check and add the tenant's job (flushed, not committed); a known key returns its
    first job. The same key with a different body is a 409: a key names one request.
    ``sweep``: the sweep's id and trial number of a trial, stored with its row.
    """
    if key is not None and (first := jobs.job_by_idempotency_key(session, tenant_id, key)):
        return Submitted(_replay(first, body, key), created=False)
    _check_room(session, tenant_id, settings)
    validation = validate(session, tenant_id, body, settings)
    try:
        job = jobs.create_job(
            session,
            tenant_id=tenant_id,
            dataset_id=body.dataset_id,
            network=body.network.model_dump(mode="json"),
            training=body.training.model_dump(mode="json"),
            epochs=body.training.epochs,
            idempotency_key=key,
            max_attempts=settings.max_attempts,
            max_runtime_seconds=body.max_runtime_seconds,
            device=validation.device,
            sweep=sweep,
        )
    except IntegrityError:
        # A concurrent submit with the same key committed first, or the dataset was
        # deleted since the checks above.
        session.rollback()
        first = jobs.job_by_idempotency_key(session, tenant_id, key) if key else None
        if first is None:
            _dataset(session, tenant_id, body.dataset_id)
            raise
        return Submitted(_replay(first, body, key), created=False)
    return Submitted(job, created=True)


def _check_room(session: Session, tenant_id: str, settings: Settings) -> None:
    """The service's and the tenant's active jobs, and the tenant's storage (the model
    a job writes needs room)."""
    # One statement, one round trip (a sweep's trials are submitted by its worker, and
    # each round trip is a share of a short trial's cost).
    active, mine, stored = session.execute(
        select(
            jobs.active_count(), jobs.active_count(tenant_id), tenants.stored_bytes_of(tenant_id)
        )
    ).one()
    if active >= settings.max_queued_jobs:
        raise TooManyJobs(active, settings.max_queued_jobs, RETRY_AFTER_SECONDS)
    if mine >= settings.tenant_max_active_jobs:
        limit = settings.tenant_max_active_jobs
        raise TooManyJobs(mine, limit, RETRY_AFTER_SECONDS, "tenant_max_active_jobs")
    stored, quota = int(stored), settings.tenant_max_stored_bytes
    if stored >= quota:
        raise QuotaExceeded(
            f"the tenant stores {stored:,} bytes of datasets and models, its quota is "
            f"{quota:,} (set by SYN0_TENANT_MAX_STORED_BYTES), and a job's model needs "
            "room; delete datasets it no longer needs",
            limit=quota,
            value=stored,
        )


def _replay(first: Job, body: JobIn, key: str) -> Job:
    same = (
        first.dataset_id == body.dataset_id
        and first.network == body.network.model_dump(mode="json")
        and first.training == body.training.model_dump(mode="json")
    )
    if not same:
        raise Conflict(
            f"Idempotency-Key {key!r} was already used for job {first.id} with a different "
            "request body; use a new key for a new job",
            job_id=first.id,
        )
    return first


def send(dispatch: Dispatcher, job: Job) -> None:
    """Send a committed job to the workers of its device. If the broker is down the job
    stays queued and the submit still succeeds; the error is logged, and the reaper
    sends the job again once it has waited ``queued_grace_seconds``."""
    try:
        dispatch.train(job.id, job.device)
    except Exception:
        log.exception("could not send job %s to the broker; it stays queued", job.id)


def present(session: Session, rows: list[Job], settings: Settings) -> list[JobOut]:
    """Jobs as the API shows them: a queued GPU job says so when no GPU worker has been
    seen lately, instead of waiting silently."""
    waiting = {row.id for row in rows if row.status == QUEUED and row.device == GPU}
    notice = None
    if waiting and not _gpu_worker_seen(session, settings):
        notice = (
            f"no GPU worker has been seen in the last {settings.worker_seen_seconds:g} s; "
            "the job waits in the gpu queue until one starts (`syn0 worker --device gpu`), "
            "or cancel it and submit it with device cpu or auto"
        )
    return [
        JobOut.model_validate(row).model_copy(
            update={"notice": notice if row.id in waiting else None}
        )
        for row in rows
    ]


def get(session: Session, tenant_id: str, job_id: str) -> Job:
    job = found(jobs.get_job(session, tenant_id, job_id), "job", job_id)
    return job


def checkpoint_network(session: Session, job: Job) -> tuple[Network, int]:
    """The network of the job's latest checkpoint, bound as it was training, and that
    checkpoint's epoch; a 409 until the job has stored one."""
    data = attempts.load_checkpoint(session, job.id)
    if data is None:
        raise Conflict(
            f"job {job.id} has no checkpoint yet: it stores one every few epochs "
            "(SYN0_CHECKPOINT_EVERY_EPOCHS) while it runs, and a model when it succeeds",
            job_status=job.status,
        )
    checkpoint = Checkpoint.from_bytes(data)
    net = Network(NetworkSpec.model_validate(job.network))
    net.load_checkpoint(checkpoint)
    return net, checkpoint.epoch


def cancel(session: Session, tenant_id: str, job_id: str) -> Job:
    """Cancel a queued job now or flag a running one; a finished job is a 409."""
    job = get(session, tenant_id, job_id)
    if not jobs.cancel_job(session, tenant_id, job_id):
        session.refresh(job)
        raise Conflict(
            f"job {job_id} already finished with status {job.status!r}; only queued or "
            "running jobs can be cancelled",
            job_status=job.status,
        )
    return job


def metrics(
    session: Session, tenant_id: str, job_id: str, after: int, limit: int
) -> tuple[list[JobMetric], int | None]:
    """Rows of epochs after ``after``, and the epoch to continue after (None at the end)."""
    get(session, tenant_id, job_id)
    rows = jobs.list_metrics(session, tenant_id, job_id, after, limit + 1)
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1].epoch
