"""``client.registry`` against a running API and worker: names, versions, aliases and
predict by name."""

from __future__ import annotations

import numpy as np
import pytest

from syn0.client import Client, Conflict, NotFound, ValidationFailed
from tests.client.factories import NETWORK, training


@pytest.fixture(scope="module")
def two_models(syn0: Client) -> list[str]:
    data = syn0.datasets.generate("spiral", n_samples=200, noise=0.1, seed=3)
    jobs = [syn0.jobs.submit(data.id, NETWORK, training(epochs=e, seed=e)) for e in (5, 10)]
    return [syn0.jobs.wait(job.id, poll_interval=0.05).model_id for job in jobs]


def test_register_alias_predict_by_name_and_roll_back(syn0: Client, two_models):
    first, second = two_models
    # given
    made = syn0.registry.put("client-churn", description="who leaves", tags={"team": "a"})
    assert (made.name, made.latest_version, made.tags) == ("client-churn", 0, {"team": "a"})
    assert syn0.registry.put("client-churn", tags={}).description == "who leaves"
    versions = [syn0.registry.register("client-churn", model_id) for model_id in two_models]
    assert [(v.version, v.model_id) for v in versions] == [(1, first), (2, second)]
    alias = syn0.registry.set_alias("client-churn", "production", 1)
    assert (alias.version, alias.model_id) == (1, first)
    # when: predict through the alias
    X = np.random.default_rng(0).normal(size=(5, 2))
    by_name = syn0.registry.predict("client-churn", X, alias="production")
    # then: model predict's answer, and which version gave it
    by_id = syn0.models.predict(first, X)
    np.testing.assert_array_equal(by_name.outputs, by_id.outputs)
    np.testing.assert_array_equal(by_name.labels, by_id.labels)
    assert (by_name.model_id, by_name.version, by_name.alias) == (first, 1, "production")
    assert by_name.to_reply()["version"] == 1
    # moved, rolled back, and nothing earlier than v1
    assert syn0.registry.set_alias("client-churn", "production", 2).model_id == second
    assert syn0.registry.predict("client-churn", X, alias="production").version == 2
    assert syn0.registry.rollback("client-churn", "production").version == 1
    with pytest.raises(Conflict) as nothing_earlier:
        syn0.registry.rollback("client-churn", "production")
    assert nothing_earlier.value.extra["version"] == 1
    pinned = syn0.registry.predict("client-churn", X, version=2)
    assert (pinned.model_id, pinned.alias) == (second, None)
    syn0.registry.delete_alias("client-churn", "production")
    detail = syn0.registry.get("client-churn")
    assert [(m.action, m.from_version, m.to_version) for m in detail.alias_history] == [
        ("set", None, 1),
        ("set", 1, 2),
        ("rollback", 2, 1),
        ("delete", 1, None),
    ]
    assert detail.aliases == [] and [v.version for v in detail.versions] == [1, 2]
    assert (
        detail.versions[0].dataset_sha256
        == syn0.datasets.get(detail.versions[0].dataset_id).model_dump()["sha256"]
    )
    assert "client-churn" in [r.name for r in syn0.registry.iter(page_size=1)]


def test_registry_errors_are_typed(syn0: Client, two_models):
    with pytest.raises(NotFound, match="no registered model named 'client-nope'"):
        syn0.registry.predict("client-nope", [[0.0, 0.0]], alias="production")
    syn0.registry.put("client-errors")
    with pytest.raises(ValidationFailed) as bad_alias:
        syn0.registry.set_alias("client-errors", "Prod", 1)
    assert bad_alias.value.errors[0]["loc"] == "path.alias"
    with pytest.raises(ValidationFailed) as no_version:
        syn0.registry.set_alias("client-errors", "prod", 1)
    assert no_version.value.errors[0]["loc"] == "version"
    syn0.registry.register("client-errors", two_models[0])
    with pytest.raises(Conflict) as twice:
        syn0.registry.register("client-errors", two_models[0])
    assert twice.value.extra["version"] == 1
    with pytest.raises(ValidationFailed) as neither:
        syn0.registry.predict("client-errors", [[0.0, 0.0]])
    assert neither.value.errors[0]["loc"] == "query.alias"
