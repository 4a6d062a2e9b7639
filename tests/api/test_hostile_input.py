"""Input built to hurt: odd bytes, oversized cells, damaged archives. Each is a 4xx
naming the field, never a 500, and never a large allocation before the check."""

import base64
import io
import zipfile

import numpy as np
import pytest

from tests.api.factories import assert_problem, create_dataset, npz_bytes


def _upload(client, name, payload, data=None, media="application/octet-stream"):
    return client.post("/v1/datasets", files={"file": (name, payload, media)}, data=data or {})


@pytest.mark.parametrize(
    "path",
    ["/v1/datasets/a%00b", "/v1/jobs/a%00b", "/v1/models/a%00b", "/v1/datasets/" + "f" * 33],
)
def test_ids_that_no_row_can_have_are_404(client, path):
    assert_problem(client.get(path), 404, "not-found")


def test_predict_with_an_odd_id_is_404(client):
    response = client.post("/v1/models/a%00b/predict", json={"inputs": [[1, 2]]})
    assert_problem(response, 404, "not-found")


def test_a_forged_cursor_is_refused(client):
    cursor = base64.urlsafe_b64encode(b"2026-01-01T00:00:00|a\x00b").decode()
    assert_problem(client.get("/v1/datasets", params={"cursor": cursor}), 422, "validation-error")


def test_a_name_with_control_characters_is_refused(client):
    body = {"name": "a\x00b", "features": [[0.0]], "targets": [1.0]}
    assert_problem(client.post("/v1/datasets", json=body), 422, "validation-error", loc="name")


def test_npz_features_of_strings_are_refused_from_the_header(client):
    payload = npz_bytes(X=np.array([["x" * 1000] * 2] * 4), y=np.arange(4))
    response = _upload(client, "d.npz", payload)
    assert "must hold numbers" in assert_problem(response, 422, "validation-error")["detail"]


def test_npz_labels_longer_than_the_limit_are_refused(client):
    payload = npz_bytes(X=np.zeros((4, 2)), y=np.array(["a" * 5000, "b", "a", "b"]))
    detail = assert_problem(_upload(client, "d.npz", payload), 422, "validation-error")["detail"]
    assert "labels of up to 5000 characters; the limit is 200" in detail


