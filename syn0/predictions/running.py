"""Run one batch prediction: claim it, read the model and the dataset, and store the
outputs a chunk of ``CHUNK_ROWS`` rows at a time, each chunk its own transaction (so
``rows_done`` shows progress). A plain function that tests call directly;
``syn0.predictions.tasks`` only adapts it to Celery."""

from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from syn0.core import DataError, Network
from syn0.datasets import repository as datasets
from syn0.kit import blobs
from syn0.kit.db import session_scope
from syn0.kit.errors import ApiError
from syn0.kit.orm import utcnow
from syn0.models import repository as models
from syn0.predictions import repository as store
from syn0.predictions.orm import FAILED, SUCCEEDED
from syn0.predictions.service import columns

log = logging.getLogger(__name__)

CHUNK_ROWS = 65536


class Failed(Exception):
    """A reason a person can act on."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.error = {"type": kind, "detail": detail}


def run_prediction(
    prediction_id: str, factory: sessionmaker[Session], grace_seconds: float | None = None
) -> str:
    """Predict the dataset of prediction ``prediction_id`` if it is still queued, or
    running with no heartbeat for ``grace_seconds`` (its worker died: this goes on
    after its last stored chunk); return the status it ends in (``not-claimed``:
    another delivery has it, or it is gone; ``lost-ownership``: another took it over)."""
    stale_before = None
    if grace_seconds is not None:
        stale_before = utcnow() - timedelta(seconds=grace_seconds)
    with session_scope(factory) as session:
        claimed = store.claim(session, prediction_id, stale_before)
        if claimed is None:
            return "not-claimed"
        tenant_id, model_id = claimed.tenant_id, claimed.model_id
        dataset_id, done = claimed.dataset_id, claimed.rows_done
        stored = store.chunk_count(session, prediction_id)
    try:
        net, X = _load(factory, tenant_id, model_id, dataset_id)
        for index, start in enumerate(range(done, len(X), CHUNK_ROWS), start=stored):
            arrays = _predict(net, X[start : start + CHUNK_ROWS], start)
            with session_scope(factory) as session:
                store.add_chunk(session, prediction_id, index, start, **arrays)
        status, error = SUCCEEDED, None
    except IntegrityError:  # a chunk of that index is stored: another worker has it
        log.warning("prediction %s was taken over by another worker; stopping", prediction_id)
        return "lost-ownership"
    except Failed as exc:
        status, error = FAILED, exc.error
    except Exception as exc:  # every failure ends the prediction, none leaves it running
        log.exception("prediction %s failed unexpectedly", prediction_id)
        status = FAILED
        error = {
            "type": "internal-error",
            "detail": f"the prediction stopped on an unexpected {type(exc).__name__}; the "
            "operators have the details in the worker log",
        }
    with session_scope(factory) as session:
        store.finish(session, prediction_id, status, error)
    return status


def _load(factory, tenant_id: str, model_id: str, dataset_id: str | None):
    with session_scope(factory) as session:
        model = models.get_model(session, tenant_id, model_id)
        dataset = datasets.get_dataset(session, tenant_id, dataset_id) if dataset_id else None
        if model is None or dataset is None:
            gone = "model" if model is None else "dataset"
            raise Failed("bad-data", f"the {gone} was deleted before the prediction started")
        try:
            order = columns(model, dataset)
            net = Network.from_bytes(models.load_weights(session, tenant_id, model_id))
            X, _ = datasets.load_arrays(session, tenant_id, dataset.id)
        except ApiError as exc:
            raise Failed("bad-data", exc.detail) from exc
        except (blobs.CorruptBlob, DataError) as exc:
            raise Failed("corrupt-data", str(exc)) from exc
    return net, X if order is None else X[:, order]


def _predict(net: Network, X: np.ndarray, first_row: int) -> dict[str, np.ndarray]:
    """One chunk's outputs (and, for a classifier, the label index and probabilities)."""
    try:
        if net.task == "classification":
            outputs, proba = net.predict_with_proba(X)
            arrays = {
                "outputs": outputs,
                "label_index": proba.argmax(axis=1),
                "probabilities": proba,
            }
        else:
            arrays = {"outputs": net.predict(X)}
    except DataError as exc:
        raise Failed("bad-data", exc.message) from exc
    finite = np.isfinite(arrays["outputs"].reshape(len(X), -1)).all(axis=1)
    if not finite.all():
        row = first_row + int(np.argmin(finite))
        raise Failed(
            "bad-data",
            f"the model's outputs for row {row} of the dataset are not finite: its values are "
            f"too large for the model's {np.dtype(net.dtype).name} arithmetic",
        )
    return arrays
