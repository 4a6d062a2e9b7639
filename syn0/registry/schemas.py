"""Request and response models of the registry, and the rules for names and aliases."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from syn0.kit.errors import InvalidInput
from syn0.kit.schemas import In, Out, Timestamp
from syn0.models.schemas import PredictOut, Signature
from syn0.registry.orm import ALIAS_CHARS, NAME_CHARS

NAME_RULE = "lowercase letters, digits, `_`, `.` and `-`, starting with a letter or digit"
ALIAS_RULE = "lowercase letters, digits, `_` and `-`, starting with a letter"
NAME_PATTERN = rf"^[a-z0-9][a-z0-9_.-]{{0,{NAME_CHARS - 1}}}$"
ALIAS_PATTERN = rf"^[a-z][a-z0-9_-]{{0,{ALIAS_CHARS - 1}}}$"
_NAME, _ALIAS = re.compile(NAME_PATTERN), re.compile(ALIAS_PATTERN)
MAX_VERSION = 2**31 - 1  # the column's range
MAX_TAGS, TAG_KEY_CHARS, TAG_VALUE_CHARS, DESCRIPTION_CHARS = 50, 100, 500, 5000


def check_name(name: str, loc: str = "path.name") -> str:
    """``name`` if it is a registered model's name, else a 422 naming ``loc``."""
    if _NAME.match(name) is None:
        raise InvalidInput(
            f"a registered model's name is 1-{NAME_CHARS} characters: {NAME_RULE}; "
            f"received {name[: NAME_CHARS + 20]!r}",
            loc,
        )
    return name


def check_alias(alias: str, loc: str = "path.alias") -> str:
    """``alias`` if it is an alias, else a 422 naming ``loc``."""
    if _ALIAS.match(alias) is None:
        raise InvalidInput(
            f"an alias is 1-{ALIAS_CHARS} characters: {ALIAS_RULE} (e.g. production, "
            f"staging); received {alias[: ALIAS_CHARS + 20]!r}",
            loc,
        )
    return alias


TagKey = Annotated[
    str, StringConstraints(min_length=1, max_length=TAG_KEY_CHARS, pattern=r"^[^\x00-\x1f\x7f]+$")
]
TagValue = Annotated[str, StringConstraints(max_length=TAG_VALUE_CHARS)]


class RegisteredIn(In):
    """What ``PUT /v1/registry/{name}`` sets; a field left out keeps its value (and is
    empty on a new name)."""

    description: str | None = Field(None, max_length=DESCRIPTION_CHARS)
    tags: dict[TagKey, TagValue] | None = Field(
        None, max_length=MAX_TAGS, description="replaces the tags; {} removes them all"
    )


class VersionIn(In):
    model_id: str = Field(description="one of this tenant's models (GET /v1/models)")


class AliasIn(In):
    version: int = Field(ge=1, le=MAX_VERSION, description="a version of this registered model")


class AliasOut(Out):
    alias: str
    version: int
    model_id: str
    updated_at: Timestamp


class AliasMoveOut(Out):
    """One move of an alias: ``from_version`` is null when the move made the alias,
    ``to_version`` null when it deleted it; ``moved_by`` is the key's prefix (null with
    auth off)."""

    alias: str
    action: Literal["set", "rollback", "delete"]
    from_version: int | None
    to_version: int | None
    moved_by: str | None
    moved_at: Timestamp


class VersionOut(Out):
    """A version and what its model records: final metrics and the sha256 of the
    dataset it was trained on (null once that dataset is deleted)."""

    version: int
    model_id: str
    task: str
    metrics: dict[str, Any] = Field(description="the model's final (or best) epoch")
    dataset_id: str | None
    dataset_sha256: str | None
    signature: Signature = Field(description="what its model reads: as `GET /v1/models/{id}`")
    aliases: list[str]
    created_by: str | None = Field(description="the prefix of the key that registered it")
    created_at: Timestamp


class RegisteredOut(Out):
    name: str
    description: str | None
    tags: dict[str, str]
    latest_version: int = Field(description="0 until a version is registered")
    aliases: list[AliasOut]
    created_at: Timestamp
    updated_at: Timestamp = Field(description="the last change of it, its versions or aliases")


class RegisteredDetail(RegisteredOut):
    versions: list[VersionOut] = Field(description="oldest first")
    alias_history: list[AliasMoveOut] = Field(description="every move of every alias, oldest first")


class RegistryPredictOut(PredictOut):
    version: int
    alias: str | None = Field(description="the alias asked for; null for ?version=")
