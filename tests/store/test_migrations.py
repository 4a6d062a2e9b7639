"""Alembic builds the schema on SQLite and PostgreSQL, and every step goes back down."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from syn0.kit.db import make_engine
from syn0.tables import metadata
from tests.services import downgrade, migrate

TABLES = {
    "alembic_version",
    "datasets",
    "jobs",
    "job_metrics",
    "models",
    "checkpoints",
    "workers",
    "tenants",
    "api_keys",
}


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


def test_upgrade_downgrade_upgrade_on_postgres(postgres_url):
    _round_trip(postgres_url)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_schema_matches_the_models(backend, tmp_path, request):
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_rows_from_before_tenants_belong_to_the_tenant_local(backend, tmp_path, request):
    # given: a store at 0003 holding a dataset
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    migrate(url, "0003")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO datasets (id, name, task, n_samples, input_shape, n_outputs, "
                "sha256, data, created_at) VALUES ('d1', 'old', 'classification', 1, '[2]', 2, "
                "'x', :data, CURRENT_TIMESTAMP)"
            ),
            {"data": b"npz"},
        )
    # when
    migrate(url)
    # then
    with engine.connect() as conn:
        owner = conn.execute(
            text("SELECT t.name FROM datasets d JOIN tenants t ON t.id = d.tenant_id")
        ).scalar_one()
    engine.dispose()
    assert owner == "local"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_imported_models_have_no_job_and_go_on_the_way_down(backend, tmp_path, request):
    # given: a store at head holding a model without a job (an import)
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    migrate(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenants (id, name, created_at) "
                "VALUES ('t1', 'acme', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO models (id, tenant_id, job_id, network, training, task, metrics, "
                "n_params, sha256, weights, created_at) VALUES ('m1', :tenant, NULL, '{}', "
                "'{}', 'regression', '{}', 3, 'x', :weights, CURRENT_TIMESTAMP)"
            ),
            {"tenant": "t1", "weights": b"npz"},
        )
    # when
    downgrade(url, "0005")
    # then
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM models")).scalar_one() == 0
        columns = {c["name"]: c for c in inspect(conn).get_columns("models")}
    engine.dispose()
    assert columns["job_id"]["nullable"] is False
