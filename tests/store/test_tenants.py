"""Tenants and keys in the store: a key is kept as a prefix and a hash, found in
constant time, revoked at once; every lookup of a tenant's rows names the tenant."""

import hashlib

import numpy as np
from sqlalchemy import select, text

from syn0.datasets import repository as datasets
from syn0.jobs import repository as jobs
from syn0.models import repository as models
from syn0.tenants import repository as tenants
from syn0.tenants.orm import ApiKey


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
