"""The model a job leaves: the whole run's when it succeeds, and a checkpoint's when it
is cancelled or runs out of time (``partial``), so a stopped job keeps its work.

A stopped job's model is never the weights the run stopped with: those are the middle
of an epoch. It is the last checkpoint's epoch, or the best epoch that early stopping
kept (``restore_best``), with that epoch's metrics. A job stopped before its first
checkpoint leaves no model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syn0.core import Checkpoint, Network, NetworkSpec
from syn0.datasets.orm import Dataset
from syn0.jobs import attempts
from syn0.jobs.orm import Job
from syn0.jobs.running import finite
from syn0.kit import blobs
from syn0.models import lineage
from syn0.models.orm import Model


@dataclass
class Run:
    """What a job trains, read when it is claimed; ``dataset_sha256`` once its data is."""

    job_id: str
    tenant_id: str
    network: dict[str, Any]
    training: dict[str, Any]
    dataset_id: str | None
    replay_of: str | None
    dataset_sha256: str | None = None
    feature_names: list[str] | None = None  # the dataset's, once its data is read
    target_name: str | None = None

    @classmethod
    def of(cls, job: Job) -> Run:
        return cls(job.id, job.tenant_id, job.network, job.training, job.dataset_id, job.replay_of)


def finished_model(run: Run, net: Network, history) -> Model:
    """The model of a job that trained to its end (or stopped early)."""
    # The history may start after epoch 1 (a resume whose earlier rows were not all found).
    best = [row for row in history.epochs if row["epoch"] == history.best_epoch]
    final = best[0] if best else history.last
    restored = history.best_epoch and (run.training.get("early_stopping") or {}).get(
        "restore_best", True
    )
    epoch = history.best_epoch if restored else history.last.get("epoch")
    return _model(run, net, finite(final), epoch, partial=False)


def partial_model(run: Run, checkpoint: Checkpoint) -> Model:
    """The model a checkpoint holds: its best epoch's weights when early stopping kept
    them, else its own epoch's. Its metrics are filled in when it is stored."""
    params, epoch = checkpoint.params, checkpoint.epoch
    stopping = checkpoint.early_stopping
    if stopping and stopping.get("best_params") is not None:
        params, epoch = stopping["best_params"], stopping["best_epoch"]
    spec = NetworkSpec.model_validate(run.network)
    net = Network(spec, dtype=checkpoint.params.dtype.name)
    net.load_checkpoint(checkpoint)
    net.params[...] = params
    return _model(run, net, {"epoch": epoch}, epoch, partial=True)


def _model(run: Run, net: Network, metrics: dict, epoch: int | None, *, partial: bool) -> Model:
    weights = net.to_bytes()
    return Model(
        tenant_id=run.tenant_id,
        job_id=run.job_id,
        dataset_id=run.dataset_id,
        network=run.network,
        training=run.training,
        task=net.task,
        classes=None if net.classes is None else net.classes.tolist(),
        metrics=metrics,
        n_params=int(net.params.size),
        sha256=blobs.sha256(weights),
        weights=weights,
        partial=partial,
        epoch=epoch,
        dataset_sha256=run.dataset_sha256,
        feature_names=run.feature_names,
        target_name=run.target_name,
        syn0_version=lineage.syn0_version(),
        # A stopped replay's weights are no outcome of the spec to compare.
        replay_of=None if partial else run.replay_of,
    )


def keep_stored(session: Session, job_id: str) -> None:
    """Give a job the reaper ended ``cancelled`` (its worker lost) the partial model of
    its stored checkpoint, if it has one (a corrupt checkpoint gives none)."""
    job = session.get_one(Job, job_id)
    try:
        data = attempts.load_checkpoint(session, job_id)
    except blobs.CorruptBlob:
        return
    if data is None:
        return
    run = Run.of(job)
    if job.dataset_id is not None:
        columns = (Dataset.sha256, Dataset.feature_names, Dataset.target_name)
        row = session.execute(select(*columns).where(Dataset.id == job.dataset_id)).first()
        if row is not None:
            run.dataset_sha256, run.feature_names, run.target_name = row
    attempts.keep_model(session, job_id, partial_model(run, Checkpoint.from_bytes(data)))
