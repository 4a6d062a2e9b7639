"""``/v1/jobs``: submit (checked, then committed, then sent), validate, read, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api import job_service, surface
from api.deps import PageDep, SessionDep, SettingsDep
from api.schemas import JobIn, JobOut, JobStatus, MetricOut, Metrics, Page, Validation, problems
from api.surface_schemas import GridQuery, SurfaceOut
from store import jobs as store

METRICS_PAGE, METRICS_PAGE_MAX = 1000, 10_000

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


@router.post("", status_code=202, responses=problems(409, 413, 422, 429))
def submit_job(
    body: JobIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    """Check the spec against the dataset and the limits (422 on any misfit, nothing
    stored), commit the job as ``queued``, then send it to the workers.

    A missing dataset is a 422 naming ``dataset_id`` (it is a body field). The same
    ``Idempotency-Key`` with the same body returns the first job and sends nothing; with
    a different body it is a 409. If the broker is unreachable the job is still
    accepted (202) and stays queued; nothing re-sends it automatically yet.
    """
    submitted = job_service.submit(session, body, idempotency_key, settings)
    session.commit()
    if submitted.created:
        job_service.send(submitted.job)
    else:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/jobs/{submitted.job.id}"
    return job_service.present(session, [submitted.job], settings)[0]


@router.post("/validate", responses=problems(413, 422))
def validate_job(body: JobIn, session: SessionDep, settings: SettingsDep) -> Validation:
    """The submit's checks without queueing: per-layer shapes, parameters, FLOPs per
    sample, the estimated work (FLOPs x samples x epochs) and warnings."""
    return job_service.validate(session, body, settings)


@router.get("", responses=problems(422))
def list_jobs(
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    status: Annotated[JobStatus | None, Query()] = None,
    dataset_id: Annotated[str | None, Query()] = None,
) -> Page[JobOut]:
    """Newest first, optionally filtered by status and dataset."""
    rows, next_cursor = store.list_jobs(session, page.limit, page.cursor, status, dataset_id)
    items = job_service.present(session, rows, settings)
    return Page[JobOut](items=items, next_cursor=next_cursor)


@router.get("/{job_id}", responses=problems(404))
def get_job(job_id: str, session: SessionDep, settings: SettingsDep) -> JobOut:
    """The job's status and progress; a queued GPU job with no GPU worker present has a
    ``notice`` that says so."""
    return job_service.present(session, [job_service.get(session, job_id)], settings)[0]


@router.get("/{job_id}/metrics", responses=problems(404, 422))
def job_metrics(
    job_id: str,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, description="only epochs after this one")] = 0,
    limit: Annotated[int, Query(ge=1, le=METRICS_PAGE_MAX)] = METRICS_PAGE,
) -> Metrics:
    """One row per finished epoch, in order, a page at a time: ask again with
    ``after=next_after`` until ``next_after`` is null. Polling a running job with
    ``after`` set to the last epoch seen fetches only the new rows."""
    rows, next_after = job_service.metrics(session, job_id, after, limit)
    items = [MetricOut.model_validate(row) for row in rows]
    return Metrics(job_id=job_id, items=items, next_after=next_after)


@router.get("/{job_id}/surface", responses=problems(404, 409, 422))
def job_surface(
    job_id: str, session: SessionDep, query: Annotated[GridQuery, Query()]
) -> SurfaceOut:
    """The job's model (once it succeeded) or its latest checkpoint (while it runs) on a
    grid over its two inputs; 409 until the first checkpoint is stored."""
    return surface.for_job(session, job_id, query)


@router.post(
    "/{job_id}/cancel",
    responses={202: {"description": "Running: it stops at the next batch"}, **problems(404, 409)},
)
def cancel_job(job_id: str, response: Response, session: SessionDep) -> JobOut:
    """A queued job is cancelled at once (200); a running one is asked to stop (202) and
    ends ``cancelled`` at its next batch boundary. A finished job is a 409."""
    job = job_service.cancel(session, job_id)
    session.commit()
    session.refresh(job)
    if job.status != "cancelled":
        response.status_code = 202
    return JobOut.model_validate(job)
