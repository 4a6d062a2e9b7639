"""The registry's store on SQLite and PostgreSQL: version numbers under concurrent
registrations, a name made by two requests at once, and models that are versions
cannot be deleted."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from syn0.datasets import repository as datasets
from syn0.jobs import repository as jobs
from syn0.kit import blobs
from syn0.models.orm import Model
from syn0.registry import repository as registry
from syn0.registry import service
from syn0.registry.orm import AliasMove
from syn0.registry.schemas import RegisteredIn
from syn0.tenants.keycache import Principal
from tests import tenancy

THREADS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def any_factory(request):
    """The migrated SQLite store, or a migrated private schema of PostgreSQL."""
    return request.getfixturevalue("factory" if request.param == "sqlite" else "postgres_factory")


def _models(factory, n: int) -> tuple[Principal, list[str]]:
    """``n`` models of the tenant ``test`` (rows as the worker writes them)."""
    with factory.begin() as session:
        tenant_id = tenancy.tenant_id(session)
        dataset = datasets.add_dataset(
            session,
            tenant_id=tenant_id,
            name="d",
            task="regression",
            X=np.zeros((2, 1), np.float32),
            y=np.zeros(2),
            classes=None,
            n_outputs=1,
        )
        ids = []
        for _ in range(n):
            job = jobs.create_job(
                session,
                tenant_id=tenant_id,
                dataset_id=dataset.id,
                network={},
                training={},
                epochs=1,
                idempotency_key=None,
            )
            weights = blobs.pack(params=np.ones(1))
            model = Model(
                tenant_id=tenant_id,
                job_id=job.id,
                dataset_id=dataset.id,
                network={"input_shape": [1], "layers": []},  # what a signature reads
                training={},
                task="regression",
                classes=None,
                metrics={"loss": 0.5},
                n_params=1,
                sha256=blobs.sha256(weights),
                weights=weights,
            )
            session.add(model)
            session.flush()
            ids.append(model.id)
    return Principal(tenant_id, frozenset({"train"}), "k"), ids


def _at_once(work, n: int) -> list:
    """``work(i)`` in ``n`` threads released together; their results (or exceptions)."""
    start, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_registrations_at_once_get_distinct_numbers_from_1(any_factory):
    # given
    principal, model_ids = _models(any_factory, THREADS)
    with any_factory.begin() as session:
        service.put(session, principal.tenant_id, "churn", RegisteredIn())

    # when: every thread registers its model at the same moment
    def register(i: int) -> int:
        with any_factory.begin() as session:
            return service.register(session, principal, "churn", model_ids[i]).version

    numbers = _at_once(register, THREADS)
    # then
    assert not [n for n in numbers if isinstance(n, Exception)], numbers
    assert sorted(numbers) == list(range(1, THREADS + 1)), numbers
    with any_factory() as session:
        registered = registry.find(session, principal.tenant_id, "churn")
        stored = {row.version: row.model_id for row in registry.versions(session, registered.id)}
        assert registered.latest_version == THREADS
    assert stored == {number: model_ids[i] for i, number in enumerate(numbers)}


def test_a_name_made_by_requests_at_once_is_made_once(any_factory):
    principal, _ = _models(any_factory, 0)

    def put(i: int) -> bool:
        with any_factory.begin() as session:
            body = RegisteredIn(description=f"by {i}")
            return service.put(session, principal.tenant_id, "churn", body)[1]

    created = _at_once(put, 4)
    assert sorted(created) == [False, False, False, True], created
    with any_factory() as session:
        rows, _ = registry.list_registered(session, principal.tenant_id, 10, None)
    assert [row.name for row in rows] == ["churn"]


def test_a_model_that_is_a_version_cannot_be_deleted(any_factory):
    # given: a model that is version 1 of two names, and one that is no version
    principal, (kept, free) = _models(any_factory, 2)
    for name in ("churn", "upsell"):
        with any_factory.begin() as session:
            service.put(session, principal.tenant_id, name, RegisteredIn())
            service.register(session, principal, name, kept)
    # then: the guard names them; the foreign key refuses the delete anyway
    with any_factory() as session:
        assert registry.versions_of_model(session, principal.tenant_id, kept) == [
            ("churn", 1),
            ("upsell", 1),
        ]
        assert registry.versions_of_model(session, principal.tenant_id, free) == []
        assert registry.versions_of_model(session, "another-tenant", kept) == []
    with pytest.raises(IntegrityError), any_factory.begin() as session:
        session.execute(delete(Model).where(Model.id == kept))
    with any_factory.begin() as session:
        session.execute(delete(Model).where(Model.id == free))


def test_rollback_replays_the_moves_as_an_undo_stack():
    def moves(*steps):
        return [
            AliasMove(action=action, from_version=before, to_version=after)
            for action, before, after in steps
        ]

    assert service.earlier_versions(moves(("set", None, 1))) == []
    assert service.earlier_versions(moves(("set", None, 1), ("set", 1, 2), ("set", 2, 3))) == [
        1,
        2,
    ]
    undo = moves(("set", None, 1), ("set", 1, 2), ("set", 2, 3), ("rollback", 3, 2))
    assert service.earlier_versions(undo) == [1]
    again = moves(("set", None, 1), ("set", 1, 2), ("delete", 2, None), ("set", None, 3))
    assert service.earlier_versions(again) == []
