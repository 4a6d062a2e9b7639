"""Arrays plus a JSON header in one ``.npz``, read back with ``allow_pickle=False``."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

HEADER = "__header__"


def dump(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{HEADER: np.array(json.dumps(header))}, **arrays)
    return buffer.getvalue()


def load(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(str(arrays.pop(HEADER)))
    return header, arrays
