"""``client.jobs``: submit, validate, get, metrics, explain, cancel, delete, resume, list,
and wait for a job."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from syn0.client import events as sse
from syn0.client.common import given, pages, path
from syn0.client.errors import ConnectionFailed, NotFound, ServiceUnavailable
from syn0.client.events import Event
from syn0.client.explanations import Explanation, explain_body
from syn0.client.http import Http
from syn0.client.types import Job, Metric, Page, Validation

Spec = Mapping[str, Any] | Any  # a dict, or a pydantic model such as core.NetworkSpec


class Jobs:
    def __init__(self, http: Http) -> None:
        self._http = http

    def submit(
        self,
        dataset_id: str,
        network: Spec,
        training: Spec,
        *,
        idempotency_key: str | None = None,
    ) -> Job:
        """Queue a training job (``ValidationFailed`` naming the field if the spec does
        not fit the dataset; nothing is stored then).

        Every submit carries an ``Idempotency-Key``: a new uuid4 unless you pass one. So
        a submit whose reply was lost is retried safely (the server returns the first job
        for a repeated key). Pass your own key to make a whole script safe to re-run: the
        same key and body give back the same job, a different body is a ``Conflict``.
        """
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        reply = self._http.json(
            "POST",
            "/v1/jobs",
            repeatable=True,
            json=_body(dataset_id, network, training),
            headers=headers,
        )
        return Job.model_validate(reply)

    def validate(self, dataset_id: str, network: Spec, training: Spec) -> Validation:
        """The submit's checks without queueing: per-layer summary, estimated work, warnings."""
        body = _body(dataset_id, network, training)
        reply = self._http.json("POST", "/v1/jobs/validate", repeatable=True, json=body)
        return Validation.model_validate(reply)

    def get(self, job_id: str) -> Job:
        return Job.model_validate(self._http.json("GET", path("/v1/jobs", job_id), repeatable=True))

    def metrics(self, job_id: str, after: int = 0) -> list[Metric]:
        """One row per finished epoch after ``after``, in order (every page of them)."""
        rows: list[Metric] = []
        while after is not None:
            reply = self._http.json(
                "GET",
                path("/v1/jobs", job_id, "/metrics"),
                repeatable=True,
                params={"after": after},
            )
            rows += [Metric.model_validate(row) for row in reply["items"]]
            after = reply.get("next_after")
        return rows

    def explain(
        self,
        job_id: str,
        input: Any = None,
        *,
        target: Any,
        record: dict[str, float] | None = None,
    ) -> Explanation:
        """``models.explain`` on the job's model, or while it runs on its latest
        checkpoint (``epoch``); a ``Conflict`` until it has stored one."""
        reply = self._http.json(
            "POST",
            path("/v1/jobs", job_id, "/explain"),
            repeatable=True,
            json=explain_body(input, record, target),
        )
        return Explanation.model_validate(reply)

    def cancel(self, job_id: str) -> Job:
        """A queued job is cancelled at once; a running one stops at its next batch
        (``status`` stays ``running`` until then). A finished job is a ``Conflict``."""
        reply = self._http.json("POST", path("/v1/jobs", job_id, "/cancel"), repeatable=True)
        return Job.model_validate(reply)

    def delete(self, job_id: str) -> None:
        """Delete a finished job with its metrics and checkpoint (its model stays). A
        queued or running job is a ``Conflict``: cancel it first."""
        self._http.request("DELETE", path("/v1/jobs", job_id), repeatable=True)

    def resume(self, job_id: str, epochs: int, *, max_runtime_seconds: int | None = None) -> Job:
        """A new job that continues a cancelled, time-limited or failed job from its last
        checkpoint to ``epochs`` epochs in all (``ValidationFailed`` unless past the
        checkpoint's epoch; ``Conflict`` for another status or no checkpoint)."""
        body = given({"epochs": epochs, "max_runtime_seconds": max_runtime_seconds})
        reply = self._http.json(
            "POST", path("/v1/jobs", job_id, "/resume"), repeatable=False, json=body
        )
        return Job.model_validate(reply)

    def list(
        self,
        *,
        status: str | None = None,
        dataset_id: str | None = None,
        sweep_id: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Job]:
        """One page, newest first, optionally filtered by status, dataset and sweep."""
        params = given(
            {
                "status": status,
                "dataset_id": dataset_id,
                "sweep_id": sweep_id,
                "limit": limit,
                "cursor": cursor,
            }
        )
        reply = self._http.json("GET", "/v1/jobs", repeatable=True, params=params)
        return Page[Job].model_validate(reply)

    def iter(
        self, *, status: str | None = None, dataset_id: str | None = None, page_size: int = 100
    ) -> Iterator[Job]:
        return pages(
            lambda cursor: self.list(
                status=status, dataset_id=dataset_id, limit=page_size, cursor=cursor
            )
        )

    def events(
        self, job_id: str, last_event_id: str | None = None, *, follow: bool = True
    ) -> Iterator[Event]:
        """The job's server-sent events after ``last_event_id`` (all of them without):
        ``status`` (``data``: the outbox event, ``data["data"]`` the job's summary),
        ``epoch`` (``data``: that epoch's metrics row) and last ``end`` (``data``: the
        job). A dropped connection is resumed where it stopped. ``follow=False``: only
        what is stored now."""
        params = None if follow else {"follow": "false"}
        for event in sse.stream(
            self._http, path("/v1/jobs", job_id, "/events"), last_event_id, params=params
        ):
            if event is not None:
                yield event

    def wait(
        self,
        job_id: str,
        on_update: Callable[[Job], None] | None = None,
        *,
        poll_interval: float = 0.5,
        timeout: float | None = None,
        stream: bool = True,
    ) -> Job:
        """Follow the job until it has finished and return it, whatever its status: by
        its event stream, or by polling every ``poll_interval`` seconds when the stream
        cannot be had (or ``stream=False``).

        ``on_update(job)`` is called with the first snapshot, then whenever the status or
        the epoch changes, the finished job included. ``TimeoutError`` after ``timeout``
        seconds (the job goes on; cancel it if you no longer want it).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        watched = _Watched(on_update)
        if stream:
            try:
                return self._wait_streaming(job_id, watched, deadline, timeout)
            except (ConnectionFailed, ServiceUnavailable, NotFound):
                pass  # an older server, a cap on streams, a proxy that drops them: poll
        return self._wait_polling(job_id, watched, poll_interval, deadline, timeout)

    def _wait_streaming(
        self,
        job_id: str,
        watched: _Watched,
        deadline: float | None,
        timeout: float | None,
    ) -> Job:
        job = watched.saw(self.get(job_id))
        if job.finished:
            return job
        read = sse.READ_TIMEOUT_SECONDS
        if deadline is not None:
            read = max(0.05, min(read, deadline - time.monotonic()))
        where = path("/v1/jobs", job_id, "/events")
        for event in sse.stream(self._http, where, read_timeout=read, deadline=deadline):
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} is still {job.status} after {timeout} s")
            if event is None:
                continue
            if event.event == "end":
                return watched.saw(Job.model_validate(event.data))
            if event.event == "status":
                job = self.get(job_id)  # the whole job: its model, error, notice
            elif event.event == "epoch" and event.data["epoch"] > job.progress.epoch:
                job = _with_epoch(job, event.data)  # (a replay's older epochs are skipped)
            job = watched.saw(job)
        raise ConnectionFailed(f"the event stream of job {job_id} ended without its end")

    def _wait_polling(
        self,
        job_id: str,
        watched: _Watched,
        poll_interval: float,
        deadline: float | None,
        timeout: float | None,
    ) -> Job:
        while True:
            job = watched.saw(self.get(job_id))
            if job.finished:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} is still {job.status} after {timeout} s")
            time.sleep(poll_interval)


class _Watched:
    """Calls ``on_update`` with each snapshot whose status or epoch is new."""

    def __init__(self, on_update: Callable[[Job], None] | None) -> None:
        self.on_update, self.seen = on_update, None

    def saw(self, job: Job) -> Job:
        state = (job.status, job.progress.epoch)
        if self.on_update is not None and state != self.seen:
            self.on_update(job)
        self.seen = state
        return job


def _with_epoch(job: Job, row: dict[str, Any]) -> Job:
    """``job`` as of the finished epoch ``row`` (an ``epoch`` event's data), its ETA
    as the server computes it: the epoch's time x the epochs left."""
    epochs, epoch = job.progress.epochs, row["epoch"]
    seconds = row.get("seconds")
    eta = round(seconds * max(epochs - epoch, 0), 3) if seconds is not None else None
    progress = job.progress.model_copy(
        update={
            "epoch": epoch,
            "fraction": epoch / epochs if epochs else 0.0,
            "eta_seconds": eta if job.status == "running" else None,
        }
    )
    metrics = {k: v for k, v in row.items() if v is not None}
    return job.model_copy(update={"progress": progress, "latest_metrics": metrics})


def _body(dataset_id: str, network: Spec, training: Spec) -> dict[str, Any]:
    return {"dataset_id": dataset_id, "network": _plain(network), "training": _plain(training)}


def _plain(spec: Spec) -> Any:
    """A pydantic spec (``core.NetworkSpec``, ``core.TrainingSpec``) as JSON data."""
    dump = getattr(spec, "model_dump", None)
    return dump(mode="json") if callable(dump) else dict(spec)
