"""Arrays as ``.npz`` bytes with a sha256, checked on every load; never pickled."""

from __future__ import annotations

import hashlib
import io

import numpy as np


class CorruptBlob(ValueError):
    """Stored bytes whose sha256 no longer matches the one recorded with them."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack(data: bytes, expected_sha256: str, what: str) -> dict[str, np.ndarray]:
    verify(data, expected_sha256, what)
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def verify(data: bytes, expected_sha256: str, what: str) -> None:
    if sha256(data) != expected_sha256:
        raise CorruptBlob(f"the stored {what} failed its sha256 check")
