"""Property-based fuzzing of every operation in ``/openapi.json`` with schemathesis.

Each operation gets a fresh store holding a dataset with a queued job, a trained model
(version 1 of a registered model, its alias ``production``), and the tenant of the key
every request sends, with a spare key. Generated ids (path
parameters, and ``dataset_id`` in a job body or filter) are sometimes replaced by
those, so the fuzzer reaches past the 404s. The app runs with
small limits so the limit replies (422, 429) are reachable too. Every response must
be a non-5xx whose status code, content type, headers and body the operation documents,
and a 405 must name the path's documented methods in ``Allow``.

Not checked: ``positive_data_acceptance`` and ``negative_data_rejection``. The schema
cannot say everything the server checks (a cursor it handed out, a network that fits
its dataset), and pydantic's lax mode accepts ``false`` for an integer as ``0``.

``SYN0_FUZZ_EXAMPLES`` sets the examples per operation (default 25); with
``SYN0_FUZZ_STATS=FILE`` every request's ``METHOD path status`` is appended to FILE.
docs/fuzzing.md has the longer run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from syn0.api.app import create_app
from syn0.core.architectures import ARCHITECTURES
from syn0.settings import Settings
from syn0.webhooks.schemas import EVENT_TYPES as WEBHOOK_EVENTS
from tests.api.factories import create_dataset, mlp, points, queued_job, train_model, training

EXAMPLES = int(os.environ.get("SYN0_FUZZ_EXAMPLES", "25"))
STATS = os.environ.get("SYN0_FUZZ_STATS")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
]
LIMITS = {
    "max_queued_jobs": 3,
    "max_request_bytes": 256 * 1024,
    "max_dataset_cells": 100_000,
    "max_parameters": 100_000,
    "max_epoch_samples": 1_000_000,
    "page_size_max": 10,
}
# Event streams, fuzzed with ``follow=false`` (tests/api/test_events.py reads them live).
STREAMS = {"GET /v1/events", "GET /v1/jobs/{job_id}/events"}
# A generated id equal to this is replaced by a real one before the request is sent.
EXISTING = "existing"
ID_FIELDS = ("dataset_id", "job_id", "model_id", "tenant_id", "prefix", "webhook_id")

# The document does not depend on the store: an app with no database serves it.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(database_url="sqlite://", broker_url="memory://"))
)


def _sometimes_existing(strategy):
    def existing(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {key: EXISTING if key in ID_FIELDS else item for key, item in value.items()}

    return strategy | strategy.map(existing)


def _operation(context) -> str:
    return f"{context.operation.method.upper()} {context.operation.path}"


@schema.hook
def before_generate_path_parameters(context, strategy):
    fitting = FITTING_PATHS.get(_operation(context))
    strategy = _sometimes_existing(strategy)
    return strategy if fitting is None else strategy | fitting


@schema.hook
def before_generate_query(context, strategy):
    fitting = FITTING_QUERIES.get(_operation(context))
    strategy = _sometimes_existing(strategy)
    return strategy if fitting is None else strategy | fitting


@schema.hook
def before_generate_body(context, strategy):
    fitting = FITTING_BODIES.get(_operation(context))
    strategy = _sometimes_existing(strategy)
    return strategy if fitting is None else strategy | fitting


# Bodies that fit the known dataset and model (2 features, classes 0 and 1), so the
# fuzzer also reaches the 2xx replies behind the checks a schema cannot express.
_number = st.floats(allow_nan=False, allow_infinity=False)  # beyond float32 too
_sample = st.lists(_number, min_size=2, max_size=2)
_dataset = st.integers(2, 50).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "name": st.just("fuzz"),
            "features": st.lists(
                st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=2), min_size=n, max_size=n
            ),
            "targets": st.lists(st.integers(0, 3), min_size=n, max_size=n)
            | st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n),
        },
        optional={"task": st.sampled_from(["classification", "regression"])},
    )
)
_job = st.builds(
    lambda hidden, activation, epochs, batch_size, optimizer: {
        "dataset_id": EXISTING,
        "network": mlp(hidden=hidden, out_activation=activation),
        "training": training(epochs=epochs, batch_size=batch_size, optimizer={"type": optimizer}),
    },
    hidden=st.integers(1, 64),
    activation=st.sampled_from(["softmax", "sigmoid", "linear"]),
    epochs=st.integers(1, 100_000),
    batch_size=st.integers(1, 64),
    optimizer=st.sampled_from(["sgd", "adam"]),
)
_inputs = st.fixed_dictionaries({"inputs": st.lists(_sample, min_size=1, max_size=8)})
FITTING_BODIES = {
    "POST /v1/jobs": _job,
    "POST /v1/jobs/validate": _job,
    "POST /v1/models/{model_id}/predict": _inputs,
    "POST /v1/registry/{name}/predict": _inputs,
    "POST /v1/registry/{name}/versions": st.just({"model_id": EXISTING}),
    "PUT /v1/registry/{name}/aliases/{alias}": st.fixed_dictionaries(
        {"version": st.integers(1, 3)}
    ),
    "POST /v1/datasets": _dataset,
    # Public and private addresses (no DNS: literals), event types known and not.
    "POST /v1/webhooks": st.fixed_dictionaries(
        {
            "url": st.sampled_from(
                ["https://93.184.215.14/hooks", "http://93.184.215.14:8080/", "http://10.0.0.1/"]
            ),
            "events": st.lists(
                st.sampled_from([*WEBHOOK_EVENTS, "sweep.done", "job.queued"]), max_size=5
            ),
        }
    ),
}
# The known registered model (version 1, its alias `production`) by name, and an
# architecture by name, for images of a size it takes, knobs in and out of range.
REGISTERED = "fuzz-model"
_named = st.fixed_dictionaries({"name": st.just(REGISTERED)})
_aliased = st.fixed_dictionaries(
    {"name": st.just(REGISTERED), "alias": st.sampled_from(["production", "staging"])}
)
FITTING_PATHS = {
    "GET /v1/architectures/{name}": st.fixed_dictionaries(
        {"name": st.sampled_from(list(ARCHITECTURES))}
    ),
    "GET /v1/registry/{name}": _named,
    "PUT /v1/registry/{name}": _named,
    "POST /v1/registry/{name}/versions": _named,
    "POST /v1/registry/{name}/predict": _named,
    "PUT /v1/registry/{name}/aliases/{alias}": _aliased,
    "DELETE /v1/registry/{name}/aliases/{alias}": _aliased,
    "POST /v1/registry/{name}/aliases/{alias}/rollback": _aliased,
}
FITTING_QUERIES = {
    "POST /v1/registry/{name}/predict": st.fixed_dictionaries({"alias": st.just("production")})
    | st.fixed_dictionaries({"version": st.integers(1, 3)}),
    "GET /v1/architectures/{name}": st.fixed_dictionaries(
        {
            "input_shape": st.sampled_from(["1,28,28", "3,32,32", "1,8,8", "2,9,40"]),
            "classes": st.integers(2, 20),
        },
        optional={"width": st.integers(0, 40), "depth": st.integers(0, 10)},
    ),
}


def _with_known(value: Any, known: dict[str, str]) -> Any:
    if not isinstance(value, dict):
        return value
    return {key: known[key] if item == EXISTING else item for key, item in value.items()}


@pytest.fixture
def fuzz_client(make_client):
    return make_client(**LIMITS)


@pytest.fixture
def known(fuzz_client, sessions, key, make_key) -> dict[str, str]:
    """A dataset with a queued job, a trained model (on a dataset of its own) that is
    version 1 of a registered model with the alias ``production``, the tenant, a spare
    key of it to revoke and rotate, and a webhook."""
    dataset = create_dataset(fuzz_client)
    job = queued_job(fuzz_client, dataset["id"])
    X, y = points(40)
    trained = train_model(sessions, fuzz_client, X, y, mlp(), training(epochs=5))
    fuzz_client.put(f"/v1/registry/{REGISTERED}", json={})
    fuzz_client.post(f"/v1/registry/{REGISTERED}/versions", json={"model_id": trained.model_id})
    fuzz_client.put(f"/v1/registry/{REGISTERED}/aliases/production", json={"version": 1})
    hook = {"url": "https://93.184.215.14/hooks", "events": ["job.succeeded"]}
    return {
        "webhook_id": fuzz_client.post("/v1/webhooks", json=hook).json()["id"],
        "dataset_id": dataset["id"],
        "job_id": job["id"],
        "model_id": trained.model_id,
        "tenant_id": key.tenant_id,
        "prefix": make_key().prefix,
    }


# Inputs past float32's range make NumPy warn on the way to their 422.
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_fuzz(case, fuzz_client, known, key):
    case.path_parameters = _with_known(case.path_parameters, known)
    case.query = _with_known(case.query, known)
    if f"{case.method} {case.operation.path}" in STREAMS:  # a live tail never ends
        case.query = {**(case.query or {}), "follow": "false"}
    case.body = _with_known(case.body, known)
    response = case.call(app=fuzz_client.app, headers=key.headers)
    if STATS:
        with open(STATS, "a") as stats:
            stats.write(f"{case.method} {case.operation.path} {response.status_code}\n")
    case.validate_response(response, checks=CHECKS)
