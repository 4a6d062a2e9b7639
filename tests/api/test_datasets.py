from __future__ import annotations

import io
import json

import numpy as np
import pytest

from syn0.core.datasets import glyphs
from syn0.datasets import repository as store
from tests.api.factories import (
    assert_problem,
    create_dataset,
    csv_bytes,
    dataset_json,
    npz_bytes,
    points,
    queued_job,
)

# --- uploads ------------------------------------------------------------------------------


def test_json_upload_infers_classification_and_stores_float32(client, sessions, key):
    # given
    body = dataset_json(n=30)

    # when
    response = client.post("/v1/datasets", json=body)

    # then
    assert response.status_code == 201, response.text
    dataset = response.json()
    assert response.headers["location"] == f"/v1/datasets/{dataset['id']}"
    assert dataset["name"] == "blobs"
    assert dataset["task"] == "classification"
    assert (dataset["n_samples"], dataset["input_shape"], dataset["n_outputs"]) == (30, [2], 2)
    assert dataset["classes"] == [0, 1]
    assert len(dataset["sha256"]) == 64 and dataset["created_at"]
    with sessions() as session:
        X, y = store.load_arrays(session, key.tenant_id, dataset["id"])
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X, np.asarray(body["features"], dtype=np.float32))
    np.testing.assert_array_equal(y, body["targets"])


def test_json_upload_infers_regression_and_can_be_forced(client):
    X, _ = points(20)
    targets = (X[:, 0] * 0.37).tolist()

    inferred = create_dataset(client, features=X.tolist(), targets=targets)
    forced = create_dataset(client, targets=[0, 1] * 10, n=20, task="regression")

    assert (inferred["task"], inferred["n_outputs"], inferred["classes"]) == ("regression", 1, None)
    assert (forced["task"], forced["n_outputs"], forced["classes"]) == ("regression", 1, None)


def test_images_without_a_channel_axis_get_one(client, sessions, key):
    images = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)

    dataset = create_dataset(client, features=images.tolist(), targets=[0, 1, 0, 1])

    assert dataset["input_shape"] == [1, 5, 6]
    with sessions() as session:
        X, _ = store.load_arrays(session, key.tenant_id, dataset["id"])
    assert X.shape == (4, 1, 5, 6)


def test_csv_upload_keeps_string_labels(client, sessions, key):
    # given
    X, y = points(12, labels=("dog", "cat"))
    files = {"file": ("pets.csv", csv_bytes(X, y), "text/csv")}

    # when
    response = client.post("/v1/datasets", files=files, data={"target": "label"})

    # then
    assert response.status_code == 201, response.text
    dataset = response.json()
    assert dataset["name"] == "pets.csv"
    assert dataset["task"] == "classification"
    assert dataset["classes"] == ["cat", "dog"]
    assert (dataset["n_samples"], dataset["input_shape"], dataset["n_outputs"]) == (12, [2], 2)
    with sessions() as session:
        stored_X, stored_y = store.load_arrays(session, key.tenant_id, dataset["id"])
    np.testing.assert_allclose(stored_X, X, rtol=1e-6)
    assert stored_y.tolist() == y.tolist()


def test_npz_upload(client):
    X, y = points(10)
    files = {"file": ("blobs.npz", npz_bytes(X=X, y=y), "application/octet-stream")}

    response = client.post("/v1/datasets", files=files, data={"name": "from numpy"})

    assert response.status_code == 201, response.text
    assert response.json()["name"] == "from numpy"
    assert response.json()["n_samples"] == 10


def test_npz_with_object_arrays_is_refused(client):
    y = np.array([{"a": 1}, None], dtype=object)
    files = {"file": ("bad.npz", npz_bytes(X=np.zeros((2, 2)), y=y), "application/octet-stream")}

    response = client.post("/v1/datasets", files=files)

    assert_problem(response, 422, "validation-error", loc="file")


