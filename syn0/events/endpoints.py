"""Server-sent event streams: ``GET /v1/jobs/{id}/events`` (one job's timeline, ending
with ``end``) and ``GET /v1/events`` (every event of the tenant's outbox, never ending).
Both resume after ``Last-Event-ID`` (or ``?after=``, for clients that cannot send
headers), and neither holds a database session while it streams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from syn0.api.deps import RuntimeDep
from syn0.events import service, streams
from syn0.events.schemas import STREAM_EVENT_SCHEMA
from syn0.kit.schemas import keyed
from syn0.tenants.auth import TrainKey

router = APIRouter(tags=["events"])

STREAM = {
    200: {
        "description": "`text/event-stream`: events with `id:`, `event:` and JSON `data:`",
        "content": {"text/event-stream": {"schema": STREAM_EVENT_SCHEMA}},
    }
}
Follow = Annotated[
    bool,
    Query(description="false: send the events stored now, then close (no live tail)"),
]
LastEventId = Annotated[
    str | None,
    Header(alias="Last-Event-ID", description="resume after this event (sent on reconnect)"),
]


@router.get(
    "/v1/jobs/{job_id}/events",
    status_code=200,
    response_class=streams.EventStream,
    responses={**STREAM, **keyed(404, 422, 503)},
)
def job_events(
    job_id: str,
    runtime: RuntimeDep,
    principal: TrainKey,
    last_event_id: LastEventId = None,
    after: Annotated[
        str | None, Query(description="as `Last-Event-ID`, for clients without headers")
    ] = None,
    follow: Follow = True,
) -> streams.EventStream:
    """The job's timeline as server-sent events: `status` (each status change: the
    outbox event, with the job's summary), `epoch` (each finished epoch's metrics row)
    and, once the job has ended, `end` (the job as `GET /v1/jobs/{id}` shows it), after
    which the stream closes; a finished job's stream replays everything, then ends.

    Each event's `id` is `<event>-<epoch>`; reconnecting with it as `Last-Event-ID`
    resumes with no gap and no repeat. An attempt that resumes from a checkpoint
    (`status` `job.running` with `data.from_epoch`) trains the epochs after it again:
    they come again, with their new rows. 503 with `Retry-After` when this process
    serves `SYN0_EVENTS_MAX_STREAMS` streams already. With `follow=false` it sends what
    is stored now and closes (with `end` only if the job has ended)."""
    if last_event_id is not None:
        cursor = service.job_cursor(last_event_id, "header.Last-Event-ID")
    else:
        cursor = service.job_cursor(after, "query.after")
    with runtime.sessions() as session:
        service.check_job(session, principal.tenant_id, job_id)
    release = runtime.streams.take()
    events = streams.job_events(
        runtime.streams,
        runtime.sessions,
        runtime.settings,
        principal.tenant_id,
        job_id,
        cursor,
        follow,
    )
    return streams.EventStream(events, release, runtime.settings)


@router.get(
    "/v1/events",
    status_code=200,
    response_class=streams.EventStream,
    responses={**STREAM, **keyed(422, 503)},
)
def tenant_events(
    runtime: RuntimeDep,
    principal: TrainKey,
    last_event_id: LastEventId = None,
    after: Annotated[
        str | None,
        Query(description="the id to resume after (`0`: the whole history); default: now"),
    ] = None,
    follow: Follow = True,
) -> streams.EventStream:
    """Every event of the tenant as it happens: job status changes (`job.queued`,
    `job.running`, `job.succeeded`, `job.failed`, `job.cancelled`), alias moves
    (`model.alias_moved`) and sweeps' ends (`sweep.completed`), each named by its type,
    its `id` the event's id; per-epoch metrics are only in a job's own stream. Without
    `Last-Event-ID` or `after` it starts with the next event; it never ends (a comment
    line keeps it open while quiet), unless `follow=false`: then it sends the events
    stored now and closes."""
    if last_event_id is not None:
        start = service.tenant_cursor(last_event_id, "header.Last-Event-ID")
    else:
        start = service.tenant_cursor(after, "query.after")
    release = runtime.streams.take()
    events = streams.tenant_events(
        runtime.streams, runtime.sessions, runtime.settings, principal.tenant_id, start, follow
    )
    return streams.EventStream(events, release, runtime.settings)
