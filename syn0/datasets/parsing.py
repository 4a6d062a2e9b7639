"""Datasets as uploads arrive: JSON, CSV and ``.npz`` turned into checked arrays.

Every check names the field and the fix: ragged rows, non-numbers, NaN/Infinity,
targets that do not match the samples, and the ``max_dataset_cells`` limit (checked
from the shapes before any large array is built).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any, BinaryIO

import numpy as np

from syn0.datasets import npz, tabular
from syn0.datasets.limits import check_cells, too_many_cells
from syn0.datasets.schemas import DatasetIn
from syn0.kit import json_records, json_stream
from syn0.kit.errors import InvalidInput
from syn0.kit.features import check_names
from syn0.settings import Settings


@dataclass
class Arrays:
    """Checked training data: ``X`` float32 ``(n, *input_shape)`` and ``y``."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str | None = None
    generator: dict[str, Any] | None = None  # how it was generated, if it was
    feature_names: list[str] | None = None  # as given; None: x0, x1, ... (or images)
    target_name: str | None = None


def _named(X: np.ndarray, names: Any, field: str) -> list[str] | None:
    """Given names checked against the features' columns; None when none are given."""
    if names is None:
        return None
    if X.ndim != 2:
        raise InvalidInput(
            f"{field} names the columns of flat features (samples, features); these "
            f"features are images of shape {X.shape[1:]}: leave {field} out",
            field,
        )
    return check_names(names, X.shape[1], field)


# --- parsing ------------------------------------------------------------------------------


def from_json(body: DatasetIn, settings: Settings) -> Arrays:
    X = _features(body.features, settings)
    names = _named(X, body.feature_names, "feature_names")
    y = _targets(body.targets, len(X), settings.max_label_chars)
    return Arrays(body.name, X, y, body.task, feature_names=names)


def from_large_json(body: BinaryIO, settings: Settings) -> Arrays:
    """A JSON dataset streamed into arrays (``syn0.kit.json_stream``), then checked as
    ``from_json`` checks one; the schema sees the arrays as stand-ins (``_stand_ins``).
    Raises pydantic's ``ValidationError`` as ``DatasetIn`` does."""
    readers = {
        "features": partial(
            json_stream.grid,
            field="features",
            typecode="f",
            max_values=settings.max_dataset_cells,
        ),
        "targets": partial(json_stream.labels_or_numbers, max_classes=settings.max_classes),
        "feature_names": partial(json_records.strings, field="feature_names"),
    }
    fields = json_stream.parse_object(body, readers)
    checked = DatasetIn.model_validate(_stand_ins(fields))
    if isinstance(fields["features"], json_stream.Counted):
        raise too_many_cells(fields["features"].shape, settings, "the dataset")
    X = _features(fields["features"], settings)
    names = _named(X, fields.get("feature_names"), "feature_names")
    y = _targets(fields["targets"], len(X), settings.max_label_chars)
    return Arrays(checked.name, X, y, checked.task, feature_names=names)


def _stand_ins(fields: Any) -> Any:
    """What the schema checks of a streamed body: an array stands in as an empty list
    or a one-item one, so ``min_length`` still holds or fails."""
    if not isinstance(fields, dict):
        return fields
    return {
        key: [None] * min(len(value), 1)
        if isinstance(value, list | np.ndarray | json_stream.Counted) and key != "feature_names"
        else value
        for key, value in fields.items()
    }


def from_upload(
    file: BinaryIO,
    filename: str,
    target: str | None,
    name: str | None,
    task: str | None,
    settings: Settings,
) -> Arrays:
    """A CSV (with ``target`` naming the label column) or an ``.npz`` holding X and y,
    read from the uploaded ``file`` (on disk once large), never whole into memory."""
    name = _name(name or filename or "dataset")
    file.seek(0)
    magic = file.read(4)
    file.seek(0)
    if magic == b"PK\x03\x04" or filename.lower().endswith(".npz"):
        X, y, names = npz.read(file, settings)
        X = _features(X, settings)
        names = _named(X, names, "feature_names")
    else:
        if not target:
            raise InvalidInput(
                "a CSV upload needs the form field `target` naming the target column", "target"
            )
        limits = (settings.max_dataset_cells, settings.max_label_chars)
        X, y, names = tabular.parse_csv(file, target, *limits)
        X = _features(X, settings)
    y = _targets(y, len(X), settings.max_label_chars)
    return Arrays(name, X, y, task, feature_names=names, target_name=target if names else None)


