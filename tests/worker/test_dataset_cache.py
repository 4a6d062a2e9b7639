"""A training process keeps the dataset arrays it read (``syn0.datasets.cache``): the
next job on the dataset reads no bytes from the store, trains on the same data, and the
cache stays within its byte limit."""

import numpy as np
import pytest
from sqlalchemy import event

from syn0.datasets.cache import ArrayCache
from syn0.jobs import repository as jobs
from syn0.jobs.training import run_job
from syn0.models import repository as models
from syn0.settings import get_settings
from tests import tenancy
from tests.worker.rows import spiral_dataset
from tests.worker.test_train import SPIRAL_NET

TRAINING = {
    "loss": "cross_entropy",
    "epochs": 3,
    "optimizer": {"type": "adam", "learning_rate": 0.01},
    "validation_split": 0.25,
}


def _dataset(factory) -> str:
    with factory.begin() as session:
        return spiral_dataset(session, "spiral").id


def _job(factory, dataset_id: str, training: dict = TRAINING) -> str:
    with factory.begin() as session:
        return jobs.create_job(
            session,
            tenant_id=tenancy.tenant_id(session),
            dataset_id=dataset_id,
            network=SPIRAL_NET,
            training=training,
            epochs=training["epochs"],
            idempotency_key=None,
        ).id


def _weights(factory, job_id: str) -> bytes:
    with factory() as session:
        job = jobs.get_job(session, tenancy.tenant_id(session), job_id)
        return models.load_weights(session, job.tenant_id, job.model_id)


@pytest.fixture
def reads(factory):
    """The SELECTs of a dataset's bytes the store has answered so far (a list, growing)."""
    seen: list[str] = []

    def count(conn, cursor, statement, *_):
        if statement.lstrip().startswith("SELECT datasets.data"):
            seen.append(statement)

    engine = factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("split", [0.25, 0.0], ids=["validation-split", "no-split"])
def test_the_next_job_on_a_dataset_reads_no_bytes_and_trains_the_same(factory, reads, split):
    # Without a split, training batches straight from the kept (read-only) arrays.
    dataset_id = _dataset(factory)
    training = {**TRAINING, "validation_split": split}
    first, second = _job(factory, dataset_id, training), _job(factory, dataset_id, training)
    settings = get_settings()
    assert run_job(first, factory, settings) == "succeeded"
    assert len(reads) == 1
    assert run_job(second, factory, settings) == "succeeded"
    assert len(reads) == 1  # the second job's arrays came from the process
    # Same spec, same seed, same data: the same weights, to the bit.
    assert _weights(factory, first) == _weights(factory, second)


def test_a_cache_of_zero_bytes_reads_the_dataset_for_every_job(factory, reads):
    dataset_id = _dataset(factory)
    settings = get_settings().model_copy(update={"worker_dataset_cache_bytes": 0})
    for _ in range(2):
        assert run_job(_job(factory, dataset_id), factory, settings) == "succeeded"
    assert len(reads) == 2


def _arrays(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of ``n`` KiB in all."""
    return np.zeros((n, 127), np.float64), np.zeros(n, np.int64)


def test_the_cache_keeps_at_most_its_limit_dropping_the_least_recently_used():
    cache, loads = ArrayCache(), []

    def load(name: str):
        def read():
            loads.append(name)
            return _arrays(10)

        return read

    limit = 25 * 1024  # room for two datasets of 10 KiB
    for name in ("a", "b", "a", "c"):  # c drops b, the least recently used
        cache.arrays(name, "sha", load(name), limit)
    assert loads == ["a", "b", "c"]
    assert len(cache) == 2 and cache.nbytes == 20 * 1024
    cache.arrays("a", "sha", load("a"), limit)
    cache.arrays("b", "sha", load("b"), limit)
    assert loads == ["a", "b", "c", "b"]


def test_kept_arrays_are_read_only_and_other_bytes_are_other_arrays():
    cache = ArrayCache()
    X, y = cache.arrays("d", "sha-1", lambda: _arrays(1), 2**20)
    with pytest.raises(ValueError, match="read-only"):
        X[0, 0] = 1.0
    assert not y.flags.writeable
    # The row's sha256 is part of the key: other bytes under the same id are read.
    other = cache.arrays("d", "sha-2", lambda: (np.ones((1, 1)), np.ones(1)), 2**20)
    assert other[0][0, 0] == 1.0


def test_a_dataset_larger_than_the_limit_is_read_not_kept_and_read_only_too():
    cache = ArrayCache()
    X, _ = cache.arrays("big", "sha", lambda: _arrays(10), 1024)
    assert len(cache) == 0 and cache.nbytes == 0
    assert not X.flags.writeable  # a write fails for every dataset, kept or not