@pytest.mark.parametrize("damage", ["truncated", "garbage-member"])
def test_damaged_archives_are_422(client, damage):
    payload = npz_bytes(X=np.zeros((4, 2)), y=np.arange(4))
    if damage == "truncated":
        payload = payload[: len(payload) // 2]
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("X.npy", b"not an npy file at all")
            archive.writestr("y.npy", b"nor this")
        payload = buffer.getvalue()
    assert_problem(_upload(client, "d.npz", payload), 422, "validation-error", loc="file")


def test_a_scalar_y_is_refused(client):
    payload = npz_bytes(X=np.zeros((4, 2)), y=np.array(1.0))
    assert_problem(_upload(client, "d.npz", payload), 422, "validation-error", loc="targets")


def test_a_csv_field_longer_than_the_limit_is_refused(client):
    csv = b"x,label\n1," + b"a" * 300 + b"\n2,b\n"
    response = _upload(client, "d.csv", csv, data={"target": "label"}, media="text/csv")
    detail = assert_problem(response, 422, "validation-error", loc="file")["detail"]
    assert "field of 300 characters; the limit is 200" in detail


def test_a_csv_field_over_the_csv_module_limit_is_422(client):
    csv = b"x,label\n1," + b"a" * 200_000 + b"\n"
    response = _upload(client, "d.csv", csv, data={"target": "label"}, media="text/csv")
    assert_problem(response, 422, "validation-error", loc="file")


def test_json_labels_longer_than_the_limit_are_refused(client):
    body = {"name": "d", "features": [[0.0], [1.0]], "targets": ["a" * 1000, "b"]}
    response = client.post("/v1/datasets", json=body)
    assert "up to 200 characters" in assert_problem(response, 422, "validation-error")["detail"]


def test_too_many_classes_are_refused(make_client):
    client = make_client(max_classes=3)
    body = {"name": "d", "features": [[0.0]] * 4, "targets": ["a", "b", "c", "d"]}
    detail = assert_problem(client.post("/v1/datasets", json=body), 422, "validation-error")
    assert "4 distinct class labels; the limit is 3" in detail["detail"]


def test_a_column_of_integer_targets_is_one_label_per_sample(client):
    body = {"name": "d", "features": [[0.0], [1.0], [2.0], [3.0]], "targets": [[0], [1], [0], [1]]}
    response = client.post("/v1/datasets", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["task"] == "classification"
    assert response.json()["classes"] == [0, 1]


def test_targets_with_no_columns_are_refused(client):
    body = {"name": "d", "features": [[0.0], [1.0]], "targets": [[], []]}
    assert_problem(client.post("/v1/datasets", json=body), 422, "validation-error", loc="targets")


def test_predict_refuses_strings_without_building_a_string_array(client, classifier):
    inputs = [[1.0, 2.0]] * 20_000 + [["x" * 20_000, 1.0]]
    response = client.post(f"/v1/models/{classifier.model_id}/predict", json={"inputs": inputs})
    assert_problem(response, 422, "validation-error", loc="inputs")


def test_predict_refuses_a_deeply_nested_body(client, classifier):
    body = b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post(
        f"/v1/models/{classifier.model_id}/predict",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 422, "validation-error")


def test_delete_then_the_dataset_is_gone(client):
    dataset = create_dataset(client)
    assert client.delete(f"/v1/datasets/{dataset['id']}").status_code == 204
    assert_problem(client.delete(f"/v1/datasets/{dataset['id']}"), 404, "not-found")


def test_absurd_integers_are_4xx_not_5xx(client, classifier):
    # found by the long fuzz run: a limit's value past 64 bits could not be encoded,
    # and an epoch past SQLite's integers could not be bound
    response = client.post("/v1/datasets/generate", json={"kind": "xor", "n_samples": 2**63})
    problem = assert_problem(response, 422, "limit-exceeded")
    assert problem["value"] == float(2**64)
    metrics = client.get(f"/v1/jobs/{classifier.job_id}/metrics", params={"after": 2**63})
    assert_problem(metrics, 422, "validation-error", "query.after")


def test_an_integer_too_large_for_a_float_in_predict_inputs_is_422(client, classifier):
    # found by attack: a 310-digit integer cannot become a float; it was a 500
    body = b'{"inputs": [[1, 2], [3, 1' + b"0" * 309 + b"]]}"
    response = client.post(
        f"/v1/models/{classifier.model_id}/predict",
        content=body,
        headers={"content-type": "application/json"},
    )
    problem = assert_problem(response, 422, "validation-error", loc="inputs.1.1")
    assert "too large" in problem["detail"]


@pytest.mark.parametrize("axis", ["x", "y"])
@pytest.mark.parametrize("source", ["models", "jobs"])
def test_a_surface_whose_extent_overflows_is_422_naming_the_field(client, classifier, axis, source):
    # found by attack: -1e308..1e308 is finite at both ends, but its width is not
    resource = classifier.model_id if source == "models" else classifier.job_id
    params = {f"{axis}_min": -1e308, f"{axis}_max": 1e308}
    response = client.get(f"/v1/{source}/{resource}/surface", params=params)
    problem = assert_problem(response, 422, "validation-error", loc=f"query.{axis}_max")
    assert f"{axis}_max - {axis}_min" in problem["detail"]


def test_a_surface_beyond_the_models_arithmetic_is_422_not_500(client, classifier):
    # a finite extent whose points overflow the model's float32 arithmetic: both inputs
    # become infinities, and a unit weighing them with opposite signs adds inf and -inf
    params = {"x_min": 1e300, "x_max": 2e300, "y_min": 1e300, "y_max": 2e300}
    response = client.get(f"/v1/models/{classifier.model_id}/surface", params=params)
    problem = assert_problem(response, 422, "validation-error", loc="query")
    assert "not finite" in problem["detail"] and "float32" in problem["detail"]
