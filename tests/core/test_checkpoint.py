"""A checkpoint holds what resuming needs and nothing that grows with the epochs."""

import numpy as np
import pytest

from syn0.core import Checkpoint, Network, datasets, fit
from tests.core.factories import mlp, training

XOR_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def _last_checkpoint(epochs: int, **options) -> bytes:
    saved = []
    net = Network(mlp(3, [4], 1, activation="sigmoid", out_activation="sigmoid"), seed=0)
    spec = training("mse", epochs=epochs, batch_size=None, shuffle=False, **options)
    fit(
        net,
        XOR_X,
        XOR_Y,
        spec,
        task="regression",
        on_checkpoint=saved.append,
        checkpoint_every=epochs,
    )
    return saved[-1].to_bytes()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"optimizer": {"type": "adam"}, "lr_schedule": {"type": "plateau"}},
        {"validation_split": 0.25, "early_stopping": {"monitor": "loss", "patience": 5000}},
    ],
    ids=["sgd", "adam-plateau", "early-stopping"],
)
def test_a_checkpoint_is_as_large_after_1000_epochs_as_after_10(options):
    small, large = _last_checkpoint(10, **options), _last_checkpoint(1000, **options)
    # The JSON header's epoch and floats (a rate, a best loss: up to 17 digits each) may
    # print a few digits longer; a row of metrics per epoch would add about 150 bytes each.
    assert abs(len(large) - len(small)) <= 64, (len(small), len(large))


def test_resumed_without_history_the_history_holds_the_epochs_trained_after_it():
    X, y = datasets.generate("xor", n_samples=40, noise=0.1, seed=0)
    saved = []
    fit(Network(mlp(2, [4], 2)), X, y, training(epochs=3), on_checkpoint=saved.append)
    history = fit(Network(mlp(2, [4], 2)), X, y, training(epochs=5), resume=saved[1])
    assert [row["epoch"] for row in history.epochs] == [3, 4, 5]


def test_history_must_be_the_epochs_up_to_the_checkpoint():
    X, y = datasets.generate("xor", n_samples=40, noise=0.1, seed=0)
    saved, rows = [], []
    fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(epochs=3),
        on_checkpoint=saved.append,
        on_epoch_end=rows.append,
    )
    with pytest.raises(ValueError, match=r"epochs 1 to the checkpoint's epoch \(2\)"):
        fit(Network(mlp(2, [4], 2)), X, y, training(epochs=5), resume=saved[1], history=rows)
    with pytest.raises(ValueError, match="no checkpoint given"):
        fit(Network(mlp(2, [4], 2)), X, y, training(epochs=5), history=rows[:1])


def test_a_checkpoint_written_with_its_history_still_resumes():
    # given: a checkpoint in the earlier layout, its epochs' metrics in the header
    from syn0.core import npz

    X, y = datasets.generate("xor", n_samples=40, noise=0.1, seed=0)
    saved = []
    full = Network(mlp(2, [4], 2))
    fit(full, X, y, training(epochs=3), on_checkpoint=saved.append)
    header, arrays = npz.load(saved[0].to_bytes())
    header["history"] = [{"epoch": 1, "loss": 0.5}]
    old = npz.dump(header, arrays)
    # when
    resumed = Network(mlp(2, [4], 2))
    fit(resumed, X, y, training(epochs=3), resume=Checkpoint.from_bytes(old))
    # then
    assert resumed.params.tobytes() == full.params.tobytes()


def test_checkpoint_due_skips_a_checkpoint_before_it_is_made_but_never_a_pauses():
    X, y = datasets.generate("xor", n_samples=40, noise=0.1, seed=0)
    asked, made = [], []

    def due(epoch: int) -> bool:
        asked.append(epoch)
        return epoch == 2

    ends = []
    fit(
        Network(mlp(2, [4], 2)),
        X,
        y,
        training(epochs=6),
        on_epoch_end=lambda m: ends.append(m["epoch"]),
        should_pause=lambda: len(ends) == 5,
        on_checkpoint=lambda c: made.append(c.epoch),
        checkpoint_every=2,
        checkpoint_due=due,
    )
    assert asked == [2, 4] and made == [2, 5]
