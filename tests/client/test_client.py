"""The Python client against a running API and worker."""

from __future__ import annotations

import io
import itertools
import time

import httpx
import numpy as np
import pytest

from syn0.client import Client, Conflict, Job, LimitExceeded, NotFound, ValidationFailed
from syn0.core import Network, NetworkSpec, TrainingSpec, datasets
from tests.client.factories import LONG_TRAINING, NETWORK, training

PROBLEMS = "https://syn0.dev/problems/"


def test_train_wait_with_callback_and_predict_like_core(syn0: Client):
    # given
    data = syn0.datasets.generate("spiral", n_samples=300, noise=0.1, seed=1)
    job = syn0.jobs.submit(data.id, NetworkSpec(**NETWORK), TrainingSpec(**training()))
    assert job.status == "queued" and job.progress.epochs == 30
    seen: list[Job] = []
    # when
    done = syn0.jobs.wait(job.id, seen.append, poll_interval=0.05)
    # then
    assert done.status == "succeeded", done.error
    states = [(snapshot.status, snapshot.progress.epoch) for snapshot in seen]
    assert states[-1] == ("succeeded", 30) and seen[-1] == done
    assert all(before != after for before, after in itertools.pairwise(states))  # changes only
    assert [epoch for _, epoch in states] == sorted(epoch for _, epoch in states)
    assert [row.epoch for row in syn0.jobs.metrics(job.id)] == list(range(1, 31))
    net = Network.from_bytes(syn0.models.weights(done.model_id))
    X = np.random.default_rng(0).normal(size=(7, 2)).astype(np.float32)
    prediction = syn0.models.predict(done.model_id, X)
    np.testing.assert_array_equal(prediction.outputs, net.predict(X))
    np.testing.assert_array_equal(prediction.labels, net.predict_labels(X))
    assert prediction.probabilities.shape == (7, 2)
    model = syn0.models.get(done.model_id)
    assert model.job_id == job.id and model.classes == [0, 1]