def test_csv_without_the_target_column_names_the_columns(client):
    X, y = points(6)
    files = {"file": ("data.csv", csv_bytes(X, y), "text/csv")}

    response = client.post("/v1/datasets", files=files, data={"target": "species"})

    problem = assert_problem(response, 422, "validation-error", loc="target")
    assert "'species'" in problem["detail"] and "['x1', 'x2', 'label']" in problem["detail"]


def test_csv_with_a_non_numeric_feature_names_row_and_column(client):
    data = b"x1,x2,label\n1,2,a\n3,oops,b\n"

    response = client.post(
        "/v1/datasets", files={"file": ("d.csv", data, "text/csv")}, data={"target": "label"}
    )

    problem = assert_problem(response, 422, "validation-error", loc="file")
    assert "row 2" in problem["detail"] and "'x2'" in problem["detail"]


def test_npz_shapes_are_checked_against_the_limit_before_loading(make_client):
    client = make_client(max_dataset_cells=1000)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=np.zeros((100_000, 2)), y=np.zeros(100_000))

    response = client.post("/v1/datasets", files={"file": ("zeros.npz", buffer.getvalue())})

    problem = assert_problem(response, 422, "limit-exceeded", loc="features")
    assert (problem["limit"], problem["value"]) == (1000, 200_000)


@pytest.mark.parametrize(
    ("files", "data", "loc"),
    [
        (None, {"target": "label"}, "file"),
        (
            {"file": ("d.csv", b"x,label\n1,a\n", "text/csv")},
            {"target": "label", "task": "x"},
            "task",
        ),
        ({"file": ("d.csv", b"x,label\n1,a\n", "text/csv")}, {}, "target"),
        (
            {"file": ("d.npz", npz_bytes(X=np.zeros((2, 2))), "application/octet-stream")},
            {},
            "file",
        ),
        ({"file": ("d.csv", b"x,label\n1,a\n2\n", "text/csv")}, {"target": "label"}, "file"),
    ],
    ids=["no-file", "bad-task", "csv-without-target-field", "npz-without-y", "short-csv-line"],
)
def test_bad_uploads(client, files, data, loc):
    if files is None:  # a multipart body with no file part
        files = {"other": ("x.txt", b"x", "text/plain")}

    response = client.post("/v1/datasets", files=files, data=data)

    assert_problem(response, 422, "validation-error", loc=loc)


# --- invalid JSON datasets ----------------------------------------------------------------


def test_malformed_json(client):
    response = client.post(
        "/v1/datasets", content=b'{"name": "x", "features": [[1, 2]', headers=_JSON
    )

    problem = assert_problem(response, 422, "validation-error", loc="body")
    assert "not valid JSON" in problem["detail"]


def test_nan_in_features_names_the_cell(client):
    body = dataset_json(n=4)
    body["features"][1][0] = float("nan")

    response = client.post("/v1/datasets", content=json.dumps(body), headers=_JSON)

    problem = assert_problem(response, 422, "validation-error", loc="features.1.0")
    assert "NaN" in problem["detail"]


def test_ragged_rows_name_the_row(client):
    body = dataset_json(n=4)
    body["features"][2] = [1.0]

    response = client.post("/v1/datasets", json=body)

    problem = assert_problem(response, 422, "validation-error", loc="features.2")
    assert "row 2 has 1 values, row 0 has 2 values" in problem["detail"]


def test_targets_must_match_the_samples(client):
    response = client.post("/v1/datasets", json=dataset_json(n=4, targets=[0, 1, 0]))

    assert_problem(response, 422, "validation-error", loc="targets")


def test_missing_field_is_named(client):
    body = dataset_json()
    del body["targets"]

    response = client.post("/v1/datasets", json=body)

    assert_problem(response, 422, "validation-error", loc="targets")


