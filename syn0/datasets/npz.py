""".npz uploads: arrays ``X`` and ``y`` (and optionally ``feature_names``), each
checked from its header (shape, dtype, size) before a byte of its data is read, so a
compressed archive cannot expand unchecked; never unpickled."""

from __future__ import annotations

import zipfile
from typing import BinaryIO

import numpy as np

from syn0.core.npz import ZIP_ERRORS, npy_header
from syn0.datasets.limits import check_cells
from syn0.kit.errors import InvalidInput
from syn0.kit.features import MAX_NAME_CHARS
from syn0.settings import Settings

# What an .npz array may hold: numbers, or (for y) class labels of bounded length.
_NPZ_KINDS = {"X": "iufb", "y": "iufbU"}


def read(file: BinaryIO, settings: Settings) -> tuple[np.ndarray, np.ndarray, list | None]:
    try:
        with zipfile.ZipFile(file) as archive:
            members = {n.removesuffix(".npy"): n for n in archive.namelist()}
            missing = [key for key in ("X", "y") if key not in members]
            if missing:
                raise InvalidInput(
                    f"the .npz file must hold arrays `X` and `y`; it has {sorted(members)}", "file"
                )
            for key in ("X", "y"):
                with archive.open(members[key]) as member:
                    _check_header(key, *_npy_header(member), settings)
            arrays = {key: _load_npy(archive, members[key], key) for key in ("X", "y")}
            names = _npz_names(archive, members.get("feature_names"), settings)
    except ZIP_ERRORS as exc:
        raise InvalidInput(f"the file is not a readable .npz archive: {exc}", "file") from exc
    return arrays["X"], arrays["y"], names


def _npz_names(archive: zipfile.ZipFile, member: str | None, settings: Settings) -> list | None:
    """The optional array ``feature_names``: strings, one per column of X."""

    if member is None:
        return None
    with archive.open(member) as stream:
        shape, dtype = _npy_header(stream)
    check_cells(shape, settings, "the .npz array feature_names")
    if dtype.kind != "U" or len(shape) != 1 or dtype.itemsize // 4 > MAX_NAME_CHARS:
        raise InvalidInput(
            "the .npz array feature_names must hold one string of at most "
            f"{MAX_NAME_CHARS} characters per column of X; it holds {dtype} {shape}",
            "feature_names",
        )
    return _load_npy(archive, member, "feature_names").tolist()


def _check_header(key: str, shape: tuple[int, ...], dtype: np.dtype, settings: Settings) -> None:
    """Shape and dtype from the header, before a byte of data is read."""

    check_cells(shape, settings, f"the .npz array {key}")
    if dtype.kind not in _NPZ_KINDS[key]:
        raise InvalidInput(
            f"the .npz array {key} holds {dtype}; it must hold numbers"
            + (" or class labels (strings)" if key == "y" else ""),
            "file",
        )
    if dtype.kind == "U" and dtype.itemsize // 4 > settings.max_label_chars:
        raise InvalidInput(
            f"the .npz array y holds labels of up to {dtype.itemsize // 4} characters; the "
            f"limit is {settings.max_label_chars} (SYN0_MAX_LABEL_CHARS)",
            "file",
        )


def _npy_header(member) -> tuple[tuple[int, ...], np.dtype]:
    """Read only an ``.npy`` header, so a compressed archive cannot expand unchecked."""
    try:
        return npy_header(member)
    except ValueError as exc:
        raise InvalidInput(f"the .npz file holds an unreadable array: {exc}", "file") from exc


def _load_npy(archive: zipfile.ZipFile, member: str, key: str) -> np.ndarray:
    with archive.open(member) as stream:
        try:
            return np.lib.format.read_array(stream, allow_pickle=False)
        except ValueError as exc:
            raise InvalidInput(
                f"the .npz array {key} cannot be read ({exc}); arrays of Python objects "
                "are refused, store numbers or strings",
                "file",
            ) from exc
