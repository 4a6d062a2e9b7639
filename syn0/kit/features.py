"""Feature names: the columns of a dataset of flat samples ``(n, features)`` by name.

A dataset keeps the names it was given (a CSV's header, ``feature_names`` of a JSON
upload or of an ``.npz``), and a model keeps its dataset's; without any, the names are
``x0, x1, …``. Images ``(n, channels, height, width)`` have no feature names. Predict
matches named values (records, a CSV's header) against a model's names with
``order``: any order, a missing or unknown name refused by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from syn0.kit.errors import InvalidInput

MAX_NAME_CHARS = 200
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def default_names(width: int) -> list[str]:
    return [f"x{i}" for i in range(width)]


def names_of(stored: list[str] | None, input_shape: Sequence[int]) -> list[str] | None:
    """The names of a dataset's or model's features: the stored ones, else ``x0, …``;
    None for images (an input of more than one axis)."""
    if len(input_shape) != 1:
        return None
    return list(stored) if stored else default_names(int(input_shape[0]))


def check_names(names: object, width: int, field: str) -> list[str]:
    """``names`` as a list of ``width`` unique, non-empty, printable names of at most
    ``MAX_NAME_CHARS`` characters (surrounding spaces dropped), or a 422 naming ``field``."""
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise InvalidInput(f"{field} must be a list of strings, one per feature column", field)
    if len(names) != width:
        raise InvalidInput(
            f"{field} has {len(names)} names; the features have {width} columns: give one "
            "name per column",
            field,
        )
    cleaned = [name.strip() for name in names]
    seen: set[str] = set()
    for index, name in enumerate(cleaned):
        where = f"{field}.{index}"
        if not name:
            raise InvalidInput(f"{where} is empty; every feature needs a name", where)
        if len(name) > MAX_NAME_CHARS:
            raise InvalidInput(
                f"{where} has {len(name)} characters; the limit is {MAX_NAME_CHARS}", where
            )
        if not _PRINTABLE.match(name):
            raise InvalidInput(f"{where} holds a control character; use printable names", where)
        if name in seen:
            raise InvalidInput(
                f"{where}: the name {name!r} appears twice; names must differ", where
            )
        seen.add(name)
    return cleaned


def order(
    given: Sequence[str], expected: Sequence[str], field: str, loc: str | None = None
) -> list[int]:
    """For each expected name, its index among ``given`` (the column order the model
    reads), or a 422 naming the first missing or unknown name (at ``loc``, else at
    ``field``)."""
    loc = loc or field
    position = {name: index for index, name in enumerate(given)}
    if len(position) != len(given):
        twice = next(name for index, name in enumerate(given) if position[name] != index)
        raise InvalidInput(f"{field} names the feature {twice!r} twice", loc)
    missing = [name for name in expected if name not in position]
    if missing:
        raise InvalidInput(
            f"{field} lacks the feature {missing[0]!r}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + f"; the model reads {_listed(expected)}",
            loc,
        )
    known = set(expected)
    unknown = [name for name in given if name not in known]
    if unknown:
        raise InvalidInput(
            f"{field} has the unknown feature {unknown[0]!r}; the model reads {_listed(expected)}",
            loc,
        )
    return [position[name] for name in expected]


def _listed(names: Sequence[str], at_most: int = 20) -> str:
    shown = ", ".join(repr(name) for name in names[:at_most])
    more = f", … ({len(names)} in all)" if len(names) > at_most else ""
    return f"[{shown}{more}]"
