"""``/v1/jobs``: submit (checked, then committed, then sent), validate, read, cancel,
delete, resume; a running job's surface and explain at its latest checkpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from syn0.api.deps import DispatchDep, PageDep, RuntimeDep, SessionDep, SettingsDep
from syn0.jobs import lifecycle
from syn0.jobs import repository as store
from syn0.jobs import service as job_service
from syn0.jobs import validation as job_validation
from syn0.jobs.schemas import JobIn, JobOut, JobStatus, MetricOut, Metrics, ResumeIn, Validation
from syn0.kit.schemas import Page, keyed
from syn0.models import explaining
from syn0.models.explain_schemas import ExplainIn, ExplainOut
from syn0.surface import service as surface
from syn0.surface.schemas import GridQuery, SurfaceOut
from syn0.tenants.auth import TrainKey

METRICS_PAGE, METRICS_PAGE_MAX = 1000, 10_000
MAX_EPOCH = 2**31 - 1  # what the store's integer columns hold

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="a retried submit with the same key and body returns the first job",
    ),
]


@router.post("", status_code=202, responses=keyed(409, 413, 422, 429))
def submit_job(
    body: JobIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    dispatch: DispatchDep,
    principal: TrainKey,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    """Check the spec against the dataset and the limits (422 on any misfit, nothing
    stored), commit the job as ``queued``, then send it to the workers.

    A missing dataset is a 422 naming ``dataset_id`` (it is a body field). The same
    ``Idempotency-Key`` with the same body returns the first job and sends nothing; with
    a different body it is a 409. If the broker is unreachable the job is still
    accepted (202) and stays queued; the reaper sends it again once it has waited
    ``SYN0_QUEUED_GRACE_SECONDS``.
    """
    submitted = job_service.submit(session, principal.tenant_id, body, idempotency_key, settings)
    session.commit()
    if submitted.created:
        job_service.send(dispatch, submitted.job)
    else:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/jobs/{submitted.job.id}"
    return job_service.present(session, [submitted.job], settings)[0]


@router.post("/validate", responses=keyed(413, 422))
def validate_job(
    body: JobIn, session: SessionDep, settings: SettingsDep, principal: TrainKey
) -> Validation:
    """The submit's checks without queueing: per-layer shapes, parameters, FLOPs per
    sample, the estimated work (FLOPs x samples x epochs) and warnings."""
    return job_validation.validate(session, principal.tenant_id, body, settings)


@router.get("", responses=keyed(422))
def list_jobs(
    session: SessionDep,
    settings: SettingsDep,
    principal: TrainKey,
    page: PageDep,
    status: Annotated[JobStatus | None, Query()] = None,
    dataset_id: Annotated[str | None, Query()] = None,
    sweep_id: Annotated[str | None, Query(description="a sweep's trials")] = None,
) -> Page[JobOut]:
    """Newest first, optionally filtered by status, dataset and sweep."""
    rows, next_cursor = store.list_jobs(
        session, principal.tenant_id, page.limit, page.cursor, status, dataset_id, sweep_id
    )
    items = job_service.present(session, rows, settings)
    return Page[JobOut](items=items, next_cursor=next_cursor)


@router.get("/{job_id}", responses=keyed(404))
def get_job(job_id: str, session: SessionDep, settings: SettingsDep, principal: TrainKey) -> JobOut:
    """The job's status and progress; a queued GPU job with no GPU worker present has a
    ``notice`` that says so."""
    job = job_service.get(session, principal.tenant_id, job_id)
    return job_service.present(session, [job], settings)[0]


@router.get("/{job_id}/metrics", responses=keyed(404, 422))
def job_metrics(
    job_id: str,
    session: SessionDep,
    principal: TrainKey,
    after: Annotated[int, Query(ge=0, le=MAX_EPOCH, description="only epochs after this one")] = 0,
    limit: Annotated[int, Query(ge=1, le=METRICS_PAGE_MAX)] = METRICS_PAGE,
) -> Metrics:
    """One row per finished epoch, in order, a page at a time: ask again with
    ``after=next_after`` until ``next_after`` is null. Polling a running job with
    ``after`` set to the last epoch seen fetches only the new rows."""
    rows, next_after = job_service.metrics(session, principal.tenant_id, job_id, after, limit)
    items = [MetricOut.model_validate(row) for row in rows]
    return Metrics(job_id=job_id, items=items, next_after=next_after)


@router.get("/{job_id}/surface", responses=keyed(404, 409, 422))
def job_surface(
    job_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: TrainKey,
    query: Annotated[GridQuery, Query()],
) -> SurfaceOut:
    """The job's model (once it succeeded) or its latest checkpoint (while it runs) on a
    grid over its two inputs; 409 until the first checkpoint is stored."""
    return surface.for_job(session, runtime.models, principal.tenant_id, job_id, query)


@router.post("/{job_id}/explain", responses=keyed(404, 409, 422))
def explain_job(
    job_id: str,
    body: ExplainIn,
    session: SessionDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    principal: TrainKey,
) -> ExplainOut:
    """``POST /v1/models/{id}/explain`` on the job's model (once it has one) or on its
    latest checkpoint (while it runs); 409 until the first checkpoint is stored."""
    return explaining.for_job(
        session, runtime.models, principal.tenant_id, job_id, body, settings.explain_max_values
    )


@router.post(
    "/{job_id}/cancel",
    responses={202: {"description": "Running: it stops at the next batch"}, **keyed(404, 409)},
)
def cancel_job(job_id: str, response: Response, session: SessionDep, principal: TrainKey) -> JobOut:
    """A queued job is cancelled at once (200); a running one is asked to stop (202) and
    ends ``cancelled`` at its next batch boundary. A finished job is a 409."""
    job = job_service.cancel(session, principal.tenant_id, job_id)
    session.commit()
    session.refresh(job)
    if job.status != "cancelled":
        response.status_code = 202
    return JobOut.model_validate(job)


@router.delete("/{job_id}", status_code=204, responses=keyed(404, 409))
def delete_job(job_id: str, session: SessionDep, principal: TrainKey) -> Response:
    """Delete a finished job with its metrics and checkpoint; its model stays (its
    ``job_id`` becomes null). A queued or running job is a 409: cancel it first."""
    lifecycle.delete(session, principal.tenant_id, job_id)
    session.commit()
    return Response(status_code=204)


@router.post("/{job_id}/resume", status_code=202, responses=keyed(404, 409, 422))
def resume_job(
    job_id: str,
    body: ResumeIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    dispatch: DispatchDep,
    principal: TrainKey,
) -> JobOut:
    """A new job that continues a cancelled, time-limited or failed job from its last
    checkpoint to ``epochs`` epochs in all (same dataset and spec; with the checkpoint's
    metrics). 409 for a job in another status or one with no checkpoint; 422 when
    ``epochs`` is not past the checkpoint's epoch."""
    job = lifecycle.resume(session, principal.tenant_id, job_id, body, settings)
    session.commit()
    job_service.send(dispatch, job)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_service.present(session, [job], settings)[0]
