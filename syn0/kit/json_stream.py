"""Large JSON bodies read straight into NumPy arrays.

Parsed into Python objects, a nested list of numbers costs about 32 bytes a number (a
float object and a list slot): 5 to 15 times its text. Here ijson's C parser (yajl)
hands the values over one at a time and each number goes straight into a typed buffer
(``array.array``, 4 or 8 bytes a number), which becomes the NumPy array without a copy;
other containers are skipped, never built. Bodies up to ``STREAM_BODY_BYTES`` keep the
one-shot parsers (orjson, pydantic), which are faster on small bodies.

yajl refuses ``NaN`` and ``Infinity`` (not JSON, although Python's ``json.dumps``
writes them), integers past 64 bits and numbers past a float: a large body holding one
is answered as invalid JSON, with a hint; a small one is parsed as before, and the
reply names the cell.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import ijson
import numpy as np

from syn0.kit.errors import InvalidInput

STREAM_BODY_BYTES = 256 * 1024
_EMPTY = {"start_array": list, "start_map": dict}
# What yajl refuses that other parsers take, and what to send instead.
_HINTS = {
    "NaN": "NaN and Infinity are not JSON numbers, and every value must be finite",
    "Infinity": "NaN and Infinity are not JSON numbers, and every value must be finite",
    "integer overflow": "integers must fit in 64 bits; write large numbers as 1e30",
    "floating point) overflow": "numbers must be within ±1.8e308",
}
_KINDS = {"string": "a string", "null": "null", "start_map": "an object", "map_key": "an object"}


Events = Iterator[tuple[str, Any]]
Reader = Callable[[Events], Any]


@dataclass(frozen=True)
class Counted:
    """An array of more numbers than its reader's ``max_values``: its shape, no numbers."""

    shape: tuple[int, ...]

    def __len__(self) -> int:
        return self.shape[0]


def parse_object(body: bytes | BinaryIO, arrays: dict[str, Reader]) -> Any:
    """The top-level JSON value of ``body`` (bytes, or a file read as it is parsed).
    An object comes back as a dict: each key of ``arrays`` that holds an array read by
    its reader (which gets the events after the ``[``), other scalars as themselves,
    other containers as empty ones (their type is all a schema check needs). Any other
    top-level value comes back likewise.

    Raises ``InvalidInput``: the body is not JSON, or a reader refused its array.
    """
    events = ijson.basic_parse(body, use_float=True)
    try:
        event, value = next(events)
        if event != "start_map":
            return _EMPTY[event]() if event in _EMPTY else value
        result = {}
        for event, key in events:
            if event == "end_map":
                break
            event, value = next(events)
            if key in arrays and event == "start_array":
                result[key] = arrays[key](events)
            elif event in _EMPTY:
                _skip(events)
                result[key] = _EMPTY[event]()
            else:
                result[key] = value
        for _ in events:  # anything after the object is an error
            pass
    except ijson.JSONError as exc:
        raise InvalidInput(_not_json(exc), "body") from None
    return result


def _not_json(exc: Exception) -> str:
    reason = " ".join(str(exc).split())
    for hint in dict.fromkeys(hint for words, hint in _HINTS.items() if words in reason):
        reason += f"; {hint}"
    return f"the request body is not valid JSON: {reason}"


def _skip(events: Events) -> None:
    depth = 1
    for event, _ in events:
        if event in _EMPTY:
            depth += 1
        elif event in ("end_array", "end_map"):
            depth -= 1
            if not depth:
                return


