"""``/v1/architectures``: the landmark families of image classifiers, and each one's
network scaled to an input, ready for ``POST /v1/jobs``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from syn0.api.deps import SettingsDep
from syn0.architectures import service
from syn0.architectures.schemas import ArchitectureOut, TemplateOut, TemplateQuery
from syn0.kit.schemas import Page, keyed
from syn0.tenants.auth import TrainKey

router = APIRouter(prefix="/v1/architectures", tags=["architectures"])


@router.get("", responses=keyed())
def list_architectures(_: TrainKey) -> Page[ArchitectureOut]:
    """Oldest first, each with the idea it introduced and its knobs, in one page."""
    return Page[ArchitectureOut](items=service.catalog(), next_cursor=None)


@router.get("/{name}", responses=keyed(404, 422))
def get_architecture(
    name: str,
    query: Annotated[TemplateQuery, Query()],
    settings: SettingsDep,
    _: TrainKey,
) -> TemplateOut:
    """The family's network for images of `input_shape` and `classes` classes: its
    strides and pools chosen for that size, its knobs at their defaults unless given.
    `network` and `training` are ready for POST /v1/jobs; `summary` gives each
    layer's shape, parameters and FLOPs."""
    return service.template(name, query, settings)
