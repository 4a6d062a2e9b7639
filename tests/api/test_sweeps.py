"""Sweeps on the embedded store and broker: the checks before anything is queued, the
trials sent as ``max_parallel`` allows and made as earlier ones end (trained here as a
worker trains them, ``run_job``, then advanced as the worker's hook does), the
leaderboard, cancel, register, paging."""

from __future__ import annotations

import itertools
import math

import pytest
from sqlalchemy import select

from syn0.dispatch import Dispatcher
from syn0.events.orm import Event
from syn0.jobs.training import run_job
from syn0.kit.db import session_scope
from syn0.sweeps.advancing import advance_running, after_trial
from syn0.webhooks.delivery import fan_out
from tests.api.factories import assert_problem, create_dataset, mlp, training

LRS = [0.5, 0.05]
UNITS = [4, 8]


def sweep_body(dataset_id: str, **overrides) -> dict:
    return {
        "dataset_id": dataset_id,
        "network": mlp(),
        "training": training(epochs=2, validation_split=0.25, optimizer={"type": "sgd"}),
        "parameters": {
            "training.optimizer.learning_rate": {"values": LRS},
            "network.layers[0].units": {"values": UNITS},
        },
        "max_parallel": 2,
        **overrides,
    }


def start(client, body: dict) -> dict:
    response = client.post("/v1/sweeps", json=body)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/sweeps/{response.json()['id']}"
    return response.json()


def trials(client, sweep_id: str) -> list[dict]:
    page = client.get("/v1/jobs", params={"sweep_id": sweep_id, "limit": 100}).json()
    return sorted(page["items"], key=lambda job: job["sweep_trial"])


def run_all(client, sessions, settings, sweep_id: str) -> list[str]:
    """Train the sweep's queued trials one at a time as a worker would, advancing the
    sweep after each; the job ids in the order they trained."""
    dispatch, ran = Dispatcher(settings.broker_url), []
    while queued := [t for t in trials(client, sweep_id) if t["status"] == "queued"]:
        job_id = queued[0]["id"]
        assert run_job(job_id, sessions, settings) == "succeeded"
        after_trial(sessions, settings, dispatch, job_id)
        ran.append(job_id)
    return ran


def test_a_grid_runs_exactly_its_points_max_parallel_at_a_time(client, sessions, settings, broker):
    # given: a dataset, and a webhook for sweeps' ends
    dataset = create_dataset(client)
    hook = {"url": "https://93.184.215.14/hooks", "events": ["sweep.completed"]}
    webhook = client.post("/v1/webhooks", json=hook).json()

    # when
    sweep = start(client, sweep_body(dataset["id"]))

    # then: two trials made and sent, the other two wait for room
    assert sweep["status"] == "running" and sweep["method"] == "grid"
    progress = {"trials": 4, "created": 2, "queued": 2, "running": 0, "finished": 0}
    assert sweep["progress"] == progress
    first = trials(client, sweep["id"])
    assert sorted(broker.sent_job_ids()) == sorted(job["id"] for job in first)

    # when: every trial trains
    ran = run_all(client, sessions, settings, sweep["id"])

    # then: each point of the grid once, in the grid's order
    made = trials(client, sweep["id"])
    assert len(ran) == 4 and sorted(broker.sent_job_ids()) == sorted(job["id"] for job in made)
    points = [
        (job["training"]["optimizer"]["learning_rate"], job["network"]["layers"][0]["units"])
        for job in made
    ]
    assert points == list(itertools.product(LRS, UNITS))
    done = client.get(f"/v1/sweeps/{sweep['id']}").json()
    assert done["status"] == "succeeded" and done["finished_at"]
    progress = {"trials": 4, "created": 4, "queued": 0, "running": 0, "finished": 4}
    assert done["progress"] == progress
    board = done["leaderboard"]
    losses = [row["metric"] for row in board]
    assert losses == sorted(losses)  # val_loss: best (lowest) first
    by_job = {job["id"]: job for job in made}
    for row in board:
        job = by_job[row["job_id"]]
        assert row["metric"] == job["latest_metrics"]["val_loss"]
        assert row["status"] == "succeeded" and row["epochs"] == 2
        assert row["model_id"] == job["model_id"]
        assert row["parameters"] == dict(
            zip(sweep_body("")["parameters"], points[row["trial"]], strict=True)
        )
    assert done["best"] == board[0]

    # and the outbox told of it once
    with sessions() as session:
        completed = session.scalars(select(Event).where(Event.type == "sweep.completed")).all()
    assert len(completed) == 1
    assert completed[0].data["best_model_id"] == board[0]["model_id"]
    assert completed[0].data["status"] == "succeeded" and completed[0].data["trials"] == 4
    # and the webhook asking for it gets one delivery
    with session_scope(sessions) as session:
        assert fan_out(session, schedule_length=1).deliveries == 1
    (delivery,) = client.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["items"]
    assert delivery["event_type"] == "sweep.completed"


