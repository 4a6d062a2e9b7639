"""Bodies over 256 KiB: parsed straight into arrays in a worker thread, replied to a
slice at a time, and held to a per-process budget (issue 11: a 60 MB upload grew the
API by 1.5 GB and /healthz took 12 s meanwhile)."""

from __future__ import annotations

import asyncio
import gc
import json
import time
import tracemalloc

import httpx
import numpy as np
import orjson

from syn0.api.app import create_app
from syn0.api.body_limit import Body
from syn0.datasets import repository as store
from tests.api.factories import assert_problem

JSON = {"content-type": "application/json"}


def _dataset(rows: int, columns: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, columns)).round(3), rng.integers(0, 3, rows)


def _json(X, y, **fields) -> bytes:
    return orjson.dumps({"name": "big", "features": X.tolist(), "targets": y.tolist(), **fields})


def test_a_large_json_dataset_is_stored_as_a_small_one_is(client, sessions, key):
    # given: a body past the streaming threshold
    X, y = _dataset(20_000)
    body = _json(X, y)
    assert len(body) > 256 * 1024

    # when
    response = client.post("/v1/datasets", content=body, headers=JSON)

    # then
    assert response.status_code == 201, response.text
    dataset = response.json()
    assert (dataset["n_samples"], dataset["input_shape"], dataset["classes"]) == (
        20_000,
        [4],
        [0, 1, 2],
    )
    with sessions() as session:
        stored_X, stored_y = store.load_arrays(session, key.tenant_id, dataset["id"])
    np.testing.assert_array_equal(stored_X, X.astype(np.float32))
    np.testing.assert_array_equal(stored_y, y)


def test_a_large_json_dataset_with_labels_and_a_task(client):
    X, _ = _dataset(20_000)
    labels = np.array(["cat", "dog"])[np.arange(20_000) % 2]
    response = client.post(
        "/v1/datasets", content=_json(X, labels, task="classification"), headers=JSON
    )
    assert response.status_code == 201, response.text
    assert response.json()["classes"] == ["cat", "dog"]


def test_a_large_json_dataset_is_checked_as_a_small_one_is(make_client):
    client = make_client(max_dataset_cells=50_000)
    X, y = _dataset(20_000)
    rows = X.tolist()
    rows[7] = rows[7][:3]
    ragged = orjson.dumps({"name": "d", "features": rows, "targets": y.tolist()})
    problem = assert_problem(
        client.post("/v1/datasets", content=ragged, headers=JSON),
        422,
        "validation-error",
        loc="features.7",
    )
    assert "row 7 has 3 values, row 0 has 4 values" in problem["detail"]

    no_targets = orjson.dumps({"name": "d", "features": X.tolist()})
    assert_problem(
        client.post("/v1/datasets", content=no_targets, headers=JSON),
        422,
        "validation-error",
        loc="targets",
    )

    too_many = client.post("/v1/datasets", content=_json(X, y), headers=JSON)
    problem = assert_problem(too_many, 422, "limit-exceeded", loc="features")
    assert (problem["limit"], problem["value"]) == (50_000, 80_000)

    X[9, 1] = np.nan
    with_nan = json.dumps({"name": "d", "features": X.tolist(), "targets": y.tolist()}).encode()
    problem = assert_problem(
        client.post("/v1/datasets", content=with_nan, headers=JSON), 422, "validation-error"
    )
    assert "NaN and Infinity are not JSON numbers" in problem["detail"]


def test_a_large_csv_names_the_row_of_a_bad_value_past_the_first_chunk(client):
    lines = ["a,b,label"] + [f"{i},{i},{i % 2}" for i in range(70_000)]
    lines[50_001] = "1,oops,0"  # data row 50,001: many chunks in
    files = {"file": ("big.csv", ("\n".join(lines) + "\n").encode(), "text/csv")}
    response = client.post("/v1/datasets", files=files, data={"target": "label"})
    problem = assert_problem(response, 422, "validation-error", loc="file")
    assert "row 50001, column 'b'" in problem["detail"]


def test_a_large_predict_is_answered_byte_for_byte_as_a_small_one(client, classifier):
    # given
    X = np.random.default_rng(1).normal(size=(20_000, 2)).round(3)
    body = orjson.dumps({"inputs": X.tolist()})
    assert len(body) > 256 * 1024

    # when
    response = client.post(f"/v1/models/{classifier.model_id}/predict", content=body, headers=JSON)

    # then: the bytes the small path encodes in one piece
    assert response.status_code == 200, response.text
    outputs, proba = classifier.net.predict_with_proba(X)
    reply = {
        "model_id": classifier.model_id,
        "outputs": outputs,
        "labels": classifier.net.classes[proba.argmax(axis=1)].tolist(),
        "probabilities": proba,
    }
    assert response.content == orjson.dumps(reply, option=orjson.OPT_SERIALIZE_NUMPY)


