"""CSV in and out of predict: a body of named columns read straight into an array of
the model's inputs, and predictions written as CSV rows.

The body is read as a file (``api.body_limit.Body`` lets go of what is read) by NumPy's
C reader straight into the network's dtype, the model's columns only: a large CSV
costs its array, never a table of Python strings.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson

from syn0.kit.errors import InvalidInput
from syn0.kit.features import order

MEDIA_TYPE = "text/csv"


def read_inputs(body: Any, names: list[str], target: str | None, dtype: Any) -> np.ndarray:
    """The CSV's rows as ``(n, len(names))`` in ``dtype``, columns in the order of
    ``names`` whatever the header's order; a column named ``target`` is ignored. A
    missing or unknown name, a ragged row or a cell that is no number: a 422 naming it."""
    text = io.TextIOWrapper(io.BufferedReader(_Raw(body)), encoding="utf-8-sig", newline="")
    try:
        header = [cell.strip() for cell in next(csv.reader([text.readline()]), [])]
        if not any(header):
            raise InvalidInput("the CSV body is empty; send a header row of feature names", "body")
        kept = [name for name in header if name != target]
        columns = [header.index(name) for name in kept]
        wanted = [columns[i] for i in order(kept, names, "the CSV header", "body")]
        return _rows(text, header, wanted, dtype)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the CSV body must be UTF-8 text: it holds the byte 0x{exc.object[exc.start]:02x}",
            "body",
        ) from None
    except csv.Error as exc:
        raise InvalidInput(f"the CSV header cannot be read: {exc}", "body") from None
    finally:
        text.detach()


class _Raw(io.RawIOBase):
    """Anything with ``read(size)`` (``api.body_limit.Body``) as a file to buffer."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


_NOT_A_NUMBER = re.compile(r"could not convert string (.*) to \w+ at row (\d+), column (\d+)")


def _rows(text: io.TextIOBase, header: list[str], wanted: list[int], dtype: Any) -> np.ndarray:
    """NumPy's C reader: the rows straight into ``dtype``, then the columns ``wanted``
    in their order. Without a target column every column is read, so a row of more
    fields than the header is refused; with one, only the columns ``wanted`` are."""
    usecols = wanted if len(wanted) < len(header) else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "input contained no data" is a refusal
            X = np.loadtxt(
                text, delimiter=",", quotechar='"', dtype=dtype, usecols=usecols, ndmin=2
            )
    except UserWarning:
        raise InvalidInput("the CSV body has a header but no data rows", "body") from None
    except ValueError as exc:
        match = _NOT_A_NUMBER.search(str(exc))
        if match is None:
            raise InvalidInput(f"the CSV body cannot be read: {exc}", "body") from None
        value, row, column = match.groups()
        shown = "an empty field" if value == "''" else value[:40]
        raise InvalidInput(
            f"CSV data row {int(row) + 1}, column {header[int(column) - 1]!r}: {shown} is "
            "not a number; every feature column must be numeric",
            "body",
        ) from None
    if usecols is None and X.shape[1] != len(header):
        raise InvalidInput(
            f"the CSV body's first data row has {X.shape[1]} fields; the header has {len(header)}",
            "body",
        )
    if usecols is None and wanted != list(range(len(header))):
        X = X[:, wanted]
    return X


# --- out ----------------------------------------------------------------------------------


def header(classes: np.ndarray | None, width: int, row_numbers: bool = False) -> bytes:
    """The header row: ``label`` and ``p_<class>`` per class for a classifier, else
    ``output`` (one column) or ``output_0, …``; ``row`` first with ``row_numbers``."""
    if classes is not None:
        names = ["label", *(f"p_{c}" for c in classes.tolist())]
    else:
        names = ["output"] if width == 1 else [f"output_{i}" for i in range(width)]
    return _line(["row", *names] if row_numbers else names)


def rows(
    outputs: np.ndarray,
    classes: np.ndarray | None = None,
    label_index: np.ndarray | None = None,
    probabilities: np.ndarray | None = None,
    first_row: int | None = None,
) -> bytes:
    """The rows of ``header``'s columns (``first_row``: number them from it). Numbers
    are written by orjson (the shortest text that reads back as the same value)."""
    classifier = classes is not None and label_index is not None and probabilities is not None
    numbers = probabilities if classifier else outputs.reshape(len(outputs), -1)
    text = orjson.dumps(np.ascontiguousarray(numbers), option=orjson.OPT_SERIALIZE_NUMPY)
    lines = text[2:-2].split(b"],[")
    if classifier:
        labels = [_line([label])[:-1] + b"," for label in classes.tolist()]  # type: ignore[union-attr]
        lines = [labels[i] + line for i, line in zip(label_index.tolist(), lines, strict=True)]  # type: ignore[union-attr]
    if first_row is not None:
        lines = [b"%d,%s" % (first_row + i, line) for i, line in enumerate(lines)]
    return b"\n".join(lines) + b"\n"


def in_slices(prediction: Any, size: int = 65536) -> Iterator[bytes]:
    """A ``serving.Prediction`` as CSV, ``size`` rows at a time."""
    outputs = prediction.outputs
    yield header(prediction.classes, outputs.reshape(len(outputs), -1).shape[1])
    for start in range(0, len(outputs), size):
        part = slice(start, start + size)
        yield rows(
            outputs[part],
            prediction.classes,
            None if prediction.label_index is None else prediction.label_index[part],
            None if prediction.probabilities is None else prediction.probabilities[part],
        )


def _line(cells: list[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode()
