"""Batch predictions: submit one (checked against the model and the dataset, then sent
to the queue after the commit), read, list, delete, and its result as CSV or JSON lines,
a chunk at a time.

A prediction belongs to its model: deleting the model deletes its predictions and their
results. It outlives its dataset (``dataset_id`` becomes null); one still queued when its
dataset goes fails with a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import numpy as np
import orjson
from sqlalchemy.orm import Session, sessionmaker

from syn0.datasets import repository as datasets
from syn0.datasets.orm import Dataset
from syn0.dispatch import PREDICT_TASK, Dispatcher
from syn0.kit import csv_io
from syn0.kit.errors import Conflict, InvalidInput, QuotaExceeded
from syn0.kit.features import order
from syn0.kit.lookups import found
from syn0.models import repository as models
from syn0.models.orm import Model
from syn0.predictions import repository as store
from syn0.predictions.orm import FAILED, SUCCEEDED, BatchPrediction
from syn0.tenants import repository as tenants

log = logging.getLogger(__name__)


def columns(model: Model, dataset: Dataset, field: str = "dataset_id") -> list[int] | None:
    """The dataset's columns in the order the model reads them: by name when both have
    stored names (the dataset's target aside), else as they are (None). A 422 when the
    samples do not fit the model's input or a name is missing or unknown."""
    expected = list(model.network["input_shape"])
    if list(dataset.input_shape) != expected:
        raise InvalidInput(
            f"dataset {dataset.id} holds samples of shape {dataset.input_shape}; model "
            f"{model.id} reads {expected}",
            field,
        )
    if not (model.feature_names and dataset.feature_names):
        return None
    indices = order(dataset.feature_names, model.feature_names, "the dataset", field)
    return None if indices == list(range(len(indices))) else indices


def submit(
    session: Session, tenant_id: str, model_id: str, dataset_id: str, quota: int
) -> BatchPrediction:
    """Add a queued prediction (flushed; the route commits, then ``send``s it). Refused
    at the tenant's storage ``quota``, as a job is: its result needs room."""
    model = found(models.get_model(session, tenant_id, model_id), "model", model_id)
    dataset = found(datasets.get_dataset(session, tenant_id, dataset_id), "dataset", dataset_id)
    columns(model, dataset)
    stored = tenants.stored_bytes(session, tenant_id)
    if stored >= quota:
        raise QuotaExceeded(
            f"the tenant stores {stored:,} bytes of datasets, models and predictions, its "
            f"quota is {quota:,} (set by SYN0_TENANT_MAX_STORED_BYTES), and a prediction's "
            "result needs room; delete what it no longer needs",
            limit=quota,
            value=stored,
        )
    return store.add(session, tenant_id, model.id, dataset.id, dataset.n_samples)


def send(dispatch: Dispatcher, sessions: sessionmaker[Session], prediction: BatchPrediction):
    """Send a committed prediction to the workers; if the broker is down it fails at once
    with a reason (nothing would send it later), and the caller may submit again."""
    try:
        dispatch.send(PREDICT_TASK, prediction.id)
    except Exception:
        log.exception("could not send prediction %s to the broker", prediction.id)
        error = {
            "type": "broker-unavailable",
            "detail": "the queue could not be reached to start this prediction; submit it again",
        }
        with sessions.begin() as session:
            store.claim(session, prediction.id)
            store.finish(session, prediction.id, FAILED, error)
        prediction.status, prediction.error = FAILED, error


def get(session: Session, tenant_id: str, prediction_id: str) -> BatchPrediction:
    return found(store.get(session, tenant_id, prediction_id), "prediction", prediction_id)


def delete(session: Session, tenant_id: str, prediction_id: str) -> None:
    get(session, tenant_id, prediction_id)
    store.delete_prediction(session, tenant_id, prediction_id)


def result(
    session: Session, tenant_id: str, prediction_id: str
) -> tuple[BatchPrediction, np.ndarray | None]:
    """A succeeded prediction and its model's classes (409 while it is not succeeded)."""
    prediction = get(session, tenant_id, prediction_id)
    if prediction.status != SUCCEEDED:
        raise Conflict(
            f"prediction {prediction_id} is {prediction.status}; its result can be "
            "downloaded once it has succeeded"
            + (f" ({prediction.error['detail']})" if prediction.error else ""),
            prediction_status=prediction.status,
        )
    model = models.get_model(session, tenant_id, prediction.model_id)
    classes = None if model is None or model.classes is None else np.asarray(model.classes)
    return prediction, classes


def stream(
    sessions: Callable[[], Session], prediction_id: str, classes: np.ndarray | None, as_csv: bool
) -> Iterator[bytes]:
    """The result, a chunk at a time in its own session (the reply outlives the request's):
    CSV with a ``row`` column, or one JSON object per line with its ``row``."""
    with sessions() as session:
        first = True
        for first_row, arrays in store.chunks(session, prediction_id):
            outputs = arrays["outputs"]
            label_index, probabilities = arrays.get("label_index"), arrays.get("probabilities")
            if as_csv:
                if first:
                    yield csv_io.header(classes, outputs.reshape(len(outputs), -1).shape[1], True)
                yield csv_io.rows(outputs, classes, label_index, probabilities, first_row)
            else:
                yield _json_lines(first_row, outputs, classes, label_index, probabilities)
            first = False


def _json_lines(first_row, outputs, classes, label_index, probabilities) -> bytes:
    option = orjson.OPT_SERIALIZE_NUMPY
    lines = []
    for i in range(len(outputs)):
        line = {"row": first_row + i, "outputs": outputs[i]}
        if classes is not None and label_index is not None:
            line["label"] = classes[label_index[i]].item()
            line["probabilities"] = probabilities[i]
        lines.append(orjson.dumps(line, option=option))
    return b"\n".join(lines) + b"\n"