def test_too_many_values_names_the_limit(make_client):
    client = make_client(max_dataset_cells=50)

    response = client.post("/v1/datasets", json=dataset_json(n=40))

    problem = assert_problem(response, 422, "limit-exceeded", loc="features")
    assert (problem["limit"], problem["value"]) == (50, 80)
    assert "50" in problem["detail"] and "SYN0_MAX_DATASET_CELLS" in problem["detail"]


def test_unsupported_media_type(client):
    response = client.post(
        "/v1/datasets", content=b"x1,y\n1,2\n", headers={"content-type": "text/csv"}
    )

    assert_problem(response, 415, "unsupported-media-type")


# --- generate -----------------------------------------------------------------------------


def test_generate_uses_core_generators(client):
    spiral = client.post(
        "/v1/datasets/generate", json={"kind": "spiral", "n_samples": 100, "noise": 0.1, "seed": 3}
    )
    plane = client.post("/v1/datasets/generate", json={"kind": "plane", "name": "flat"})

    assert spiral.status_code == 201, spiral.text
    assert spiral.json()["name"] == "spiral (100, noise 0.1, seed 3)"
    assert (spiral.json()["task"], spiral.json()["classes"]) == ("classification", [0, 1])
    assert (plane.json()["name"], plane.json()["task"]) == ("flat", "regression")
    assert plane.json()["n_samples"] == 500


def test_generate_unknown_kind(client):
    response = client.post("/v1/datasets/generate", json={"kind": "donut"})

    assert_problem(response, 422, "validation-error", loc="kind")


def test_generate_respects_the_size_limit(make_client):
    client = make_client(max_dataset_cells=100)

    response = client.post("/v1/datasets/generate", json={"kind": "xor", "n_samples": 51})

    assert_problem(response, 422, "limit-exceeded", loc="features")


def test_generate_glyphs_stores_images_and_the_settings_used(client, sessions, key):
    # when
    grey = client.post("/v1/datasets/generate", json={"kind": "glyphs", "n_samples": 50})
    settings = {
        "kind": "glyphs",
        "n_samples": 40,
        "noise": 0.2,
        "seed": 4,
        "channels": 3,
        "image_size": 28,
    }
    colour = client.post("/v1/datasets/generate", json=settings)

    # then
    assert grey.status_code == 201, grey.text
    assert grey.json()["name"] == "glyphs (50, 1x16x16, noise 0, seed 0)"
    assert (grey.json()["task"], grey.json()["input_shape"]) == ("classification", [1, 16, 16])
    assert (grey.json()["n_outputs"], grey.json()["classes"]) == (10, list(range(10)))
    assert grey.json()["generator"] == {
        "kind": "glyphs",
        "n_samples": 50,
        "noise": 0.0,
        "seed": 0,
        "channels": 1,
        "image_size": 16,
    }
    assert colour.status_code == 201, colour.text
    assert colour.json()["input_shape"] == [3, 28, 28]
    assert client.get(f"/v1/datasets/{colour.json()['id']}").json()["generator"] == settings
    with sessions() as session:
        X, y = store.load_arrays(session, key.tenant_id, colour.json()["id"])
    expected_X, expected_y = glyphs(40, noise=0.2, seed=4, channels=3, size=28)
    assert X.tobytes() == expected_X.tobytes() and np.array_equal(y, expected_y)


@pytest.mark.parametrize(
    ("body", "loc", "says"),
    [
        ({"kind": "glyphs", "channels": 2}, "channels", "1 (grey) or 3 (colour); received 2"),
        ({"kind": "glyphs", "channels": True}, "channels", "valid integer"),
        ({"kind": "glyphs", "image_size": 33}, "image_size", "less than or equal to 32"),
        ({"kind": "glyphs", "image_size": 7}, "image_size", "greater than or equal to 8"),
        ({"kind": "spiral", "channels": 1}, "channels", "`channels` is for the image generators"),
        ({"kind": "plane", "image_size": 16}, "image_size", "plane makes 2-D points"),
    ],
)
def test_generate_refuses_image_settings_out_of_range_or_for_points(client, body, loc, says):
    response = client.post("/v1/datasets/generate", json=body)

    problem = assert_problem(response, 422, "validation-error", loc=loc)
    assert says in problem["detail"]


