"""Alembic builds the schema on SQLite and PostgreSQL, and every step goes back down."""

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.services import downgrade, migrate, require_postgres

TABLES = {"alembic_version", "datasets", "jobs", "job_metrics", "models"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    migrate(url)
    assert _tables(url) == TABLES
    downgrade(url)
    assert _tables(url) <= {"alembic_version"}
    migrate(url)
    assert _tables(url) == TABLES


def test_upgrade_downgrade_upgrade_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.fixture
def postgres_schema():
    """A private schema, so this test never touches the tables other tests use."""
    base = require_postgres()
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_upgrade_downgrade_upgrade_on_postgres(postgres_schema):
    _round_trip(postgres_schema)
