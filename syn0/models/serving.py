"""Serving: the forward pass of a loaded model (``syn0.models.loader``) and its reply.

The hot path is a cache hit with a small batch: the body decoded by ``PredictIn`` (the
schema the OpenAPI document publishes), one forward pass on the event loop, orjson
out; no thread hop, no database. A miss loads the weights in a worker thread, so the
event loop never waits on the database; a large batch is parsed (straight into an
array) and run in a worker thread too. A network runs one forward pass at a time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, BinaryIO

import anyio.to_thread
import numpy as np
import orjson
from pydantic import ValidationError

from syn0.core import DataError, Network
from syn0.kit import csv_io, json_records, json_stream, metrics
from syn0.kit.errors import InvalidInput
from syn0.kit.features import order
from syn0.models.loader import Loaded, ModelLoader
from syn0.models.schemas import PredictIn

# Bodies up to this size are served on the event loop (the fast path); bigger batches
# are parsed (straight into an array) and run in a worker thread so one large request
# cannot stall the others, and their reply is sent a slice at a time.
INLINE_BODY_BYTES = json_stream.STREAM_BODY_BYTES
_SHAPE_HINT = (
    'the body must be a JSON object {"inputs": [[...], ...]} or {"records": [{"name": value, '
    "...}, ...]} with one entry per sample"
)
# What a body decodes to: inputs as an array, or records to match to the model's names.
Parsed = np.ndarray | json_records.Records


def run_locked(loaded: Loaded, model_id: str, X: Parsed) -> Prediction:
    """``predict`` holding the network's lock (from a worker thread)."""
    with loaded.lock:
        return predict(loaded.net, model_id, inputs_of(X, loaded))


def inputs_of(parsed: Parsed, loaded: Loaded, field: str = "records") -> np.ndarray:
    """The model's inputs: an array as it is, records (or a CSV's named columns) as the
    columns of the model's features in its order."""
    if isinstance(parsed, np.ndarray):
        return parsed
    if loaded.names is None:
        shape = list(loaded.net.spec.input_shape)
        raise InvalidInput(
            f"{field} name the features of a model of flat inputs; this model reads images "
            f"of shape {shape}: send them as `inputs`",
            field,
        )
    columns = order(parsed.names, loaded.names, field)
    if columns == list(range(len(columns))):
        return parsed.values
    return parsed.values[:, columns]


async def respond(
    loader: ModelLoader,
    tenant_id: str,
    model_id: str,
    X: Parsed,
    large: bool,
    fields: dict[str, Any] | None = None,
    as_csv: bool = False,
) -> bytes | Iterator[bytes]:
    """The reply body for parsed inputs (see ``predict``): bytes, or for a large batch
    the same bytes a slice of rows at a time, so the reply is never whole in memory.
    ``fields`` follow ``model_id`` in it.

    A small batch runs on the event loop unless a worker thread holds the network's
    lock (a large batch in progress); then, like a large batch, it waits in a thread.
    """
    loaded = await loader.get(tenant_id, model_id)
    if not large and loaded.lock.acquire(blocking=False):
        try:
            prediction = predict(loaded.net, model_id, inputs_of(X, loaded))
        finally:
            loaded.lock.release()
    else:
        prediction = await anyio.to_thread.run_sync(run_locked, loaded, model_id, X)
    if as_csv:
        return csv_io.in_slices(prediction) if large else b"".join(csv_io.in_slices(prediction))
    return encode_in_slices(prediction, fields) if large else encode(prediction, fields)


def parse_csv(body: BinaryIO, loaded: Loaded) -> np.ndarray:
    """A ``text/csv`` body as the model's inputs (``csv_io.read_inputs``)."""
    if loaded.names is None:
        shape = list(loaded.net.spec.input_shape)
        raise InvalidInput(
            "a CSV body names the features of a model of flat inputs; this model reads "
            f"images of shape {shape}: send them as JSON `inputs`",
            "body",
        )
    return csv_io.read_inputs(body, loaded.names, loaded.target, loaded.net.dtype)


def parse_inputs(body: bytes) -> Parsed:
    """``inputs`` as a numeric array (or ``records``), the body decoded by ``PredictIn``;
    shape and finiteness are the network's to check."""
    try:
        decoded = PredictIn.model_validate_json(body)
    except ValidationError as exc:
        raise _invalid_body(exc.errors(), body) from None
    if decoded.records is not None:
        return json_records.records_of(decoded.records)
    inputs = decoded.inputs
    try:
        # float64 from the start: an array of strings would be sized to the longest one.
        return np.asarray(inputs, dtype=np.float64)
    except (ValueError, TypeError):
        raise InvalidInput(
            "inputs must be a rectangular nested list of numbers: every sample needs the "
            "same shape",
            "inputs",
        ) from None
    except OverflowError:
        loc = _too_large(inputs, "inputs")
        raise InvalidInput(
            f"{loc} is an integer too large for a float (beyond ±1.8e308); send numbers on "
            "the scale of the training data",
            loc,
        ) from None


def parse_large_inputs(body: bytes | BinaryIO) -> Parsed:
    """``parse_inputs`` for a body over ``STREAM_BODY_BYTES``: straight into float64."""
    readers = {
        "inputs": partial(json_stream.grid, field="inputs", typecode="d"),
        "records": json_records.records,
    }
    return _inputs(json_stream.parse_object(body, readers))


