"""Dataset rows and their arrays, each dataset its tenant's: every lookup names the
tenant, so another tenant's id reads as a missing one."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from syn0.datasets.orm import Dataset
from syn0.jobs.orm import ACTIVE, Job
from syn0.kit import blobs
from syn0.kit.lookups import owned
from syn0.kit.paging import page


def add_dataset(
    session: Session,
    *,
    tenant_id: str,
    name: str,
    task: str,
    X: np.ndarray,
    y: np.ndarray,
    classes: list | None,
    n_outputs: int,
    generator: dict[str, Any] | None = None,
    feature_names: list[str] | None = None,
    target_name: str | None = None,
) -> Dataset:
    data = blobs.pack(X=X, y=y)
    dataset = Dataset(
        tenant_id=tenant_id,
        name=name,
        task=task,
        n_samples=len(X),
        input_shape=list(X.shape[1:]),
        n_outputs=n_outputs,
        classes=classes,
        sha256=blobs.sha256(data),
        data=data,
        generator=generator,
        feature_names=feature_names,
        target_name=target_name,
    )
    session.add(dataset)
    session.flush()
    return dataset


def get_dataset(session: Session, tenant_id: str, dataset_id: str) -> Dataset | None:
    return owned(session, Dataset, tenant_id, dataset_id)


def lock_dataset(session: Session, tenant_id: str, dataset_id: str) -> Dataset | None:
    """The dataset row, locked until the transaction ends (PostgreSQL ``FOR UPDATE``).

    A submit referencing the row holds a key-share lock until it commits, so a delete
    that locks first sees every job submitted before it, and no job sees a deleted row.
    """
    return owned(session, Dataset, tenant_id, dataset_id, lock=True)


def load_arrays(session: Session, tenant_id: str, dataset_id: str) -> tuple[np.ndarray, np.ndarray]:
    """The dataset's ``(X, y)``, after checking the stored bytes against their sha256."""
    row = session.execute(
        select(Dataset.data, Dataset.sha256).where(
            Dataset.id == dataset_id, Dataset.tenant_id == tenant_id
        )
    ).one()
    arrays = blobs.unpack(row.data, row.sha256, "dataset")
    return arrays["X"], arrays["y"]


def list_datasets(session: Session, tenant_id: str, limit: int, cursor: str | None):
    query = select(Dataset).where(Dataset.tenant_id == tenant_id)
    return page(session, query, Dataset, limit, cursor)


def dataset_in_use(session: Session, dataset_id: str) -> bool:
    """True while a queued or running job trains on it."""
    query = select(exists().where(Job.dataset_id == dataset_id, Job.status.in_(ACTIVE)))
    return bool(session.scalar(query))


def delete_dataset(session: Session, tenant_id: str, dataset_id: str) -> None:
    session.execute(delete(Dataset).where(Dataset.id == dataset_id, Dataset.tenant_id == tenant_id))
