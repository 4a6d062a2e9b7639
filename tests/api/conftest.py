"""API tests on a real store and a real broker, both SQLite files in a temp directory.

The database schema comes from ``alembic upgrade head`` (once per session, copied per
test, so every test starts from an empty migrated store). The broker is kombu's SQL
transport: enqueued messages land in the ``kombu_message`` table of a SQLite file.

``worker.app`` builds its Celery app from the settings when it is first imported, so
the broker URL is set here, at import, before any test module imports the API.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="syn0-api-tests-"))
BROKER_DB = _TMP / "broker.db"
BROKER_URL = f"sqla+sqlite:///{BROKER_DB}"
os.environ["SYN0_BROKER_URL"] = BROKER_URL
os.environ["SYN0_DATABASE_URL"] = f"sqlite:///{_TMP / 'unused.db'}"

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from api.app import create_app  # noqa: E402
from store.db import make_engine  # noqa: E402
from store.settings import Settings  # noqa: E402
from store.tenants import SCOPES  # noqa: E402
from tests.api.factories import (  # noqa: E402
    Broker,
    Key,
    create_key,
    mlp,
    points,
    train_model,
    training,
)
from tests.services import migrate  # noqa: E402
from worker import app as worker_app  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _temp_dir() -> Iterator[None]:
    yield
    shutil.rmtree(_TMP, ignore_errors=True)


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
    return Settings(database_url=f"sqlite:///{database}", broker_url=BROKER_URL)


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
def broker() -> Broker:
    actual = worker_app.celery_app.conf.broker_url
    if actual != BROKER_URL:
        pytest.fail(
            f"worker.app was imported before tests/api/conftest.py set SYN0_BROKER_URL; "
            f"its broker is {actual!r}"
        )
    return Broker(BROKER_DB)


@pytest.fixture
def classifier(client, sessions):
    """A model trained by core on string labels, stored as the worker would."""
    X, y = points(40, labels=("no", "yes"))
    return train_model(sessions, client, X, y, mlp(), training(epochs=20))