def test_glyphs_are_generated_and_a_conv_net_trains_on_them(syn0: Client):
    # given ten classes of colour images made on the server
    data = syn0.datasets.generate("glyphs", n_samples=200, seed=2, channels=3, image_size=12)
    assert (data.input_shape, data.classes) == ([3, 12, 12], list(range(10)))
    assert data.generator == {
        "kind": "glyphs",
        "n_samples": 200,
        "noise": 0.0,
        "seed": 2,
        "channels": 3,
        "image_size": 12,
    }
    network = {
        "input_shape": data.input_shape,
        "layers": [
            {"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "flatten"},
            {"type": "dense", "units": 10, "activation": "softmax"},
        ],
    }
    # when
    job = syn0.jobs.submit(data.id, network, training(epochs=2))
    done = syn0.jobs.wait(job.id, poll_interval=0.05)
    # then
    assert done.status == "succeeded", done.error
    assert syn0.models.get(done.model_id).classes == list(range(10))
    with pytest.raises(ValidationFailed) as for_points:
        syn0.datasets.generate("spiral", image_size=16)
    assert for_points.value.errors[0]["loc"] == "image_size"


def test_uploads_arrays_csv_and_npz(syn0: Client, tmp_path):
    X, y = datasets.images(40, size=8, seed=0, kind="shapes")
    images = syn0.datasets.upload_arrays(X[:, 0], y, name="shapes")  # (n, h, w)
    assert images.input_shape == [1, 8, 8] and images.classes == [0, 1, 2]
    labels = syn0.datasets.upload_arrays(
        np.arange(12.0).reshape(6, 2), np.array(["a", "b"] * 3), name="labels"
    )
    assert labels.classes == ["a", "b"]
    csv = b"x1,x2,colour\n0,0,red\n0,1,blue\n1,0,blue\n1,1,red\n"
    from_csv = syn0.datasets.upload_csv(csv, target="colour", name="xor")
    assert from_csv.classes == ["blue", "red"] and from_csv.name == "xor"
    buffer = io.BytesIO()
    np.savez(buffer, X=np.random.default_rng(0).random((20, 3)), y=np.linspace(0, 1, 20))
    (tmp_path / "r.npz").write_bytes(buffer.getvalue())
    from_npz = syn0.datasets.upload_npz(tmp_path / "r.npz")
    assert (from_npz.task, from_npz.input_shape, from_npz.name) == ("regression", [3], "r.npz")
    with pytest.raises(TypeError, match="pickle"):
        syn0.datasets.upload_arrays(np.zeros((2, 2)), np.array([None, 1], dtype=object))


def test_errors_are_typed_and_carry_the_problem(syn0: Client):
    data = syn0.datasets.generate("xor", n_samples=50)
    with pytest.raises(NotFound) as missing:
        syn0.jobs.get("nope")
    assert missing.value.status == 404 and missing.value.type == PROBLEMS + "not-found"
    assert "nope" in missing.value.detail
    bad = {**NETWORK, "layers": [{"type": "dense", "units": -3}]}
    with pytest.raises(ValidationFailed) as invalid:
        syn0.jobs.submit(data.id, bad, training())
    assert invalid.value.errors[0]["loc"] == "network.layers.0.units"
    assert "units=-3" in invalid.value.errors[0]["msg"]
    with pytest.raises(LimitExceeded) as limit:
        syn0.jobs.validate(data.id, NETWORK, training(epochs=10**9))
    assert limit.value.setting == "max_epoch_samples" and limit.value.value > limit.value.limit
    with pytest.raises(ValidationFailed, match="dataset"):
        syn0.jobs.submit("nope", NETWORK, training())
    with pytest.raises(NotFound):
        syn0.models.predict("nope", [[0.0, 0.0]])


def test_idempotency_key_returns_the_first_job(syn0: Client):
    data = syn0.datasets.generate("xor", n_samples=50)
    first = syn0.jobs.submit(data.id, NETWORK, training(), idempotency_key="client-test-1")
    again = syn0.jobs.submit(data.id, NETWORK, training(), idempotency_key="client-test-1")
    assert again.id == first.id
    other = syn0.jobs.submit(data.id, NETWORK, training())  # a fresh key: a new job
    assert other.id != first.id
    with pytest.raises(Conflict) as conflict:
        syn0.jobs.submit(data.id, NETWORK, training(epochs=3), idempotency_key="client-test-1")
    assert conflict.value.extra["job_id"] == first.id
    listed = [job.id for job in syn0.jobs.iter(dataset_id=data.id, page_size=1)]
    assert listed == [other.id, first.id]
    syn0.jobs.wait(other.id, poll_interval=0.05)


def test_cancel_a_running_job_and_wait_timeout(syn0: Client):
    data = syn0.datasets.generate("spiral", n_samples=2000, noise=0.1)
    job = syn0.jobs.submit(data.id, NETWORK, LONG_TRAINING)
    with pytest.raises(TimeoutError, match=job.id):
        syn0.jobs.wait(job.id, poll_interval=0.05, timeout=0.2)
    syn0.jobs.cancel(job.id)
    done = syn0.jobs.wait(job.id, poll_interval=0.05, timeout=30)
    assert done.status == "cancelled"
    # it keeps the model of its last checkpoint (every 5 epochs), partial; none before one
    kept = done.progress.epoch // 5 * 5
    if kept == 0:
        assert done.model_id is None
    else:
        model = syn0.models.get(done.model_id)
        assert (model.partial, model.epoch) == (True, kept)
    with pytest.raises(Conflict) as finished:
        syn0.jobs.cancel(job.id)
    assert finished.value.extra["job_status"] == "cancelled"


def test_pages_walk_every_dataset_once_and_delete(syn0: Client):
    made = {syn0.datasets.generate("gauss", n_samples=10).id for _ in range(3)}
    seen = [dataset.id for dataset in syn0.datasets.iter(page_size=2)]
    assert made <= set(seen) and len(seen) == len(set(seen))
    first = made.pop()
    syn0.datasets.delete(first)
    with pytest.raises(NotFound):
        syn0.datasets.get(first)
    assert syn0.ready() == {"database": "ok", "broker": "ok"}


def test_from_env_reads_the_url_and_api_key(monkeypatch):
    monkeypatch.setenv("SYN0_URL", "http://syn0.example:9000/")
    monkeypatch.setenv("SYN0_API_KEY", "secret")
    seen = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))
    with Client.from_env(transport=transport) as client:
        client.datasets.delete("d1")
    assert client.base_url == "http://syn0.example:9000"
    assert str(seen[0].url) == "http://syn0.example:9000/v1/datasets/d1"
    assert seen[0].headers["Authorization"] == "Bearer secret"


def test_architectures_a_template_trains_as_it_is(syn0: Client):
    # given: the catalog, and 12x12 images of bars (4 classes)
    assert [arch.name for arch in syn0.architectures.list()] == [
        "lenet5",
        "alexnet",
        "vgg",
        "googlenet",
        "resnet",
    ]
    X, y = datasets.images(120, size=12, noise=0.1)
    data = syn0.datasets.upload_arrays(X, y, name="bars")
    # when: LeNet-5 for their shape is submitted unchanged (fewer epochs)
    template = syn0.architectures.get("lenet5", data.input_shape, data.n_outputs, width=4)
    assert template.knobs == {"width": 4, "depth": 2}
    training = {**template.training, "epochs": 2}
    job = syn0.jobs.wait(syn0.jobs.submit(data.id, template.network, training).id)
    # then
    assert job.status == "succeeded", job.error
    assert syn0.models.get(job.model_id).n_params == template.summary["total_params"]
    with pytest.raises(NotFound, match="the architectures are lenet5, alexnet"):
        syn0.architectures.get("lenet", "1,12,12", 4)
    with pytest.raises(ValidationFailed) as invalid:
        syn0.architectures.get("resnet", (1, 12, 12), 4, depth=10)
    assert invalid.value.errors[0]["loc"] == "query.depth"


