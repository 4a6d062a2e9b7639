"""Tenant B's key against tenant A's objects, on every ``/v1`` operation of the OpenAPI
document: an operation naming one of A's objects answers 404 (403 where B's key lacks
the scope), a list never shows A's objects, and A's own key reaches each of them (so
the 404s are not for ids that do not exist).

``OPERATIONS`` says how to call each operation and what B must get. An operation the
document has and this table lacks fails the test: a new endpoint is checked here
before it can land.
"""

from __future__ import annotations

import json
import uuid

import pytest

from syn0.core import Network, NetworkSpec
from syn0.kit.db import session_scope
from syn0.webhooks.delivery import fan_out
from tests.api.factories import create_dataset, mlp, points, queued_job, train_model, training

NOT_FOUND, FORBIDDEN, LIST, NO_DATASET, OWN = "404", "403", "list", "no-dataset", "own"
PREDICT = {"inputs": [[0.0, 0.0]]}
EXPLAIN = {"input": [0.0, 0.0], "target": 0}
HOOK_URL = "https://93.184.215.14/hooks"  # a public address: no DNS needed
# Path parameters that name no tenant's object; under /v1/registry, {name} is A's
# registered model (an operation's "path" option names another).
PATHS = {"name": "lenet5", "alias": "production"}
JOB = {"network": mlp(), "training": training()}
SWEEP = {**JOB, "parameters": {"training.epochs": {"values": [2]}}, "metric": "loss"}
IMPORT = {
    "data": {"network": json.dumps(mlp())},
    "files": {"file": ("w.npz", Network(NetworkSpec.model_validate(mlp())).to_bytes())},
}

