"""Batch prediction rows and their chunks of results, each prediction its tenant's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from syn0.kit import blobs
from syn0.kit.lookups import owned
from syn0.kit.orm import utcnow
from syn0.kit.paging import page
from syn0.predictions.orm import QUEUED, RUNNING, BatchPrediction, PredictionChunk


def add(
    session: Session, tenant_id: str, model_id: str, dataset_id: str, n_rows: int
) -> BatchPrediction:
    row = BatchPrediction(
        tenant_id=tenant_id, model_id=model_id, dataset_id=dataset_id, n_rows=n_rows
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, tenant_id: str, prediction_id: str) -> BatchPrediction | None:
    return owned(session, BatchPrediction, tenant_id, prediction_id)


def list_predictions(session: Session, tenant_id: str, limit: int, cursor: str | None):
    query = select(BatchPrediction).where(BatchPrediction.tenant_id == tenant_id)
    return page(session, query, BatchPrediction, limit, cursor)


def claim(
    session: Session, prediction_id: str, stale_before: datetime | None = None
) -> BatchPrediction | None:
    """``queued -> running``, atomically: of two deliveries of one message, one claims.
    With ``stale_before``, also a running one whose last heartbeat is older (its worker
    died): the caller goes on from its stored chunks."""
    claimable = BatchPrediction.status == QUEUED
    if stale_before is not None:
        stale = and_(BatchPrediction.status == RUNNING, BatchPrediction.heartbeat_at < stale_before)
        claimable = or_(claimable, stale)
    now = utcnow()
    claimed = session.execute(
        update(BatchPrediction)
        .where(BatchPrediction.id == prediction_id, claimable)
        .values(
            status=RUNNING,
            started_at=func.coalesce(BatchPrediction.started_at, now),
            heartbeat_at=now,
        )
    ).rowcount
    return session.get(BatchPrediction, prediction_id) if claimed else None


def chunk_count(session: Session, prediction_id: str) -> int:
    query = select(func.count()).where(PredictionChunk.prediction_id == prediction_id)
    return int(session.scalar(query))


def add_chunk(session: Session, prediction_id: str, index: int, first_row: int, **arrays: Any):
    """Store rows ``first_row…`` of the result and count them done."""
    data = blobs.pack(**arrays)
    n_rows = len(next(iter(arrays.values())))
    session.add(
        PredictionChunk(
            prediction_id=prediction_id,
            index=index,
            first_row=first_row,
            n_rows=n_rows,
            sha256=blobs.sha256(data),
            data=data,
        )
    )
    session.execute(
        update(BatchPrediction)
        .where(BatchPrediction.id == prediction_id)
        .values(rows_done=first_row + n_rows, heartbeat_at=utcnow())
    )
    session.flush()
    session.expunge_all()  # the chunk's bytes are the database's now


def finish(session: Session, prediction_id: str, status: str, error: dict | None = None) -> None:
    """End a running prediction; a failed one keeps none of its chunks."""
    if error is not None:
        session.execute(
            delete(PredictionChunk).where(PredictionChunk.prediction_id == prediction_id)
        )
    session.execute(
        update(BatchPrediction)
        .where(BatchPrediction.id == prediction_id, BatchPrediction.status == RUNNING)
        .values(status=status, error=error, finished_at=utcnow())
    )


def chunks(session: Session, prediction_id: str) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """The result's chunks in row order, ``(first_row, arrays)``, each read (and checked
    against its sha256) only when the one before it has been used."""
    query = select(PredictionChunk.index).where(PredictionChunk.prediction_id == prediction_id)
    for index in session.scalars(query.order_by(PredictionChunk.index)).all():
        row = session.execute(
            select(PredictionChunk.first_row, PredictionChunk.data, PredictionChunk.sha256).where(
                PredictionChunk.prediction_id == prediction_id, PredictionChunk.index == index
            )
        ).one()
        yield row.first_row, blobs.unpack(row.data, row.sha256, "prediction result")


def delete_prediction(session: Session, tenant_id: str, prediction_id: str) -> None:
    session.execute(
        delete(BatchPrediction).where(
            BatchPrediction.id == prediction_id, BatchPrediction.tenant_id == tenant_id
        )
    )
