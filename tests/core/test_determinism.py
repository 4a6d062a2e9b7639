"""Same spec, data and seed -> bitwise-identical weights; resume == uninterrupted."""

import io

import numpy as np
import pytest

from syn0.core import Checkpoint, Network, datasets, fit
from tests.core.factories import host, lenet, mlp, training

SPEC_CASES = {
    "mlp-adam-dropout-aug-plateau-early": (
        lambda: mlp(2, [16, 16], 2, activation="relu"),
        dict(
            optimizer={"type": "adam", "learning_rate": 0.01},
            validation_split=0.2,
            lr_schedule={"type": "plateau", "patience": 2},
            normalize_inputs=True,
            augmentation={"gaussian_noise": 0.1},
            regularization={"l2": 1e-3},
            early_stopping={"monitor": "val_loss", "patience": 50},
        ),
    ),
    "mlp-sgd-nesterov-step": (
        lambda: mlp(2, [16], 2),
        dict(
            optimizer={"type": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
            lr_schedule={"type": "step", "every": 3},
        ),
    ),
    "mlp-rmsprop-momentum": (
        lambda: mlp(2, [16], 2),
        dict(optimizer={"type": "rmsprop", "learning_rate": 0.01, "momentum": 0.5}),
    ),
}


def _data():
    return datasets.generate("spiral", n_samples=200, noise=0.1, seed=0)


def _train(make_spec, options, device="cpu", epochs=8, **kw):
    X, y = _data()
    net = Network(make_spec(), seed=5)
    spec = training(epochs=epochs, batch_size=16, seed=11, device=device, **options)
    history = fit(net, X, y, spec, **kw)
    return net, history


def _bytes(net) -> bytes:
    return host(net.params).tobytes()


@pytest.mark.parametrize("case", SPEC_CASES)
def test_same_seed_same_weights_bitwise(case, device):
    make_spec, options = SPEC_CASES[case]
    first, _ = _train(make_spec, options, device)
    second, _ = _train(make_spec, options, device)
    assert _bytes(first) == _bytes(second)


def test_other_seed_other_weights():
    X, y = _data()
    a, b = Network(mlp(2, [8], 2), seed=0), Network(mlp(2, [8], 2), seed=0)
    fit(a, X, y, training(epochs=2, seed=1))
    fit(b, X, y, training(epochs=2, seed=2))
    assert a.params.tobytes() != b.params.tobytes()


@pytest.mark.parametrize("case", SPEC_CASES)
@pytest.mark.parametrize("stop_after", [1, 4])
def test_resume_from_checkpoint_equals_uninterrupted_run(case, stop_after, device):
    # given: a full run, and its checkpoint after epoch k through bytes, with the
    # metrics on_epoch_end reported up to it (what the service keeps as rows)
    make_spec, options = SPEC_CASES[case]
    full, full_history = _train(make_spec, options, device)
    saved, reported = {}, []
    _train(
        make_spec,
        options,
        device,
        on_checkpoint=lambda c: saved.setdefault(c.epoch, c.to_bytes()),
        on_epoch_end=reported.append,
    )
    checkpoint = Checkpoint.from_bytes(saved[stop_after])
    # when: a fresh network resumes from it
    X, y = _data()
    resumed = Network(make_spec(), seed=99)  # its own init is overwritten by the checkpoint
    spec = training(epochs=8, batch_size=16, seed=11, device=device, **options)
    history = fit(resumed, X, y, spec, resume=checkpoint, history=reported[:stop_after])
    # then
    assert _bytes(resumed) == _bytes(full)
    assert [row["loss"] for row in history.epochs] == full_history.metric("loss")


def test_a_cpu_checkpoint_resumes_on_either_device(device):
    # given: a run on the CPU, and its checkpoint after epoch 2
    make_spec, options = SPEC_CASES["mlp-sgd-nesterov-step"]
    full, full_history = _train(make_spec, options, "cpu", epochs=4)
    saved, reported = {}, []
    _train(
        make_spec,
        options,
        "cpu",
        epochs=4,
        on_checkpoint=lambda c: saved.update({c.epoch: c}),
        on_epoch_end=reported.append,
    )
    # when: it resumes on ``device``
    X, y = _data()
    resumed = Network(make_spec(), seed=99)
    spec = training(epochs=4, batch_size=16, seed=11, device=device, **options)
    checkpoint = Checkpoint.from_bytes(saved[2].to_bytes())
    history = fit(resumed, X, y, spec, resume=checkpoint, history=reported[:2])
    # then: the same run (bitwise on the CPU; a GPU rounds its sums in another order)
    assert resumed.device == device
    assert [row["epoch"] for row in history.epochs] == [1, 2, 3, 4]
    np.testing.assert_allclose(host(resumed.params), host(full.params), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(history.metric("loss"), full_history.metric("loss"), rtol=1e-4)


def test_lenet_with_image_augmentation_resumes_bitwise(device):
    X, y = datasets.images(96, size=12, seed=0)
    options = dict(
        optimizer={"type": "adam", "learning_rate": 0.01},
        augmentation={"shift_pixels": 1, "horizontal_flip": True},
        batch_size=32,
        seed=3,
        device=device,
    )
    full = Network(lenet(12, 4), seed=0)
    saved = {}
    fit(
        full,
        X,
        y,
        training(epochs=3, **options),
        on_checkpoint=lambda c: saved.update({c.epoch: c}),
    )
    resumed = Network(lenet(12, 4), seed=0)
    fit(resumed, X, y, training(epochs=3, **options), resume=saved[1])
    assert _bytes(resumed) == _bytes(full)


def test_checkpoint_every_n_epochs():
    X, y = _data()
    epochs = []
    fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(epochs=7),
        on_checkpoint=lambda c: epochs.append(c.epoch),
        checkpoint_every=3,
    )
    assert epochs == [3, 6]


def test_a_pause_checkpoints_its_epoch_and_resumes_to_the_same_weights():
    # given: a run asked to pause during its third epoch, checkpointing every 5 epochs
    make_spec, options = SPEC_CASES["mlp-adam-dropout-aug-plateau-early"]
    full, _ = _train(make_spec, options)
    ends = []
    saved = []
    _, history = _train(
        make_spec,
        options,
        on_epoch_end=lambda m: ends.append(m["epoch"]),
        should_pause=lambda: len(ends) >= 3,
        on_checkpoint=saved.append,
        checkpoint_every=5,
    )
    # then: it stopped after epoch 3 with that epoch's checkpoint
    assert history.stop_reason == "paused" and ends == [1, 2, 3]
    assert [c.epoch for c in saved] == [3]
    # when: the checkpoint resumes
    resumed, rest = _train(make_spec, options, resume=Checkpoint.from_bytes(saved[0].to_bytes()))
    # then: the weights of the run that never paused
    assert rest.stop_reason != "paused" and _bytes(resumed) == _bytes(full)


def test_the_last_epoch_does_not_pause():
    _, history = _train(*SPEC_CASES["mlp-sgd-nesterov-step"], epochs=1, should_pause=lambda: True)
    assert history.stop_reason == "completed"


def test_checkpoint_bytes_load_without_pickle():
    X, y = _data()
    saved = []
    fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(epochs=1, optimizer={"type": "adam"}),
        on_checkpoint=saved.append,
    )
    data = saved[0].to_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
    restored = Checkpoint.from_bytes(data)
    np.testing.assert_array_equal(restored.params, saved[0].params)
    assert restored.optimizer["t"] == saved[0].optimizer["t"]


