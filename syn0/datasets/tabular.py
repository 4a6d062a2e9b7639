"""CSV uploads: a header row, numeric feature columns, one target column (numbers or
class labels). Errors name the line and column a person has to fix.

The file is read a line at a time and its rows converted a chunk at a time, so an
upload costs its arrays, not a table of Python strings (about 60 bytes a cell)."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

import numpy as np

from syn0.kit.errors import InvalidInput, LimitExceeded
from syn0.kit.features import check_names

# Cells converted at once. NumPy sizes each cell to the chunk's longest field, and holds
# the GIL while it converts: small chunks keep the event loop answering meanwhile.
CHUNK_CELLS = 2**13


def parse_csv(
    file: BinaryIO, target: str, max_cells: int, max_chars: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``X`` float32 ``(n, columns - 1)``, the target column ``y`` ``(n,)`` and the
    feature columns' names (checked by ``syn0.kit.features.check_names``).

    The target becomes int64 or float64 when every value is a number, else strings.
    """
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = [name.strip() for name in next(reader, [])]
        if not header:
            raise InvalidInput(
                "the CSV file is empty; it needs a header row, then data rows", "file"
            )
        if target not in header:
            raise InvalidInput(
                f"the CSV has no column {target!r}; its columns are {header}; set `target` "
                "to the column holding the targets",
                "target",
            )
        if len(header) < 2:
            raise InvalidInput(
                "the CSV needs at least one feature column besides the target", "file"
            )
        return _Table(header, target, max_cells, max_chars).read(reader)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the CSV file must be UTF-8 text: line {reader.line_num + 1} holds the byte "
            f"0x{exc.object[exc.start]:02x} ({exc.reason})",
            "file",
        ) from None
    except csv.Error as exc:
        raise InvalidInput(f"CSV line {reader.line_num} cannot be read: {exc}", "file") from exc
    finally:
        text.detach()  # the upload's file is its owner's to close


class _Table:
    """The data rows, checked as they come and converted a chunk at a time."""

    def __init__(self, header: list[str], target: str, max_cells: int, max_chars: int) -> None:
        self.width, self.max_cells, self.max_chars = len(header), max_cells, max_chars
        self.column = header.index(target)
        self.names = check_names(
            header[: self.column] + header[self.column + 1 :], self.width - 1, "header"
        )
        self.features: list[np.ndarray] = []
        self.targets: list[np.ndarray] = []
        self.rows = 0  # data rows read

    def read(self, reader) -> tuple[np.ndarray, np.ndarray, list[str]]:
        chunk: list[list[str]] = []
        per_chunk = max(1, CHUNK_CELLS // self.width)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines, a trailing newline
            self._check(row, reader.line_num)
            self.rows += 1
            if self.rows * len(self.names) > self.max_cells:
                continue  # over the limit: only checked and counted from here
            chunk.append(row)
            if len(chunk) == per_chunk:
                self._convert(chunk)
                chunk = []
        if chunk:
            self._convert(chunk)
        if not self.rows:
            raise InvalidInput("the CSV file has a header but no data rows", "file")
        cells = self.rows * len(self.names)
        if cells > self.max_cells:
            raise LimitExceeded(
                "the number of values in the dataset (samples x features)",
                cells,
                self.max_cells,
                "max_dataset_cells",
                "features",
            )
        X = np.concatenate(self.features)
        return X, _labels(np.concatenate(self.targets)), self.names

    def _check(self, row: list[str], line: int) -> None:
        if len(row) != self.width:
            raise InvalidInput(
                f"CSV line {line} has {len(row)} fields; the header has {self.width}", "file"
            )
        longest = max(map(len, row))
        if longest > self.max_chars:
            raise InvalidInput(
                f"CSV line {line} has a field of {longest} characters; the limit is "
                f"{self.max_chars} (SYN0_MAX_LABEL_CHARS)",
                "file",
            )

    def _convert(self, chunk: list[list[str]]) -> None:
        """NumPy sizes every cell of a string table to its longest field: hence the
        field limit, and chunks."""
        table = np.array(chunk, dtype=str)
        first_row = self.rows - len(chunk)  # of this chunk, among all data rows
        self.features.append(_numbers(np.delete(table, self.column, axis=1), self.names, first_row))
        self.targets.append(np.char.strip(table[:, self.column]))


def _numbers(table: np.ndarray, names: list[str], first_row: int) -> np.ndarray:
    try:
        return table.astype(np.float64).astype(np.float32)
    except ValueError:
        pass
    for j, name in enumerate(names):
        for i, value in enumerate(table[:, j]):
            try:
                float(value)
            except ValueError:
                shown = "an empty field" if not value.strip() else repr(value)
                raise InvalidInput(
                    f"CSV data row {first_row + i + 1}, column {name!r}: {shown} is not a "
                    "number; feature columns must be numeric",
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
