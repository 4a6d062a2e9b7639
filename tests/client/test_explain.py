"""``models.explain`` and ``jobs.explain`` against a running API and worker."""

from __future__ import annotations

import numpy as np
import pytest

from syn0.client import Client, Explanation, ValidationFailed
from syn0.core import Network
from tests.client.factories import NETWORK, training


def test_explain_a_models_sample_and_its_jobs(syn0: Client):
    # given: a trained classifier
    data = syn0.datasets.generate("xor", n_samples=120, noise=0.1, seed=3)
    job = syn0.jobs.wait(syn0.jobs.submit(data.id, NETWORK, training(epochs=5)).id)
    assert job.status == "succeeded", job.error
    x = np.array([0.4, -0.7])
    # when
    explained = syn0.models.explain(job.model_id, x, target=np.int64(1))
    # then
    assert isinstance(explained, Explanation) and explained.loss_name == "cross_entropy"
    net = Network.from_bytes(syn0.models.weights(job.model_id))
    proba = net.predict_proba(x[None])[0]
    assert explained.loss == pytest.approx(-np.log(proba[1]), rel=1e-5)
    assert explained.prediction == net.predict_labels(x[None])[0]
    hidden, last = explained.layers
    assert (hidden.name, hidden.activation, last.output_gradient_of) == (
        "dense_0",
        "tanh",
        "pre_activation",
    )
    assert np.shape(hidden.weight_gradient) == (2, 16) and np.shape(last.bias_gradient) == (2,)
    by_job = syn0.jobs.explain(job.id, record={"x1": -0.7, "x0": 0.4}, target=1)
    assert (by_job.job_id, by_job.model_id) == (job.id, job.model_id)
    assert by_job.layers == explained.layers
    with pytest.raises(ValidationFailed) as unknown:
        syn0.models.explain(job.model_id, x, target=5)
    assert unknown.value.errors == [
        {"loc": "target", "msg": "target 5 is not one of the model's classes [0, 1]"}
    ]
    with pytest.raises(TypeError, match="give either input or record"):
        syn0.models.explain(job.model_id, target=1)
