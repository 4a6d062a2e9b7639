"""The client's named features and batch predictions against a running API and worker."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from syn0.client import Client, NotFound, ValidationFailed
from syn0.core import Network, datasets
from tests.client.factories import NETWORK, training


@pytest.fixture(scope="module")
def named(syn0: Client):
    """A model of features named ``age`` and ``income``, and its dataset's arrays."""
    X, y = datasets.generate("spiral", 200, 0.1, 2)
    data = syn0.datasets.upload_arrays(X, y, feature_names=["age", "income"])
    job = syn0.jobs.wait(syn0.jobs.submit(data.id, NETWORK, training()).id, poll_interval=0.05)
    assert job.status == "succeeded", job.error
    return job.model_id, data, X


def test_a_model_predicts_records_by_its_signatures_names(syn0: Client, named):
    model_id, data, X = named
    model = syn0.models.get(model_id)
    assert data.feature_names == ["age", "income"]
    assert model.signature is not None
    assert (model.signature.feature_names, model.signature.input_shape) == (["age", "income"], [2])

    records = [{"income": float(b), "age": float(a)} for a, b in X[:5]]
    by_name = syn0.models.predict(model_id, records=records)

    np.testing.assert_array_equal(by_name.labels, syn0.models.predict(model_id, X[:5]).labels)
    with pytest.raises(ValidationFailed) as refused:
        syn0.models.predict(model_id, records=[{"age": 1.0}])
    assert "lacks the feature 'income'" in refused.value.detail
    with pytest.raises(TypeError):
        syn0.models.predict(model_id)


def test_a_batch_prediction_is_waited_for_and_downloaded(syn0: Client, named, tmp_path):
    # given
    model_id, data, X = named
    prediction = syn0.predictions.submit(model_id, data.id)
    assert (prediction.status, prediction.n_rows) == ("queued", 200)
    seen = []

    # when
    done = syn0.predictions.wait(prediction.id, seen.append, poll_interval=0.05)
    as_csv = syn0.predictions.download(prediction.id, tmp_path / "out.csv")
    as_lines = syn0.predictions.download(prediction.id, tmp_path / "out.jsonl", "jsonl")

    # then
    assert done.status == "succeeded" and done.rows_done == 200 and seen[-1] == done
    net = Network.from_bytes(syn0.models.weights(model_id))
    with as_csv.open() as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["row", "label", "p_0", "p_1"]
    assert [int(row[1]) for row in rows[1:]] == net.predict_labels(X).tolist()
    lines = [json.loads(line) for line in as_lines.read_text().splitlines()]
    assert [line["row"] for line in lines] == list(range(200))
    assert prediction.id in [p.id for p in syn0.predictions.iter()]
    syn0.predictions.delete(prediction.id)
    with pytest.raises(NotFound):
        syn0.predictions.download(prediction.id, tmp_path / "gone.csv")
