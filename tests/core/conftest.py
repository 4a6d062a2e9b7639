"""Core's tests run on every device this machine has, through the one array-module seam:
the CPU (NumPy) always, and a GPU (CuPy) where one is usable. A test takes ``device``
to run on each; ``pytest -k gpu`` picks the GPU runs."""

import pytest

from syn0.core.backend import gpu_available

DEVICES = ["cpu", "gpu"] if gpu_available() else ["cpu"]


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    return request.param
