"""Server-sent events end to end: a real job trained by a real worker, streamed live
from one API process, cut midway and resumed from another API process on the same
store with the last id: queued, running, epochs 1..N in order, succeeded, end, with no
gap and no repeat (PostgreSQL + Redis, and the embedded default)."""

from __future__ import annotations

import subprocess
import time

import httpx

from tests.api.sse import Sse, parse
from tests.e2e.test_service import _generate
from tests.services import ROOT, api_command, free_port

EPOCHS = 60
SPEC = {
    "network": {
        "input_shape": [2],
        "layers": [
            {"type": "dense", "units": 32, "activation": "tanh"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
    },
    "training": {"loss": "cross_entropy", "epochs": EPOCHS, "batch_size": 8},
}


def _read(client: httpx.Client, path: str, stop_after: int | None = None, **headers) -> list[Sse]:
    events: list[Sse] = []
    with client.stream("GET", path, headers=headers, timeout=60) as response:
        assert response.status_code == 200, response.read()
        for event in parse(response.iter_lines()):
            events.append(event)
            if stop_after is not None and len(events) == stop_after:
                break  # the reader goes away midway
    return events


def _second_api(stack) -> tuple[subprocess.Popen, httpx.Client]:
    port = free_port()
    log = open(stack.tmp / "api-b.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        api_command(port), cwd=ROOT, env=stack.env, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=stack.client.headers)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return process, client
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the second API did not start:\n{stack.logs()}")


def test_a_job_streamed_live_then_resumed_on_another_api(stack):
    dataset = _generate(stack.client, "xor", n=400)
    response = stack.client.post("/v1/jobs", json={"dataset_id": dataset["id"], **SPEC})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    path = f"/v1/jobs/{job_id}/events"
    # when: a reader of API A leaves after epoch 5 and comes back to API B
    first = _read(stack.client, path, stop_after=7)
    process, other = _second_api(stack)
    try:
        rest = _read(other, path, **{"Last-Event-ID": first[-1].id})
    finally:
        other.close()
        process.terminate()
        process.wait(15)
    # then: the whole timeline, once, in order
    timeline = [(e.event, e.data.get("type") or e.data.get("epoch")) for e in first + rest]
    assert timeline == [
        ("status", "job.queued"),
        ("status", "job.running"),
        *[("epoch", epoch) for epoch in range(1, EPOCHS + 1)],
        ("status", "job.succeeded"),
        ("end", None),
    ], stack.logs()
    assert (first + rest)[-1].data["status"] == "succeeded"
    # and the tenant's stream has the job's status changes, in order
    with stack.client.stream("GET", "/v1/events?after=0&follow=false") as tenant:
        changes = [e.event for e in parse(tenant.iter_lines()) if e.data["job_id"] == job_id]
    assert changes == ["job.queued", "job.running", "job.succeeded"]
