"""Arrays plus a JSON header in one ``.npz``, read back with ``allow_pickle=False``."""

from __future__ import annotations

import io
import json
import zipfile
import zlib
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


# Reading a damaged or unusual zip member raises any of these.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, zlib.error)


def shapes(data: bytes) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each array's shape and dtype from its ``.npy`` header, no data read: a compressed
    archive cannot expand unchecked. Raises ``ValueError`` or one of ``ZIP_ERRORS``."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            with archive.open(name) as member:
                found[name.removesuffix(".npy")] = npy_header(member)
    return found


def npy_header(member: Any) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype in an ``.npy`` stream's header, its data left unread. Raises
    ``ValueError`` for a header NumPy cannot read."""
    version = np.lib.format.read_magic(member)
    read = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, _, dtype = read(member)
    return shape, dtype
