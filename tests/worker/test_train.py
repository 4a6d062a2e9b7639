"""``run_job`` against a real SQLite store: the job's whole life, called without Celery."""

import numpy as np
from sqlalchemy import update

from syn0.core import Checkpoint, Network, datasets
from syn0.core.evaluation import evaluate
from syn0.core.prepare import split_indices
from syn0.datasets import repository as dataset_rows
from syn0.jobs import attempts
from syn0.jobs import repository as jobs
from syn0.jobs.orm import Job
from syn0.jobs.training import run_job
from syn0.models import repository as models
from syn0.models.orm import Model
from syn0.settings import get_settings
from tests import tenancy

SPIRAL_NET = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}


def _submit(factory, training=None, X=None, y=None, task="classification"):
    if X is None:
        X, y = datasets.spiral(200, noise=0.1, seed=0)
    training = {
        "loss": "cross_entropy",
        "epochs": 5,
        "optimizer": {"type": "adam", "learning_rate": 0.01},
        **(training or {}),
    }
    with factory.begin() as session:
        classes = np.unique(y).tolist() if task == "classification" else None
        dataset = dataset_rows.add_dataset(
            session,
            tenant_id=tenancy.tenant_id(session),
            name="d",
            task=task,
            X=X,
            y=y,
            classes=classes,
            n_outputs=len(classes or [1]),
        )
        job = jobs.create_job(
            session,
            tenant_id=tenancy.tenant_id(session),
            dataset_id=dataset.id,
            network=SPIRAL_NET,
            training=training,
            epochs=training["epochs"],
            idempotency_key=None,
        )
        return job.id, X


def test_success_stores_metrics_per_epoch_and_a_model_that_predicts(factory):
    # given
    job_id, X = _submit(factory)
    # when
    assert run_job(job_id, factory) == "succeeded"
    # then
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert job.status == "succeeded" and job.attempts == 1 and job.epoch == 5
        assert [m.epoch for m in tenancy.metrics(session, job_id)] == [1, 2, 3, 4, 5]
        model = models.get_model(session, job.tenant_id, job.model_id)
        assert model.n_params == 2 * 16 + 16 + 16 * 2 + 2
        assert model.metrics["epoch"] == 5
        net = Network.from_bytes(tenancy.weights(session, model.id))
    assert net.predict_labels(X).shape == (200,)


def test_a_second_delivery_finds_nothing_to_claim(factory):
    job_id, _ = _submit(factory)
    assert run_job(job_id, factory) == "succeeded"
    assert run_job(job_id, factory) == "not-claimed"
    with factory() as session:
        assert len(tenancy.metrics(session, job_id)) == 5


def test_cancel_flag_stops_training_as_cancelled(factory):
    job_id, _ = _submit(factory, {"epochs": 10_000, "batch_size": 8})
    with factory.begin() as session:
        # the API sets this flag on a running job; here it is set before the claim
        session.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
    assert run_job(job_id, factory) == "cancelled"
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert job.status == "cancelled" and job.model_id is None


def test_the_first_checkpoint_waits_checkpoint_min_seconds_into_the_attempt(factory, monkeypatch):
    # given: a checkpoint made every epoch but stored at most once an hour, and a client
    # who cancels the job after its third epoch
    settings = get_settings().model_copy(
        update={"checkpoint_every_epochs": 1, "checkpoint_min_seconds": 3600}
    )
    job_id, _ = _submit(factory, {"epochs": 10_000, "batch_size": 8})
    stored_then, record = [], attempts.record_metrics

    def record_then_look(session, job_id_, attempt, rows):
        recorded = record(session, job_id_, attempt, rows)
        stored_then.append(attempts.load_checkpoint(session, job_id_))
        if rows and rows[-1]["epoch"] >= 3:
            session.execute(update(Job).where(Job.id == job_id_).values(cancel_requested=True))
        return recorded

    monkeypatch.setattr(attempts, "record_metrics", record_then_look)

    # when
    assert run_job(job_id, factory, settings) == "cancelled"

    # then: no checkpoint was stored while it ran; its end stored the last one fit made,
    # and the partial model of it
    assert len(stored_then) >= 2 and stored_then == [None] * len(stored_then)
    with factory() as session:
        job = tenancy.job(session, job_id)
        kept = Checkpoint.from_bytes(attempts.load_checkpoint(session, job_id))
        model = session.get(Model, job.model_id)
    assert job.status == "cancelled" and kept.epoch >= 3 and model.epoch == kept.epoch


