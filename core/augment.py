"""Dataset augmentation for training batches ``(n, *input_shape)``; never for validation
or predict. Every draw comes from the training generator, so runs stay deterministic."""

from __future__ import annotations

from typing import Any

import numpy as np

from syn0.core.spec import AugmentationSpec


def is_active(spec: AugmentationSpec) -> bool:
    return bool(spec.gaussian_noise or spec.shift_pixels or spec.horizontal_flip)


def augment(backend, batch: Any, spec: AugmentationSpec, rng: np.random.Generator) -> Any:
    """Return an augmented copy of ``batch``; ``batch`` itself is left untouched."""
    xp = backend.xp
    out = batch.copy()
    n = out.shape[0]
    if spec.horizontal_flip:
        flip = xp.asarray(rng.random(n) < 0.5)
        out[flip] = out[flip][..., ::-1]
    if spec.shift_pixels:
        out = _shift(xp, out, spec.shift_pixels, rng)
    if spec.gaussian_noise:
        noise = backend.normal(rng, out.shape, np.float32)
        noise *= spec.gaussian_noise
        out += noise
    return out


def _shift(xp, images: Any, k: int, rng: np.random.Generator) -> Any:
    """Move each image by its own (dy, dx) in [-k, k], filling with zeros."""
    n, _, h, w = images.shape
    offsets = rng.integers(-k, k + 1, size=(n, 2))
    padded = xp.zeros((*images.shape[:2], h + 2 * k, w + 2 * k), dtype=images.dtype)
    padded[:, :, k : k + h, k : k + w] = images
    shifted = xp.empty_like(images)
    for dy, dx in sorted({tuple(o) for o in offsets.tolist()}):
        rows = xp.asarray(np.flatnonzero((offsets[:, 0] == dy) & (offsets[:, 1] == dx)))
        shifted[rows] = padded[rows, :, k - dy : k - dy + h, k - dx : k - dx + w]
    return shifted
