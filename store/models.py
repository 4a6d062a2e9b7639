"""Trained models: rows and their weights."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import blobs
from store.orm import Model, is_id
from store.paging import page


def get_model(session: Session, model_id: str) -> Model | None:
    return session.get(Model, model_id) if is_id(model_id) else None


def list_models(session: Session, limit: int, cursor: str | None):
    return page(session, select(Model), Model, limit, cursor)


def load_weights(session: Session, model_id: str) -> bytes:
    """The weights file, after checking it against its recorded sha256."""
    row = session.execute(select(Model.weights, Model.sha256).where(Model.id == model_id)).one()
    blobs.verify(row.weights, row.sha256, "weights")
    return row.weights
