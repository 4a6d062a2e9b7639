"""``client.models``: get, list, predict with NumPy arrays, explain one sample, evaluate
on a dataset,
download the weights, export (ONNX), import, delete, replay."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from syn0.client.common import given, pages, path
from syn0.client.explanations import Explanation, explain_body
from syn0.client.http import Http
from syn0.client.types import Evaluation, Job, Model, Page, Prediction


class Models:
    def __init__(self, http: Http) -> None:
        self._http = http

    def get(self, model_id: str) -> Model:
        return Model.model_validate(
            self._http.json("GET", path("/v1/models", model_id), repeatable=True)
        )

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Model]:
        params = given({"limit": limit, "cursor": cursor})
        reply = self._http.json("GET", "/v1/models", repeatable=True, params=params)
        return Page[Model].model_validate(reply)

    def iter(self, *, page_size: int = 100) -> Iterator[Model]:
        return pages(lambda cursor: self.list(limit=page_size, cursor=cursor))

    def predict(
        self, model_id: str, inputs: Any = None, *, records: list[dict[str, float]] | None = None
    ) -> Prediction:
        """``inputs`` ``(n, *input_shape)``, or ``records`` (one ``{feature name: value}``
        per sample, the names of the model's ``signature`` in any order); see
        ``Prediction`` for what comes back. A wrong shape, or a missing or unknown name,
        is a ``ValidationFailed`` naming it."""
        import numpy as np  # only here: the command line starts faster without it

        if (inputs is None) == (records is None):
            raise TypeError("give either inputs or records")
        if records is not None:
            body: dict[str, Any] = {"records": records}
        else:
            X = np.asarray(inputs)
            if X.dtype.kind not in "iuf":
                raise TypeError(f"inputs must be numbers; received an array of {X.dtype}")
            body = {"inputs": X.tolist()}
        reply = self._http.json(
            "POST",
            path("/v1/models", model_id, "/predict"),
            repeatable=True,  # a forward pass changes nothing
            json=body,
        )
        return Prediction.from_reply(reply)

    def explain(
        self,
        model_id: str,
        input: Any = None,
        *,
        target: Any,
        record: dict[str, float] | None = None,
    ) -> Explanation:
        """One sample (``input`` of one sample's shape, or ``record`` by feature name)
        and its ``target`` (a class label, or the output value(s)) through the model:
        per layer its values, weights and this sample's gradients, and the loss. A wrong
        shape or an unknown class is a ``ValidationFailed`` naming it."""
        reply = self._http.json(
            "POST",
            path("/v1/models", model_id, "/explain"),
            repeatable=True,  # it changes nothing
            json=explain_body(input, record, target),
        )
        return Explanation.model_validate(reply)

    def evaluate(
        self,
        model_id: str,
        dataset_id: str | None = None,
        *,
        csv: bytes | None = None,
        target: str | None = None,
    ) -> Evaluation:
        """The model's report on a stored dataset of its task (``ValidationFailed``
        naming ``dataset_id`` for one that does not fit it), or on ``csv``: a header of
        its features (any order) and the target column (``target``, default the model's
        own target name), then rows."""
        if (dataset_id is None) == (csv is None):
            raise ValueError("evaluate on a dataset_id or on csv bytes, one of the two")
        route = path("/v1/models", model_id, "/evaluate")
        if csv is None:
            body: dict[str, Any] = {"json": {"dataset_id": dataset_id}}
        else:
            body = {"content": csv, "headers": {"Content-Type": "text/csv"}}
            body["params"] = {"target": target} if target else {}
        reply = self._http.json("POST", route, repeatable=True, **body)  # it changes nothing
        return Evaluation.model_validate(reply)

    def weights(self, model_id: str) -> bytes:
        """The ``.npz`` file that ``core.Network.from_bytes`` reads."""
        return self._http.request(
            "GET", path("/v1/models", model_id, "/weights"), repeatable=True
        ).content

    def download(self, model_id: str, file: str | os.PathLike[str]) -> Path:
        """Write the weights to ``file``; returns its path."""
        target = Path(file)
        target.write_bytes(self.weights(model_id))
        return target

    def export(self, model_id: str, format: str = "onnx") -> bytes:
        """The model as a file other runtimes serve: ``onnx`` (input ``input``, outputs
        ``outputs`` and, for classifiers, ``probabilities`` and ``labels``). Another
        format is a ``ValidationFailed`` naming the formats there are."""
        return self._http.request(
            "GET",
            path("/v1/models", model_id, "/export"),
            repeatable=True,
            params={"format": format},
        ).content

    def delete(self, model_id: str) -> None:
        """Delete the model and its weights (their bytes leave the quota at once)."""
        self._http.request("DELETE", path("/v1/models", model_id), repeatable=True)

    def replay(self, model_id: str) -> Job:
        """A new job that trains the model's spec on its dataset again; once it succeeds,
        its model's ``replay.identical`` says whether the weights came out the same
        (``Conflict`` if the dataset was deleted or changed, or for a partial model)."""
        reply = self._http.json("POST", path("/v1/models", model_id, "/replay"), repeatable=False)
        return Job.model_validate(reply)

    def import_(self, network: dict[str, Any], weights: bytes | str | os.PathLike[str]) -> Model:
        """A model from a network spec and a weights file (bytes or a path) in the format
        ``weights`` gives; it predicts and can start a job (``initial_weights``). The
        weights must fit the network (else ``ValidationFailed`` naming the misfit)."""
        content = weights if isinstance(weights, bytes) else Path(weights).read_bytes()
        reply = self._http.json(
            "POST",
            "/v1/models/import",
            repeatable=False,  # a second import would store a second model
            data={"network": json.dumps(network)},
            files={"file": ("weights.npz", content, "application/octet-stream")},
        )
        return Model.model_validate(reply)
