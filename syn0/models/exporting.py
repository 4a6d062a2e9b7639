"""A stored model in a format other runtimes read: ONNX (``syn0.models.onnx_export``)."""

from __future__ import annotations

import importlib

from sqlalchemy.orm import Session

from syn0.kit.errors import InvalidInput
from syn0.models.loader import network_of, read_weights
from syn0.models.orm import Model

# Each format: its file extension and the module whose ``to_<format>`` writes it
# (imported on first use: the API starts without loading onnx).
FORMATS = {"onnx": ("onnx", "syn0.models.onnx_export")}


def check_format(format: str) -> str:
    """``format`` if one of ``FORMATS``, else a 422 naming it and the formats there are."""
    if format not in FORMATS:
        allowed = ", ".join(FORMATS)
        raise InvalidInput(
            f"Received an invalid value for `format`, expected one of: {allowed}. "
            f"Received: format={format!r}",
            "format",
        )
    return format


def export(
    session: Session, tenant_id: str, model_id: str, format: str
) -> tuple[Model, bytes, str]:
    """The tenant's model in ``format``: its row, the file's bytes and the file's name."""
    extension, module = FORMATS[check_format(format)]
    write = getattr(importlib.import_module(module), f"to_{format}")
    model, weights = read_weights(session, tenant_id, model_id)
    net = network_of(model_id, weights)
    return model, write(net, name=f"syn0-model-{model.id}"), f"model-{model.id}.{extension}"