def _invalid_body(errors: list[dict], body: bytes) -> InvalidInput:
    """``PredictIn``'s first complaint, said as the large-body parser says it."""
    kinds = {error["type"] for error in errors}
    if "json_invalid" in kinds:
        detail = next(e["msg"] for e in errors if e["type"] == "json_invalid")
        return InvalidInput(f"the request body is not valid JSON: {detail}", "body")
    if kinds & {"model_type", "missing"} or not _names_inputs(body):
        return InvalidInput(_SHAPE_HINT, "inputs")
    if "value_error" in kinds:
        return InvalidInput(f"send either `inputs` or `records`; {_SHAPE_HINT}", "records")
    records = [e for e in errors if e["loc"][:1] == ("records",)]
    if records:
        loc = ".".join(map(str, records[0]["loc"]))
        if records[0]["type"] == "too_short":
            return InvalidInput(f"records must be a non-empty list; {_SHAPE_HINT}", "records")
        if len(records[0]["loc"]) == 2:
            return InvalidInput(f"{loc} must be an object of feature names and numbers", loc)
        return InvalidInput(
            f"{loc} must be a number; records are objects of feature names and numbers", loc
        )
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return InvalidInput(f"unknown field {unknown[0]!r}; {_SHAPE_HINT}", unknown[0])
    return InvalidInput(f"inputs must be a non-empty list; {_SHAPE_HINT}", "inputs")


def _names_inputs(body: bytes) -> bool:
    """True if the body is an object holding ``inputs`` or ``records`` (or both)."""
    payload = orjson.loads(body)
    return isinstance(payload, dict) and bool({"inputs", "records"} & set(payload))


def _inputs(payload: Any) -> Any:
    if not isinstance(payload, dict) or not {"inputs", "records"} & set(payload):
        raise InvalidInput(_SHAPE_HINT, "inputs")
    unknown = sorted(set(payload) - {"inputs", "records"})
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}; {_SHAPE_HINT}", unknown[0])
    if len(payload) == 2:
        raise InvalidInput(f"send either `inputs` or `records`; {_SHAPE_HINT}", "records")
    if "records" in payload:
        records = payload["records"]
        if not isinstance(records, json_records.Records) or not len(records.values):
            raise InvalidInput(f"records must be a non-empty list; {_SHAPE_HINT}", "records")
        return records
    inputs = payload["inputs"]
    if not isinstance(inputs, list | np.ndarray) or not len(inputs):
        raise InvalidInput(f"inputs must be a non-empty list; {_SHAPE_HINT}", "inputs")
    return inputs


def _too_large(values: list, path: str) -> str:
    """The path of the first integer that no float can hold, depth first."""
    for index, value in enumerate(values):
        if isinstance(value, list):
            found = _too_large(value, f"{path}.{index}")
            if found:
                return found
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                float(value)
            except OverflowError:
                return f"{path}.{index}"
    return ""


@dataclass
class Prediction:
    """A reply before encoding: labels stay indices into ``classes`` until then."""

    model_id: str
    outputs: np.ndarray
    classes: np.ndarray | None = None
    label_index: np.ndarray | None = None
    probabilities: np.ndarray | None = None


def predict(net: Network, model_id: str, X: np.ndarray) -> Prediction:
    """Outputs, and for classifiers labels (the user's class values) and class
    probabilities (columns in the order of the model's ``classes``)."""
    started = time.perf_counter()
    try:
        if net.task != "classification":
            outputs, proba = net.predict(X), None
        else:
            outputs, proba = net.predict_with_proba(X)
    except DataError as exc:
        raise InvalidInput(exc.message, "inputs") from exc
    _check_finite(outputs, net)
    metrics.PREDICT_SECONDS.observe(time.perf_counter() - started)
    metrics.PREDICT_ROWS.inc(len(outputs))
    if proba is None:
        return Prediction(model_id, _c(outputs))
    return Prediction(model_id, _c(outputs), net.classes, proba.argmax(axis=1), _c(proba))


def _parts(prediction: Prediction) -> dict[str, Any]:
    """The reply's arrays in its order; labels as a function of a row slice."""
    parts: dict[str, Any] = {"outputs": prediction.outputs}
    if prediction.classes is not None:
        classes, index = prediction.classes, prediction.label_index
        parts["labels"] = lambda rows: classes[index[rows]].tolist()
        parts["probabilities"] = prediction.probabilities
    return parts


def encode(prediction: Prediction, fields: dict[str, Any] | None = None) -> bytes:
    everything = slice(None)
    body = {"model_id": prediction.model_id, **(fields or {})}
    for key, part in _parts(prediction).items():
        body[key] = part(everything) if callable(part) else part
    return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)


def encode_in_slices(
    prediction: Prediction, fields: dict[str, Any] | None = None, rows: int = 65536
) -> Iterator[bytes]:
    """The bytes ``encode`` gives, ``rows`` rows of each array at a time."""
    yield b'{"model_id":' + orjson.dumps(prediction.model_id)
    if fields:
        yield b"," + orjson.dumps(fields)[1:-1]
    for key, part in _parts(prediction).items():
        yield b',"' + key.encode() + b'":['
        for start in range(0, len(prediction.outputs), rows):
            rows_here = slice(start, start + rows)
            values = part(rows_here) if callable(part) else part[rows_here]
            text = orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1]
            yield b"," + text if start else text
        yield b"]"
    yield b"}"


def _check_finite(outputs: np.ndarray, net: Network) -> None:
    """Finite inputs too large for the network's dtype overflow to infinities and NaN,
    which JSON cannot carry (they would be ``null``): a 422 naming the first such sample."""
    finite = np.isfinite(outputs.reshape(len(outputs), -1)).all(axis=1)
    if not finite.all():
        loc = f"inputs.{int(np.argmin(finite))}"
        raise InvalidInput(
            f"the model's outputs for {loc} are not finite: the values of {loc} are too "
            f"large for the model's {np.dtype(net.dtype).name} arithmetic; send inputs on "
            "the scale of the training data",
            loc,
        )


def _c(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array)