def grid(
    events: Events,
    field: str,
    typecode: str,
    max_values: int | None = None,
    not_a_number: str | None = None,
) -> np.ndarray | Counted:
    """The rest of a nested array of numbers, after its ``[``, as a NumPy array:
    ``typecode`` ``"f"`` (float32), ``"d"`` (float64) or ``"q"`` (int64 while every
    number is an integer, else float64); bool if all are booleans. Past ``max_values``
    numbers the rest is only checked and counted: ``Counted``. ``not_a_number``:
    the message for a top-level string (else one about numbers)."""
    values = array(typecode)
    append = values.append
    # ``outer``: for each enclosing open array, its elements so far (the open one
    # included); ``here``: the innermost open array's. Kept apart, so a number costs
    # no list indexing.
    outer: list[int] = []
    here = depth = 0  # depth: open arrays below the outermost
    dims: dict[int, int] = {}  # depth -> the length every array there has
    ndim = 0  # how many arrays deep the numbers sit, once known (the outermost is 1)
    booleans = 0
    for event, value in events:
        if event == "number" or event == "boolean":
            if depth + 1 != ndim:
                if ndim:
                    raise _ragged(events, [*outer, here], dims, ndim, field, "number")
                ndim = depth + 1
            try:
                append(value)
            except TypeError:  # a float among integers ("q"): float64 from here on
                values = array("d", values)
                append = values.append
                append(value)
            here += 1
            if event == "boolean":
                booleans += 1
        elif event == "start_array":
            if ndim and depth + 1 >= ndim:
                raise _ragged(events, [*outer, here], dims, ndim, field, "list")
            outer.append(here + 1)
            here = 0
            depth += 1
        elif event == "end_array":
            if not depth:
                shape = (here, *(dims[d] for d in range(1, ndim)))
                break
            length, here = here, outer.pop()
            ndim = ndim or depth + 1  # an empty innermost array: numbers would sit below
            if dims.setdefault(depth, length) != length:
                raise _ragged(events, [*outer, here], dims, ndim, field, None, length)
            depth -= 1
            if max_values is not None and len(values) > max_values:
                append = _count_only
        elif not_a_number and event == "string" and not depth:
            raise InvalidInput(not_a_number, field)
        else:
            raise InvalidInput(
                f"{field} must be a rectangular nested list of numbers; "
                f"{_path(field, [*outer, here])} is {_KINDS.get(event, event)}",
                field,
            )
    if append is _count_only:
        return Counted(shape)
    out = np.frombuffer(values, dtype=values.typecode) if values else np.empty(0, typecode)
    if booleans and booleans == out.size:
        out = out.astype(bool)
    return out.reshape(shape)


def labels_or_numbers(events: Events, max_classes: int) -> list[str] | np.ndarray:
    """The rest of a ``targets`` array, after its ``[``: class labels (strings, as a
    list, each distinct one kept once) or numbers (see ``grid``, typecode ``"q"``)."""
    mixed = "targets must be all numbers or all strings (class labels)"
    event, value = next(events)
    if event != "string":
        rest = itertools.chain([(event, value)], events)
        return grid(rest, "targets", "q", not_a_number=mixed)
    labels, seen = [value], {value: value}
    for event, value in events:
        if event == "end_array":
            return labels
        if event != "string":
            raise InvalidInput(mixed, "targets")
        labels.append(seen.setdefault(value, value))
        if len(seen) > max_classes:
            raise InvalidInput(
                f"the targets hold more than {max_classes} distinct class labels; the limit "
                f"is {max_classes} (SYN0_MAX_CLASSES); for numeric targets use task=regression",
                "targets",
            )
    return labels


def _count_only(_: Any) -> None:
    pass


def _path(field: str, counts: list[int]) -> str:
    """The dotted path of the element being read: the innermost open array's next."""
    return ".".join([field, *(str(c - 1) for c in counts[:-1]), str(counts[-1])])


def _ragged(
    events: Events,
    counts: list[int],
    dims: dict[int, int],
    ndim: int,
    field: str,
    pending: str | None,
    closed: int = 0,
) -> InvalidInput:
    """The error for an array that is not rectangular, worded as NumPy's way (the
    one-shot parsers') words it: the row whose length differs from row 0's, else in
    general. ``pending``: a ``"number"`` or a ``"list"`` came where it cannot sit, or
    (None) an array of ``closed`` elements just closed with the wrong length."""
    if len(counts) == 1:  # the offending element is a top-level row
        row = counts[0] - (pending is None)
        if pending == "number":
            width = None
        elif pending == "list":
            width = _rest_of_row(events, 0, 0)
        else:
            width = closed
    else:  # inside row ``row``: read to its end, counting its elements
        row = counts[0] - 1
        width = counts[1] + (len(counts) == 2 and pending is not None)
        width = _rest_of_row(events, width, len(counts) - 2 + (pending == "list"))
    first = None if ndim == 1 else dims.get(1)
    if row > 0 and width != first:
        return InvalidInput(
            f"{field} must be rectangular: row {row} has {_width(width)}, row 0 has "
            f"{_width(first)}",
            f"{field}.{row}",
        )
    return InvalidInput(
        f"{field} must be a rectangular nested list of numbers; the inner lists do not all "
        "have the same shape",
        field,
    )


def _rest_of_row(events: Events, width: int, depth: int) -> int:
    """Read to the end of the current top-level row, ``width`` of its elements seen and
    ``depth`` containers open inside it; its number of elements."""
    for event, _ in events:
        if event in _EMPTY:
            width += depth == 0
            depth += 1
        elif event in ("end_array", "end_map"):
            if not depth:
                return width
            depth -= 1
        elif depth == 0 and event != "map_key":
            width += 1
    return width


def _width(width: int | None) -> str:
    return "no list" if width is None else f"{width} values"
