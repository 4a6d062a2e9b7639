"""Reading ``text/event-stream`` in tests: each event as ``(id, event, data)``, data
parsed as JSON (the HTML standard's parsing, as far as syn0's streams use it)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple


class Sse(NamedTuple):
    id: str | None
    event: str
    data: Any


def parse(lines: Iterable[str]) -> Iterator[Sse]:
    """Events from the stream's lines (comments and ``retry:`` skipped)."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                data = json.loads("\n".join(fields["data"]))
                yield Sse(fields.get("id", [None])[-1], fields.get("event", ["message"])[-1], data)
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name, []).append(value.removeprefix(" "))


def read_all(text: str) -> list[Sse]:
    return list(parse(text.replace("\r\n", "\n").split("\n")))
