"""``client.jobs``: submit, validate, get, metrics, cancel, delete, resume, list, and wait
for a job."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from syn0.client.common import given, pages, path
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

    def wait(
        self,
        job_id: str,
        on_update: Callable[[Job], None] | None = None,
        *,
        poll_interval: float = 0.5,
        timeout: float | None = None,
    ) -> Job:
        """Poll until the job has finished and return it, whatever its status.

        ``on_update(job)`` is called with the first snapshot, then whenever the status or
        the epoch changes, the finished job included. ``TimeoutError`` after ``timeout``
        seconds (the job goes on; cancel it if you no longer want it).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = None
        while True:
            job = self.get(job_id)
            state = (job.status, job.progress.epoch)
            if on_update is not None and state != seen:
                on_update(job)
                seen = state
            if job.finished:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} is still {job.status} after {timeout} s")
            time.sleep(poll_interval)


def _body(dataset_id: str, network: Spec, training: Spec) -> dict[str, Any]:
    return {"dataset_id": dataset_id, "network": _plain(network), "training": _plain(training)}


def _plain(spec: Spec) -> Any:
    """A pydantic spec (``core.NetworkSpec``, ``core.TrainingSpec``) as JSON data."""
    dump = getattr(spec, "model_dump", None)
    return dump(mode="json") if callable(dump) else dict(spec)
