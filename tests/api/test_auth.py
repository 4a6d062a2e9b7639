"""API keys, scopes, the admin API, quotas, the SYN0_AUTH switch, the bootstrap key,
CORS and the playground's security headers."""

from __future__ import annotations

import logging
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import func, select, text

from syn0.api.app import create_app
from syn0.datasets.orm import Dataset
from syn0.jobs.orm import Job
from syn0.settings import Settings
from syn0.tenants import repository as tenants
from syn0.tenants.orm import ApiKey, Tenant
from syn0.tenants.repository import new_key
from tests.api.factories import (
    Key,
    assert_problem,
    create_dataset,
    dataset_json,
    job_body,
    submit,
)


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "}],
    ids=["none", "basic", "empty"],
)
def test_a_request_without_a_bearer_key_is_401(make_client, headers):
    response = make_client(None).get("/v1/datasets", headers=headers)
    problem = assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == 'Bearer realm="syn0"'
    assert "Authorization: Bearer <key>" in problem["detail"]


def test_an_unknown_key_is_401_and_health_needs_none(make_client):
    client = make_client(Key("", new_key(), ""))
    problem = assert_problem(client.get("/v1/jobs"), 401, "unauthorized")
    assert "unknown or has been revoked" in problem["detail"]
    assert client.get("/healthz").status_code == 200
    assert make_client(None).get("/").status_code == 200  # the playground page itself


def test_a_created_key_is_shown_once_and_stored_as_a_hash(client, sessions):
    # given
    tenant = client.post("/v1/tenants", json={"name": "globex"}).json()
    # when
    created = client.post(
        f"/v1/tenants/{tenant['id']}/keys", json={"scopes": ["predict"], "name": "scorer"}
    )
    # then
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith(f"syn0_{key['prefix']}_") and key["scopes"] == ["predict"]
    listed = client.get(f"/v1/tenants/{tenant['id']}/keys").json()["items"]
    assert [(k["prefix"], k["name"]) for k in listed] == [(key["prefix"], "scorer")]
    assert "key" not in listed[0]
    secret = key["key"].split("_", 2)[2]
    with sessions() as session:
        for row in session.execute(text("SELECT * FROM api_keys")).all():
            assert all(secret not in str(value) for value in row)


def test_a_revoked_key_is_refused_at_once_by_the_process_that_revoked_it(client, make_key):
    other = make_key("acme", ("train",))
    assert client.get("/v1/datasets", headers=other.headers).status_code == 200  # verified
    # when
    revoked = client.post(f"/v1/keys/{other.prefix}/revoke")
    # then
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_problem(client.get("/v1/datasets", headers=other.headers), 401, "unauthorized")
    assert_problem(client.post(f"/v1/keys/{other.prefix}/revoke"), 409, "conflict")


def test_other_processes_refuse_a_revoked_key_within_the_cache_time(
    make_client, make_key, sessions
):
    # given: an API process that verified the key (and trusts it for 0.3 s)
    other = make_key("acme", ("train",))
    elsewhere = make_client(other, key_cache_seconds=0.3)
    assert elsewhere.get("/v1/jobs").status_code == 200
    # when: the key is revoked by another process (as `syn0 keys revoke` does)
    with sessions.begin() as session:
        assert tenants.revoke_key(session, other.prefix)
    # then: refused once the cache time has passed
    time.sleep(0.35)
    assert_problem(elsewhere.get("/v1/jobs"), 401, "unauthorized")
    uncached = make_client(make_key("acme", ("train",)), key_cache_seconds=0)
    assert uncached.get("/v1/jobs").status_code == 200


def test_rotating_a_key_gives_a_new_one_and_revokes_the_old(client, make_client, make_key):
    old = make_key("acme", ("train", "predict"))
    rotated = client.post(f"/v1/keys/{old.prefix}/rotate")
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["prefix"] != old.prefix and new["scopes"] == ["train", "predict"]
    assert_problem(make_client(old).get("/v1/jobs"), 401, "unauthorized")
    fresh = Key(old.tenant_id, new["key"], new["prefix"])
    assert make_client(fresh).get("/v1/jobs").status_code == 200


