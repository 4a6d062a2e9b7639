"""One serving path: predict, the surface and the weights download read a model through
one loader (one cache, one sha256 check, one error), and predict is a real route whose
body is decoded by the schema the OpenAPI document publishes."""

from __future__ import annotations

import hashlib

from sqlalchemy import update

from syn0.api.body_limit import BodyLimit
from syn0.api.observe import Observe
from syn0.kit.db import session_scope
from syn0.models.orm import Model
from syn0.models.predict_route import PredictRoute
from syn0.models.schemas import PredictIn
from syn0.tenants.auth import Authenticate
from tests.api.factories import assert_problem

SURFACE = "x_min=-1&x_max=1&y_min=-1&y_max=1&grid=5"


def _store_weights(sessions, model_id: str, weights: bytes, sha256: str) -> None:
    with session_scope(sessions) as session:
        session.execute(
            update(Model).where(Model.id == model_id).values(weights=weights, sha256=sha256)
        )


def _predict_and_surface(client, model_id: str):
    predict = client.post(f"/v1/models/{model_id}/predict", json={"inputs": [[1, 2]]})
    surface = client.get(f"/v1/models/{model_id}/surface?{SURFACE}")
    return predict, surface


def test_weights_failing_their_sha256_are_corrupt_data_for_predict_and_surface(
    client, sessions, classifier
):
    _store_weights(sessions, classifier.model_id, b"garbage", "0" * 64)

    for response in _predict_and_surface(client, classifier.model_id):
        problem = assert_problem(response, 500, "corrupt-data")
        assert "sha256" in problem["detail"]
        assert classifier.model_id in problem["detail"]


def test_unreadable_weights_with_a_matching_sha256_are_corrupt_data_everywhere(
    client, sessions, classifier
):
    # given: bytes that pass their checksum but are no network
    garbage = b"not an npz file"
    _store_weights(sessions, classifier.model_id, garbage, hashlib.sha256(garbage).hexdigest())
    # when
    predict, surface = _predict_and_surface(client, classifier.model_id)
    download = client.get(f"/v1/models/{classifier.model_id}/weights")
    # then: the same error through predict and the surface; the file is served as stored
    for response in (predict, surface):
        problem = assert_problem(response, 500, "corrupt-data")
        assert (
            f"the stored weights of model {classifier.model_id} cannot be loaded"
            in (problem["detail"])
        )
    assert download.status_code == 200 and download.content == garbage


def test_predict_and_the_surface_share_one_loaded_network(client, classifier):
    loader = client.app.state.runtime.models

    surface = client.get(f"/v1/models/{classifier.model_id}/surface?{SURFACE}")
    loaded = loader._served[classifier.model_id]
    predict = client.post(f"/v1/models/{classifier.model_id}/predict", json={"inputs": [[1, 2]]})

    assert surface.status_code == 200 and predict.status_code == 200
    assert loader._served[classifier.model_id] is loaded and len(loader) == 1


def test_predict_is_a_route_documented_with_the_schema_that_decodes_it(client):
    # the app's own route, ahead of every included router
    first = next(r for r in client.app.routes if getattr(r, "path", "").startswith("/v1"))
    assert type(first) is PredictRoute and first.path == "/v1/models/{model_id}/predict"
    # no middleware answers before routing but the body limit and the key check; around
    # them the request's id, log line and counters (it never answers itself)
    assert [m.cls for m in client.app.user_middleware] == [Observe, BodyLimit, Authenticate]
    operation = client.get("/openapi.json").json()["paths"]["/v1/models/{model_id}/predict"]
    published = operation["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert published == PredictIn.model_json_schema()
    assert published["additionalProperties"] is False
    assert published["properties"]["inputs"]["minItems"] == 1


def test_bodies_the_published_schema_refuses_are_422_naming_the_field(client, classifier):
    url = f"/v1/models/{classifier.model_id}/predict"
    cases = {
        "extra": ({"inputs": [[1, 2]], "threshold": 0.5}, "threshold"),
        "empty": ({"inputs": []}, "inputs"),
        "missing": ({"rows": [[1, 2]]}, "inputs"),
        "not a list": ({"inputs": 5}, "inputs"),
    }
    for body, loc in cases.values():
        assert_problem(client.post(url, json=body), 422, "validation-error", loc)
    assert_problem(client.post(url, content=b"{not json"), 422, "validation-error", "body")
