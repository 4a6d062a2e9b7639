"""Tenants and keys in the store: a key is kept as a prefix and a hash, found in
constant time, revoked at once; every lookup of a tenant's rows names the tenant."""

import contextlib
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sqlalchemy import event, select, text

from syn0.datasets import repository as datasets
from syn0.jobs import repository as jobs
from syn0.models import repository as models
from syn0.tenants import repository as tenants
from syn0.tenants.orm import ApiKey

KEY = "syn0_0123456789ab_" + "k" * 43


def test_a_key_is_stored_as_its_prefix_and_hash_only(factory):
    # given
    with factory.begin() as session:
        tenant = tenants.create_tenant(session, "acme")
        row, key = tenants.add_key(session, tenant.id, ["predict", "train"], "ci")
    # then: the key is syn0_<prefix>_<secret>; no column holds it or its secret
    assert tenants.KEY_FORMAT.match(key) and key.split("_")[1] == row.prefix
    secret = key.split("_", 2)[2]
    assert len(secret) >= 43  # 32 random bytes
    with factory() as session:
        stored = session.execute(text("SELECT * FROM api_keys")).one()
        assert row.sha256 == hashlib.sha256(key.encode()).hexdigest()
        assert all(secret not in str(value) for value in stored)
        assert tenants.find_key(session, key).tenant_id == tenant.id
        assert row.scopes == ["train", "predict"]


def test_only_the_exact_live_key_is_found(factory):
    with factory.begin() as session:
        tenant = tenants.create_tenant(session, "acme")
        row, key = tenants.add_key(session, tenant.id, ["train"])
    almost = key[:-1] + ("A" if key[-1] != "A" else "B")
    with factory.begin() as session:
        assert tenants.find_key(session, almost) is None
        assert tenants.find_key(session, "not a key") is None
        assert tenants.revoke_key(session, row.prefix)
        assert not tenants.revoke_key(session, row.prefix)  # once
    with factory() as session:
        assert tenants.find_key(session, key) is None
        assert session.scalar(select(ApiKey.revoked_at)) is not None


def test_every_lookup_is_scoped_by_tenant(factory):
    # given: a dataset and a job of tenant A
    with factory.begin() as session:
        a, b = tenants.create_tenant(session, "a"), tenants.create_tenant(session, "b")
        X, y = np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1])
        dataset = datasets.add_dataset(
            session,
            tenant_id=a.id,
            name="d",
            task="classification",
            X=X,
            y=y,
            classes=[0, 1],
            n_outputs=2,
        )
        job = jobs.create_job(
            session,
            tenant_id=a.id,
            dataset_id=dataset.id,
            network={},
            training={},
            epochs=1,
            idempotency_key="k",
        )
    # then: B finds none of them, and its listings are empty
    with factory() as session:
        assert datasets.get_dataset(session, a.id, dataset.id) is not None
        assert datasets.get_dataset(session, b.id, dataset.id) is None
        assert jobs.get_job(session, b.id, job.id) is None
        assert jobs.job_by_idempotency_key(session, b.id, "k") is None
        assert datasets.list_datasets(session, b.id, 10, None) == ([], None)
        assert jobs.list_jobs(session, b.id, 10, None) == ([], None)
        assert models.list_models(session, b.id, 10, None) == ([], None)
        assert not jobs.cancel_job(session, b.id, job.id)
        assert jobs.count_active(session, b.id) == 0 and jobs.count_active(session, a.id) == 1
        assert tenants.stored_bytes(session, b.id) == 0
        assert tenants.stored_bytes(session, a.id) == len(dataset.data)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_factory(request):
    """The migrated SQLite store, or a migrated private schema of PostgreSQL."""
    return request.getfixturevalue("factory" if request.param == "sqlite" else "postgres_factory")


def _admins(factory, *tenant_names: str) -> list[str]:
    with factory.begin() as session:
        return [
            tenants.add_key(session, tenants.create_tenant(session, name).id, ["admin"])[0].prefix
            for name in tenant_names
        ]


def _live(factory) -> set[str]:
    with factory() as session:
        return set(session.scalars(select(ApiKey.prefix).where(ApiKey.revoked_at.is_(None))))


def test_the_last_live_admin_key_of_the_deployment_is_kept(any_factory):
    # given: two admin keys of two tenants, and a train key
    first, second = _admins(any_factory, "a", "b")
    with any_factory.begin() as session:
        owner = tenants.tenant_named(session, "a")
        trainer = tenants.add_key(session, owner.id, ["train"])[0].prefix
    # when / then: one admin key may go, the last one may not (the caller rolls back)
    with any_factory.begin() as session:
        assert tenants.revoke_key(session, first)
    with (
        pytest.raises(tenants.LastAdminKey, match=f"key {second} is the last"),
        any_factory.begin() as session,
    ):
        tenants.revoke_key(session, second)
    assert _live(any_factory) == {second, trainer}
    # a key without the admin scope goes whatever the admin keys are
    with any_factory.begin() as session:
        assert tenants.revoke_key(session, trainer)
    # rotating replaces the last admin key with another
    with any_factory.begin() as session:
        row, _ = tenants.rotate_key(session, second)
    assert _live(any_factory) == {row.prefix} and row.scopes == ["admin"]


def test_revoking_the_last_two_admin_keys_at_once_keeps_one(any_factory):
    # given: two admin keys, each revoked by its own transaction at the same moment; each
    # waits (up to a second) after its UPDATE for the other's, the worst interleaving
    prefixes = _admins(any_factory, "a", "b")
    start, updated = threading.Barrier(2), threading.Barrier(2)

    def both_update_first(_conn, _cursor, statement, *_) -> None:
        if statement.startswith("UPDATE api_keys"):
            with contextlib.suppress(threading.BrokenBarrierError):
                updated.wait(timeout=1)  # a revoke that waits on the other's lock breaks it

    def revoke(prefix: str) -> str:
        try:
            with any_factory.begin() as session:
                start.wait()
                return "revoked" if tenants.revoke_key(session, prefix) else "gone"
        except tenants.LastAdminKey:
            return "refused"

    engine = any_factory.kw["bind"]
    event.listen(engine, "after_cursor_execute", both_update_first)
    # when
    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(revoke, prefixes))
    finally:
        event.remove(engine, "after_cursor_execute", both_update_first)
    # then: they took turns; one admin key is live
    assert outcomes == ["refused", "revoked"]
    assert len(_live(any_factory)) == 1


def test_a_stored_key_is_never_stored_again_nor_revived(any_factory):
    with any_factory.begin() as session:
        tenant = tenants.create_tenant(session, "admin")
        row, stored = tenants.store_key_once(session, tenant.id, ["admin"], "boot", KEY)
        assert stored and tenants.matches(row, KEY)
        tenants.add_key(session, tenant.id, ["admin"])  # so the first may be revoked
        assert tenants.revoke_key(session, row.prefix)
    with any_factory.begin() as session:
        again, stored = tenants.store_key_once(session, tenant.id, ["admin"], "boot", KEY)
        assert not stored and again.revoked_at is not None
    with any_factory() as session:
        assert tenants.find_key(session, KEY) is None
