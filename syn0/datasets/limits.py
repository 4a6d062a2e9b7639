"""The dataset size limit (``max_dataset_cells``), checked from a shape before any
large array is built."""

from __future__ import annotations

import math

from syn0.kit.errors import LimitExceeded
from syn0.settings import Settings


def check_cells(shape: tuple[int, ...], settings: Settings, what: str) -> None:
    if math.prod(shape) > settings.max_dataset_cells:
        raise too_many_cells(shape, settings, what)


def too_many_cells(shape: tuple[int, ...], settings: Settings, what: str) -> LimitExceeded:
    return LimitExceeded(
        f"the number of values in {what} (samples x features)",
        math.prod(shape),
        settings.max_dataset_cells,
        "max_dataset_cells",
        "features",
    )
