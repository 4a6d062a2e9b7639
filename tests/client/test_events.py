"""The client's event streams against the real stack: a job's events and resuming
them, ``wait`` following the stream (few polls), and ``wait`` falling back to polling
when streams are refused on the way (a proxy that drops them)."""

from __future__ import annotations

import httpx

from syn0.client import Client, RetryPolicy
from tests.client.factories import NETWORK, training


class Recording(httpx.HTTPTransport):
    """The real transport, recording each request's path; ``refuse`` fails the event
    streams' connections as a proxy that does not pass them would."""

    def __init__(self, refuse: bool = False) -> None:
        super().__init__()
        self.paths: list[str] = []
        self.refuse = refuse

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.refuse and request.url.path.endswith("/events"):
            raise httpx.ConnectError("the proxy drops event streams", request=request)
        return super().handle_request(request)


def _job(syn0: Client, epochs: int = 20) -> str:
    data = syn0.datasets.generate("xor", n_samples=200, noise=0.1, seed=2)
    return syn0.jobs.submit(data.id, NETWORK, training(epochs=epochs)).id


def test_a_jobs_events_and_resuming_them(syn0: Client):
    job_id = _job(syn0)
    events = list(syn0.jobs.events(job_id))  # live from queued to end
    names = [e.event for e in events]
    assert names[:2] == ["status", "status"] and names[-2:] == ["status", "end"]
    assert [e.data["epoch"] for e in events if e.event == "epoch"] == list(range(1, 21))
    assert [e.data["type"] for e in events if e.event == "status"] == [
        "job.queued",
        "job.running",
        "job.succeeded",
    ]
    assert events[-1].data["status"] == "succeeded"
    assert list(syn0.jobs.events(job_id, last_event_id=events[9].id)) == events[10:]
    assert list(syn0.jobs.events(job_id, follow=False)) == events


def test_wait_follows_the_stream(stack):
    transport = Recording()
    with Client(stack.url, api_key=stack.key, transport=transport) as syn0:
        job_id = _job(syn0, epochs=30)
        seen = []
        done = syn0.jobs.wait(job_id, seen.append, poll_interval=0.05)
    assert done.status == "succeeded" and done.progress.epoch == 30
    assert transport.paths.count(f"/v1/jobs/{job_id}/events") == 1
    polls = transport.paths.count(f"/v1/jobs/{job_id}")
    assert polls <= 4, transport.paths  # the first snapshot and a few status changes
    epochs = [job.progress.epoch for job in seen]
    assert epochs == sorted(epochs) and seen[-1] == done


def test_wait_polls_when_the_stream_is_refused(stack):
    transport = Recording(refuse=True)
    retry = RetryPolicy(attempts=2, backoff=0.01)
    with Client(stack.url, api_key=stack.key, transport=transport, retry=retry) as syn0:
        job_id = _job(syn0)
        done = syn0.jobs.wait(job_id, poll_interval=0.05)
    assert done.status == "succeeded" and done.progress.epoch == 20
    assert transport.paths.count(f"/v1/jobs/{job_id}/events") == 2  # tried, then polled
    assert transport.paths.count(f"/v1/jobs/{job_id}") > 2
