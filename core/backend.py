"""The array-module seam: every array operation in core goes through ``Backend.xp``.

NumPy is the default. A second module with NumPy's API (CuPy) can be plugged in
by name, so the same layers, losses and optimizers run on it unchanged. Random
numbers (shuffling, dropout masks, augmentation) are drawn on the host from one
seeded NumPy generator and moved to the device, so a run is deterministic.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Backend:
    """An array module plus the few operations whose spelling differs between modules."""

    name: str
    xp: ModuleType

    def to_numpy(self, a: Any) -> np.ndarray:
        """Copy an array of this backend to host memory (a no-op view for NumPy)."""
        return a if self.xp is np else self.xp.asnumpy(a)


NUMPY = Backend("numpy", np)


def get_backend(name: str = "numpy") -> Backend:
    """Return the backend called ``name`` (``"numpy"`` or ``"cupy"``)."""
    if name == "numpy":
        return NUMPY
    if name == "cupy":
        return Backend("cupy", importlib.import_module("cupy"))
    raise ValueError(
        f"Received an invalid value for `backend`, expected one of numpy, cupy. Received: {name!r}"
    )
