"""``Inference``: what a bound network answers, mixed into ``core.network.Network``.

The user's inputs are checked (shape, finiteness) and prepared (dtype, the spec's
features, the input standardization fit bound), then run forward a chunk at a time;
the outputs are read from the logits as the loss and task say (probabilities, labels,
un-scaled regression targets). Kept apart from the graph and its training so each
module reads on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from syn0.core import features
from syn0.core.activations import ACTIVATIONS
from syn0.core.errors import DataError
from syn0.core.layers import Dense

PREDICT_CHUNK = 4096


class Inference:
    """Predict-side methods of ``Network`` (which provides ``spec``, ``dtype``,
    ``xp``, ``backend``, ``layers``, ``forward``, ``_outputs`` and what fit binds)."""

    def to_internal(self, X: Any) -> Any:
        """``(n, *input_shape)`` samples to the layout the first layer reads."""
        X = self.xp.asarray(X, dtype=self.dtype)
        if X.ndim == 2:
            return X
        return self.xp.ascontiguousarray(X.transpose(1, 2, 3, 0))

    def check_inputs(self, X: Any, normalize: bool = True) -> np.ndarray:
        """Validate user inputs and return them as ``(n, *input_shape)`` in the network's
        dtype (single-channel images may come as ``(n, h, w)``), normalized by default."""
        return self._prepared(self._valid(X), normalize)

    def _valid(self, X: Any) -> np.ndarray:
        """``check_inputs``' checks, without its copies: the shape and finiteness."""
        X = np.asarray(X)
        expected = tuple(self.spec.input_shape)
        if len(expected) == 3 and expected[0] == 1 and X.ndim == 3 and X.shape[1:] == expected[1:]:
            X = X.reshape(X.shape[0], *expected)
        if X.ndim < 1 or X.shape[1:] != expected:
            raise DataError(
                f"expected inputs of shape (n, {', '.join(map(str, expected))}); received {X.shape}"
            )
        if X.dtype.kind not in "biuf" or not np.isfinite(X).all():
            raise DataError("inputs must be finite numbers (no NaN or Infinity)")
        return X

    def _prepared(self, X: np.ndarray, normalize: bool = True) -> np.ndarray:
        """Valid inputs in the network's dtype, features made, normalized by default."""
        X = X.astype(self.dtype, copy=False)
        if self.spec.features:
            X = features.transform(X, self.spec.features)
        if normalize and self.input_mean is not None:
            X = (X - self.input_mean) / self.input_std
        return X

    def logits(self, X: Any) -> np.ndarray:
        """Checked and prepared a chunk at a time, so a large batch costs no more
        memory than its inputs and its outputs."""
        X = self._valid(X)
        chunks = [
            self.backend.to_numpy(
                self.forward(self.to_internal(self._prepared(X[i : i + PREDICT_CHUNK]))).copy()
            )
            for i in range(0, len(X), PREDICT_CHUNK)
        ]
        return np.concatenate(chunks) if chunks else np.empty((0, self.n_outputs), self.dtype)

    def predict(self, X: Any) -> np.ndarray:
        """Outputs ``(n, n_outputs)``: the last layer's activation of its logits (times
        the targets' std, plus their mean, for a network trained on normalized targets)."""
        z = self.logits(X)
        outputs = ACTIVATIONS[self.output_activation](np, z)
        if self.target_mean is not None:
            outputs *= self.target_std
            outputs += self.target_mean
        return outputs

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(n, n_classes)``, columns in the order of ``classes``."""
        return self.predict_with_proba(X)[1]

    def predict_with_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Outputs and class probabilities from one forward pass (for serving)."""
        if self.task != "classification":
            raise DataError("predict_proba needs a network trained for classification")
        z = self.logits(X)
        outputs = ACTIVATIONS[self.output_activation](np, z.copy())
        # A softmax (sigmoid) output already is the probabilities: computed once.
        if self.loss == "cross_entropy":
            same = self.output_activation == "softmax"
            return outputs, outputs if same else ACTIVATIONS["softmax"](np, z)
        if self.loss == "binary_cross_entropy":
            same = self.output_activation == "sigmoid"
            p = outputs if same else ACTIVATIONS["sigmoid"](np, z)
        else:
            p = np.clip(outputs, 0, 1)
            if p.shape[1] > 1:
                total = p.sum(axis=1, keepdims=True)
                fallback = np.full_like(p, 1 / p.shape[1])
                return outputs, np.divide(p, total, out=fallback, where=total > 0)
        return outputs, np.hstack([1 - p, p])

    def hidden_activations(self, X: Any) -> list[tuple[int, np.ndarray]]:
        """``(layer index, activations (n, units))`` of every hidden dense layer, in
        inference mode: what each unit computes over the inputs (the Playground's
        per-neuron views)."""
        outs = self._outputs(self.to_internal(self.check_inputs(X)), False, None)
        return [
            (index, self.backend.to_numpy(out).copy())
            for index, (layer, out) in enumerate(zip(self.layers[:-1], outs, strict=False))
            if isinstance(layer, Dense)
        ]

    def predict_labels(self, X: Any) -> np.ndarray:
        """Predicted classes ``(n,)`` in the user's own label values."""
        return self.classes[self.predict_proba(X).argmax(axis=1)]
