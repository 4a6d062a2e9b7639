"""``Client``: syn0's HTTP API from Python."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

import httpx

from syn0.client.architectures import Architectures
from syn0.client.datasets import Datasets
from syn0.client.http import Http, RetryPolicy
from syn0.client.jobs import Jobs
from syn0.client.models import Models
from syn0.client.predictions import Predictions
from syn0.client.registry import Registry
from syn0.client.sweeps import Sweeps
from syn0.client.webhooks import Webhooks

DEFAULT_URL = "http://127.0.0.1:8000"


class Client:
    """A connection to a syn0 API; the resources hang off it.

    ::

        with Client("http://127.0.0.1:8000") as syn0:
            data = syn0.datasets.generate("spiral", n_samples=500, noise=0.1)
            job = syn0.jobs.submit(data.id, network, training)
            job = syn0.jobs.wait(job.id, lambda j: print(j.progress.epoch, j.status))
            syn0.models.predict(job.model_id, X).labels
            syn0.registry.register("churn", job.model_id)  # after registry.put("churn")

    Errors are the typed exceptions of ``client.errors``. Connection failures and 503s
    are retried (see ``client.http``) under ``retry``.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = Http(base_url, api_key, timeout, retry or RetryPolicy(), transport)
        self.datasets = Datasets(self._http)
        self.jobs = Jobs(self._http)
        self.models = Models(self._http)
        self.predictions = Predictions(self._http)
        self.registry = Registry(self._http)
        self.architectures = Architectures(self._http)
        self.webhooks = Webhooks(self._http)
        self.sweeps = Sweeps(self._http)

    @classmethod
    def from_env(cls, **kwargs: Any) -> Client:
        """A client on ``SYN0_URL`` (default http://127.0.0.1:8000) and ``SYN0_API_KEY``."""
        return cls(
            os.environ.get("SYN0_URL") or DEFAULT_URL, os.environ.get("SYN0_API_KEY"), **kwargs
        )

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def ready(self) -> dict[str, str]:
        """``{"database": "ok", "broker": "ok"}``; ``ServiceUnavailable`` naming what is down."""
        return self._http.json("GET", "/readyz", repeatable=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
