"""The server-sent event responses: each stream polls the store (``service``) in a worker
thread, a session per poll and a page at a time, so any number of API processes and
workers agree and a stream holds at most a page in memory. A stream sends a ``retry:``
hint first, a comment line every ``SYN0_EVENTS_HEARTBEAT_SECONDS`` (sse-starlette's
ping), stops when the client goes (or does not read for ``SEND_TIMEOUT_SECONDS``), and
each process serves at most ``SYN0_EVENTS_MAX_STREAMS`` at once (503 beyond)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import orjson
from sqlalchemy.orm import Session, sessionmaker
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.types import Receive, Scope, Send

from syn0.events import service
from syn0.events.service import Batch, Cursor, TooManyStreams
from syn0.settings import Settings

PAGE = 100  # events, and metrics rows, read per poll at most
RETRY_MS = 2000  # the reconnection delay a client is told
SEND_TIMEOUT_SECONDS = 30.0  # a reader that takes no bytes this long is dropped
RETRY_AFTER_SECONDS = 5
POLL_THREADS = 8  # streams' polls at once per process: the rest of the API keeps its threads


class Streams:
    """The open streams of one API process, at most ``limit``."""

    def __init__(self, limit: int):
        self.limit, self.open = limit, 0
        self._lock = threading.Lock()
        self._polls: anyio.CapacityLimiter | None = None

    @property
    def polls(self) -> anyio.CapacityLimiter:
        """The worker threads the streams' polls share (made in the serving loop)."""
        if self._polls is None:
            self._polls = anyio.CapacityLimiter(POLL_THREADS)
        return self._polls

    def take(self) -> Callable[[], None]:
        """A slot, or ``TooManyStreams``; returns its release (safe to call twice)."""
        with self._lock:
            if self.open >= self.limit:
                raise TooManyStreams(self.limit, RETRY_AFTER_SECONDS)
            self.open += 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if not released:
                    released, self.open = True, self.open - 1

        return release


class EventStream(EventSourceResponse):
    """An event stream that gives its slot back however it ends (even if the client
    left before the first byte and the iterator never started)."""

    def __init__(self, events: AsyncIterator[ServerSentEvent], release, settings: Settings):
        super().__init__(
            events,
            ping=settings.events_heartbeat_seconds,
            send_timeout=SEND_TIMEOUT_SECONDS,
            headers={"Cache-Control": "no-store"},
        )
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def job_events(
    streams: Streams,
    sessions: sessionmaker[Session],
    settings: Settings,
    tenant_id: str,
    job_id: str,
    cursor: Cursor,
    follow: bool = True,
) -> AsyncIterator[ServerSentEvent]:
    async def poll(state: Cursor) -> tuple[Batch, Any]:
        return await anyio.to_thread.run_sync(
            service.poll_job, sessions, tenant_id, job_id, state, PAGE, limiter=streams.polls
        )

    return _stream(poll, cursor, settings.events_poll_seconds, follow)


def tenant_events(
    streams: Streams,
    sessions: sessionmaker[Session],
    settings: Settings,
    tenant_id: str,
    after: int | None,
    follow: bool = True,
) -> AsyncIterator[ServerSentEvent]:
    async def poll(state: int | None) -> tuple[Batch, Any]:
        return await anyio.to_thread.run_sync(
            service.poll_tenant, sessions, tenant_id, state, PAGE, limiter=streams.polls
        )

    return _stream(poll, after, settings.events_poll_seconds, follow)


async def _stream(poll, state: Any, every: float, follow: bool) -> AsyncIterator[ServerSentEvent]:
    """Poll and send until the stream ends; without ``follow``, until a poll finds
    nothing more (the events stored now are sent, and ``end`` if the job has ended)."""
    yield ServerSentEvent(retry=RETRY_MS, comment="syn0 events")
    while True:
        batch, state = await poll(state)
        for item in batch.items:
            yield ServerSentEvent(orjson.dumps(item.data).decode(), event=item.name, id=item.id)
        if batch.ended or not (follow or batch.more or batch.items):
            return
        if follow and not batch.more:
            await anyio.sleep(every)
