"""What the event streams send, read from the store a page per poll.

A job's stream is its timeline: ``status`` (one per outbox event of the job), ``epoch``
(one per finished epoch: its metrics row) and, once the job has ended and everything
before is sent, ``end``. Each event's id is the position after it, ``"<outbox id>-<epoch>"``:
the last status event sent and the last epoch sent since. Epochs have no outbox id of
their own, so a poll reads in an order that keeps the two consistent:

1. the job (is it finished?), then the status events after the cursor (``E1``);
2. the metrics rows (``M``): every row committed before an event of ``E1`` is among them;
3. the next ``job.running`` event after ``E1``, which a claim committed meanwhile.

A claim (``job.running``, with ``from_epoch``: the checkpoint it resumes from) deletes
the lost attempt's rows past its checkpoint, and the new attempt writes those epochs
again. So rows up to the next running event's ``from_epoch`` belong before it, rows
past it after it, and after a running event the epoch cursor is its ``from_epoch``: the
epochs trained again are sent again, with their new rows (a client replaces them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from syn0.events import repository as events
from syn0.events.orm import Event
from syn0.events.schemas import EventOut
from syn0.jobs import repository as jobs
from syn0.jobs.orm import FINISHED, JobMetric
from syn0.jobs.schemas import JobOut, MetricOut
from syn0.kit.errors import InvalidInput, NotFound, ServiceUnavailable

STATUS, EPOCH, END = "status", "epoch", "end"
JOB_CURSOR = re.compile(r"(\d{1,18})-(\d{1,10})")
TENANT_CURSOR = re.compile(r"\d{1,18}")


@dataclass(frozen=True)
class Cursor:
    """A job stream's position: the last outbox event and the last epoch sent."""

    event: int = 0
    epoch: int = 0

    def __str__(self) -> str:
        return f"{self.event}-{self.epoch}"


@dataclass(frozen=True)
class Item:
    name: str
    data: dict[str, Any]
    id: str


@dataclass
class Batch:
    items: list[Item] = field(default_factory=list)
    more: bool = False  # a full page was read: poll again at once
    ended: bool = False


class TooManyStreams(ServiceUnavailable):
    def __init__(self, limit: int, retry_after: int):
        super().__init__(
            f"this API process has {limit:,} event streams open, the limit (set by "
            f"SYN0_EVENTS_MAX_STREAMS); retry after {retry_after} s, or poll the job",
            limit=limit,
        )
        self.headers = {"Retry-After": str(retry_after)}


def job_cursor(text: str | None, loc: str) -> Cursor:
    if text is None or text == "":
        return Cursor()
    match = JOB_CURSOR.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            f"{loc} must be the id of an event of this stream, `<event>-<epoch>` (two "
            f"whole numbers); received {text[:40]!r}",
            loc,
        )
    return Cursor(int(match[1]), int(match[2]))


def tenant_cursor(text: str | None, loc: str) -> int | None:
    if text is None or text == "":
        return None
    if TENANT_CURSOR.fullmatch(text.strip()) is None:
        raise InvalidInput(
            f"{loc} must be the id of an event of this stream (a whole number); received "
            f"{text[:40]!r}",
            loc,
        )
    return int(text)


def check_job(session: Session, tenant_id: str, job_id: str) -> None:
    if jobs.get_job(session, tenant_id, job_id) is None:
        raise NotFound(f"no job with id {job_id!r}")


def status_data(row: Event) -> dict[str, Any]:
    """An outbox row as the streams send it."""
    return EventOut.model_validate(row).model_dump(mode="json")


def poll_job(
    sessions: sessionmaker[Session], tenant_id: str, job_id: str, cursor: Cursor, page: int
) -> tuple[Batch, Cursor]:
    """The job's next events after ``cursor`` (at most a page of each kind), and the
    cursor after them; ``ended`` once the job has ended and all is sent."""
    with sessions() as session:
        job = jobs.get_job(session, tenant_id, job_id)
        if job is None:  # deleted while streamed: it had ended
            return Batch(ended=True), cursor
        finished = job.status in FINISHED
        final = JobOut.model_validate(job).model_dump(mode="json") if finished else None
        news = events.after(session, tenant_id, cursor.event, page, job_id=job_id)
        starts = [_from_epoch(e) for e in news if e.type == events.JOB_RUNNING]
        low = min([cursor.epoch, *starts])
        rows = jobs.list_metrics(session, tenant_id, job_id, after=low, limit=page)
        last = news[-1].id if news else cursor.event
        claim = events.after(session, tenant_id, last, 1, job_id=job_id, type=events.JOB_RUNNING)
    later = _from_epoch(claim[0]) if claim else None
    batch, cursor = merge(cursor, news, rows, truncated=len(rows) == page, later=later)
    batch.more = batch.more or len(news) == page
    if finished and not news and not batch.items and not batch.more:
        batch.items.append(Item(END, final or {}, str(cursor)))
        batch.ended = True
    return batch, cursor


def merge(
    cursor: Cursor, news: list[Event], rows: list[JobMetric], *, truncated: bool, later: int | None
) -> tuple[Batch, Cursor]:
    """Interleave status events ``news`` and metrics ``rows`` (sorted by epoch) into the
    job's timeline after ``cursor``. ``later``: the ``from_epoch`` of a claim committed
    after ``news``. With ``truncated`` (a full page of rows), events wait until every
    row before them is sent."""
    batch, (event_id, epoch) = Batch(), (cursor.event, cursor.epoch)
    i = k = 0
    while True:
        starts = [_from_epoch(e) for e in news[k:] if e.type == events.JOB_RUNNING]
        bound = starts[0] if starts else later
        while i < len(rows) and (bound is None or rows[i].epoch <= bound):
            if rows[i].epoch > epoch:
                epoch = rows[i].epoch
                data = MetricOut.model_validate(rows[i]).model_dump(mode="json")
                batch.items.append(Item(EPOCH, data, f"{event_id}-{epoch}"))
            i += 1
        if truncated and i == len(rows):
            batch.more = True
            break
        if k == len(news):
            break
        while k < len(news):
            row, k = news[k], k + 1
            event_id = row.id
            if row.type == events.JOB_RUNNING:
                epoch = _from_epoch(row)
            batch.items.append(Item(STATUS, status_data(row), f"{event_id}-{epoch}"))
            if row.type == events.JOB_RUNNING:
                break
    return batch, Cursor(event_id, epoch)


def poll_tenant(
    sessions: sessionmaker[Session], tenant_id: str, after: int | None, page: int
) -> tuple[Batch, int]:
    """The tenant's next events after the id ``after`` (None: from now on)."""
    with sessions() as session:
        if after is None:
            return Batch(), events.last_id(session, tenant_id)
        rows = events.after(session, tenant_id, after, page)
    items = [Item(row.type, status_data(row), str(row.id)) for row in rows]
    return Batch(items, more=len(rows) == page), (rows[-1].id if rows else after)


def _from_epoch(row: Event) -> int:
    return int(row.data.get("from_epoch") or 0)
