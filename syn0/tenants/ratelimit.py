"""Events per minute per key (a tenant, a client address), in this API process: a token
bucket per key that holds a minute's allowance and refills at the allowed rate, so short
bursts pass and a steady excess is refused with the time until the next event would be
allowed."""

from __future__ import annotations

import math
import threading
import time

from syn0.kit.errors import RateLimited

MAX_KEYS = 100_000  # buckets kept at once; the oldest goes first (addresses are unbounded)


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        what: str = "this tenant's requests",
        setting: str = "tenant_requests_per_minute",
    ) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0  # tokens per second
        self.what, self.setting = what, setting
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one event of ``key``; raise ``RateLimited`` past the limit."""
        with self._lock:
            tokens, now = self._tokens(key)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise self._refusal(tokens)
            self._buckets[key] = (tokens - 1, now)

    def check(self, key: str) -> None:
        """Raise ``RateLimited`` if ``key`` has no event left, without counting one."""
        with self._lock:
            tokens, _ = self._tokens(key)
        if tokens < 1:
            raise self._refusal(tokens)

    def count(self, key: str) -> None:
        """Count one event of ``key`` that has happened already (never raises)."""
        with self._lock:
            tokens, now = self._tokens(key)
            self._buckets.pop(key, None)  # re-inserted last: the newest bucket
            if len(self._buckets) >= MAX_KEYS:
                self._buckets.pop(next(iter(self._buckets)))
            self._buckets[key] = (max(tokens - 1, 0.0), now)

    def _tokens(self, key: str) -> tuple[float, float]:
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - at) * self.rate), now

    def _refusal(self, tokens: float) -> RateLimited:
        retry_after = math.ceil((1 - tokens) / self.rate)
        return RateLimited(self.per_minute, retry_after, self.what, self.setting)
