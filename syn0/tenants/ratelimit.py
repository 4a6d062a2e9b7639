"""Requests per minute per tenant, in this API process: a token bucket per tenant that
holds a minute's allowance and refills at the allowed rate, so short bursts pass and a
steady excess is refused with the time until the next request would be allowed."""

from __future__ import annotations

import math
import threading
import time

from syn0.kit.errors import RateLimited


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0  # tokens per second
        self._buckets: dict[str, tuple[float, float]] = {}  # tenant -> (tokens, at)
        self._lock = threading.Lock()

    def hit(self, tenant_id: str) -> None:
        """Count one request of ``tenant_id``; raise ``RateLimited`` past the limit."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(tenant_id, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[tenant_id] = (tokens, now)
                raise RateLimited(self.per_minute, math.ceil((1 - tokens) / self.rate))
            self._buckets[tenant_id] = (tokens - 1, now)
