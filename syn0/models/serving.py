"""Serving: a bounded LRU cache of loaded networks and the forward pass.

The hot path is a cache hit with a small batch: parse the body with orjson, one
forward pass on the event loop, orjson out; no thread hop, no database. A miss loads
the weights from the store in a worker thread, so the event loop never waits on the
database; a large batch is parsed and run in a worker thread too. A network runs
one forward pass at a time (see ``Served``).
Models never change once written, so entries need no invalidation; each entry keeps
its tenant, and a hit for another tenant's request is a miss like any unknown id.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

import anyio.to_thread
import numpy as np
import orjson

from syn0.api.deps import Runtime
from syn0.core import DataError, Network
from syn0.kit.errors import CorruptData, InvalidInput
from syn0.kit.lookups import found
from syn0.models import repository as models

# Bodies up to this size are served on the event loop (the fast path); bigger batches
# are parsed and run in a worker thread so one large request cannot stall the others.
INLINE_BODY_BYTES = 256 * 1024
_SHAPE_HINT = 'the body must be a JSON object {"inputs": [[...], ...]} with one entry per sample'


class Served:
    """A loaded network, its tenant, and the lock that serializes its forward passes: a
    ``Network`` reuses its work buffers between calls, so two passes at once would mix
    answers."""

    def __init__(self, net: Network, tenant_id: str) -> None:
        self.net, self.tenant_id = net, tenant_id
        self.lock = threading.Lock()

    def run(self, model_id: str, X: np.ndarray) -> bytes:
        with self.lock:
            return predict(self.net, model_id, X)


class ModelCache:
    """Loaded networks by model id; the least recently used is evicted first.

    Used from the event loop only, so it needs no lock of its own."""

    def __init__(self, runtime: Runtime, size: int) -> None:
        self.runtime = runtime
        self.size = size
        self._served: OrderedDict[str, Served] = OrderedDict()

    def __len__(self) -> int:
        return len(self._served)

    async def get(self, tenant_id: str, model_id: str) -> Served:
        served = self._served.get(model_id)
        if served is not None and served.tenant_id == tenant_id:
            self._served.move_to_end(model_id)
            return served
        net = await anyio.to_thread.run_sync(self._load, tenant_id, model_id)
        served = self._served[model_id] = Served(net, tenant_id)
        while len(self._served) > self.size:
            self._served.popitem(last=False)
        return served

    def _load(self, tenant_id: str, model_id: str) -> Network:
        with self.runtime.sessions() as session:
            found(models.get_model(session, tenant_id, model_id), "model", model_id)
            weights = models.load_weights(session, tenant_id, model_id)
        try:
            return Network.from_bytes(weights)
        except DataError as exc:
            raise CorruptData(
                f"the stored weights of model {model_id} cannot be loaded: {exc.message}"
            ) from exc


async def respond(cache: ModelCache, tenant_id: str, model_id: str, body: bytes) -> bytes:
    """The reply body for a predict request (see ``predict``).

    A small batch runs on the event loop unless a worker thread holds the network's
    lock (a large batch in progress); then, like a large batch, it waits in a thread.
    """
    large = len(body) > INLINE_BODY_BYTES
    X = await anyio.to_thread.run_sync(parse_inputs, body) if large else parse_inputs(body)
    served = await cache.get(tenant_id, model_id)
    if not large and served.lock.acquire(blocking=False):
        try:
            return predict(served.net, model_id, X)
        finally:
            served.lock.release()
    return await anyio.to_thread.run_sync(served.run, model_id, X)


def parse_inputs(body: bytes) -> np.ndarray:
    """``inputs`` as a numeric array; shape and finiteness are the network's to check."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        try:  # NaN and Infinity literals parse here and fail the finite check later
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise InvalidInput(f"the request body is not valid JSON: {exc}", "body") from None
    if not isinstance(payload, dict) or "inputs" not in payload:
        raise InvalidInput(_SHAPE_HINT, "inputs")
    unknown = sorted(set(payload) - {"inputs"})
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}; {_SHAPE_HINT}", unknown[0])
    inputs = payload["inputs"]
    if not isinstance(inputs, list) or not inputs:
        raise InvalidInput(f"inputs must be a non-empty list; {_SHAPE_HINT}", "inputs")
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
        raise InvalidInput(too_large_message(loc), loc) from None


def too_large_message(loc: str) -> str:
    return (
        f"{loc} is an integer too large for a float (beyond ±1.8e308); send numbers on "
        "the scale of the training data"
    )


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


def predict(net: Network, model_id: str, X: np.ndarray) -> bytes:
    """The reply body: outputs, and for classifiers labels (the user's class values)
    and class probabilities (columns in the order of the model's ``classes``)."""
    try:
        if net.task != "classification":
            outputs, proba = net.predict(X), None
        else:
            outputs, proba = net.predict_with_proba(X)
    except DataError as exc:
        raise InvalidInput(exc.message, "inputs") from exc
    _check_finite(outputs, net)
    result: dict[str, Any] = {"model_id": model_id, "outputs": _c(outputs)}
    if proba is not None:
        result["labels"] = net.classes[proba.argmax(axis=1)].tolist()
        result["probabilities"] = _c(proba)
    return orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY)


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
