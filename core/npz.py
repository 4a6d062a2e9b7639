"""Arrays plus a JSON header in one ``.npz``, read back with ``allow_pickle=False``.

The archive's entries carry a fixed date, so the same header and arrays always give
the same bytes: a weights file's sha256 then names its contents, and two trainings
that end with the same weights have files with the same sha256."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import numpy as np

HEADER = "__header__"
# The earliest date a zip entry can hold (``np.savez`` stamps the current time).
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def dump(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """What ``np.savez`` writes (stored entries ``NAME.npy``), with fixed entry dates."""
    buffer = io.BytesIO()
    entries = {HEADER: np.array(json.dumps(header)), **arrays}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, value in entries.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_DATE)
            info.external_attr = 0o600 << 16
            with archive.open(info, "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(value), allow_pickle=False)
    return buffer.getvalue()


def load(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(str(arrays.pop(HEADER)))
    return header, arrays