def _name(name: str) -> str:
    if len(name) > 200 or re.search(r"[\x00-\x1f\x7f]", name):
        raise InvalidInput("name must be 1 to 200 printable characters", "name")
    return name


# --- checks -------------------------------------------------------------------------------


def _features(features: Any, settings: Settings) -> np.ndarray:
    """Features as float32 ``(n, f)`` or ``(n, c, h, w)``; ``(n, h, w)`` gains a channel."""
    raw = features if isinstance(features, np.ndarray) else _rectangular(features, "features")
    check_cells(raw.shape, settings, "the dataset")
    if raw.ndim not in (2, 3, 4) or 0 in raw.shape:
        raise InvalidInput(
            "features must be (samples, features), (samples, height, width) or "
            f"(samples, channels, height, width) with no empty axis; received shape {raw.shape}",
            "features",
        )
    if raw.dtype.kind not in "iufb":
        raise InvalidInput(
            f"features must be numbers; received values of type {raw.dtype}", "features"
        )
    X = raw.astype(np.float32, copy=False)
    _check_finite(X, "features")
    return X[:, None] if X.ndim == 3 else X


def _rectangular(values: list, field: str) -> np.ndarray:
    """A nested list as an array, or a 422 naming the first row that breaks the shape."""
    try:
        return np.asarray(values)
    except ValueError:
        pass
    first = values[0]
    width = len(first) if isinstance(first, list) else None
    for index, row in enumerate(values):
        row_width = len(row) if isinstance(row, list) else None
        if row_width != width:
            raise InvalidInput(
                f"{field} must be rectangular: row {index} has "
                f"{'no list' if row_width is None else f'{row_width} values'}, row 0 has "
                f"{'no list' if width is None else f'{width} values'}",
                f"{field}.{index}",
            )
    raise InvalidInput(
        f"{field} must be a rectangular nested list of numbers; the inner "
        "lists do not all have the same shape",
        field,
    )


def _check_finite(values: np.ndarray, field: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        path = ".".join(map(str, (field, *where)))
        raise InvalidInput(
            f"{field} must be finite numbers (no NaN or Infinity); {path} is {values[where]}", path
        )


def _targets(targets: Any, n_samples: int, max_label_chars: int) -> np.ndarray:
    if isinstance(targets, list):
        kinds = {isinstance(t, str) for t in targets}
        if len(kinds) > 1:
            raise InvalidInput(
                "targets must be all numbers or all strings (class labels)", "targets"
            )
        if kinds == {True}:
            _check_label_lengths(targets, max_label_chars)
        y = _rectangular(targets, "targets")
    else:
        y = np.asarray(targets)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column of targets is one target per sample
    if y.ndim == 0 or len(y) != n_samples:
        n_targets = 1 if y.ndim == 0 else len(y)
        raise InvalidInput(
            f"there are {n_samples} samples but {n_targets} targets; give one target per sample",
            "targets",
        )
    if y.ndim not in (1, 2) or 0 in y.shape or y.dtype.kind not in "iufbU":
        raise InvalidInput(
            "targets must be one number or class label per sample, or one row "
            f"of numbers per sample; received shape {y.shape} of {y.dtype}",
            "targets",
        )
    if y.dtype.kind == "f":
        _check_finite(y, "targets")
    return y


def _check_label_lengths(labels: list[str], limit: int) -> None:
    """Before any array is made: NumPy sizes every string cell to the longest one."""
    longest = max(len(label) for label in labels)
    if longest > limit:
        raise InvalidInput(
            f"class labels may have up to {limit} characters (SYN0_MAX_LABEL_CHARS); one "
            f"has {longest}",
            "targets",
        )