def _cancelled_after_a_checkpoint(syn0: Client, dataset_id: str) -> Job:
    """A long job cancelled once it has run past its first checkpoint (epoch 5)."""
    job = syn0.jobs.submit(dataset_id, NETWORK, LONG_TRAINING)
    deadline = time.monotonic() + 30
    while syn0.jobs.get(job.id).progress.epoch < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    syn0.jobs.cancel(job.id)
    return syn0.jobs.wait(job.id, poll_interval=0.05, timeout=30)


def test_resume_a_stopped_job_then_delete_it_and_its_model(syn0: Client):
    # given: a job cancelled after some checkpoints, with its partial model
    data = syn0.datasets.generate("spiral", n_samples=200, noise=0.1)
    stopped = _cancelled_after_a_checkpoint(syn0, data.id)
    partial = syn0.models.get(stopped.model_id)
    assert stopped.status == "cancelled" and partial.partial and partial.epoch >= 5
    # when: it is resumed for two more epochs
    with pytest.raises(ValidationFailed) as short:
        syn0.jobs.resume(stopped.id, partial.epoch)
    assert short.value.errors[0]["loc"] == "epochs"
    resumed = syn0.jobs.resume(stopped.id, partial.epoch + 2)
    # then
    assert resumed.resumed_from == stopped.id and resumed.progress.epoch == partial.epoch
    done = syn0.jobs.wait(resumed.id, poll_interval=0.05, timeout=60)
    assert done.status == "succeeded" and done.progress.epoch == partial.epoch + 2
    assert not syn0.models.get(done.model_id).partial
    # and the stopped job goes, its model stays until it is deleted too
    syn0.jobs.delete(stopped.id)
    with pytest.raises(NotFound):
        syn0.jobs.get(stopped.id)
    assert syn0.models.get(partial.id).job_id is None
    syn0.models.delete(partial.id)
    with pytest.raises(NotFound):
        syn0.models.get(partial.id)
    active = syn0.jobs.submit(data.id, NETWORK, LONG_TRAINING)
    with pytest.raises(Conflict) as refused:
        syn0.jobs.delete(active.id)
    assert refused.value.extra["job_status"] in ("queued", "running")
    syn0.jobs.cancel(active.id)
    syn0.jobs.wait(active.id, poll_interval=0.05, timeout=30)


def test_replay_a_model_and_read_its_lineage(syn0: Client):
    data = syn0.datasets.generate("moons", n_samples=200, noise=0.1)
    submitted = syn0.jobs.submit(data.id, NETWORK, training(epochs=5, seed=3))
    job = syn0.jobs.wait(submitted.id, poll_interval=0.05, timeout=60)
    model = syn0.models.get(job.model_id)
    assert model.lineage.job_id == job.id and model.lineage.seed == 3
    assert model.lineage.dataset_sha256 == data.model_extra["sha256"]
    replay = syn0.models.replay(model.id)
    assert replay.replay_of == model.id
    replayed = syn0.models.get(syn0.jobs.wait(replay.id, poll_interval=0.05, timeout=60).model_id)
    assert replayed.replay.of == model.id and replayed.replay.identical is True


def test_import_a_network_and_its_weights_then_train_from_it(syn0: Client):
    # given: weights for a 2-8-2 network, imported
    network = {
        **NETWORK,
        "layers": [
            {"type": "dense", "units": 8, "activation": "tanh"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
    }
    start = Network(NetworkSpec(**network), seed=7)
    model = syn0.models.import_(network, start.to_bytes())
    assert model.job_id is None and model.n_params == start.params.size
    assert Network.from_bytes(syn0.models.weights(model.id)).params.tobytes() == (
        start.params.tobytes()
    )
    # when: a job starts from it
    data = syn0.datasets.generate("xor", n_samples=100, noise=0.1)
    job = syn0.jobs.submit(
        data.id, network, {**training(epochs=2), "initial_weights": {"model_id": model.id}}
    )
    assert syn0.jobs.wait(job.id, poll_interval=0.05).status == "succeeded"
    # then: weights of another network are refused, naming the file field
    with pytest.raises(ValidationFailed) as refused:
        syn0.models.import_(NETWORK, start.to_bytes())
    assert refused.value.errors[0]["loc"] == "file"
