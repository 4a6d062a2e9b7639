"""The rows of a CSV for ``syn0 predict``: a header matched by name to the model's
features (any order; its target column ignored with a notice), else the columns in the
model's order; images as rows of flattened pixels."""

from __future__ import annotations

import csv
import math
from typing import TYPE_CHECKING, TextIO

import click

from syn0.cli.common import BadInput
from syn0.client import Model

if TYPE_CHECKING:  # imported where arrays are made, so the other commands start faster
    import numpy as np


def read_table(file: TextIO) -> tuple[list[str] | None, list[list[str]]]:
    """The CSV's non-blank rows; a first row that is not all numbers is its header."""
    rows = [row for row in csv.reader(file) if row and any(cell.strip() for cell in row)]
    header = None
    if rows and not _numbers(rows[0]):
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
    if not rows:
        raise BadInput(f"{file.name}: no rows to predict")
    return header, rows


def arrange(
    header: list[str] | None, rows: list[list[str]], model: Model | None, name: str
) -> np.ndarray:
    """The rows as ``(n, columns)`` numbers in the model's order: by the header's names
    when the model names its features, else as they come."""
    import numpy as np

    signature = model.signature if model is not None else None
    names = signature.feature_names if signature is not None else None
    if header is not None and names is not None:
        columns = _columns(header, names, signature.target_name, name)  # type: ignore[union-attr]
        width = len(header)
    else:
        columns, width = None, len(rows[0])
    for number, row in enumerate(rows, start=1):
        picked = row if columns is None else [row[i] for i in columns if i < len(row)]
        if len(row) != width or not _numbers(picked):
            what = f"{width} fields" if columns is not None else f"{width} numbers"
            raise BadInput(f"{name}: data row {number} must hold {what}; received {row}")
    table = rows if columns is None else [[row[i] for i in columns] for row in rows]
    return np.array(table, dtype=np.float64)


def _columns(header: list[str], names: list[str], target: str | None, file: str) -> list[int]:
    """For each of the model's features, its column in the header."""
    if target is not None and target in header:
        click.echo(f"notice: {file}: ignoring the column {target!r}, the model's target", err=True)
    given = [column for column in header if column != target]
    twice = sorted({column for column in given if given.count(column) > 1})
    if twice:
        raise BadInput(f"{file}: the header names the column {twice[0]!r} twice")
    missing = [feature for feature in names if feature not in given]
    if missing:
        raise BadInput(
            f"{file}: the header lacks the feature {missing[0]!r}; the model reads {names}"
        )
    unknown = [column for column in given if column not in names]
    if unknown:
        raise BadInput(
            f"{file}: the header has the column {unknown[0]!r}, which is not one of the "
            f"model's features {names}" + (f" nor its target {target!r}" if target else "")
        )
    return [header.index(feature) for feature in names]


def shaped(X: np.ndarray, model: Model) -> np.ndarray:
    """Rows of flattened images as the model's images; other rows as they are."""
    if X.shape[1] == math.prod(model.network["input_shape"]):
        return X.reshape(len(X), *model.network["input_shape"])
    return X


def _numbers(row: list[str]) -> bool:
    try:
        [float(cell) for cell in row]
    except ValueError:
        return False
    return True
