"""What a registered model's alias (or version number) points at, per API process.

``Resolver`` is predict-by-name's cache: a hit costs a dictionary read, a miss one query
in a worker thread. An entry is trusted for ``SYN0_REGISTRY_CACHE_SECONDS`` (1 s), so
an alias moved through one API process is followed by every other within that time;
the process that moved it forgets the name's entries at once (``forget``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

from syn0.kit.errors import NotFound
from syn0.registry import repository as store

MAX_ENTRIES = 10_000  # remembered at once; the oldest goes first

# (tenant id, name, alias, version): one of alias and version is None. ``Asked`` is a
# request's own words (the version as text), ``Key`` the same once checked.
Asked = tuple[str, str, str | None, str | None]
Key = tuple[str, str, str | None, int | None]


@dataclass(frozen=True)
class Target:
    """What a name and alias (or version) point at, with what predict adds to its reply:
    ``fields`` after ``model_id``, and ``headers`` (encoded once, here)."""

    model_id: str
    version: int
    alias: str | None
    fields: dict[str, object] = field(init=False)
    headers: list[tuple[bytes, bytes]] = field(init=False)

    def __post_init__(self) -> None:
        headers = [(b"syn0-model-id", self.model_id), (b"syn0-model-version", str(self.version))]
        if self.alias is not None:
            headers.append((b"syn0-model-alias", self.alias))
        set_field = object.__setattr__
        set_field(self, "fields", {"version": self.version, "alias": self.alias})
        set_field(self, "headers", [(name, value.encode()) for name, value in headers])


class Resolver:
    """Targets by (tenant, name, alias or version) as requests ask for them, each
    trusted for ``seconds``."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session]], seconds: float) -> None:
        self.sessions, self.seconds = sessions, seconds
        self._targets: dict[Asked, tuple[Target, float]] = {}
        self._lock = threading.Lock()

    def cached(self, asked: Asked) -> Target | None:
        entry = self._targets.get(asked)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def load(self, asked: Asked, key: Key) -> Target:
        """The target of ``key`` from the store (call it off the event loop), kept
        under ``asked``; a 404 naming what is missing: the name, the alias or the
        version."""
        tenant_id, name, alias, version = key
        with self.sessions()() as session:
            found = store.resolve(session, tenant_id, name, alias, version)
            if found is None:
                raise _not_found(session, key)
        target = Target(found[0], found[1], alias)
        if self.seconds > 0:
            with self._lock:
                if len(self._targets) >= MAX_ENTRIES:
                    self._targets.pop(next(iter(self._targets)))
                self._targets[asked] = (target, time.monotonic() + self.seconds)
        return target

    async def get(self, asked: Asked, key: Key) -> Target:
        """``load`` for the event loop: a hit costs no thread hop."""
        target = self.cached(asked)
        if target is not None:
            return target
        return await anyio.to_thread.run_sync(self.load, asked, key)

    def forget(self, tenant_id: str, name: str) -> None:
        """Drop the name's entries (its aliases moved in this process)."""
        with self._lock:
            for key in [k for k in self._targets if k[0] == tenant_id and k[1] == name]:
                del self._targets[key]


def _not_found(session: Session, key: Key) -> NotFound:
    tenant_id, name, alias, version = key
    if store.find(session, tenant_id, name) is None:
        return NotFound(f"no registered model named {name!r}")
    if alias is not None:
        return NotFound(f"{name!r} has no alias {alias!r}; set it with PUT .../aliases/{alias}")
    return NotFound(f"{name!r} has no version {version}")
