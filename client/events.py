"""Server-sent events: the stream's lines parsed into ``Event``s (as the HTML standard's
EventSource does, for what syn0 sends), and a stream that reconnects after a dropped
connection with ``Last-Event-ID``, so the caller sees every event once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from syn0.client.errors import ConnectionFailed, from_response
from syn0.client.http import Http

READ_TIMEOUT_SECONDS = 60.0  # four missed heartbeats (15 s): the connection is dead


@dataclass(frozen=True)
class Event:
    """One event: ``event`` is its name (``status``, ``epoch``, ``end`` in a job's
    stream; the type, such as ``job.succeeded``, in the tenant's), ``data`` its JSON."""

    id: str | None
    event: str
    data: Any


def parse(lines: Iterable[str]) -> Iterator[Event | None]:
    """Events from the stream's lines; ``None`` for each comment (a heartbeat), so a
    reader gets control back while the stream is quiet."""
    data: list[str] = []
    event_id: str | None = None
    name = "message"
    for line in lines:
        if line == "":
            if data:
                yield Event(event_id, name, json.loads("\n".join(data)))
            data, event_id, name = [], None, "message"
        elif line.startswith(":"):
            yield None
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "data":
                data.append(value)
            elif field == "id":
                event_id = value
            elif field == "event":
                name = value


def stream(
    http: Http,
    path: str,
    last_event_id: str | None = None,
    *,
    params: dict[str, Any] | None = None,
    read_timeout: float = READ_TIMEOUT_SECONDS,
    deadline: float | None = None,
) -> Iterator[Event | None]:
    """The stream at ``path`` after ``last_event_id``, reconnecting (with the last id
    seen) when the connection drops; ends when the server ends it. An error reply
    raises its typed error; ``ConnectionFailed`` once the retries are spent;
    ``TimeoutError`` when a read outlasts ``deadline`` (``time.monotonic()``)."""
    failures = 0
    while True:
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        timeout = httpx.Timeout(10.0, read=read_timeout)
        try:
            with http.client.stream(
                "GET", path, headers=headers, params=params, timeout=timeout
            ) as response:
                if response.is_error:
                    response.read()
                    raise from_response(response)
                for event in parse(response.iter_lines()):
                    failures = 0
                    if event is not None and event.id is not None:
                        last_event_id = event.id
                    yield event
                return
        except httpx.TransportError as exc:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"the event stream {path} was quiet past the deadline") from exc
            failures += 1
            if failures >= http.retry.attempts:
                raise ConnectionFailed(
                    f"the event stream {path} dropped {failures} times: {exc or type(exc).__name__}"
                ) from exc
            time.sleep(http.retry.delay(failures - 1))
