"""Trained models: rows and their weights, each model its tenant's."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from syn0.jobs.orm import Job
from syn0.kit import blobs
from syn0.kit.lookups import owned
from syn0.kit.paging import page
from syn0.models.orm import Model


def get_model(
    session: Session, tenant_id: str, model_id: str, *, lock: bool = False
) -> Model | None:
    return owned(session, Model, tenant_id, model_id, lock=lock)


def list_models(session: Session, tenant_id: str, limit: int, cursor: str | None):
    return page(session, select(Model).where(Model.tenant_id == tenant_id), Model, limit, cursor)


def load_weights(session: Session, tenant_id: str, model_id: str) -> bytes:
    """The weights file, after checking it against its recorded sha256."""
    row = session.execute(
        select(Model.weights, Model.sha256).where(
            Model.id == model_id, Model.tenant_id == tenant_id
        )
    ).one()
    blobs.verify(row.weights, row.sha256, "weights")
    return row.weights


def delete_model(session: Session, tenant_id: str, model_id: str) -> None:
    """Delete the model row (its weights with it); the job that trained it no longer
    names it."""
    trained_by = update(Job).where(Job.model_id == model_id, Job.tenant_id == tenant_id)
    session.execute(trained_by.values(model_id=None))
    session.execute(delete(Model).where(Model.id == model_id, Model.tenant_id == tenant_id))