def test_generate_glyphs_respects_the_size_limit(make_client):
    client = make_client(max_dataset_cells=3 * 32 * 32 * 10)
    body = {"kind": "glyphs", "channels": 3, "image_size": 32}

    allowed = client.post("/v1/datasets/generate", json={**body, "n_samples": 10})
    refused = client.post("/v1/datasets/generate", json={**body, "n_samples": 11})

    assert allowed.status_code == 201, allowed.text
    problem = assert_problem(refused, 422, "limit-exceeded", loc="features")
    assert (problem["value"], problem["limit"]) == (11 * 3 * 32 * 32, 10 * 3 * 32 * 32)


# --- read, list, delete -------------------------------------------------------------------


def test_list_pages_newest_first_with_a_cursor(client):
    # given
    ids = [create_dataset(client, name=f"d{i}", n=4)["id"] for i in range(3)]

    # when
    first = client.get("/v1/datasets", params={"limit": 2}).json()
    second = client.get("/v1/datasets", params={"limit": 2, "cursor": first["next_cursor"]})

    # then
    assert [item["id"] for item in first["items"]] == ids[:0:-1]
    assert first["next_cursor"]
    assert [item["id"] for item in second.json()["items"]] == ids[:1]
    assert second.json()["next_cursor"] is None


def test_list_refuses_a_bad_cursor_and_a_big_limit(client):
    assert_problem(
        client.get("/v1/datasets?cursor=garbage"), 422, "validation-error", loc="query.cursor"
    )
    problem = assert_problem(
        client.get("/v1/datasets?limit=1000"), 422, "validation-error", loc="query.limit"
    )
    assert "100" in problem["detail"]
    assert_problem(client.get("/v1/datasets?limit=0"), 422, "validation-error", loc="query.limit")


def test_get_and_unknown_id(client):
    dataset = create_dataset(client)

    assert client.get(f"/v1/datasets/{dataset['id']}").json() == dataset
    problem = assert_problem(client.get("/v1/datasets/nope"), 404, "not-found")
    assert "'nope'" in problem["detail"]


def test_delete(client):
    dataset = create_dataset(client)

    response = client.delete(f"/v1/datasets/{dataset['id']}")

    assert response.status_code == 204
    assert_problem(client.get(f"/v1/datasets/{dataset['id']}"), 404, "not-found")
    assert_problem(client.delete(f"/v1/datasets/{dataset['id']}"), 404, "not-found")


def test_delete_is_refused_while_a_job_is_queued(client):
    # given
    dataset = create_dataset(client)
    job = queued_job(client, dataset["id"])

    # when
    refused = client.delete(f"/v1/datasets/{dataset['id']}")
    client.post(f"/v1/jobs/{job['id']}/cancel")
    allowed = client.delete(f"/v1/datasets/{dataset['id']}")

    # then
    assert_problem(refused, 409, "conflict")
    assert allowed.status_code == 204


_JSON = {"content-type": "application/json"}


def test_a_generated_dataset_keeps_its_generator_settings_and_an_upload_has_none(client):
    # when
    generated = client.post(
        "/v1/datasets/generate", json={"kind": "spiral", "n_samples": 60, "noise": 0.2, "seed": 3}
    )
    uploaded = client.post(
        "/v1/datasets", json={"name": "tiny", "features": [[0.0], [1.0]], "targets": [0, 1]}
    )
    # then
    assert generated.status_code == 201 and uploaded.status_code == 201
    settings = {"kind": "spiral", "n_samples": 60, "noise": 0.2, "seed": 3}
    assert generated.json()["generator"] == settings
    assert client.get(f"/v1/datasets/{generated.json()['id']}").json()["generator"] == settings
    assert uploaded.json()["generator"] is None
