"""Engines and sessions. An engine is made per process (after a fork, never before)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the file; it saves an fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Database:
    """The engine and sessions of one process, made on first use: importing a module,
    or forking worker processes after building this, opens no connection."""

    def __init__(self, url: str, factory: sessionmaker[Session] | None = None):
        self.url = url
        self._factory = factory
        self._owns_engine = False
        self._lock = threading.Lock()

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._factory is None:
            with self._lock:
                if self._factory is None:
                    self._factory = sessionmaker(make_engine(self.url), expire_on_commit=False)
                    self._owns_engine = True
        return self._factory

    def after_fork(self) -> None:
        """In a forked child: drop the parent's pooled connections without closing them."""
        if self._owns_engine and self._factory is not None:
            self._factory.kw["bind"].dispose(close=False)

    def dispose(self) -> None:
        """Close the engine this object made (a factory passed in belongs to its owner)."""
        if self._owns_engine and self._factory is not None:
            self._factory.kw["bind"].dispose()


def ping(session: Session) -> None:
    """Raise if the database does not answer."""
    session.execute(text("SELECT 1"))


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
