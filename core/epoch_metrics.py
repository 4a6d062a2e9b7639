"""An epoch's metrics: the training loss and statistic ``fit`` summed over the batches,
the weight penalty, and the validation split's loss and statistic (see ``History``)."""

from __future__ import annotations

from syn0.core import regularization
from syn0.core.losses import LOSSES, add_stats, sum_batch_stats
from syn0.core.prepare import Prepared
from syn0.core.spec import TrainingSpec

VALIDATION_CHUNK = 4096


class EpochMetrics:
    """Metrics of ``net`` on ``data``: accuracy for classifiers, ``mae`` and ``r2`` (pooled
    over the target columns, None for constant targets) for regression."""

    def __init__(self, net, data: Prepared, training: TrainingSpec):
        self.net, self.data, self.spec = net, data, training
        # A batch's statistic: correct predictions, or (squared, absolute) error sums.
        self.stat_shape: tuple[int, ...] = ()
        self.y_sst = None
        # normalize_targets: errors and spreads in the targets' own units.
        self.scale = data.target_std
        self.loss_options = {} if self.scale is None else {"scale": net.xp.asarray(self.scale)}
        if not data.classify:
            self.y_sst = self._sst(data.y)
            self.stat_shape = (2,)

    def _sst(self, y) -> float:
        """The targets' total sum of squares (in their own units)."""
        centered = y - y.mean(axis=0)
        if self.scale is not None:
            centered = centered * self.scale
        return float((centered**2).sum())

    def of_epoch(self, epoch: int, lr: float, mean_loss: float, stat) -> dict[str, float]:
        reg = self.spec.regularization
        penalty = regularization.penalty(self.net.xp, self.net.weights, reg.l1, reg.l2)
        metrics = {
            "epoch": epoch,
            "loss": mean_loss + penalty,
            "penalty": penalty,
            "learning_rate": lr,
        }
        metrics.update(self._stat_metrics("", stat, len(self.data.X), self.y_sst))
        if self.data.X_val is not None:
            metrics.update(self._validation_metrics())
        return metrics

    def _stat_metrics(self, prefix: str, stat, n: int, sst: float | None) -> dict[str, float]:
        if self.data.classify:
            return {f"{prefix}accuracy": stat / n}
        sse, sae = stat
        k = self.net.n_outputs
        r2 = 1.0 - sse / sst if sst else None  # undefined for constant targets
        return {f"{prefix}mae": sae / (n * k), f"{prefix}r2": r2}

    def _validation_metrics(self) -> dict[str, float]:
        net, data = self.net, self.data
        xp = net.xp
        X, y = data.X_val, data.y_val
        loss_sum, stat_sum = 0.0, None
        for start in range(0, len(X), VALIDATION_CHUNK):
            z = net.forward(net.to_internal(X[start : start + VALIDATION_CHUNK]), training=False)
            yb = xp.asarray(y[start : start + VALIDATION_CHUNK])
            loss, _, stat = LOSSES[self.spec.loss](
                xp, z.copy(), yb, net.output_activation, data.classify, **self.loss_options
            )
            loss_sum += float(loss) * len(yb)
            stat = sum_batch_stats(net.backend.to_numpy(stat)[None])
            stat_sum = stat if stat_sum is None else add_stats(stat_sum, stat)
        sst = None if data.classify else self._sst(y)
        metrics = {"val_loss": loss_sum / len(X)}
        metrics.update(self._stat_metrics("val_", stat_sum, len(X), sst))
        return metrics
