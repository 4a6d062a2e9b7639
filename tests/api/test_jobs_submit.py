from __future__ import annotations

import json

from sqlalchemy import func, select

from syn0.jobs import repository as store
from syn0.jobs.orm import Job
from tests.api.factories import (
    assert_problem,
    create_dataset,
    dense,
    job_body,
    mlp,
    submit,
)


def _job_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Job))


# --- submit -------------------------------------------------------------------------------


def test_submit_commits_a_queued_job_then_enqueues_it(client, sessions, broker, key):
    # given
    dataset = create_dataset(client)

    # when
    response = submit(client, job_body(dataset["id"], epochs=7))

    # then
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["status"] == "queued"
    assert job["dataset_id"] == dataset["id"]
    assert job["progress"] == {"epoch": 0, "epochs": 7, "fraction": 0.0, "eta_seconds": None}
    assert (job["attempts"], job["model_id"], job["error"]) == (0, None, None)
    assert job["training"]["optimizer"]["type"] == "sgd"  # defaults are stored explicitly
    with sessions() as session:
        assert store.get_job(session, key.tenant_id, job["id"]).status == "queued"
    assert broker.sent_job_ids().count(job["id"]) == 1


def test_unknown_layer_type_is_named_and_nothing_is_stored(client, sessions, broker):
    dataset = create_dataset(client)
    network = {"input_shape": [2], "layers": [{"type": "lstm", "units": 4}, dense(2)]}

    response = submit(client, job_body(dataset["id"], network))

    problem = assert_problem(response, 422, "validation-error", loc="network.layers.0")
    assert "lstm" in problem["detail"]
    assert _job_count(sessions) == 0


def test_input_shape_must_match_the_dataset(client, sessions):
    dataset = create_dataset(client)

    response = submit(client, job_body(dataset["id"], mlp(n_in=3)))

    problem = assert_problem(response, 422, "invalid-spec", loc="network.input_shape")
    assert "set input_shape to [2]" in problem["detail"]
    assert _job_count(sessions) == 0


def test_loss_must_fit_the_output_activation(client):
    dataset = create_dataset(client)
    network = mlp(n_out=1, out_activation="softmax")

    response = submit(client, job_body(dataset["id"], network, loss="binary_cross_entropy"))

    problem = assert_problem(response, 422, "invalid-spec", loc="network.layers.1")
    assert "binary_cross_entropy" in problem["detail"] and "sigmoid" in problem["detail"]


def test_output_units_must_match_the_classes(client):
    dataset = create_dataset(client)

    response = submit(client, job_body(dataset["id"], mlp(n_out=3)))

    problem = assert_problem(response, 422, "invalid-spec", loc="network.layers.1.units")
    assert "set units=2" in problem["detail"]


def test_loss_must_fit_the_task(client):
    dataset = create_dataset(client, targets=[0.5, 1.5] * 20)

    network = mlp(n_out=1, out_activation="sigmoid")

    response = submit(client, job_body(dataset["id"], network, loss="binary_cross_entropy"))

    problem = assert_problem(response, 422, "invalid-spec", loc="training.loss")
    assert "use loss 'mse'" in problem["detail"]


def test_regression_cannot_stop_early_on_accuracy(client):
    dataset = create_dataset(client, targets=[0.5, 1.5] * 20)
    stopping = {"monitor": "val_accuracy"}

    response = submit(
        client,
        job_body(
            dataset["id"],
            mlp(n_out=1, out_activation="linear"),
            loss="mse",
            validation_split=0.2,
            early_stopping=stopping,
        ),
    )

    assert_problem(response, 422, "invalid-spec", loc="training.early_stopping.monitor")


def test_unknown_dataset_is_a_422_on_the_field(client):
    response = submit(client, job_body("0" * 32))

    problem = assert_problem(response, 422, "validation-error", loc="dataset_id")
    assert "no dataset" in problem["detail"]


def test_nan_in_the_training_spec(client):
    dataset = create_dataset(client)
    body = job_body(dataset["id"], optimizer={"type": "sgd", "learning_rate": float("nan")})

    response = client.post(
        "/v1/jobs", content=json.dumps(body), headers={"content-type": "application/json"}
    )

    assert_problem(response, 422, "validation-error", loc="training.optimizer.learning_rate")


