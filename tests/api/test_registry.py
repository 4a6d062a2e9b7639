"""The registry through the API, on the embedded default (SQLite) and on PostgreSQL:
names, versions, aliases with their history and rollback, predict by name, tenancy and
the 4xx replies."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from syn0.api.app import create_app
from tests.api.factories import (
    Key,
    assert_problem,
    create_key,
    mlp,
    points,
    train_model,
    training,
)

PREDICT = {"inputs": [[0.5, -1.0], [-2.0, 3.0], [1.0, 1.0]]}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, sessions):
    """The test's SQLite store, or a migrated private schema of the machine's PostgreSQL."""
    return sessions if request.param == "sqlite" else request.getfixturevalue("postgres_factory")


@pytest.fixture
def world(settings, store):
    """``client(tenant, scopes)`` on one app over ``store``, and two models of ``acme``."""
    app = create_app(settings, session_factory=store)
    clients: list[TestClient] = []

    def client(tenant: str = "acme", scopes=("train", "predict")) -> tuple[TestClient, Key]:
        key = create_key(store, tenant, scopes)
        clients.append(TestClient(app, headers=key.headers).__enter__())
        return clients[-1], key

    yield client
    for each in clients:
        each.__exit__(None, None, None)


def two_models(store, client) -> list[str]:
    X, y = points(40)
    return [
        train_model(store, client, X, y, mlp(), training(epochs=epochs, seed=epochs)).model_id
        for epochs in (3, 8)
    ]


def test_create_register_alias_predict_move_rollback_and_delete(world, store):
    api, key = world()
    first, second = two_models(store, api)
    # create (201), update (200): fields left out keep their value
    created = api.put(
        "/v1/registry/churn", json={"description": "who leaves", "tags": {"team": "a"}}
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/registry/churn"
    assert created.json()["latest_version"] == 0 and created.json()["aliases"] == []
    updated = api.put("/v1/registry/churn", json={"tags": {"team": "b", "tier": "1"}})
    assert updated.status_code == 200
    assert updated.json()["description"] == "who leaves"
    assert updated.json()["tags"] == {"team": "b", "tier": "1"}
    # two versions, numbered from 1
    v1 = api.post("/v1/registry/churn/versions", json={"model_id": first})
    v2 = api.post("/v1/registry/churn/versions", json={"model_id": second})
    assert (v1.status_code, v2.status_code) == (201, 201), v2.text
    assert (v1.json()["version"], v2.json()["version"]) == (1, 2)
    assert v1.json()["model_id"] == first and v1.json()["created_by"] == key.prefix
    # the alias, made (201), and predict through it: model predict's answer, plus
    made = api.put("/v1/registry/churn/aliases/production", json={"version": 1})
    assert made.status_code == 201, made.text
    assert made.json() | {"updated_at": None} == {
        "alias": "production",
        "version": 1,
        "model_id": first,
        "updated_at": None,
    }
    by_name = api.post("/v1/registry/churn/predict?alias=production", json=PREDICT)
    by_id = api.post(f"/v1/models/{first}/predict", json=PREDICT)
    assert by_name.status_code == 200, by_name.text
    assert by_name.json() == {**by_id.json(), "version": 1, "alias": "production"}
    assert list(by_name.json())[:3] == ["model_id", "version", "alias"]
    assert by_name.headers["syn0-model-id"] == first
    assert by_name.headers["syn0-model-version"] == "1"
    assert by_name.headers["syn0-model-alias"] == "production"
    # moved to v2: this process answers with v2 at once
    moved = api.put("/v1/registry/churn/aliases/production", json={"version": 2})
    assert moved.status_code == 200 and moved.json()["model_id"] == second
    now = api.post("/v1/registry/churn/predict?alias=production", json=PREDICT)
    assert now.json()["model_id"] == second and now.headers["syn0-model-version"] == "2"
    assert (
        now.json()["outputs"]
        == api.post(f"/v1/models/{second}/predict", json=PREDICT).json()["outputs"]
    )
    # a move to where it is already changes nothing
    assert api.put("/v1/registry/churn/aliases/production", json={"version": 2}).status_code == 200
    # rollback: back to v1; again: nothing earlier (409)
    back = api.post("/v1/registry/churn/aliases/production/rollback")
    assert back.status_code == 200 and back.json()["version"] == 1, back.text
    problem = assert_problem(
        api.post("/v1/registry/churn/aliases/production/rollback"), 409, "conflict"
    )
    assert "no earlier version" in problem["detail"] and problem["version"] == 1
    # by version: no alias in the reply or the headers
    pinned = api.post("/v1/registry/churn/predict?version=2", json=PREDICT)
    assert pinned.json()["alias"] is None and pinned.json()["version"] == 2
    assert "syn0-model-alias" not in pinned.headers
    # delete the alias: predict through it is a 404 naming it
    assert api.delete("/v1/registry/churn/aliases/production").status_code == 204
    gone = api.post("/v1/registry/churn/predict?alias=production", json=PREDICT)
    assert "has no alias 'production'" in assert_problem(gone, 404, "not-found")["detail"]
    # every move is kept: when, by which key, from, to
    detail = api.get("/v1/registry/churn").json()
    moves = [
        (m["action"], m["from_version"], m["to_version"], m["moved_by"])
        for m in detail["alias_history"]
    ]
    assert moves == [
        ("set", None, 1, key.prefix),
        ("set", 1, 2, key.prefix),
        ("rollback", 2, 1, key.prefix),
        ("delete", 1, None, key.prefix),
    ]
    assert all(m["alias"] == "production" and m["moved_at"] for m in detail["alias_history"])


def test_the_detail_shows_each_versions_model_metrics_and_dataset(world, store):
    api, _ = world()
    first, second = two_models(store, api)
    api.put("/v1/registry/churn", json={})
    for model_id in (first, second):
        api.post("/v1/registry/churn/versions", json={"model_id": model_id})
    api.put("/v1/registry/churn/aliases/staging", json={"version": 2})
    # when
    detail = api.get("/v1/registry/churn")
    # then
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert [v["version"] for v in body["versions"]] == [1, 2]
    for version, model_id in zip(body["versions"], (first, second), strict=True):
        model = api.get(f"/v1/models/{model_id}").json()
        dataset = api.get(f"/v1/datasets/{model['dataset_id']}").json()
        assert version["model_id"] == model_id
        assert version["metrics"] == model["metrics"] and "loss" in version["metrics"]
        assert version["dataset_id"] == dataset["id"]
        assert version["dataset_sha256"] == dataset["sha256"]
        assert version["task"] == "classification"
        assert version["signature"] == model["signature"]
        assert version["signature"]["feature_names"] == ["x0", "x1"]
    assert [v["aliases"] for v in body["versions"]] == [[], ["staging"]]
    assert [(a["alias"], a["version"], a["model_id"]) for a in body["aliases"]] == [
        ("staging", 2, second)
    ]
    # the dataset deleted: its sha256 is unknown, the version stays
    dataset_id = body["versions"][0]["dataset_id"]
    assert api.delete(f"/v1/datasets/{dataset_id}").status_code == 204
    after = api.get("/v1/registry/churn").json()["versions"][0]
    assert after["dataset_sha256"] is None and after["model_id"] == first


def test_the_list_is_paged_newest_first_with_aliases(world, store):
    api, _ = world()
    (model_id, _) = two_models(store, api)
    for name in ("a", "b", "c"):
        assert api.put(f"/v1/registry/{name}", json={}).status_code == 201
    api.post("/v1/registry/b/versions", json={"model_id": model_id})
    api.put("/v1/registry/b/aliases/production", json={"version": 1})
    first = api.get("/v1/registry", params={"limit": 2}).json()
    assert [r["name"] for r in first["items"]] == ["c", "b"]
    assert first["items"][1]["aliases"][0]["alias"] == "production"
    assert first["items"][1]["latest_version"] == 1
    rest = api.get("/v1/registry", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [r["name"] for r in rest["items"]] == ["a"] and rest["next_cursor"] is None


def test_rollback_undoes_moves_one_by_one(world, store):
    api, _ = world()
    models = two_models(store, api) + two_models(store, api)[:1]
    api.put("/v1/registry/churn", json={})
    for model_id in models:
        api.post("/v1/registry/churn/versions", json={"model_id": model_id})
    alias = "/v1/registry/churn/aliases/production"

    def version_after(method: str, **body) -> int | str:
        reply = api.request(method, alias + ("/rollback" if method == "POST" else ""), **body)
        return reply.json()["version"] if reply.status_code < 300 else reply.status_code

    # v1 -> v2 -> v3, then back: v2, v1, and nothing before v1
    assert [version_after("PUT", json={"version": v}) for v in (1, 2, 3)] == [1, 2, 3]
    assert [version_after("POST") for _ in range(3)] == [2, 1, 409]
    # a move after rollbacks starts again from there: v1 -> v3, rollback: v1
    assert version_after("PUT", json={"version": 3}) == 3
    assert [version_after("POST") for _ in range(2)] == [1, 409]
    # deleted and made again: no earlier version
    api.delete(alias)
    assert version_after("PUT", json={"version": 2}) == 2
    assert version_after("POST") == 409


def test_another_tenants_names_are_404_and_names_are_per_tenant(world, store):
    mine, _ = world("acme")
    theirs, _ = world("globex")
    (model_id, _) = two_models(store, mine)
    mine.put("/v1/registry/churn", json={"description": "acme's"})
    mine.post("/v1/registry/churn/versions", json={"model_id": model_id})
    mine.put("/v1/registry/churn/aliases/production", json={"version": 1})
    for method, path, body in [
        ("GET", "/v1/registry/churn", None),
        ("POST", "/v1/registry/churn/versions", {"model_id": model_id}),
        ("PUT", "/v1/registry/churn/aliases/production", {"version": 1}),
        ("POST", "/v1/registry/churn/aliases/production/rollback", None),
        ("DELETE", "/v1/registry/churn/aliases/production", None),
        ("POST", "/v1/registry/churn/predict?alias=production", PREDICT),
        ("POST", "/v1/registry/churn/predict?version=1", PREDICT),
    ]:
        problem = assert_problem(theirs.request(method, path, json=body), 404, "not-found")
        assert "no registered model named 'churn'" in problem["detail"], (method, path)
    assert theirs.get("/v1/registry").json()["items"] == []
    # the same name is another tenant's own, and their version cannot be acme's model
    assert theirs.put("/v1/registry/churn", json={}).status_code == 201
    taken = theirs.post("/v1/registry/churn/versions", json={"model_id": model_id})
    assert_problem(taken, 422, "validation-error", "model_id")
    assert mine.get("/v1/registry/churn").json()["description"] == "acme's"


def test_scopes_a_predict_key_predicts_by_name_and_changes_nothing(world, store):
    api, _ = world()
    predictor, _ = world("acme", ("predict",))
    (model_id, _) = two_models(store, api)
    api.put("/v1/registry/churn", json={})
    api.post("/v1/registry/churn/versions", json={"model_id": model_id})
    api.put("/v1/registry/churn/aliases/production", json={"version": 1})
    assert predictor.post("/v1/registry/churn/predict?alias=production", json=PREDICT).is_success
    for method, path, body in [
        ("GET", "/v1/registry", None),
        ("PUT", "/v1/registry/other", {}),
        ("POST", "/v1/registry/churn/versions", {"model_id": model_id}),
        ("PUT", "/v1/registry/churn/aliases/production", {"version": 1}),
    ]:
        assert_problem(predictor.request(method, path, json=body), 403, "forbidden")


def test_bad_names_aliases_versions_and_bodies_are_422_naming_the_field(world, store):
    api, _ = world()
    (model_id, other) = two_models(store, api)
    api.put("/v1/registry/churn", json={})
    api.put("/v1/registry/empty", json={})
    api.post("/v1/registry/churn/versions", json={"model_id": model_id})
    cases = [
        ("PUT", "/v1/registry/Churn", {}, "path.name", "lowercase letters"),
        ("PUT", "/v1/registry/-churn", {}, "path.name", "starting with a letter or digit"),
        ("PUT", f"/v1/registry/{'a' * 101}", {}, "path.name", "1-100 characters"),
        ("GET", "/v1/registry/churn%20x", None, "path.name", "received 'churn x'"),
        ("PUT", "/v1/registry/churn/aliases/Prod", {"version": 1}, "path.alias", "an alias"),
        ("PUT", "/v1/registry/churn/aliases/1st", {"version": 1}, "path.alias", "letter"),
        (
            "PUT",
            "/v1/registry/churn/aliases/prod",
            {"version": 0},
            "version",
            "greater than or equal to 1",
        ),
        ("PUT", "/v1/registry/churn/aliases/prod", {"version": 7}, "version", "versions are 1-1"),
        (
            "PUT",
            "/v1/registry/empty/aliases/prod",
            {"version": 1},
            "version",
            "POST /v1/registry/empty/versions",
        ),
        ("POST", "/v1/registry/churn/versions", {"model_id": "nope"}, "model_id", "no model"),
        ("PUT", "/v1/registry/x", {"tags": {"": "v"}}, "tags.", "at least 1 character"),
        ("PUT", "/v1/registry/x", {"tags": {f"k{i}": "" for i in range(51)}}, "tags", "50"),
        ("PUT", "/v1/registry/x", {"description": "d" * 5001}, "description", "5000"),
        ("PUT", "/v1/registry/x", {"owner": "me"}, "owner", "Extra inputs"),
        ("POST", "/v1/registry/churn/predict", PREDICT, "query.alias", "neither"),
        ("POST", "/v1/registry/churn/predict?alias=a&version=1", PREDICT, "query.version", "both"),
        ("POST", "/v1/registry/churn/predict?version=x", PREDICT, "query.version", "positive"),
        ("POST", "/v1/registry/churn/predict?version=0", PREDICT, "query.version", "positive"),
        ("POST", "/v1/registry/churn/predict?alias=", PREDICT, "query.alias", "an alias"),
        ("POST", "/v1/registry/churn/predict?version=1", {"inputs": [[1.0]]}, "inputs", "shape"),
    ]
    for method, path, body, loc, says in cases:
        problem = assert_problem(api.request(method, path, json=body), 422, "validation-error")
        locs = [error["loc"] for error in problem["errors"]]
        assert any(found.startswith(loc) for found in locs), (path, body, problem)
        assert says in str(problem), (path, body, problem)
    # no such name, alias or version: 404 naming it; the same model twice: 409
    for path, says in [
        ("/v1/registry/nope/predict?alias=production", "no registered model named 'nope'"),
        ("/v1/registry/churn/predict?alias=production", "'churn' has no alias 'production'"),
        ("/v1/registry/churn/predict?version=9", "'churn' has no version 9"),
    ]:
        assert says in assert_problem(api.post(path, json=PREDICT), 404, "not-found")["detail"]
    for method, path in [("GET", "nope"), ("DELETE", "churn/aliases/production")]:
        assert_problem(api.request(method, f"/v1/registry/{path}"), 404, "not-found")
    twice = api.post("/v1/registry/churn/versions", json={"model_id": model_id})
    assert assert_problem(twice, 409, "conflict")["version"] == 1
    assert api.post("/v1/registry/churn/versions", json={"model_id": other}).json()["version"] == 2


def test_predict_by_name_of_a_large_batch_streams_the_same_reply(world, store):
    api, _ = world()
    (model_id, _) = two_models(store, api)
    api.put("/v1/registry/churn", json={})
    api.post("/v1/registry/churn/versions", json={"model_id": model_id})
    X = np.random.default_rng(0).normal(size=(20_000, 2)).round(3).tolist()  # > 256 KiB
    by_name = api.post("/v1/registry/churn/predict?version=1", json={"inputs": X})
    by_id = api.post(f"/v1/models/{model_id}/predict", json={"inputs": X})
    assert by_name.status_code == 200 and by_name.headers["syn0-model-version"] == "1"
    assert by_name.json() == {**by_id.json(), "version": 1, "alias": None}


def test_a_registered_model_is_not_deleted(world, store):
    # given: a model that is version 1 of a name, and one that is no version
    api, _ = world()
    registered, loose = two_models(store, api)
    api.put("/v1/registry/churn", json={})
    assert api.post("/v1/registry/churn/versions", json={"model_id": registered}).status_code == 201

    # when
    refused = api.delete(f"/v1/models/{registered}")
    deleted = api.delete(f"/v1/models/{loose}")

    # then
    problem = assert_problem(refused, 409, "conflict")
    assert problem["detail"] == (
        f"model {registered} is churn version 1 in the registry, and a registered version's "
        "model is kept: delete another model, or register a new version instead"
    )
    assert problem["versions"] == [{"name": "churn", "version": 1}]
    assert api.get(f"/v1/models/{registered}").status_code == 200
    assert deleted.status_code == 204
