"""``client.datasets``: upload arrays, CSV and ``.npz`` files; generate; list, get, delete."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from syn0.client.common import given, pages, path
from syn0.client.http import Http
from syn0.client.types import Dataset, Page

FileLike = str | os.PathLike[str] | bytes


class Datasets:
    def __init__(self, http: Http) -> None:
        self._http = http

    def upload_arrays(
        self,
        X: Any,
        y: Any,
        *,
        name: str = "arrays",
        task: str | None = None,
        feature_names: list[str] | None = None,
    ) -> Dataset:
        """Features ``X`` ``(n, features)``, ``(n, h, w)`` or ``(n, c, h, w)`` and one target
        per sample (numbers or string labels), sent as an ``.npz`` (exact, compact);
        ``feature_names``: one per column of ``(n, features)`` (else ``x0, x1, …``)."""
        import numpy as np  # only here: the command line starts faster without it

        X, y = np.asarray(X), np.asarray(y)
        if X.dtype.kind not in "iufb" or y.dtype.kind not in "iufbU":
            raise TypeError(
                f"X must hold numbers and y numbers or strings; received {X.dtype} and "
                f"{y.dtype} (arrays of Python objects cannot be sent without pickle)"
            )
        buffer = io.BytesIO()
        names = {} if feature_names is None else {"feature_names": np.asarray(feature_names)}
        np.savez(buffer, X=X, y=y, **names)
        return self._upload(f"{name}.npz", buffer.getvalue(), name=name, task=task)

    def upload_csv(
        self,
        file: FileLike,
        *,
        target: str,
        name: str | None = None,
        task: str | None = None,
    ) -> Dataset:
        """A CSV with a header row; ``target`` names the label column (strings allowed)."""
        filename, content = _read(file, "data.csv")
        return self._upload(filename, content, target=target, name=name, task=task)

    def upload_npz(
        self, file: FileLike, *, name: str | None = None, task: str | None = None
    ) -> Dataset:
        """An ``.npz`` holding arrays ``X`` and ``y``."""
        filename, content = _read(file, "data.npz")
        return self._upload(filename, content, name=name, task=task)

    def _upload(self, filename: str, content: bytes, **fields: str | None) -> Dataset:
        # Not repeated once sent: a second upload would store a second dataset.
        reply = self._http.json(
            "POST",
            "/v1/datasets",
            repeatable=False,
            files={"file": (filename, content, "application/octet-stream")},
            data={key: value for key, value in fields.items() if value is not None},
        )
        return Dataset.model_validate(reply)

    def generate(
        self,
        kind: str,
        n_samples: int = 500,
        noise: float = 0.0,
        seed: int = 0,
        name: str | None = None,
        *,
        channels: int | None = None,
        image_size: int | None = None,
    ) -> Dataset:
        """One of the server's toy generators: circle, xor, gauss, spiral, moons (classes),
        plane, regress_gauss (regression) or glyphs (ten classes of images, ``channels``
        1 or 3 by ``image_size`` squared; the server's defaults are 1 and 16)."""
        body = {"kind": kind, "n_samples": n_samples, "noise": noise, "seed": seed}
        optional = {"name": name, "channels": channels, "image_size": image_size}
        body.update(given(optional))
        reply = self._http.json("POST", "/v1/datasets/generate", repeatable=False, json=body)
        return Dataset.model_validate(reply)

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Dataset]:
        """One page, newest first; pass ``next_cursor`` as ``cursor`` for the next."""
        params = {"limit": limit, "cursor": cursor}
        reply = self._http.json("GET", "/v1/datasets", repeatable=True, params=given(params))
        return Page[Dataset].model_validate(reply)

    def iter(self, *, page_size: int = 100) -> Iterator[Dataset]:
        """Every dataset, newest first, fetching pages as needed."""
        return pages(lambda cursor: self.list(limit=page_size, cursor=cursor))

    def get(self, dataset_id: str) -> Dataset:
        reply = self._http.json("GET", path("/v1/datasets", dataset_id), repeatable=True)
        return Dataset.model_validate(reply)

    def delete(self, dataset_id: str) -> None:
        """Refused (``Conflict``) while a queued or running job uses the dataset."""
        self._http.request("DELETE", path("/v1/datasets", dataset_id), repeatable=True)


def _read(file: FileLike, default_name: str) -> tuple[str, bytes]:
    if isinstance(file, bytes):
        return default_name, file
    file = Path(file)
    return file.name, file.read_bytes()