def test_advancing_again_makes_nothing(client, sessions, settings):
    dataset = create_dataset(client)
    sweep = start(client, sweep_body(dataset["id"]))
    dispatch = Dispatcher(settings.broker_url)
    first = trials(client, sweep["id"])
    # given: a trial ended, its sweep advanced once
    assert run_job(first[0]["id"], sessions, settings) == "succeeded"
    made = after_trial(sessions, settings, dispatch, first[0]["id"])
    assert len(made) == 1
    # when: the same message again, and the reaper's backstop
    again = after_trial(sessions, settings, dispatch, first[0]["id"])
    backstop = advance_running(sessions, settings, dispatch)
    # then
    assert again == [] and backstop == []
    assert len(trials(client, sweep["id"])) == 3


def test_the_reaper_makes_the_trial_a_lost_advance_did_not(client, sessions, settings):
    dataset = create_dataset(client)
    sweep = start(client, sweep_body(dataset["id"], max_parallel=1))
    (only,) = trials(client, sweep["id"])
    # given: the trial ended and its worker died before advancing the sweep
    assert run_job(only["id"], sessions, settings) == "succeeded"
    # when
    made = advance_running(sessions, settings, Dispatcher(settings.broker_url))
    # then
    assert [job["id"] for job in trials(client, sweep["id"])] == [only["id"], *made]
    assert len(made) == 1


def test_random_draws_are_seeded_and_within_their_domains(client):
    dataset = create_dataset(client)
    parameters = {
        "training.optimizer.learning_rate": {
            "distribution": "log_uniform",
            "min": 0.001,
            "max": 0.5,
        },
        "training.regularization.l2": {"distribution": "uniform", "min": 0.0, "max": 0.01},
        "network.layers[0].units": {"distribution": "int_uniform", "min": 2, "max": 9},
    }
    body = sweep_body(
        dataset["id"], method="random", parameters=parameters, max_trials=5, max_parallel=5
    )
    first, second = start(client, body), start(client, body)
    drawn = [row["parameters"] for row in first["leaderboard"]]
    assert drawn == [row["parameters"] for row in second["leaderboard"]]
    assert len(drawn) == 5 and len({p["training.optimizer.learning_rate"] for p in drawn}) == 5
    for point in drawn:
        assert 0.001 <= point["training.optimizer.learning_rate"] <= 0.5
        assert 0.0 <= point["training.regularization.l2"] <= 0.01
        assert isinstance(point["network.layers[0].units"], int)
        assert 2 <= point["network.layers[0].units"] <= 9
    for job in trials(client, first["id"]):
        point = drawn[job["sweep_trial"]]
        assert job["network"]["layers"][0]["units"] == point["network.layers[0].units"]
        assert math.isclose(
            job["training"]["optimizer"]["learning_rate"],
            point["training.optimizer.learning_rate"],
        )
    other = start(client, {**body, "seed": 1})
    assert [row["parameters"] for row in other["leaderboard"]] != drawn


