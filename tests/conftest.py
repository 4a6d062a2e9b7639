"""Fixtures shared by the store and worker tests: a migrated store and its sessions.

The tests' own data folder (``SYN0_DATA_DIR``, inherited by every process they start) is
a temporary one, so no test reads or writes the user's data folder."""

import os
import shutil
import tempfile

import pytest
from sqlalchemy.orm import sessionmaker

from syn0.kit.db import make_engine
from tests.services import migrate, private_schema, require_postgres

os.environ["SYN0_DATA_DIR"] = DATA_DIR = tempfile.mkdtemp(prefix="syn0-tests-data-")
# pytest-xdist's workers set COLUMNS=80, which the CLI honours; the CLI's tests read its
# piped output, as wide as a script sees it, whether the run is split over processes or not.
os.environ.pop("COLUMNS", None)


def pytest_unconfigure(config) -> None:
    """Removed at the end of every run, even one that selected no test."""
    shutil.rmtree(DATA_DIR, ignore_errors=True)


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
