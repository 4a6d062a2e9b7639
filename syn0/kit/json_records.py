"""Records and names in JSON bodies, read by ``syn0.kit.json_stream.parse_object``:
``records`` (``[{name: number, ...}, ...]``, predict's samples by feature name) straight
into one float64 array, and ``strings`` (a dataset's ``feature_names``). ``records_of``
does for a small body's decoded records what ``records`` does for a large one."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from syn0.kit.errors import InvalidInput
from syn0.kit.json_stream import Events

_KINDS = {"string": "a string", "null": "null", "boolean": "a boolean", "start_map": "an object"}


def strings(events: Events, field: str) -> list[str]:
    """The rest of an array of strings, after its ``[``."""
    values = []
    for event, value in events:
        if event == "end_array":
            return values
        if event != "string":
            raise InvalidInput(f"{field} must be a list of strings", field)
        values.append(value)
    return values


@dataclass(frozen=True)
class Records:
    """Samples given as objects ``{name: number}``: the names in the first record's
    order, and ``values`` float64 ``(n, len(names))`` in that order."""

    names: list[str]
    values: np.ndarray


def records(events: Events, field: str = "records") -> Records:
    """The rest of an array of records, after its ``[``: every record holds the names
    the first one holds (in any order), each a number."""
    names: list[str] = []
    column: dict[str, int] = {}
    values = array("d")
    n = 0
    for event, _ in events:
        if event == "end_array":
            break
        where = f"{field}.{n}"
        if event != "start_map":
            raise InvalidInput(f"{where} must be an object of feature names and numbers", where)
        row = _record(events, where, names, column, first=not n)
        values.extend(row)
        n += 1
    return Records(names, np.frombuffer(values, dtype="d").reshape(n, len(names)))


def _record(
    events: Events, where: str, names: list[str], column: dict[str, int], first: bool
) -> list[float]:
    row: list[float | None] = [None] * len(names)
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        if event != "number":
            shown = _KINDS.get(event, "a list" if event == "start_array" else event)
            raise InvalidInput(f"{where}.{key} must be a number; it is {shown}", f"{where}.{key}")
        if first and key not in column:
            column[key] = len(names)
            names.append(key)
            row.append(None)
        index = column.get(key)
        if index is None:
            raise InvalidInput(
                f"{where} has the feature {key!r}, which {where.rsplit('.', 1)[0]}.0 lacks; "
                "every record needs the same names",
                where,
            )
        row[index] = value
    missing = [name for name, value in zip(names, row, strict=True) if value is None]
    if missing:
        raise InvalidInput(f"{where} lacks the feature {missing[0]!r}", where)
    return row  # type: ignore[return-value]


def records_of(rows: list[dict[str, float]], field: str = "records") -> Records:
    """``records`` for records already decoded (a small body)."""
    names = list(rows[0])
    column = {name: index for index, name in enumerate(names)}
    values = np.empty((len(rows), len(names)), dtype=np.float64)
    for n, row in enumerate(rows):
        where = f"{field}.{n}"
        unknown = [key for key in row if key not in column]
        if unknown:
            raise InvalidInput(
                f"{where} has the feature {unknown[0]!r}, which {field}.0 lacks; every record "
                "needs the same names",
                where,
            )
        if len(row) != len(names):
            missing = next(name for name in names if name not in row)
            raise InvalidInput(f"{where} lacks the feature {missing!r}", where)
        values[n] = [row[name] for name in names]
    return Records(names, values)
