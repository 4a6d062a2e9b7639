"""``client.sweeps`` against a running API and worker: start a grid, wait for it, read
its leaderboard, list, register the best model, and the typed refusals."""

from __future__ import annotations

import itertools

import pytest

from syn0.client import Client, Conflict, NotFound, ValidationFailed
from tests.client.factories import NETWORK, training

SPACE = {
    "training.optimizer.learning_rate": {"values": [0.05, 0.005]},
    "network.layers[0].units": {"values": [4, 8]},
}


def test_a_grid_from_start_to_its_registered_best(syn0: Client):
    # given
    data = syn0.datasets.generate("xor", n_samples=100, noise=0.1, seed=5)

    # when
    made = syn0.sweeps.create(data.id, NETWORK, training(epochs=3), SPACE, max_parallel=2)
    seen: list[str] = []
    done = syn0.sweeps.wait(made.id, lambda s: seen.append(s.status), poll_interval=0.1)

    # then
    assert made.status == "running" and made.progress.created == 2
    assert seen[-1] == "succeeded" == done.status and done.finished
    assert done.progress.finished == 4 and len(done.leaderboard) == 4
    points = sorted(tuple(t.parameters.values()) for t in done.leaderboard)
    assert points == sorted(itertools.product(*(d["values"] for d in SPACE.values())))
    metrics = [t.metric for t in done.leaderboard]
    assert metrics == sorted(metrics) and done.best == done.leaderboard[0]
    trials = syn0.jobs.list(sweep_id=made.id).items
    assert sorted(job.id for job in trials) == sorted(t.job_id for t in done.leaderboard)
    assert made.id in [s.id for s in syn0.sweeps.iter(page_size=1)]
    version = syn0.sweeps.register(made.id, "client-sweep-best")
    assert (version.version, version.model_id) == (1, done.best.model_id)
    with pytest.raises(Conflict, match="already finished with status 'succeeded'"):
        syn0.sweeps.cancel(made.id)


def test_refusals_are_typed_errors(syn0: Client):
    data = syn0.datasets.generate("xor", n_samples=40, noise=0.1, seed=5)
    bad = {"network.layers[3].units": {"values": [4]}}
    with pytest.raises(ValidationFailed) as refused:
        syn0.sweeps.create(data.id, NETWORK, training(epochs=3), bad)
    assert refused.value.errors[0]["loc"] == "parameters.network.layers[3].units"
    with pytest.raises(NotFound):
        syn0.sweeps.get("0" * 32)
