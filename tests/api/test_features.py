"""Named features: datasets keep them, models carry them in their signature, and predict
takes records and CSV bodies matched by name (issue 16, items 1 and 2)."""

from __future__ import annotations

import csv
import io
import tracemalloc

import numpy as np
import pytest

from syn0.jobs.training import run_job
from tests.api.factories import assert_problem, csv_bytes, mlp, npz_bytes, points, training

NAMES = ["age", "income"]


def _upload(client, **body) -> dict:
    X, y = points(40, labels=("no", "yes"))
    payload = {"name": "people", "features": X.tolist(), "targets": y.tolist(), **body}
    response = client.post("/v1/datasets", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def _train(client, sessions, settings, dataset: dict) -> dict:
    """Submit a job on ``dataset`` and train it as the worker does (``run_job``)."""
    body = {"dataset_id": dataset["id"], "network": mlp(), "training": training(epochs=10)}
    job = client.post("/v1/jobs", json=body).json()
    assert run_job(job["id"], sessions, settings) == "succeeded"
    model_id = client.get(f"/v1/jobs/{job['id']}").json()["model_id"]
    return client.get(f"/v1/models/{model_id}").json()


@pytest.fixture
def named(client, sessions, settings) -> dict:
    """A model trained on a CSV whose features are named ``age`` and ``income``, its
    target ``label``."""
    X, y = points(40, labels=("no", "yes"))
    data = csv_bytes(X, y).replace(b"x1,x2,", b"age,income,", 1)
    response = client.post(
        "/v1/datasets", files={"file": ("d.csv", data)}, data={"target": "label"}
    )
    return _train(client, sessions, settings, response.json())


def _predict(client, model_id: str, **kwargs):
    return client.post(f"/v1/models/{model_id}/predict", **kwargs)


# --- datasets -----------------------------------------------------------------------------


def test_a_dataset_keeps_its_names_or_reads_x0_x1(client):
    assert _upload(client, feature_names=[" age", "income "])["feature_names"] == NAMES
    assert _upload(client)["feature_names"] == ["x0", "x1"]
    generated = client.post("/v1/datasets/generate", json={"kind": "xor", "n_samples": 20})
    assert generated.json()["feature_names"] == ["x0", "x1"]
    images = client.post(
        "/v1/datasets/generate", json={"kind": "glyphs", "n_samples": 20, "image_size": 8}
    )
    assert images.json()["feature_names"] is None


@pytest.mark.parametrize(
    ("names", "loc", "words"),
    [
        (["age"], "feature_names", "has 1 names; the features have 2 columns"),
        (["age", "age"], "feature_names.1", "'age' appears twice"),
        (["age", " "], "feature_names.1", "is empty"),
        (["age", "x" * 201], "feature_names.1", "201 characters; the limit is 200"),
        (["age", "a\x00b"], "feature_names.1", "control character"),
    ],
)
def test_bad_feature_names_are_a_422_naming_them(client, names, loc, words):
    X, y = points(10)
    body = {"name": "d", "features": X.tolist(), "targets": y.tolist(), "feature_names": names}

    problem = assert_problem(client.post("/v1/datasets", json=body), 422, "validation-error", loc)

    assert words in problem["detail"]
    assert client.get("/v1/datasets").json()["items"] == []


def test_names_of_images_are_refused(client):
    body = {"name": "d", "features": np.zeros((4, 3, 3)).tolist(), "targets": [0, 1, 0, 1]}
    response = client.post("/v1/datasets", json={**body, "feature_names": ["a", "b", "c"]})

    problem = assert_problem(response, 422, "validation-error", loc="feature_names")
    assert "images" in problem["detail"]


def test_a_large_json_upload_keeps_its_names(client):
    X, y = points(12_000)  # over 256 KiB: streamed
    body = {"name": "big", "features": X.tolist(), "targets": y.tolist(), "feature_names": NAMES}

    response = client.post("/v1/datasets", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["feature_names"] == NAMES


def test_a_csv_keeps_its_header_and_target_and_an_npz_its_names(client):
    X, y = points(10)
    data = csv_bytes(X, y, target="label").replace(b"x1,x2,", b"width,height,", 1)
    upload = client.post(
        "/v1/datasets", files={"file": ("d.csv", data)}, data={"target": "label"}
    ).json()
    assert (upload["feature_names"], upload["target_name"]) == (["width", "height"], "label")
    npz = npz_bytes(X=X, y=y, feature_names=np.array(NAMES))
    assert (
        client.post("/v1/datasets", files={"file": ("d.npz", npz)}).json()["feature_names"] == NAMES
    )
    unnamed = client.post("/v1/datasets", files={"file": ("d.npz", npz_bytes(X=X, y=y))})
    assert unnamed.json()["feature_names"] == ["x0", "x1"]
    wrong = npz_bytes(X=X, y=y, feature_names=np.array(["a", "b", "c"]))
    response = client.post("/v1/datasets", files={"file": ("d.npz", wrong)})
    assert "has 3 names" in assert_problem(response, 422, "validation-error")["detail"]
    twice = data.replace(b"width,height,", b"width,width,", 1)
    response = client.post(
        "/v1/datasets", files={"file": ("d.csv", twice)}, data={"target": "label"}
    )
    assert "'width' appears twice" in assert_problem(response, 422, "validation-error")["detail"]


# --- the signature ------------------------------------------------------------------------


def test_a_model_shows_its_signature(client, named):
    assert named["signature"] == {
        "feature_names": NAMES,
        "target_name": "label",
        "input_shape": [2],
        "dtype": "float32",
        "task": "classification",
        "classes": ["no", "yes"],
    }


def test_a_model_without_stored_names_reads_x0_x1(client, classifier):
    model = client.get(f"/v1/models/{classifier.model_id}").json()
    assert model["signature"]["feature_names"] == ["x0", "x1"]

    reply = _predict(client, classifier.model_id, json={"records": [{"x1": 1.0, "x0": -2.0}]})

    assert reply.status_code == 200, reply.text
    assert reply.json()["labels"] == classifier.net.predict_labels(np.array([[-2.0, 1.0]])).tolist()


# --- records ------------------------------------------------------------------------------


def test_records_in_any_order_answer_as_inputs(client, named):
    X, _ = points(5, seed=3)
    records = [{"income": float(b), "age": float(a)} for a, b in X]

    by_name = _predict(client, named["id"], json={"records": records})
    by_position = _predict(client, named["id"], json={"inputs": X.tolist()})

    assert by_name.status_code == 200, by_name.text
    assert by_name.json() == by_position.json()


def test_large_records_are_streamed_to_the_same_answer(client, named):
    X, _ = points(8000, seed=4)  # over 256 KiB of records
    records = [{"income": float(b), "age": float(a)} for a, b in X]

    by_name = _predict(client, named["id"], json={"records": records})
    by_position = _predict(client, named["id"], json={"inputs": X.tolist()})

    assert by_name.status_code == 200, by_name.text
    assert by_name.json() == by_position.json()


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize(
    ("records", "loc", "words"),
    [
        ([{"age": 1.0}], "records", "lacks the feature 'income'"),
        ([{"age": 1.0, "income": 2.0, "height": 3.0}], "records", "unknown feature 'height'"),
        ([{"age": 1.0, "income": 2.0}, {"age": 1.0}], "records.1", "lacks the feature 'income'"),
        ([{"age": 1.0, "income": "2"}], "records.0.income", "must be a number"),
        ([], "records", "non-empty"),
    ],
)
def test_a_missing_or_unknown_name_is_a_422_naming_it(client, named, records, loc, words, large):
    if large and records:  # the same mistakes in a body over 256 KiB
        records = [records[0]] * 9000 + records[1:]
        loc = loc.replace("records.1", "records.9000")

    problem = assert_problem(
        _predict(client, named["id"], json={"records": records}), 422, "validation-error", loc
    )

    assert words in problem["detail"]
    if "feature" in words and loc == "records":
        assert "the model reads ['age', 'income']" in problem["detail"]


def test_records_and_inputs_at_once_or_for_images_are_refused(client, named):
    both = _predict(client, named["id"], json={"inputs": [[1, 2]], "records": [{"age": 1}]})
    assert "either `inputs` or `records`" in assert_problem(both, 422, "validation-error")["detail"]


# --- CSV over HTTP ------------------------------------------------------------------------


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def test_a_csv_body_is_matched_by_name_and_answers_json_or_csv(client, named):
    X, _ = points(6, seed=5)
    body = _csv(["label", "income", "age"], [["yes", b, a] for a, b in X.tolist()])
    expected = _predict(client, named["id"], json={"inputs": X.tolist()}).json()

    as_json = _predict(client, named["id"], content=body, headers={"content-type": "text/csv"})
    as_csv = _predict(
        client,
        named["id"],
        content=body,
        headers={"content-type": "text/csv", "accept": "text/csv"},
    )

    assert as_json.status_code == 200, as_json.text
    assert as_json.json() == expected
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["label", "p_no", "p_yes"]
    assert [row[0] for row in rows[1:]] == expected["labels"]
    np.testing.assert_allclose(
        [[float(p) for p in row[1:]] for row in rows[1:]], expected["probabilities"], rtol=1e-6
    )


def test_json_inputs_answer_csv_when_asked(client, regressor_named):
    X, _ = points(3, seed=6)
    reply = _predict(
        client, regressor_named["id"], json={"inputs": X.tolist()}, headers={"accept": "text/csv"}
    )
    outputs = _predict(client, regressor_named["id"], json={"inputs": X.tolist()}).json()["outputs"]

    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0] == ["output"]
    np.testing.assert_allclose([float(r[0]) for r in rows[1:]], np.ravel(outputs), rtol=1e-6)


@pytest.fixture
def regressor_named(client, sessions, settings) -> dict:
    X, _ = points(30)
    y = (X[:, 0] - X[:, 1]) / 4
    body = {"name": "r", "features": X.tolist(), "targets": y.tolist(), "feature_names": NAMES}
    dataset = client.post("/v1/datasets", json={**body, "task": "regression"}).json()
    job = client.post(
        "/v1/jobs",
        json={
            "dataset_id": dataset["id"],
            "network": mlp(n_out=1, out_activation="linear"),
            "training": training("mse"),
        },
    ).json()
    assert run_job(job["id"], sessions, settings) == "succeeded"
    model_id = client.get(f"/v1/jobs/{job['id']}").json()["model_id"]
    return client.get(f"/v1/models/{model_id}").json()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"age\n1\n", "the CSV header lacks the feature 'income'"),
        (b"age,income,height\n1,2,3\n", "unknown feature 'height'"),
        (b"age,income,age\n1,2,3\n", "names the feature 'age' twice"),
        (b"age,income\n1\n", "first data row has 1 fields; the header has 2"),
        (b"age,income\n1,2\n1\n", "the number of columns changed from 2 to 1 at row 2"),
        (b"age,income\n1,2,3\n", "first data row has 3 fields; the header has 2"),
        (b"age,income\n1,2\n1,2,3\n", "the number of columns changed from 2 to 3 at row 2"),
        (b"label,age,income\nyes,1\n", "invalid column index 2 at row 1 with 2 columns"),
        (b"age,income\n1,x\n", "CSV data row 1, column 'income': 'x' is not a number"),
        (b"age,income\n", "a header but no data rows"),
        (b"", "the CSV body is empty"),
        (b"age,income\n1,\xff\n", "must be UTF-8"),
    ],
)
def test_bad_csv_bodies_are_a_422_saying_why(client, named, body, words):
    response = _predict(client, named["id"], content=body, headers={"content-type": "text/csv"})

    assert words in assert_problem(response, 422, "validation-error")["detail"]