def test_a_predict_key_only_predicts(make_client, make_key, classifier):
    predictor = make_client(make_key("acme", ("predict",)))
    # then: predict works; training, data and models are refused, naming the scope
    response = predictor.post(
        f"/v1/models/{classifier.model_id}/predict", json={"inputs": [[0.0, 0.0]]}
    )
    assert response.status_code == 200, response.text
    for refused in (
        predictor.get("/v1/datasets"),
        predictor.post("/v1/jobs", json=job_body("0" * 32)),
        predictor.get(f"/v1/models/{classifier.model_id}"),
        predictor.post("/v1/datasets/generate", json={"kind": "xor"}),
    ):
        problem = assert_problem(refused, 403, "forbidden")
        assert problem["scope"] == "train" and "this key has: predict" in problem["detail"]


def test_only_admin_keys_manage_tenants(make_client, make_key):
    trainer = make_client(make_key("acme", ("train", "predict")))
    problem = assert_problem(trainer.post("/v1/tenants", json={"name": "x"}), 403, "forbidden")
    assert problem["scope"] == "admin"


def test_tenants_are_unique_by_name_and_report_their_usage(client):
    created = client.post("/v1/tenants", json={"name": "initech"})
    assert created.status_code == 201 and created.headers["location"].endswith(created.json()["id"])
    assert_problem(client.post("/v1/tenants", json={"name": "initech"}), 409, "conflict")
    assert_problem(client.post("/v1/tenants", json={"name": "Bad Name"}), 422, "validation-error")
    usage = client.get(f"/v1/tenants/{created.json()['id']}").json()
    assert (usage["stored_bytes"], usage["active_jobs"]) == (0, 0)


# --- quotas -------------------------------------------------------------------------------


def test_a_tenants_active_jobs_are_capped_and_other_tenants_go_on(make_client, make_key, sessions):
    # given: one job queued, the tenant's cap at 1
    client = make_client(tenant_max_active_jobs=1)
    dataset = create_dataset(client)
    assert submit(client, job_body(dataset["id"])).status_code == 202
    # when
    refused = submit(client, job_body(dataset["id"]))
    # then
    problem = assert_problem(refused, 429, "too-many-jobs")
    assert refused.headers["retry-after"] == "30"
    assert "of this tenant" in problem["detail"]
    assert "SYN0_TENANT_MAX_ACTIVE_JOBS" in problem["detail"] and problem["limit"] == 1
    assert _count(sessions, Job) == 1
    other = make_client(make_key("other"), tenant_max_active_jobs=1)
    assert submit(other, job_body(create_dataset(other)["id"])).status_code == 202


def test_a_tenants_stored_bytes_are_capped(client, make_client, key, sessions):
    # given: a dataset stored, and a quota just above what it takes
    first = client.post("/v1/datasets", json=dataset_json(n=20)).json()
    stored = client.get(f"/v1/tenants/{key.tenant_id}").json()["stored_bytes"]
    assert stored > 0
    # when
    refused = make_client(tenant_max_stored_bytes=stored + 100).post(
        "/v1/datasets", json=dataset_json(n=40)
    )
    # then: the upload is refused and nothing stored; at the quota a job is refused too
    # (its model needs room)
    problem = assert_problem(refused, 403, "quota-exceeded")
    assert "SYN0_TENANT_MAX_STORED_BYTES" in problem["detail"]
    assert problem["limit"] == stored + 100 and problem["value"] > stored + 100
    assert _count(sessions, Dataset) == 1
    full = make_client(tenant_max_stored_bytes=stored)
    assert_problem(submit(full, job_body(first["id"])), 403, "quota-exceeded")
    assert _count(sessions, Job) == 0


def test_a_tenants_requests_per_minute_are_capped(make_client, make_key):
    # given: 3 requests a minute
    client = make_client(tenant_requests_per_minute=3)
    for _ in range(3):
        assert client.get("/v1/jobs").status_code == 200
    # when
    refused = client.get("/v1/jobs")
    # then: 429 with the wait, and another tenant is not slowed down
    problem = assert_problem(refused, 429, "rate-limited")
    assert refused.headers["retry-after"] == "20"  # one request back every 20 s
    assert "SYN0_TENANT_REQUESTS_PER_MINUTE" in problem["detail"]
    assert make_client(make_key("other"), tenant_requests_per_minute=3).get("/v1/jobs").is_success


# --- the switch, the bootstrap key, the browser --------------------------------------------


def test_auth_off_needs_no_key_and_says_so(make_client, sessions, caplog):
    with caplog.at_level(logging.WARNING, logger="syn0.api.app"):
        client = make_client(None, auth=False)
    dataset = create_dataset(client)
    assert "AUTHENTICATION IS OFF" in caplog.text
    with sessions() as session:
        owner = session.scalar(
            select(Tenant.name)
            .join(Dataset, Dataset.tenant_id == Tenant.id)
            .where(Dataset.id == dataset["id"])
        )
    assert owner == "local"


