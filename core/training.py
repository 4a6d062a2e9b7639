"""``fit``: mini-batch training with metrics, callbacks, checkpoints and resume.

Every random draw (shuffling, dropout, augmentation) comes from one generator
seeded by ``training.seed`` whose state is part of each checkpoint, so the same
spec, data and seed give bitwise-identical weights, and a run resumed from the
checkpoint of epoch k ends with the weights of the run that never stopped.

A checkpoint holds the state that resuming needs and nothing that grows with the
epochs: the metrics of the epochs before it are the caller's (``on_epoch_end`` got
each), handed back as ``history`` when the caller wants them in the ``History``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from syn0.core import regularization
from syn0.core.augment import augment, is_active
from syn0.core.backend import step_flops, training_device
from syn0.core.checks import summary
from syn0.core.epoch_metrics import EpochMetrics
from syn0.core.errors import DataError, TrainingDiverged
from syn0.core.history import EarlyStopping, History
from syn0.core.losses import LOSSES, sum_batch_stats
from syn0.core.optimizers import make_optimizer
from syn0.core.prepare import Prepared, prepare
from syn0.core.schedules import Schedule
from syn0.core.serialization import Checkpoint
from syn0.core.spec import TrainingSpec

EpochCallback = Callable[[dict[str, float]], None]
CheckpointCallback = Callable[[Checkpoint], None]


def fit(
    net,
    X: Any,
    y: Any,
    training: TrainingSpec,
    *,
    task: str | None = None,
    on_epoch_end: EpochCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    should_pause: Callable[[], bool] | None = None,
    on_checkpoint: CheckpointCallback | None = None,
    checkpoint_every: int = 1,
    checkpoint_due: Callable[[int], bool] | None = None,
    resume: Checkpoint | None = None,
    history: list[dict[str, float]] | None = None,
) -> History:
    """Train ``net`` on ``X`` ``(n_samples, *input_shape)`` and targets ``y``: labels
    ``(n_samples,)`` for classification, ``(n_samples,)`` or ``(n_samples, k)`` for regression.

    ``task`` (classification or regression) is inferred from the loss and labels when
    None. ``on_epoch_end`` gets each epoch's metrics; ``should_stop`` is asked
    between batches and ends training with ``stop_reason="cancelled"``;
    ``should_pause`` is asked after each epoch but the last and ends training there
    with ``stop_reason="paused"``, after a checkpoint of that epoch; ``on_checkpoint``
    gets a ``Checkpoint`` every ``checkpoint_every`` epochs (when ``checkpoint_due(epoch)``
    says so, asked before one is made; a pause's or an early stop's is always made), and
    ``resume`` continues from one. ``history``, with ``resume`` only: the metrics
    ``on_epoch_end`` got for the epochs up to the checkpoint's, which the returned
    ``History`` then starts with (else it holds the epochs trained by this call).
    """
    if checkpoint_every < 1:
        raise ValueError(
            "Received an invalid value for `checkpoint_every`, expected a positive integer. "
            f"Received: checkpoint_every={checkpoint_every!r}"
        )
    _check_history(history, resume)
    data = prepare(net, X, y, training, task)
    flops = step_flops(summary(net.spec).total_flops, training.batch_size, len(data.X))
    net.to_device(training_device(training.device, flops))
    trainer = _Trainer(net, data, training, resume)
    if history:
        trainer.history.epochs = [dict(row) for row in history]
    data.bind(net, training.loss)
    # Overflow on the way to a divergence is reported as TrainingDiverged, not as warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        return trainer.run(
            on_epoch_end,
            should_stop or (lambda: False),
            should_pause or (lambda: False),
            on_checkpoint,
            checkpoint_every,
            checkpoint_due or (lambda epoch: True),
        )


def _check_history(history, resume: Checkpoint | None) -> None:
    if history is None:
        return
    epochs = [row.get("epoch") for row in history]
    expected = list(range(1, resume.epoch + 1)) if resume else []
    if epochs != expected:
        raise ValueError(
            "`history` must hold the metrics of epochs 1 to the checkpoint's epoch "
            f"({resume.epoch if resume else 'no checkpoint given'}), in order; received "
            f"{len(epochs)} rows"
        )


class _Trainer:
    def __init__(self, net, data: Prepared, training: TrainingSpec, resume: Checkpoint | None):
        self.net, self.data, self.spec = net, data, training
        self.xp = net.xp
        self.optimizer = make_optimizer(net.backend, training.optimizer, net.params.size, net.dtype)
        self.schedule = Schedule(training.lr_schedule, training.optimizer.learning_rate)
        self.stopper = EarlyStopping(training.early_stopping) if training.early_stopping else None
        self.rng = np.random.default_rng([training.seed, 2])
        self.history = History(warnings=list(data.warnings))
        self.start_epoch = 1
        self.last_finite_loss: float | None = None
        self.metrics = EpochMetrics(net, data, training)
        self._buffers: dict[tuple, Any] = {}
        self.X = self.xp.asarray(data.X)
        self.y = self.xp.asarray(data.y)
        weights = data.sample_weight
        self.w = None if weights is None else self.xp.asarray(weights)
        # normalize_targets: the epochs' mae and r2 in the targets' units (see mse).
        std = data.target_std
        self.loss_options = {} if std is None else {"scale": self.xp.asarray(std)}
        if resume is not None:
            self._load(resume)

    # --- state ------------------------------------------------------------------------------

    def checkpoint(self, epoch: int) -> Checkpoint:
        to_np = self.net.backend.to_numpy
        stopping = self.stopper.state() if self.stopper else None
        if stopping and stopping["best_params"] is not None:
            stopping["best_params"] = to_np(stopping["best_params"]).copy()
        optimizer = {
            k: to_np(v) if hasattr(v, "shape") else v for k, v in self.optimizer.state().items()
        }
        return Checkpoint(
            epoch=epoch,
            params=to_np(self.net.params).copy(),
            optimizer=optimizer,
            schedule=self.schedule.state(),
            rng=self.rng.bit_generator.state,
            binding={
                "loss": self.spec.loss,
                "task": self.data.task,
                "classes": self.data.classes,
                "input_mean": self.data.input_mean,
                "input_std": self.data.input_std,
                "target_mean": self.data.target_mean,
                "target_std": self.data.target_std,
            },
            early_stopping=stopping,
        )

    def _load(self, ckpt: Checkpoint) -> None:
        if ckpt.params.shape != self.net.params.shape:
            raise DataError(
                f"the checkpoint holds {ckpt.params.size} parameters but the network has "
                f"{self.net.params.size}; it belongs to another spec",
                field="checkpoint",
            )
        self.net.params[...] = self.xp.asarray(ckpt.params)
        self.optimizer.load_state(ckpt.optimizer)
        self.schedule.load_state(ckpt.schedule)
        self.rng.bit_generator.state = ckpt.rng
        if self.stopper and ckpt.early_stopping:
            state = dict(ckpt.early_stopping)
            if state["best_params"] is not None:
                state["best_params"] = self.xp.asarray(state["best_params"])
            self.stopper.load_state(state)
        self.start_epoch = ckpt.epoch + 1

    # --- the loop ---------------------------------------------------------------------------

    def run(
        self, on_epoch_end, should_stop, should_pause, on_checkpoint, checkpoint_every, due
    ) -> History:
        first = self.start_epoch
        if self.stopper and self.stopper.exhausted:  # resumed from the stopping epoch
            first = self.spec.epochs + 1
            self.history.stop_reason = "early_stopping"
        for epoch in range(first, self.spec.epochs + 1):
            started = time.perf_counter()
            lr = self.schedule.lr
            totals = self._train_epoch(epoch, lr, should_stop)
            if totals is None:
                # The weights are those of the cancelled epoch's last batch.
                self.history.stop_reason = "cancelled"
                return self.history
            metrics = self.metrics.of_epoch(epoch, lr, *totals)
            metrics["seconds"] = time.perf_counter() - started
            self.history.epochs.append(metrics)
            if on_epoch_end:
                on_epoch_end(metrics)
            monitored = metrics.get("val_loss", metrics["loss"])
            self.schedule.end_epoch(epoch, monitored)
            stop = self.stopper.update(epoch, metrics, self.net.params) if self.stopper else False
            pause = not stop and epoch < self.spec.epochs and should_pause()
            periodic = epoch % checkpoint_every == 0 and due(epoch)
            if on_checkpoint and (periodic or stop or pause):
                on_checkpoint(self.checkpoint(epoch))
            if stop:
                self.history.stop_reason = "early_stopping"
                break
            if pause:
                self.history.stop_reason = "paused"
                return self.history
        if self.stopper:
            self.stopper.restore(self.net.params)
            self.history.best_epoch = self.stopper.best_epoch
        return self.history

    def _batches(self):
        n = len(self.data.X)
        size = self.spec.batch_size or n
        order = self.rng.permutation(n) if self.spec.shuffle else np.arange(n)
        order = self.xp.asarray(order)
        for start in range(0, n, size):
            yield order[start : start + size]

    def _train_epoch(self, epoch: int, lr: float, should_stop):
        """One pass over the data; returns (mean loss, summed stat) or None if cancelled.

        The batches' losses and statistics stay on the device until the epoch ends
        (reading one would make the host wait for a GPU after every batch); a
        non-finite loss is found then, with the batch before it as the last finite one.
        """
        xp, net, spec = self.xp, self.net, self.spec
        loss_fn, act = LOSSES[spec.loss], net.output_activation
        l1, l2 = spec.regularization.l1, spec.regularization.l2
        augmenting = is_active(spec.augmentation)
        images = self.X.ndim == 4
        batches = list(self._batches())
        losses = self._buffer("losses", (len(batches),), np.float64)
        stats = self._buffer("stats", (len(batches), *self.metrics.stat_shape), np.float64)
        for b, idx in enumerate(batches):
            if should_stop():
                return None
            m = len(idx)
            xb = xp.take(self.X, idx, axis=0, out=self._buffer("xb", (m, *self.X.shape[1:])))
            yb = xp.take(
                self.y, idx, axis=0, out=self._buffer("yb", (m, *self.y.shape[1:]), self.y.dtype)
            )
            if augmenting:
                xb = augment(net.backend, xb, spec.augmentation, self.rng)
            if images:
                xb = self._to_internal(xb)
            z = net.forward(xb, training=True, rng=self.rng)
            wb = None if self.w is None else xp.take(self.w, idx, axis=0)
            losses[b], grad, stats[b] = loss_fn(
                xp, z, yb, act, self.data.classify, wb, **self.loss_options
            )
            # Backprop is linear: scaling dL/dz scales every gradient, so an optimizer
            # that wants -lr * g gets it here, on a (batch, outputs) array.
            scale = self.optimizer.gradient_scale(lr)
            if scale != 1:
                grad *= scale
            net.backward(grad)
            if l1 or l2:
                gw = net.grads[: net.n_weights]
                regularization.add_gradient(xp, net.weights, gw, scale * l1, scale * l2)
            self.optimizer.update(net.params, net.grads, lr)
        loss_sum = 0.0
        for loss, idx in zip(self.net.backend.to_numpy(losses).tolist(), batches, strict=True):
            if not math.isfinite(loss):
                raise TrainingDiverged(epoch, self.last_finite_loss)
            self.last_finite_loss = loss
            loss_sum += loss * len(idx)
        if not bool(xp.isfinite(net.params).all()):
            raise TrainingDiverged(epoch, self.last_finite_loss, what="weights")
        return loss_sum / len(self.data.X), sum_batch_stats(self.net.backend.to_numpy(stats))

    def _to_internal(self, xb):
        internal = self._buffer("internal", (*xb.shape[1:], xb.shape[0]))
        self.xp.copyto(internal, xb.transpose(1, 2, 3, 0))
        return internal

    def _buffer(self, name: str, shape: tuple[int, ...], dtype=None):
        key = (name, shape)
        if key not in self._buffers:
            self._buffers[key] = self.xp.empty(shape, dtype=dtype or self.net.dtype)
        return self._buffers[key]