def test_a_csv_body_for_an_image_model_says_to_send_inputs(client, sessions, settings):
    images = client.post(
        "/v1/datasets/generate", json={"kind": "glyphs", "n_samples": 30, "image_size": 8}
    ).json()
    network = {
        "input_shape": [1, 8, 8],
        "layers": [{"type": "flatten"}, {"type": "dense", "units": 10, "activation": "softmax"}],
    }
    body = {"dataset_id": images["id"], "network": network, "training": training(epochs=1)}
    job = client.post("/v1/jobs", json=body).json()
    assert run_job(job["id"], sessions, settings) == "succeeded"
    model_id = client.get(f"/v1/jobs/{job['id']}").json()["model_id"]
    assert client.get(f"/v1/models/{model_id}").json()["signature"]["feature_names"] is None

    as_csv = _predict(client, model_id, content=b"a\n1\n", headers={"content-type": "text/csv"})
    records = _predict(client, model_id, json={"records": [{"a": 1.0}]})

    assert "send them as JSON `inputs`" in assert_problem(as_csv, 422, "validation-error")["detail"]
    assert "send them as `inputs`" in assert_problem(records, 422, "validation-error")["detail"]


@pytest.mark.slow
def test_a_50_mb_csv_costs_under_3_times_its_size(client, sessions, settings):
    # given: a regression on ten named features, and 50 MB of rows for it
    names = [f"f{i}" for i in range(10)]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10)).astype(np.float32)
    body = {"name": "wide", "features": X.tolist(), "targets": X.sum(axis=1).tolist()}
    dataset = client.post("/v1/datasets", json={**body, "feature_names": names}).json()
    network = mlp(n_in=10, n_out=1, out_activation="linear")
    job = client.post(
        "/v1/jobs",
        json={"dataset_id": dataset["id"], "network": network, "training": training("mse")},
    ).json()
    assert run_job(job["id"], sessions, settings) == "succeeded"
    model_id = client.get(f"/v1/jobs/{job['id']}").json()["model_id"]
    block = io.BytesIO()  # 1,000 rows, repeated: numbers of every length, made fast
    np.savetxt(block, rng.normal(size=(1000, 10)), fmt="%.4f", delimiter=",")
    n_rows = 720_000
    data = (",".join(names[::-1]) + "\n").encode() + block.getvalue() * (n_rows // 1000)
    assert len(data) > 50 * 2**20

    # when
    tracemalloc.start()
    try:
        reply = _predict(
            client,
            model_id,
            content=data,
            headers={"content-type": "text/csv", "accept": "text/csv"},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then: the body, its float32 array (twice while its chunks are joined), the forward
    # pass a chunk at a time and the reply's text (held whole by the test client)
    assert reply.status_code == 200, reply.text[:500]
    lines = reply.text.splitlines()
    assert len(lines) == n_rows + 1 and lines[0] == "output"
    assert peak < 3 * len(data), f"peak {peak / len(data):.2f} times the body"