def test_a_large_predict_with_a_ragged_row_is_422(client, classifier):
    rows = np.zeros((40_000, 2)).tolist()
    rows[3] = [1.0]
    response = client.post(
        f"/v1/models/{classifier.model_id}/predict",
        content=orjson.dumps({"inputs": rows}),
        headers=JSON,
    )
    assert_problem(response, 422, "validation-error", loc="inputs.3")


def test_large_bodies_past_the_budget_are_503_with_retry_after(settings, sessions, key):
    # given: room for one body of 600 kB at a time
    app = create_app(
        settings.model_copy(update={"max_body_bytes_in_flight": 10**6}), session_factory=sessions
    )
    X, y = _dataset(20_000)
    body = _json(X, y)
    size = {**JSON, "content-length": str(len(body))}

    async def scenario() -> tuple[httpx.Response, ...]:
        started, release = asyncio.Event(), asyncio.Event()

        async def slow():  # the first upload, stalled after its first 300 kB
            yield body[:300_000]
            started.set()
            await release.wait()
            yield body[300_000:]

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://syn0", headers=key.headers, timeout=60
        ) as client:
            first = asyncio.create_task(client.post("/v1/datasets", content=slow(), headers=size))
            await started.wait()
            # when: a second large body arrives, and a small request
            second = await client.post("/v1/datasets", content=body, headers=JSON)
            small = await client.get("/v1/datasets")
            release.set()
            return await first, second, small

    first, second, small = asyncio.run(scenario())

    # then
    assert first.status_code == 201, first.text
    problem = assert_problem(second, 503, "service-unavailable")
    assert "SYN0_MAX_BODY_BYTES_IN_FLIGHT" in problem["detail"]
    assert int(second.headers["retry-after"]) >= 1
    assert small.status_code == 200


def test_healthz_answers_while_a_large_upload_parses(settings, sessions, key):
    # given: a 32 MB upload, seconds of parsing
    app = create_app(settings, session_factory=sessions)
    X, y = _dataset(400_000, columns=10)
    body = _json(X, y)

    async def scenario() -> tuple[httpx.Response, list[float]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://syn0", headers=key.headers, timeout=300
        ) as client:
            upload = asyncio.create_task(client.post("/v1/datasets", content=body, headers=JSON))
            latencies = []  # of a probe and the pause before it: a stalled loop stalls both
            while not upload.done():
                started = time.perf_counter()
                await asyncio.sleep(0.05)
                assert (await client.get("/healthz")).status_code == 200
                latencies.append(time.perf_counter() - started - 0.05)
            return await upload, latencies

    # when: the test process's own heap (every module and fixture of a long pytest run)
    # frozen out of the cyclic GC, so that a full collection, which holds the GIL, scans
    # what the request makes, as in an API process, not millions of test objects (1.3 s
    # under CI load, against 0.1 s)
    gc.collect()
    gc.freeze()
    try:
        upload, latencies = asyncio.run(scenario())
    finally:
        gc.unfreeze()

    # then: a generous bound; the event loop used to wait for the whole parse
    assert upload.status_code == 201, upload.text
    assert len(latencies) >= 3
    assert max(latencies) < 1.0, f"/healthz took {max(latencies):.2f} s"


def test_a_large_upload_costs_a_few_times_its_size(client):
    # given: 10 MB of short numbers, the costliest kind when parsed into Python floats
    X, y = _dataset(150_000, columns=10)
    body = _json(X, y)

    # when
    tracemalloc.start()
    try:
        response = client.post("/v1/datasets", content=body, headers=JSON)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then: the body, its arrays and their stored form; about 15 times the body before
    assert response.status_code == 201, response.text
    assert peak < 4 * len(body), f"peak {peak / len(body):.1f} times the body"


def test_a_body_read_as_a_file_gives_each_byte_once_and_lets_go_of_it():
    body = Body()
    for chunk in (b"abc", b"defgh", b"i"):
        body.append(chunk)
    assert (len(body), body.bytes()) == (9, b"abcdefghi")
    assert body.read(0) == b""  # what ijson asks first
    assert [body.read(2), body.read(2), body.read(-1), body.read(5)] == [
        b"ab",
        b"c",
        b"defgh",
        b"i",
    ]
    assert body.read(1) == b"" and body.bytes() == b""
