"""API tests on a real store and a real broker, both SQLite files in a temp directory.

The database schema comes from ``alembic upgrade head`` (once per session, copied per
test, so every test starts from an empty migrated store). The broker is kombu's SQL
transport: enqueued messages land in the ``kombu_message`` table of a SQLite file, one
per test. The app is built from the test's ``Settings``; nothing reads the environment.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from syn0.api.app import create_app
from syn0.kit.db import make_engine
from syn0.settings import Settings
from syn0.tenants.repository import SCOPES
from tests.api.factories import (
    Broker,
    Key,
    create_key,
    mlp,
    points,
    train_model,
    training,
)
from tests.services import migrate


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at the head migration, built once."""
    path = tmp_path_factory.mktemp("template") / "syn0.db"
    migrate(f"sqlite:///{path}")  # alembic upgrade head
    return path


@pytest.fixture
def settings(migrated_db: Path, tmp_path: Path) -> Settings:
    database = tmp_path / "syn0.db"
    shutil.copyfile(migrated_db, database)
    broker = tmp_path / "broker.db"
    return Settings(database_url=f"sqlite:///{database}", broker_url=f"sqla+sqlite:///{broker}")


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def make_key(sessions: sessionmaker[Session]):
    """``make_key(tenant, scopes)``: a new key of the tenant named so (made if new)."""

    def make(tenant: str = "acme", scopes: tuple[str, ...] = SCOPES) -> Key:
        return create_key(sessions, tenant, scopes)

    return make


@pytest.fixture
def key(make_key) -> Key:
    """The key the ``client`` sends: tenant ``acme``, every scope."""
    return make_key()


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session], key: Key) -> Iterator[TestClient]:
    app = create_app(settings, session_factory=sessions)
    with TestClient(app, headers=key.headers) as test_client:
        yield test_client


@pytest.fixture
def make_client(sessions: sessionmaker[Session], settings: Settings, key: Key):
    """A client on the same store with some settings changed (limits, ...), sending
    ``key`` unless given another (or None: no key)."""
    clients = []

    def make(key: Key | None = key, **changes) -> TestClient:
        app = create_app(settings.model_copy(update=changes), session_factory=sessions)
        headers = key.headers if key else {}
        clients.append(TestClient(app, headers=headers, raise_server_exceptions=False).__enter__())
        return clients[-1]

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def broker(settings: Settings) -> Broker:
    return Broker(Path(settings.broker_url.removeprefix("sqla+sqlite:///")))


@pytest.fixture
def classifier(client, sessions):
    """A model trained by core on string labels, stored as the worker would."""
    X, y = points(40, labels=("no", "yes"))
    return train_model(sessions, client, X, y, mlp(), training(epochs=20))