def test_too_many_parameters_names_the_limit(make_client, sessions):
    client = make_client(max_parameters=20)
    dataset = create_dataset(client)

    response = submit(client, job_body(dataset["id"]))

    problem = assert_problem(response, 422, "limit-exceeded", loc="network")
    assert (problem["limit"], problem["value"]) == (20, 2 * 8 + 8 + 8 * 2 + 2)
    assert "20" in problem["detail"] and "SYN0_MAX_PARAMETERS" in problem["detail"]
    assert _job_count(sessions) == 0


def test_too_much_training_names_the_limit(make_client):
    client = make_client(max_epoch_samples=1000)
    dataset = create_dataset(client, n=40)

    response = submit(client, job_body(dataset["id"], epochs=26))

    problem = assert_problem(response, 422, "limit-exceeded", loc="training.epochs")
    assert (problem["limit"], problem["value"]) == (1000, 1040)


# --- validate -----------------------------------------------------------------------------


def test_validate_reports_summary_work_and_warnings_without_queueing(client, sessions, broker):
    # given
    dataset = create_dataset(client, n=40)
    body = job_body(dataset["id"], mlp(n_out=1, out_activation="sigmoid"), loss="mse", epochs=3)
    sent_before = len(broker.sent_job_ids())

    # when
    response = client.post("/v1/jobs/validate", json=body)

    # then
    assert response.status_code == 200, response.text
    result = response.json()
    summary = result["summary"]
    assert [(row["type"], row["output_shape"]) for row in summary["layers"]] == [
        ("dense", [8]),
        ("dense", [1]),
    ]
    assert summary["total_params"] == 2 * 8 + 8 + 8 + 1
    flops = summary["total_flops"]
    assert result["estimated_work"] == {
        "flops_per_sample": flops,
        "samples": 40,
        "epochs": 3,
        "total_flops": flops * 40 * 3,
        "step_flops": 3 * flops * 32,
    }
    assert result["device"] == "cpu"
    assert any(
        "mse with a sigmoid output on a classification task" in w for w in result["warnings"]
    )
    assert _job_count(sessions) == 0
    assert len(broker.sent_job_ids()) == sent_before


def test_validate_refuses_what_submit_refuses(client):
    dataset = create_dataset(client)

    response = client.post("/v1/jobs/validate", json=job_body(dataset["id"], mlp(n_in=5)))

    assert_problem(response, 422, "invalid-spec", loc="network.input_shape")


# --- idempotency --------------------------------------------------------------------------


def test_a_retried_submit_returns_the_first_job(client, sessions, broker):
    # given
    dataset = create_dataset(client)
    body = job_body(dataset["id"])

    # when
    first = submit(client, body, key="retry-1")
    again = submit(client, body, key="retry-1")
    other = submit(client, job_body(dataset["id"], epochs=99), key="retry-1")

    # then
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert _job_count(sessions) == 1
    assert broker.sent_job_ids().count(first.json()["id"]) == 1
    problem = assert_problem(other, 409, "conflict")
    assert "different request body" in problem["detail"]


def test_an_overlong_idempotency_key_is_refused(client):
    dataset = create_dataset(client)

    response = submit(client, job_body(dataset["id"]), key="k" * 201)

    assert_problem(response, 422, "validation-error", loc="header.Idempotency-Key")


def test_too_many_queued_jobs_is_429_with_retry_after(make_client, sessions):
    # given: a server that takes one queued or running job at a time
    client = make_client(max_queued_jobs=1)
    dataset = create_dataset(client)
    assert submit(client, job_body(dataset["id"])).status_code == 202
    # when
    response = submit(client, job_body(dataset["id"]))
    # then
    problem = assert_problem(response, 429, "too-many-jobs")
    assert response.headers["retry-after"] == "30"
    assert "1 jobs are queued or running, the limit is 1" in problem["detail"]
    assert "SYN0_MAX_QUEUED_JOBS" in problem["detail"]
    with sessions() as session:
        assert store.count_active(session) == 1


def test_the_429_is_documented_with_its_retry_after(client):
    responses = client.get("/openapi.json").json()["paths"]["/v1/jobs"]["post"]["responses"]

    assert "Retry-After" in responses["429"]["headers"]
    assert "application/problem+json" in responses["429"]["content"]


def test_max_runtime_over_the_ceiling_names_the_limit(make_client):
    client = make_client(max_runtime_seconds=60)
    dataset = create_dataset(client)
    body = {**job_body(dataset["id"]), "max_runtime_seconds": 61}
    problem = assert_problem(submit(client, body), 422, "limit-exceeded", loc="max_runtime_seconds")
    assert problem["limit"] == 60 and problem["value"] == 61