def test_production_refuses_auth_off():
    with pytest.raises(ValidationError, match="SYN0_AUTH=false is for local experiments"):
        Settings(
            environment="production",
            auth=False,
            database_url="postgresql+psycopg://db/x",
            broker_url="redis://r",
        )


def test_the_admin_key_of_the_environment_is_stored_at_start(make_client):
    key = new_key()
    client = make_client(Key("", key, ""), admin_key=SecretStr(key))
    tenants = client.get("/v1/tenants").json()["items"]
    assert "admin" in [t["name"] for t in tenants]
    make_client(Key("", key, ""), admin_key=SecretStr(key))  # a restart adds nothing


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, sessions):
    """The test's SQLite store, or a migrated private schema of the machine's PostgreSQL."""
    return sessions if request.param == "sqlite" else request.getfixturevalue("postgres_factory")


def test_a_restart_with_the_admin_key_rotated_away_starts_and_keeps_it_revoked(
    settings, any_store, caplog
):
    # given: the API started with SYN0_ADMIN_KEY, and that key rotated (a leak's remedy)
    admin = new_key()
    configured = settings.model_copy(update={"admin_key": SecretStr(admin)})
    bearer = {"Authorization": f"Bearer {admin}"}
    with TestClient(create_app(configured, session_factory=any_store), headers=bearer) as first:
        rotated = first.post(f"/v1/keys/{admin.split('_')[1]}/rotate")
    assert rotated.status_code == 201, rotated.text
    fresh = {"Authorization": f"Bearer {rotated.json()['key']}"}
    # when: the API is built and started again with the same environment
    with (
        caplog.at_level(logging.WARNING, logger="syn0.api.app"),
        TestClient(create_app(configured, session_factory=any_store)) as restarted,
    ):
        # then: it serves; the old key stays revoked, the new one works
        assert_problem(restarted.get("/v1/tenants", headers=bearer), 401, "unauthorized")
        assert restarted.get("/v1/tenants", headers=fresh).status_code == 200
    prefix = admin.split("_")[1]
    assert f"SYN0_ADMIN_KEY (key {prefix}) was revoked at" in caplog.text
    with any_store() as session:
        assert session.get(ApiKey, prefix).revoked_at is not None
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 2


def test_the_last_admin_key_cannot_be_revoked(client, key, make_client):
    # when: the deployment's only admin key is revoked
    refused = client.post(f"/v1/keys/{key.prefix}/revoke")
    # then: 409 saying what to do, and the key still works
    problem = assert_problem(refused, 409, "last-admin-key")
    assert "last live key with the admin scope" in problem["detail"]
    assert "create another admin key first" in problem["detail"]
    assert problem["prefix"] == key.prefix
    assert client.get("/v1/tenants").status_code == 200
    # when: another admin key exists (of another tenant: admin keys manage every tenant)
    other = client.post("/v1/tenants", json={"name": "ops"}).json()
    spare = client.post(f"/v1/tenants/{other['id']}/keys", json={"scopes": ["admin"]}).json()
    # then: the first one can go, and the spare one is now the last
    assert client.post(f"/v1/keys/{key.prefix}/revoke").status_code == 200
    last = make_client(Key(other["id"], spare["key"], spare["prefix"]))
    assert_problem(last.post(f"/v1/keys/{spare['prefix']}/revoke"), 409, "last-admin-key")
    # rotating keeps an admin key (the new one), so it is allowed
    assert last.post(f"/v1/keys/{spare['prefix']}/rotate").status_code == 201


def test_an_admin_key_that_is_not_a_key_stops_the_start(settings, sessions):
    bad = settings.model_copy(update={"admin_key": SecretStr("hunter2")})
    app = create_app(bad, session_factory=sessions)
    with pytest.raises(ValueError, match="SYN0_ADMIN_KEY is not an API key"), TestClient(app):
        pass


def test_the_playground_page_sends_security_headers(client):
    for path in ("/", "/web/js/app.js"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


def test_cors_is_off_unless_origins_are_configured(client, make_client):
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    assert (
        "access-control-allow-origin"
        not in client.get("/v1/jobs", headers={"Origin": "https://app.example"}).headers
    )
    allowed = make_client(None, cors_origins=["https://app.example"])
    response = allowed.options("/v1/jobs", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example"
