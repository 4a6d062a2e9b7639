"""The HTTP layer: one ``httpx.Client``, error replies as typed exceptions, and retries.

What is retried, with exponential backoff and jitter:

- a connection that could not be opened (nothing was sent), for every request;
- any other transport error and a 503 (honouring ``Retry-After``), only for requests
  that are safe to repeat: reads, deletes, cancel, predict, and a submit that carries an
  ``Idempotency-Key`` (the server returns the first job for a repeated key).

Uploads and generates are not repeated once sent: each would store another dataset.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from syn0.client.errors import ConnectionFailed, from_response, retry_after_seconds

VERSION = "0.1.0"


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the n-th wait is about ``backoff * 2**n`` seconds."""

    attempts: int = 4
    backoff: float = 0.25
    max_backoff: float = 8.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try ``attempt`` (0-based). "Equal jitter": half
        the exponential step is fixed, half random, so clients that failed together
        do not retry together. A server's ``Retry-After`` wins, capped."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        step = min(self.max_backoff, self.backoff * 2**attempt)
        return step / 2 + random.uniform(0, step / 2)


class Http:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        timeout: float,
        retry: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": f"syn0-client/{VERSION}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.retry = retry
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    @property
    def client(self) -> httpx.Client:
        """The underlying client, for streams (``syn0.client.events``)."""
        return self._client

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, *, repeatable: bool, **kwargs: Any) -> httpx.Response:
        """Send a request; raise the typed error for a 4xx/5xx or a connection failure.

        ``repeatable``: the request may be sent again after it may have reached the
        server (idempotent, or carrying an Idempotency-Key)."""
        last, attempt = self.retry.attempts - 1, 0
        while True:
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if attempt == last or not (unsent or repeatable):
                    raise ConnectionFailed(
                        f"cannot reach the syn0 API at {self.base_url}: {exc or type(exc).__name__}"
                    ) from exc
                wait = self.retry.delay(attempt)
            else:
                if response.status_code == 503 and repeatable and attempt < last:
                    wait = self.retry.delay(attempt, retry_after_seconds(response))
                elif response.is_error:
                    raise from_response(response)
                else:
                    return response
            time.sleep(wait)
            attempt += 1

    def download(self, path: str, target: Path, **kwargs: Any) -> None:
        """GET ``path`` into the file ``target`` as the reply arrives (not retried)."""
        try:
            with self._client.stream("GET", path, **kwargs) as response:
                if response.is_error:
                    response.read()
                    raise from_response(response)
                with target.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
        except httpx.TransportError as exc:
            raise ConnectionFailed(
                f"cannot reach the syn0 API at {self.base_url}: {exc or type(exc).__name__}"
            ) from exc

    def json(self, method: str, path: str, *, repeatable: bool, **kwargs: Any) -> Any:
        return self.request(method, path, repeatable=repeatable, **kwargs).json()