BAD = [
    (
        {"parameters": {"network.layers[5].units": {"values": [4]}}},
        "parameters.network.layers[5].units",
        "parameter `network.layers[5].units` names no field of the job: `network.layers` "
        "has 2 items, so no [5]",
    ),
    (
        {"parameters": {"training.optimiser.learning_rate": {"values": [0.1]}}},
        "parameters.training.optimiser.learning_rate",
        "parameter `training.optimiser.learning_rate` names no field of the job: "
        "`training` has no field `optimiser`",
    ),
    (
        {"parameters": {"epochs": {"values": [1]}}},
        "parameters.epochs",
        "parameter `epochs` names no field of the job: a path starts with `network.` or "
        "`training.`",
    ),
    (
        {"parameters": {"network.layers[0].units": {"values": [4, 0]}}},
        "parameters.network.layers[0].units",
        "`network.layers[0].units` = 0 makes the job invalid: network.layers.0.dense.units: "
        "Value error, Received an invalid value for `units`, expected a positive integer. "
        "Received: units=0",
    ),
    (
        {"parameters": {"network.layers[1].units": {"values": [2, 3]}}},
        "parameters.network.layers[1].units",
        "`network.layers[1].units` = 3 makes the job invalid: the last layer has 3 units but "
        "the dataset has 2 classes; set units=2",
    ),
    (
        {"parameters": {"training.epochs": {"values": [1, 10**9]}}},
        "parameters.training.epochs",
        "`training.epochs` = 1000000000 makes the job invalid: epochs x samples",
    ),
    (
        {
            "parameters": {
                "training.optimizer.learning_rate": {
                    "distribution": "uniform",
                    "min": 0.1,
                    "max": 1.0,
                }
            }
        },
        "parameters.training.optimizer.learning_rate",
        "a grid takes a list of `values` for each parameter; `training.optimizer."
        "learning_rate` has a uniform distribution (use method random or asha)",
    ),
    (
        {"max_trials": 3},
        "max_trials",
        "a grid runs every one of its 4 points; max_trials=3 would leave some out",
    ),
    (
        {"metric": "r2"},
        "metric",
        "a classification dataset's jobs do not report r2",
    ),
    (
        {"training": training(epochs=2)},
        "metric",
        "metric val_loss is measured on the validation split, and the training spec has "
        "validation_split 0",
    ),
    (
        {"method": "asha", "min_epochs": 2, "max_trials": 4},
        "min_epochs",
        "Received an invalid value for `min_epochs`, expected fewer than the training "
        "spec's epochs (2). Received: min_epochs=2",
    ),
]


@pytest.mark.parametrize(("change", "loc", "detail"), BAD)
def test_a_bad_space_is_a_422_naming_the_path_and_nothing_is_queued(
    client, broker, change, loc, detail
):
    dataset = create_dataset(client)
    response = client.post("/v1/sweeps", json=sweep_body(dataset["id"], **change))
    problem = assert_problem(response, 422, "validation-error", loc)
    assert detail in problem["detail"]
    assert client.get("/v1/sweeps").json()["items"] == []
    assert client.get("/v1/jobs").json()["items"] == []
    assert broker.sent_job_ids() == []


def test_past_the_trials_limit_is_a_422_naming_the_limit(make_client):
    client = make_client(sweep_max_trials=3)
    dataset = create_dataset(client)
    response = client.post("/v1/sweeps", json=sweep_body(dataset["id"]))
    problem = assert_problem(response, 422, "limit-exceeded", "parameters")
    assert problem["detail"] == (
        "the number of trials is 4, over the limit of 3 (set by SYN0_SWEEP_MAX_TRIALS); "
        "make the request smaller"
    )


def test_a_missing_dataset_is_a_422(client):
    response = client.post("/v1/sweeps", json=sweep_body("0" * 32))
    assert_problem(response, 422, "validation-error", "dataset_id")


