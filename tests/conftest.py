"""Fixtures shared by the store and worker tests: a migrated store and its sessions."""

import pytest
from sqlalchemy.orm import sessionmaker

from syn0.kit.db import make_engine
from tests.services import migrate, private_schema, require_postgres


@pytest.fixture
def factory(tmp_path):
    """A migrated SQLite store in a temporary folder and its session factory."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    engine = make_engine(url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def postgres_url():
    """A private schema in the machine's PostgreSQL, dropped afterwards."""
    with private_schema(require_postgres()) as url:
        yield url


@pytest.fixture
def postgres_factory(postgres_url):
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
