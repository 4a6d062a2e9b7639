"""CSV uploads: a header row, numeric feature columns, one target column (numbers or
class labels). Errors name the line and column a person has to fix."""

from __future__ import annotations

import csv
import io

import numpy as np

from syn0.kit.errors import InvalidInput, LimitExceeded


def parse_csv(
    data: bytes, target: str, max_cells: int, max_chars: int
) -> tuple[np.ndarray, np.ndarray]:
    """``X`` float64 ``(n, columns - 1)`` and the target column ``y`` ``(n,)``.

    The target becomes int64 or float64 when every value is a number, else strings.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the CSV file must be UTF-8 text: {exc}", "file") from exc
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader, [])]
    if not header:
        raise InvalidInput("the CSV file is empty; it needs a header row, then data rows", "file")
    if target not in header:
        raise InvalidInput(
            f"the CSV has no column {target!r}; its columns are {header}; set `target` to "
            "the column holding the targets",
            "target",
        )
    if len(header) < 2:
        raise InvalidInput("the CSV needs at least one feature column besides the target", "file")
    try:
        rows = _rows(reader, len(header), max_chars)
    except csv.Error as exc:
        raise InvalidInput(f"CSV line {reader.line_num} cannot be read: {exc}", "file") from exc
    cells = len(rows) * (len(header) - 1)
    if cells > max_cells:
        raise LimitExceeded(
            "the number of values in the dataset (samples x features)",
            cells,
            max_cells,
            "max_dataset_cells",
            "features",
        )
    table = np.array(rows, dtype=str)
    column = header.index(target)
    names = header[:column] + header[column + 1 :]
    X = _numbers(np.delete(table, column, axis=1), names)
    return X, _labels(np.char.strip(table[:, column]))


def _rows(reader, width: int, max_chars: int) -> list[list[str]]:
    """The data rows; a field may be at most ``max_chars`` long, because NumPy sizes every
    cell of the table to its longest field."""
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines, a trailing newline
        if len(row) != width:
            raise InvalidInput(
                f"CSV line {reader.line_num} has {len(row)} fields; the header has {width}",
                "file",
            )
        if max(map(len, row)) > max_chars:
            raise InvalidInput(
                f"CSV line {reader.line_num} has a field of {max(map(len, row))} characters; "
                f"the limit is {max_chars} (SYN0_MAX_LABEL_CHARS)",
                "file",
            )
        rows.append(row)
    if not rows:
        raise InvalidInput("the CSV file has a header but no data rows", "file")
    return rows


def _numbers(table: np.ndarray, names: list[str]) -> np.ndarray:
    try:
        return table.astype(np.float64)
    except ValueError:
        pass
    for j, name in enumerate(names):
        for i, value in enumerate(table[:, j]):
            try:
                float(value)
            except ValueError:
                shown = "an empty field" if not value.strip() else repr(value)
                raise InvalidInput(
                    f"CSV data row {i + 1}, column {name!r}: {shown} is not a number; "
                    "feature columns must be numeric",
                    "file",
                ) from None
    raise InvalidInput("the CSV feature columns must be numeric", "file")


def _labels(column: np.ndarray) -> np.ndarray:
    for dtype in (np.int64, np.float64):
        try:
            return column.astype(dtype)
        except (ValueError, OverflowError):
            continue
    if (column == "").any():
        row = int(np.argmax(column == "")) + 1
        raise InvalidInput(f"CSV data row {row} has an empty target", "file")
    return column
