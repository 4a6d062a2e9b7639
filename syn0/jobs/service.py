"""Jobs: submit once per Idempotency-Key (after the checks of ``syn0.jobs.validation``),
cancel, and send the committed job to the broker."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syn0.core import Checkpoint, Network, NetworkSpec
from syn0.dispatch import Dispatcher
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import GPU, QUEUED, Job, JobMetric
from syn0.jobs.schemas import JobIn, JobOut
from syn0.jobs.validation import dataset_of, gpu_worker_seen, validate
from syn0.kit.errors import Conflict, QuotaExceeded, TooManyJobs
from syn0.kit.lookups import found
from syn0.settings import Settings
from syn0.tenants import repository as tenants

log = logging.getLogger(__name__)

# A client told 429 may try again after this long; queues drain at training speed.
RETRY_AFTER_SECONDS = 30


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
            dataset_of(session, tenant_id, body.dataset_id)
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
    if waiting and not gpu_worker_seen(session, settings):
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
