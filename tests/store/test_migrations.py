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
    "registered_models",
    "predictions",
    "sweeps",
    "prediction_chunks",
    "model_versions",
    "model_aliases",
    "alias_moves",
    "events",
    "webhooks",
    "webhook_deliveries",
    "webhook_attempts",
    "webhook_cursor",
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
def test_models_from_before_lifecycle_get_their_epoch_and_dataset_sha256(
    backend, tmp_path, request
):
    # given: a store at 0005 with a tenant, a dataset, a job and its model
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    migrate(url, "0005")
    engine = make_engine(url)  # SQLite with foreign keys, as the service runs it
    now = "CURRENT_TIMESTAMP"
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', {now})"))
        conn.execute(
            text(
                "INSERT INTO datasets (id, tenant_id, name, task, n_samples, input_shape, "
                "n_outputs, sha256, data, created_at) VALUES ('d', 't', 'old', "
                f"'classification', 1, '[2]', 2, 'abc', :data, {now})"
            ),
            {"data": b"npz"},
        )
        conn.execute(
            text(
                "INSERT INTO jobs (id, tenant_id, dataset_id, network, training, status, "
                "epochs, epoch, attempts, cancel_requested, max_attempts, device, created_at) "
                f"VALUES ('j', 't', 'd', '{{}}', '{{}}', 'succeeded', 5, 5, 1, false, 3, 'cpu', "
                f"{now})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO models (id, tenant_id, job_id, dataset_id, network, training, task, "
                "metrics, n_params, sha256, weights, created_at) VALUES ('m', 't', 'j', 'd', "
                f"'{{}}', '{{}}', 'classification', '{{\"epoch\": 4}}', 1, 'w', :w, {now})"
            ),
            {"w": b"npz"},
        )
    # when
    migrate(url)
    # then
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT partial, epoch, dataset_sha256, syn0_version FROM models")
        ).one()
    assert tuple(row) == (False, 4, "abc", None)
    # and a model whose job was deleted (its job_id now null) cannot go below 0007: it goes
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM jobs WHERE id = 'j'"))
        assert conn.execute(text("SELECT job_id FROM models")).scalar_one() is None
    downgrade(url, "0005")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM models")).scalar_one() == 0
    engine.dispose()