def test_cancel_cancels_the_trials_and_then_is_a_409(client, sessions, settings):
    dataset = create_dataset(client)
    sweep = start(client, sweep_body(dataset["id"]))

    cancelled = client.post(f"/v1/sweeps/{sweep['id']}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert [job["status"] for job in trials(client, sweep["id"])] == ["cancelled", "cancelled"]
    # no trial is made after it
    assert advance_running(sessions, settings, Dispatcher(settings.broker_url)) == []
    again = client.post(f"/v1/sweeps/{sweep['id']}/cancel")
    problem = assert_problem(again, 409, "conflict")
    assert problem["detail"].startswith(f"sweep {sweep['id']} already finished with status")
    register = client.post(f"/v1/sweeps/{sweep['id']}/register", json={"name": "churn"})
    assert_problem(register, 409, "conflict")


def test_register_makes_the_best_model_a_version(client, sessions, settings):
    dataset = create_dataset(client)
    sweep = start(client, sweep_body(dataset["id"], max_parallel=4))
    run_all(client, sessions, settings, sweep["id"])
    best = client.get(f"/v1/sweeps/{sweep['id']}").json()["best"]

    registered = client.post(f"/v1/sweeps/{sweep['id']}/register", json={"name": "churn"})

    assert registered.status_code == 201, registered.text
    assert registered.json()["version"] == 1
    assert registered.json()["model_id"] == best["model_id"]
    assert client.get("/v1/registry/churn").json()["versions"][0]["model_id"] == best["model_id"]
    twice = client.post(f"/v1/sweeps/{sweep['id']}/register", json={"name": "churn"})
    assert_problem(twice, 409, "conflict")


def test_sweeps_page_newest_first(client):
    dataset = create_dataset(client)
    made = [start(client, sweep_body(dataset["id"]))["id"] for _ in range(3)]
    first = client.get("/v1/sweeps", params={"limit": 2}).json()
    second = client.get("/v1/sweeps", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [s["id"] for s in first["items"] + second["items"]] == made[::-1]
    assert second["next_cursor"] is None
    assert first["items"][0]["progress"]["created"] == 2
    assert "leaderboard" not in first["items"][0]


def test_unknown_sweep_ids(client):
    for path in ("", "/cancel"):
        method = client.get if not path else client.post
        response = method(f"/v1/sweeps/{'0' * 32}{path}")
        problem = assert_problem(response, 404, "not-found")
        assert problem["detail"] == f"no sweep with id '{'0' * 32}'"


def test_asha_prunes_at_its_rungs_and_keeps_the_best(client, sessions, settings):
    # given: a good learning rate, a better one, then two too small to learn in time
    dataset = create_dataset(client)
    body = sweep_body(
        dataset["id"],
        method="asha",
        metric="loss",
        parameters={"training.optimizer.learning_rate": {"values": [0.2, 0.5, 1e-4, 1e-5]}},
        training=training(epochs=4, optimizer={"type": "sgd"}),
        min_epochs=1,
        eta=2,
        max_parallel=1,
    )
    sweep = start(client, body)
    assert sweep["max_trials"] == 4 and (sweep["min_epochs"], sweep["eta"]) == (1, 2)

    # when
    run_all_any(client, sessions, settings, sweep["id"])

    # then: the first two go the whole way; the two slow ones stop at rung 1 or 2
    done = client.get(f"/v1/sweeps/{sweep['id']}").json()
    by_trial = {row["trial"]: row for row in done["leaderboard"]}
    assert [by_trial[i]["status"] for i in range(4)] == [
        "succeeded",
        "succeeded",
        "pruned",
        "pruned",
    ]
    assert [by_trial[i]["epochs"] for i in range(4)] == [4, 4, 1, 1]
    assert done["status"] == "succeeded"
    assert done["best"]["trial"] == min((0, 1), key=lambda i: by_trial[i]["metric"])
    (pruned,) = [j for j in trials(client, sweep["id"]) if j["sweep_trial"] == 3]
    assert pruned["status"] == "cancelled"
    assert pruned["error"]["type"] == "pruned" and pruned["error"]["epoch"] == 1
    assert pruned["error"]["detail"].startswith(
        "pruned by its asha sweep at rung epoch 1: its loss "
    )
    assert pruned["error"]["detail"].endswith(
        "ranked 4 of the 4 trials numbered up to 3 that reached it, and only the top 2 (1/2) go on"
    )


def run_all_any(client, sessions, settings, sweep_id: str) -> None:
    """``run_all`` for trials that may end pruned (``cancelled``)."""
    dispatch = Dispatcher(settings.broker_url)
    while queued := [t for t in trials(client, sweep_id) if t["status"] == "queued"]:
        assert run_job(queued[0]["id"], sessions, settings) in ("succeeded", "cancelled")
        after_trial(sessions, settings, dispatch, queued[0]["id"])


def test_room_for_fewer_trials_than_max_parallel_makes_those(make_client, sessions, settings):
    # given: room for two more active jobs in the tenant
    client = make_client(tenant_max_active_jobs=2)
    dataset = create_dataset(client)

    # when
    sweep = start(client, sweep_body(dataset["id"], max_parallel=4))

    # then: two trials now, the others as room frees; a full tenant is a 429
    assert sweep["progress"]["created"] == 2
    full = client.post("/v1/sweeps", json=sweep_body(dataset["id"]))
    assert_problem(full, 429, "too-many-jobs")
    assert len(client.get("/v1/sweeps").json()["items"]) == 1
    run_all(client, sessions, settings, sweep["id"])
    assert client.get(f"/v1/sweeps/{sweep['id']}").json()["status"] == "succeeded"