def test_divergence_fails_with_an_actionable_reason(factory):
    X, y = datasets.plane(200, seed=0)
    job_id, _ = _submit(
        factory,
        {"loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 1e6}},
        X=X * 1e3,
        y=y,
        task="regression",
    )
    with factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                network={
                    "input_shape": [2],
                    "layers": [
                        {"type": "dense", "units": 8, "activation": "relu"},
                        {"type": "dense", "units": 1},
                    ],
                }
            )
        )
    assert run_job(job_id, factory) == "failed"
    with factory() as session:
        error = tenancy.job(session, job_id).error
    assert error["type"] == "diverged"
    assert error["epoch"] >= 1 and "lower the learning rate" in error["detail"]


def test_deleted_dataset_fails_the_job_not_the_worker(factory):
    job_id, _ = _submit(factory)
    with factory.begin() as session:
        job = tenancy.job(session, job_id)
        dataset_rows.delete_dataset(session, job.tenant_id, job.dataset_id)
    assert run_job(job_id, factory) == "failed"
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert job.status == "failed" and job.error["type"] == "bad-data"


def test_a_non_finite_validation_metric_is_stored_as_null_on_postgres(postgres_factory):
    # given: one validation sample so far out that its loss overflows to infinity
    X, y = datasets.plane(50, seed=0)
    _, validation = split_indices(50, 0.5, seed=0)
    X[validation[0]] = 1e30
    job_id, _ = _submit(
        postgres_factory,
        {
            "loss": "mse",
            "epochs": 2,
            "validation_split": 0.5,
            "optimizer": {"type": "sgd", "learning_rate": 1e-9},
        },
        X=X,
        y=y,
        task="regression",
    )
    with postgres_factory.begin() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(network={"input_shape": [2], "layers": [{"type": "dense", "units": 1}]})
        )
    # when
    status = run_job(job_id, postgres_factory)
    # then
    with postgres_factory() as session:
        job = tenancy.job(session, job_id)
        rows = tenancy.metrics(session, job_id)
    assert status == job.status == "succeeded"
    assert [r.val_loss for r in rows] == [None, None]
    assert job.latest_metrics["val_loss"] is None
    # the report computes in float64, where the same errors stay finite: it is stored
    assert job.evaluation["n_samples"] == 25 and job.evaluation["mse"] > 1e50


def test_a_job_with_a_validation_split_keeps_its_models_report_on_that_split(factory):
    # given
    X, y = datasets.spiral(200, noise=0.1, seed=0)
    training = {"validation_split": 0.25, "seed": 2}
    job_id, _ = _submit(factory, training, X=X, y=y)
    plain_id, _ = _submit(factory, X=X, y=y)
    # when
    assert run_job(job_id, factory) == run_job(plain_id, factory) == "succeeded"
    # then: the report of the stored model on the samples fit held out
    with factory() as session:
        job, plain = tenancy.job(session, job_id), tenancy.job(session, plain_id)
        net = Network.from_bytes(models.load_weights(session, job.tenant_id, job.model_id))
    _, val_idx = split_indices(200, 0.25, 2, strata=y)
    assert job.evaluation == evaluate(net, X[val_idx], y[val_idx])
    assert job.evaluation["n_samples"] == 50
    assert job.evaluation["accuracy"] == job.latest_metrics["val_accuracy"]
    assert plain.evaluation is None


def test_a_job_taken_over_by_another_attempt_stores_no_model(factory):
    job_id, _ = _submit(factory, {"epochs": 3})
    # another attempt claims the job while this one trains: simulate by bumping the fence
    original = attempts.record_metrics

    def bump_then_record(session, job_id_, attempt, rows):
        session.execute(update(Job).where(Job.id == job_id_).values(attempts=attempt + 1))
        return original(session, job_id_, attempt, rows)

    attempts.record_metrics = bump_then_record
    try:
        assert run_job(job_id, factory) == "lost-ownership"
    finally:
        attempts.record_metrics = original
    with factory() as session:
        job = tenancy.job(session, job_id)
        assert job.model_id is None and session.query(Model).count() == 0