# "METHOD path": (what B must get, request options; "{dataset_id}" in a body or query
# is replaced by A's dataset).
OPERATIONS: dict[str, tuple[str, dict]] = {
    "POST /v1/datasets": (
        OWN,
        {"json": {"name": "b", "features": [[0, 0], [1, 1]], "targets": [0, 1]}},
    ),
    "POST /v1/datasets/generate": (OWN, {"json": {"kind": "xor", "n_samples": 10}}),
    "GET /v1/datasets": (LIST, {}),
    "GET /v1/datasets/{dataset_id}": (NOT_FOUND, {}),
    "DELETE /v1/datasets/{dataset_id}": (NOT_FOUND, {}),
    "GET /v1/datasets/{dataset_id}/points": (NOT_FOUND, {}),
    "POST /v1/jobs": (NO_DATASET, {"json": {"dataset_id": "{dataset_id}", **JOB}}),
    "POST /v1/jobs/validate": (NO_DATASET, {"json": {"dataset_id": "{dataset_id}", **JOB}}),
    "GET /v1/jobs": (LIST, {"params": {"dataset_id": "{dataset_id}"}}),
    "GET /v1/jobs/{job_id}": (NOT_FOUND, {}),
    "GET /v1/jobs/{job_id}/metrics": (NOT_FOUND, {}),
    "GET /v1/jobs/{job_id}/events": (NOT_FOUND, {"params": {"follow": "false"}}),
    "GET /v1/events": (LIST, {"params": {"after": "0", "follow": "false"}}),
    "GET /v1/jobs/{job_id}/surface": (NOT_FOUND, {}),
    "POST /v1/jobs/{job_id}/explain": (NOT_FOUND, {"json": EXPLAIN}),
    "POST /v1/jobs/{job_id}/cancel": (NOT_FOUND, {}),
    "DELETE /v1/jobs/{job_id}": (NOT_FOUND, {}),
    "POST /v1/jobs/{job_id}/resume": (NOT_FOUND, {"json": {"epochs": 10}}),
    "GET /v1/models": (LIST, {}),
    "GET /v1/models/{model_id}": (NOT_FOUND, {}),
    "POST /v1/models/{model_id}/predict": (NOT_FOUND, {"json": PREDICT}),
    "GET /v1/models/{model_id}/surface": (NOT_FOUND, {}),
    "POST /v1/models/{model_id}/explain": (NOT_FOUND, {"json": EXPLAIN}),
    "GET /v1/models/{model_id}/weights": (NOT_FOUND, {}),
    "GET /v1/models/{model_id}/export": (NOT_FOUND, {}),
    "POST /v1/models/{model_id}/evaluate": (NOT_FOUND, {"json": {"dataset_id": "{dataset_id}"}}),
    "DELETE /v1/models/{model_id}": (NOT_FOUND, {}),
    "POST /v1/models/{model_id}/replay": (NOT_FOUND, {}),
    "POST /v1/models/{model_id}/predictions": (
        NOT_FOUND,
        {"json": {"dataset_id": "{dataset_id}"}},
    ),
    "GET /v1/predictions": (LIST, {}),
    "GET /v1/predictions/{prediction_id}": (NOT_FOUND, {}),
    "GET /v1/predictions/{prediction_id}/result": (NOT_FOUND, {}),
    "DELETE /v1/predictions/{prediction_id}": (NOT_FOUND, {}),
    "GET /v1/registry": (LIST, {}),
    "GET /v1/registry/{name}": (NOT_FOUND, {}),
    # B's own name: a PUT of A's name would make B a registered model of that name
    "PUT /v1/registry/{name}": (OWN, {"json": {}, "path": {"name": "b-model"}}),
    "POST /v1/registry/{name}/versions": (NOT_FOUND, {"json": {"model_id": "{model_id}"}}),
    "PUT /v1/registry/{name}/aliases/{alias}": (NOT_FOUND, {"json": {"version": 1}}),
    "DELETE /v1/registry/{name}/aliases/{alias}": (NOT_FOUND, {}),
    "POST /v1/registry/{name}/aliases/{alias}/rollback": (NOT_FOUND, {}),
    "POST /v1/registry/{name}/predict": (
        NOT_FOUND,
        {"json": PREDICT, "params": {"alias": "production"}},
    ),
    "POST /v1/models/import": (OWN, IMPORT),
    "GET /v1/architectures": (OWN, {}),
    "GET /v1/architectures/{name}": (OWN, {"params": {"input_shape": "1,28,28", "classes": 3}}),
    "POST /v1/tenants": (FORBIDDEN, {"json": {"name": "c"}}),
    "GET /v1/tenants": (FORBIDDEN, {}),
    "GET /v1/tenants/{tenant_id}": (FORBIDDEN, {}),
    "POST /v1/tenants/{tenant_id}/keys": (FORBIDDEN, {"json": {"scopes": ["train"]}}),
    "GET /v1/tenants/{tenant_id}/keys": (FORBIDDEN, {}),
    "POST /v1/keys/{prefix}/revoke": (FORBIDDEN, {}),
    "POST /v1/keys/{prefix}/rotate": (FORBIDDEN, {}),
    "POST /v1/sweeps": (NO_DATASET, {"json": {"dataset_id": "{dataset_id}", **SWEEP}}),
    "GET /v1/sweeps": (LIST, {}),
    "GET /v1/sweeps/{sweep_id}": (NOT_FOUND, {}),
    "POST /v1/sweeps/{sweep_id}/cancel": (NOT_FOUND, {}),
    "POST /v1/sweeps/{sweep_id}/register": (NOT_FOUND, {"json": {"name": "b-best"}}),
    "POST /v1/webhooks": (OWN, {"json": {"url": HOOK_URL, "events": ["job.failed"]}}),
    "GET /v1/webhooks": (LIST, {}),
    "GET /v1/webhooks/{webhook_id}": (NOT_FOUND, {}),
    "DELETE /v1/webhooks/{webhook_id}": (NOT_FOUND, {}),
    "GET /v1/webhooks/{webhook_id}/deliveries": (NOT_FOUND, {}),
    "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": (NOT_FOUND, {}),
}


