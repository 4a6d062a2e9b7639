"""A claimed job's inputs, read in the claim's transaction (``syn0.jobs.training``): its
specs bound to the worker's device, its network (from initial weights, if it names a
model) and its dataset's arrays (kept by the process for its next jobs:
``syn0.datasets.cache``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from syn0.core import Checkpoint, DataError, Network, NetworkSpec, TrainingSpec
from syn0.datasets import repository as datasets
from syn0.datasets.cache import DATASETS
from syn0.jobs.results import Run
from syn0.models import repository as models
from syn0.settings import Settings


@dataclass
class Inputs:
    """What ``fit`` trains: the job's specs bound to the worker's device, the network
    (with its initial weights, if any) and the dataset's arrays."""

    training: TrainingSpec
    net: Network
    task: str
    X: np.ndarray
    y: np.ndarray


def prepared(
    session: Session, run: Run, resume: Checkpoint | None, settings: Settings
) -> Inputs | Exception:
    """The job's inputs, read in the claim's transaction (a transaction fewer per job:
    the fixed cost of a sweep's short trials). A failure is returned, not raised, so that
    the claim commits and the job then fails with it (a deleted dataset, a corrupt one).
    A database error is raised: it rolls the claim back and leaves the job queued, for
    the task's retry while the database is down, else for the reaper to send again (the
    transaction it broke could not commit the claim anyway)."""
    try:
        return _inputs(session, run, resume, settings)
    except SQLAlchemyError:
        raise
    except Exception as exc:
        return exc


def _inputs(session: Session, run: Run, resume: Checkpoint | None, settings: Settings) -> Inputs:
    tenant_id, dataset_id = run.tenant_id, run.dataset_id
    # The worker's own device: routing sent the job to a worker of the device it chose.
    device = settings.worker_device
    training_spec = TrainingSpec.model_validate(run.training).model_copy(update={"device": device})
    net = Network(
        NetworkSpec.model_validate(run.network), seed=training_spec.seed, dtype=training_spec.dtype
    )
    dataset = datasets.get_dataset(session, tenant_id, dataset_id) if dataset_id else None
    if dataset is None:
        raise DataError("the job's dataset was deleted before training started", field="dataset_id")
    run.dataset_sha256 = dataset.sha256
    run.feature_names, run.target_name = dataset.feature_names, dataset.target_name
    X, y = DATASETS.arrays(
        dataset_id,
        dataset.sha256,
        lambda: datasets.load_arrays(session, tenant_id, dataset_id),
        settings.worker_dataset_cache_bytes,
    )
    if training_spec.initial_weights and resume is None:
        _start_from(session, tenant_id, training_spec.initial_weights.model_id, net)
    return Inputs(training_spec, net, dataset.task, X, y)


def _start_from(session: Session, tenant_id: str, model_id: str, net: Network) -> None:
    """The model's parameters (batchnorm's moving averages included) as the first epoch's,
    in the job's dtype; submit checked that the network is the model's architecture."""
    if models.get_model(session, tenant_id, model_id) is None:
        raise DataError(
            f"model {model_id}, the job's initial_weights, was deleted before training started",
            field="training.initial_weights.model_id",
        )
    source = Network.from_bytes(models.load_weights(session, tenant_id, model_id))
    if source.params.shape != net.params.shape:
        raise DataError(
            f"model {model_id} holds {source.params.size} parameters, the network "
            f"{net.params.size}",
            field="training.initial_weights.model_id",
        )
    net.params[...] = source.params
