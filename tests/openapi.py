"""The API's OpenAPI document and the vocabularies it publishes, for the tests that
compare the playground and the Python client with it."""

from __future__ import annotations

from functools import cache
from typing import Any

from syn0.api.app import create_app
from syn0.settings import Settings


@cache
def document() -> dict[str, Any]:
    """What ``GET /openapi.json`` serves (building it needs no database or broker)."""
    return create_app(Settings(database_url="sqlite://", broker_url="memory://")).openapi()


def component(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]


def enum(name: str) -> list[str]:
    """The values of the named string enum, e.g. ``JobStatus``."""
    return component(name)["enum"]


def properties(name: str) -> dict[str, Any]:
    return component(name)["properties"]


def default(name: str, field: str) -> Any:
    """The published default of ``field`` of the schema ``name``."""
    return properties(name)[field]["default"]