@pytest.fixture
def world(make_key, make_client, sessions):
    """Tenant A (an admin key, a queued job on a dataset, a sweep of one trial, a model,
    a registered model whose alias points at it, a batch prediction, a second key, a
    webhook with the delivery of the model's job) and tenant B (a train + predict key)."""
    a, b = make_key("tenant-a"), make_key("tenant-b", ("train", "predict"))
    as_a, as_b = make_client(a), make_client(b)
    hook = as_a.post("/v1/webhooks", json={"url": HOOK_URL, "events": ["job.succeeded"]}).json()
    dataset = create_dataset(as_a)
    job = queued_job(as_a, dataset["id"])
    sweep = as_a.post("/v1/sweeps", json={"dataset_id": dataset["id"], **SWEEP}).json()
    X, y = points(40)
    model = train_model(sessions, as_a, X, y, mlp(), training(epochs=3))
    as_a.put("/v1/registry/a-model", json={})
    as_a.post("/v1/registry/a-model/versions", json={"model_id": model.model_id})
    as_a.put("/v1/registry/a-model/aliases/production", json={"version": 1})
    with session_scope(sessions) as session:  # what a worker does first: fan out
        assert fan_out(session, schedule_length=1).deliveries == 1
    (delivery,) = as_a.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    body = {"dataset_id": dataset["id"]}
    prediction = as_a.post(f"/v1/models/{model.model_id}/predictions", json=body).json()
    ids = {
        "dataset_id": dataset["id"],
        "job_id": job["id"],
        "model_id": model.model_id,
        "tenant_id": a.tenant_id,
        "prefix": make_key("tenant-a").prefix,
        "registered": "a-model",
        "webhook_id": hook["id"],
        "delivery_id": delivery["id"],
        "prediction_id": prediction["id"],
        "sweep_id": sweep["id"],
    }
    return as_a, as_b, ids


def _operations(client) -> list[str]:
    paths = client.get("/openapi.json").json()["paths"]
    return [
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if path.startswith("/v1/")
        for method in item
    ]


def _request(client, operation: str, ids: dict[str, str]):
    method, path = operation.split(" ")
    options = dict(OPERATIONS[operation][1])
    names = {**PATHS, **ids}
    if path.startswith("/v1/registry/"):
        names["name"] = ids["registered"]
    names.update(options.pop("path", {}))
    fill = {f"{{{name}}}": value for name, value in ids.items()}

    def filled(value):
        if isinstance(value, dict):
            return {k: filled(v) for k, v in value.items()}
        return fill.get(value, value) if isinstance(value, str) else value

    return client.request(method, path.format(**names), **filled(options))


def test_tenant_b_reaches_none_of_tenant_as_objects(world):
    _, as_b, ids = world
    operations = _operations(as_b)
    # every operation of the document is in the table, and only those
    assert sorted(set(operations) - set(OPERATIONS)) == [], "add them to OPERATIONS"
    assert sorted(set(OPERATIONS) - set(operations)) == []
    missing = {name: uuid.uuid4().hex for name in ids} | {"prefix": "0123456789ab"}
    for operation in operations:
        expected = OPERATIONS[operation][0]
        response = _request(as_b, operation, ids)
        where = f"{operation} as tenant B: {response.status_code} {response.text[:300]}"
        if expected in (NOT_FOUND, NO_DATASET):
            # indistinguishable from an id that exists nowhere
            assert response.status_code == (404 if expected == NOT_FOUND else 422), where
            unknown = _request(as_b, operation, missing).text
            for name, value in ids.items():
                unknown = unknown.replace(missing[name], value)
            assert response.text == unknown, where
            continue
        if expected == FORBIDDEN:
            assert response.status_code == 403, where
        elif expected == LIST:
            assert response.status_code == 200, where
        else:
            assert response.status_code < 300, where
        for name, value in ids.items():
            assert value not in response.text, f"{where}: shows A's {name}"


def test_tenant_as_own_key_reaches_each_of_those_objects(world):
    as_a, _, ids = world
    operations = sorted(
        _operations(as_a), key=lambda op: op.startswith(("DELETE", "POST /v1/keys"))
    )
    for operation in operations:
        expected = OPERATIONS[operation][0]
        response = _request(as_a, operation, ids)
        where = f"{operation} as tenant A: {response.status_code} {response.text[:300]}"
        assert response.status_code not in (401, 403, 404), where
        if expected in (LIST, NO_DATASET) and "{dataset_id}" in str(OPERATIONS[operation][1]):
            assert ids["dataset_id"] in response.text, where
