"""``client.predictions``: batch predictions of a model over a stored dataset: submit,
follow, download the result (CSV or JSON lines, streamed to a file), list, delete."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from syn0.client.common import given, pages, path
from syn0.client.http import Http
from syn0.client.types import BatchPrediction, Page

FORMATS = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


class Predictions:
    def __init__(self, http: Http) -> None:
        self._http = http

    def submit(self, model_id: str, dataset_id: str) -> BatchPrediction:
        """Queue a prediction of every sample of the dataset (``ValidationFailed`` when
        they do not fit the model)."""
        reply = self._http.json(
            "POST",
            path("/v1/models", model_id, "/predictions"),
            repeatable=False,  # a retry would queue a second prediction
            json={"dataset_id": dataset_id},
        )
        return BatchPrediction.model_validate(reply)

    def get(self, prediction_id: str) -> BatchPrediction:
        reply = self._http.json("GET", path("/v1/predictions", prediction_id), repeatable=True)
        return BatchPrediction.model_validate(reply)

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[BatchPrediction]:
        params = given({"limit": limit, "cursor": cursor})
        reply = self._http.json("GET", "/v1/predictions", repeatable=True, params=params)
        return Page[BatchPrediction].model_validate(reply)

    def iter(self) -> Iterator[BatchPrediction]:
        return pages(lambda cursor: self.list(cursor=cursor))

    def wait(
        self,
        prediction_id: str,
        on_update: Callable[[BatchPrediction], None] | None = None,
        *,
        poll_interval: float = 0.5,
        timeout: float | None = None,
    ) -> BatchPrediction:
        """Poll until it has succeeded or failed; ``on_update`` sees each new state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = None
        while True:
            prediction = self.get(prediction_id)
            state = (prediction.status, prediction.rows_done)
            if on_update is not None and state != seen:
                on_update(prediction)
                seen = state
            if prediction.finished:
                return prediction
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(
                    f"prediction {prediction_id} is still {prediction.status} after {timeout} s"
                )
            time.sleep(poll_interval)

    def download(
        self,
        prediction_id: str,
        file: str | os.PathLike[str],
        format: Literal["csv", "jsonl"] = "csv",
    ) -> Path:
        """Write the result to ``file`` as it arrives (``Conflict`` before it has
        succeeded): CSV with a ``row`` column, or JSON lines with ``row``."""
        target = Path(file)
        self._http.download(
            path("/v1/predictions", prediction_id, "/result"),
            target,
            headers={"Accept": FORMATS[format]},
        )
        return target

    def delete(self, prediction_id: str) -> None:
        self._http.request("DELETE", path("/v1/predictions", prediction_id), repeatable=True)
