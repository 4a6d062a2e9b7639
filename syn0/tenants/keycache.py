"""Who a request is (``Principal``), and the keys this API process verified lately.

Looking a key up costs a database read (about 0.2 ms on SQLite through the ORM, and a
thread hop to keep it off the event loop): more than the predict call it guards. So a
verified key is remembered for ``SYN0_KEY_CACHE_SECONDS`` (1 s): a revoked key is
refused at once by the process that revoked it (``forget``), and by every other
process once that time has passed. 0 looks every request up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from syn0.tenants.repository import digest

MAX_KEYS = 10_000  # remembered at once; the oldest goes first


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    scopes: frozenset[str]
    key_prefix: str | None = None  # None while auth is off


class KeyCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._verified: dict[str, tuple[Principal, float]] = {}  # sha256(key) -> (who, until)
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        entry = self._verified.get(digest(key))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, key: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._verified) >= MAX_KEYS:
                self._verified.pop(next(iter(self._verified)))
            self._verified[digest(key)] = (principal, time.monotonic() + self.seconds)

    def forget(self, prefix: str) -> None:
        """Drop the key ``prefix`` (revoked or rotated by this process)."""
        with self._lock:
            for digest, (principal, _) in list(self._verified.items()):
                if principal.key_prefix == prefix:
                    del self._verified[digest]
