"""Trained models: rows and their weights, each model its tenant's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from syn0.kit import blobs
from syn0.kit.lookups import owned
from syn0.kit.paging import page
from syn0.models.orm import Model


def get_model(session: Session, tenant_id: str, model_id: str) -> Model | None:
    return owned(session, Model, tenant_id, model_id)


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
