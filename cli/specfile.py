"""Spec files: ``{"network": {...}, "training": {...}}`` as JSON or YAML, and the line
each field sits on, so an API error on ``network.layers.0.units`` is reported as
``spec.yaml:7: network.layers.0.units: ...``.

Positions come from YAML's node marks (``yaml.compose``). JSON is YAML's flow syntax,
so the same walk serves JSON files; only their parse errors come from ``json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

SECTIONS = ("network", "training")


class SpecFileError(ValueError):
    """A spec file that cannot be read or parsed; the message names the file and line."""


@dataclass(frozen=True)
class SpecFile:
    path: Path
    data: dict[str, Any]
    root: Node | None  # None when the positions are unknown

    def locate(self, loc: str) -> tuple[str, int | None]:
        """The field path ``loc`` as written in the file, and its 1-based line.

        A path that goes past what the file holds (a missing field) stops at the last
        part found: ``training.loss`` missing points at the ``training`` line. Parts the
        server adds that are not keys in the file (pydantic's union tag, as in
        ``network.layers.0.dense.units``) are dropped."""
        parts, kept, line = loc.split("."), [], None
        node = self.root
        for index, part in enumerate(parts):
            found = _child(node, part)
            if found is None:
                if _is_tag(node, part):
                    continue
                kept += parts[index:]
                break
            key, node = found
            kept.append(part)
            line = key.start_mark.line + 1
        return ".".join(kept), line

    def key_line(self, section: str, key: str) -> int | None:
        """The 1-based line of ``key`` (taken whole, dots and all) in mapping ``section``."""
        found = _child(self.root, section)
        inner = _child(found[1], key) if found else None
        return inner[0].start_mark.line + 1 if inner else None

    def where(self, loc: str) -> str:
        """``path:line: field`` for a message about field ``loc``."""
        field, line = self.locate(loc)
        return f"{self.path}:{line}: {field}" if line else f"{self.path}: {field}"


def _child(node: Node | None, part: str) -> tuple[Node, Node] | None:
    """``(where it is written, its value)`` for a mapping key or a sequence index."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == part:
                return key, value
    elif isinstance(node, SequenceNode) and part.isdigit() and int(part) < len(node.value):
        item = node.value[int(part)]
        return item, item
    return None


def _is_tag(node: Node | None, part: str) -> bool:
    """``part`` is the ``type`` of the mapping ``node`` (a discriminated union's tag)."""
    found = _child(node, "type")
    return found is not None and isinstance(found[1], ScalarNode) and found[1].value == part


def load(path: Path, also: tuple[str, ...] = ()) -> SpecFile:
    """Read and parse a spec file; ``SpecFileError`` names the line of a syntax error.
    ``also``: sections allowed besides ``network`` and ``training`` (a sweep's)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecFileError(f"{path}: cannot read the spec file: {exc}") from exc
    if path.suffix.lower() == ".json":
        data, root = _json(path, text)
    else:
        data, root = _yaml(path, text)
    if not isinstance(data, dict) or not all(section in data for section in SECTIONS):
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise SpecFileError(
            f"{path}: a spec file holds a mapping with `network` and `training`; found {found}"
        )
    spec = SpecFile(path, data, root)
    unknown = [key for key in data if key not in (*SECTIONS, *also)]
    if unknown:
        names = [f"`{name}`" for name in (*SECTIONS, *also)]
        allowed = ", ".join(names[:-1]) + " and " + names[-1]
        raise SpecFileError(
            f"{spec.where(str(unknown[0]))}: unknown section; a spec file holds only "
            f"{allowed} (the dataset is given with --data)"
        )
    return spec


def _json(path: Path, text: str) -> tuple[Any, Node | None]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecFileError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    try:
        # JSON allows tabs only as whitespace (never raw inside strings); YAML refuses
        # them there, and a space in their place keeps every line number.
        root = yaml.compose(text.replace("\t", " "), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        root = None  # valid JSON that PyYAML cannot follow: report fields without lines
    return data, root


def _yaml(path: Path, text: str) -> tuple[Any, Node | None]:
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start:  # where an unclosed bracket or quote began
            problem += f" ({context} started on line {start.line + 1})"
        raise SpecFileError(f"{where}: not valid YAML: {problem}") from None
