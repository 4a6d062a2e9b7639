"""Batch predictions end to end (issue 16, item 4): a dataset at the size limit predicted
by a real worker through the queue, its result streamed back over real HTTP, on
PostgreSQL + Redis and on the embedded default."""

from __future__ import annotations

import csv
import io
import time

import numpy as np
import orjson
import pytest

from syn0.core import Network
from tests.e2e.conftest import Stack, wait_for

CELLS = 400_000  # SYN0_MAX_DATASET_CELLS: the dataset below is exactly at the limit
ROWS = CELLS // 2
NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}


@pytest.fixture(scope="module", params=["postgres-redis", "embedded"])
def stack(request, tmp_path_factory):
    running = Stack(
        request.param,
        tmp_path_factory.mktemp(request.param),
        SYN0_MAX_DATASET_CELLS=str(CELLS),
    )
    yield running
    running.stop()


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _wait(client, prediction_id: str, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        prediction = client.get(f"/v1/predictions/{prediction_id}").json()
        if prediction["status"] in ("succeeded", "failed"):
            return prediction
        time.sleep(0.2)
    raise AssertionError(f"prediction {prediction_id} still {prediction['status']}")


def test_a_dataset_at_the_limit_is_predicted_and_streamed_back(stack: Stack):
    client = stack.client
    # given: a model of the features (age, income), and a dataset at the cell limit
    # whose columns come in the other order
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = np.where(X[:, 0] > X[:, 1], "high", "low")
    names = {"feature_names": np.array(["age", "income"])}
    small = client.post("/v1/datasets", files={"file": ("t.npz", _npz(X=X, y=y, **names))})
    body = {
        "dataset_id": small.json()["id"],
        "network": NETWORK,
        "training": {"loss": "cross_entropy", "epochs": 5},
    }
    submitted = client.post("/v1/jobs", json=body)
    assert submitted.status_code == 202, submitted.text
    job = wait_for(client, submitted.json()["id"], {"succeeded", "failed"})
    assert job["status"] == "succeeded", job
    big = rng.normal(size=(ROWS, 2)).astype(np.float32)
    swapped = {"feature_names": np.array(["income", "age"])}
    upload = client.post(
        "/v1/datasets",
        files={"file": ("big.npz", _npz(X=big[:, ::-1], y=np.zeros(ROWS), **swapped))},
        data={"task": "regression"},
    )
    assert upload.status_code == 201, upload.text

    # when
    submitted = client.post(
        f"/v1/models/{job['model_id']}/predictions", json={"dataset_id": upload.json()["id"]}
    )
    assert submitted.status_code == 202, submitted.text
    done = _wait(client, submitted.json()["id"])

    # then: every row, in order, as the model's own forward pass gives it
    assert (done["status"], done["rows_done"], done["n_rows"]) == ("succeeded", ROWS, ROWS), done
    net = Network.from_bytes(client.get(f"/v1/models/{job['model_id']}/weights").content)
    expected = net.predict_labels(big)
    url = f"/v1/predictions/{done['id']}/result"
    with client.stream("GET", url, headers={"accept": "text/csv"}) as reply:
        assert reply.status_code == 200
        assert reply.headers["transfer-encoding"] == "chunked"
        text = "".join(reply.iter_text())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["row", "label", "p_high", "p_low"]
    assert len(rows) == ROWS + 1
    assert [int(row[0]) for row in rows[1:]] == list(range(ROWS))
    assert [row[1] for row in rows[1:]] == expected.tolist()
    lines = client.get(url).text.splitlines()
    assert len(lines) == ROWS
    last = orjson.loads(lines[-1])
    assert (last["row"], last["label"]) == (ROWS - 1, expected[-1])
    np.testing.assert_allclose(last["probabilities"], net.predict_proba(big[-1:])[0], rtol=1e-5)
