"""Dataset arrays a training process keeps for its next jobs.

Each job would otherwise read its dataset's bytes from the store, check their sha256 and
unpack them: 3-6 ms of each trial of the sweep benchmark's 460 KB set, where an ASHA trial
pruned at its first rung trains for 10-30 ms. A sweep's trials, and any run of jobs
on one dataset, now do that once per process.

An entry is keyed by the dataset's id and the sha256 its row records, so arrays are only
served for the bytes they were unpacked (and checked) from. Its arrays are read-only:
a job that wrote into them would change the data of the jobs after it. The cache holds at
most ``limit`` bytes (``SYN0_WORKER_DATASET_CACHE_BYTES``, per training process: each
prefork child keeps its own), dropping the least recently used; a dataset larger than
that is loaded for its job and not kept. A deleted dataset's arrays stay until the cache
drops them as the least recently used (no job can name it any more).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray]


class ArrayCache:
    """``(X, y)`` by ``(dataset id, sha256)``, at most ``limit`` bytes of them."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[str, str], Arrays] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._kept)

    def arrays(
        self, dataset_id: str, sha256: str, load: Callable[[], Arrays], limit: int
    ) -> Arrays:
        """The dataset's arrays, from ``load()`` unless kept; read-only either way, so
        that a write into them fails for every dataset, not only for the kept ones."""
        key = (dataset_id, sha256)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        arrays = load()
        for array in arrays:
            array.flags.writeable = False
        size = _nbytes(arrays)
        if size > limit:
            return arrays
        with self._lock:
            if key not in self._kept:
                self._kept[key], self.nbytes = arrays, self.nbytes + size
            while self.nbytes > limit:
                _, dropped = self._kept.popitem(last=False)
                self.nbytes -= _nbytes(dropped)
        return arrays


def _nbytes(arrays: Arrays) -> int:
    return sum(array.nbytes for array in arrays)


# One per process: the worker's training process (each prefork child its own).
DATASETS = ArrayCache()