def test_resuming_the_checkpoint_of_the_stopping_epoch_trains_no_further(device):
    X, y = datasets.generate("xor", n_samples=120, noise=0.5, seed=2)
    options = dict(
        device=device,
        epochs=300,
        optimizer={"type": "adam", "learning_rate": 0.02},
        validation_split=0.3,
        early_stopping={"monitor": "val_loss", "patience": 3},
    )
    full = Network(mlp(2, [64, 64], 2, activation="relu"), seed=0)
    saved = []
    history = fit(full, X, y, training(**options), on_checkpoint=saved.append)
    assert history.stop_reason == "early_stopping"
    resumed = Network(mlp(2, [64, 64], 2, activation="relu"), seed=0)
    again = fit(
        resumed,
        X,
        y,
        training(**options),
        resume=Checkpoint.from_bytes(saved[-1].to_bytes()),
        history=history.epochs,
    )
    assert again.stop_reason == "early_stopping"
    assert len(again.epochs) == len(history.epochs)
    assert _bytes(resumed) == _bytes(full)


def test_checkpoint_carries_the_optimizer_state():
    X, y = _data()
    saved = []
    fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(epochs=2, optimizer={"type": "adam"}),
        on_checkpoint=saved.append,
    )
    restored = Checkpoint.from_bytes(saved[-1].to_bytes())
    for slot in ("m", "v"):
        np.testing.assert_array_equal(restored.optimizer[slot], saved[-1].optimizer[slot])
        assert np.abs(restored.optimizer[slot]).sum() > 0
    assert restored.rng == saved[-1].rng
