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
from syn0.kit import json_stream, metrics
from syn0.kit.errors import InvalidInput
from syn0.models.loader import Loaded, ModelLoader
from syn0.models.schemas import PredictIn

# Bodies up to this size are served on the event loop (the fast path); bigger batches
# are parsed (straight into an array) and run in a worker thread so one large request
# cannot stall the others, and their reply is sent a slice at a time.
INLINE_BODY_BYTES = json_stream.STREAM_BODY_BYTES
_SHAPE_HINT = 'the body must be a JSON object {"inputs": [[...], ...]} with one entry per sample'


def run_locked(loaded: Loaded, model_id: str, X: np.ndarray) -> Prediction:
    """``predict`` holding the network's lock (from a worker thread)."""
    with loaded.lock:
        return predict(loaded.net, model_id, X)


async def respond(
    loader: ModelLoader,
    tenant_id: str,
    model_id: str,
    X: np.ndarray,
    large: bool,
    fields: dict[str, Any] | None = None,
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
            return encode(predict(loaded.net, model_id, X), fields)
        finally:
            loaded.lock.release()
    prediction = await anyio.to_thread.run_sync(run_locked, loaded, model_id, X)
    return encode_in_slices(prediction, fields) if large else encode(prediction, fields)


def parse_inputs(body: bytes) -> np.ndarray:
    """``inputs`` as a numeric array, the body decoded by ``PredictIn``; shape and
    finiteness are the network's to check."""
    try:
        inputs = PredictIn.model_validate_json(body).inputs
    except ValidationError as exc:
        raise _invalid_body(exc.errors()) from None
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


def parse_large_inputs(body: bytes | BinaryIO) -> np.ndarray:
    """``parse_inputs`` for a body over ``STREAM_BODY_BYTES``: straight into float64."""
    read = partial(json_stream.grid, field="inputs", typecode="d")
    return _inputs(json_stream.parse_object(body, {"inputs": read}))


def _invalid_body(errors: list[dict]) -> InvalidInput:
    """``PredictIn``'s first complaint, said as the large-body parser says it."""
    kinds = {error["type"] for error in errors}
    if "json_invalid" in kinds:
        detail = next(e["msg"] for e in errors if e["type"] == "json_invalid")
        return InvalidInput(f"the request body is not valid JSON: {detail}", "body")
    if kinds & {"model_type", "missing"}:
        return InvalidInput(_SHAPE_HINT, "inputs")
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return InvalidInput(f"unknown field {unknown[0]!r}; {_SHAPE_HINT}", unknown[0])
    return InvalidInput(f"inputs must be a non-empty list; {_SHAPE_HINT}", "inputs")


def _inputs(payload: Any) -> Any:
    if not isinstance(payload, dict) or "inputs" not in payload:
        raise InvalidInput(_SHAPE_HINT, "inputs")
    unknown = sorted(set(payload) - {"inputs"})
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}; {_SHAPE_HINT}", unknown[0])
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
