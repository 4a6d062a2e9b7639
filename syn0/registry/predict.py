"""``POST /v1/registry/{name}/predict?alias=|version=``: predict by name, as fast as by id.

The query's alias (or version) of the name becomes a model id through the process's
``Resolver`` (``syn0.registry.resolver``); the rest is model predict's own path
(``syn0.models.predict_route``): the same body, the same reply, plus ``version`` and
``alias`` in it and the ``Syn0-Model-Id``, ``Syn0-Model-Version`` and
``Syn0-Model-Alias`` headers.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from syn0.kit.errors import InvalidInput
from syn0.models.predict_route import PredictRoute, predict_response
from syn0.registry.schemas import MAX_VERSION, check_alias, check_name
from syn0.tenants.keycache import Principal

_VERSION = re.compile(r"^[0-9]{1,10}$")
_SELECTOR = "give exactly one of ?alias=NAME (e.g. production) or ?version=N"


class RegistryPredictRoute(PredictRoute):
    path_param = "name"


def _query(query_string: bytes) -> dict[str, str]:
    """The query's parameters; without escapes (``?alias=production``), split by hand:
    a tenth of ``parse_qsl``'s time on the hot path."""
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    return dict(part.partition("=")[::2] for part in text.split("&") if part)


def selector(query: dict[str, str]) -> tuple[str | None, int | None]:
    """``(alias, None)`` or ``(None, version)`` from the query's parameters; a 422
    naming the parameter otherwise."""
    alias, version = query.get("alias"), query.get("version")
    if (alias is None) == (version is None):
        both = alias is not None
        loc = "query.version" if both else "query.alias"
        raise InvalidInput(f"{_SELECTOR}; received {'both' if both else 'neither'}", loc)
    if alias is not None:
        return check_alias(alias, "query.alias"), None
    if _VERSION.match(version) is None or not 0 < int(version) <= MAX_VERSION:
        raise InvalidInput(
            f"version must be a positive integer; received version={version[:40]!r}",
            "query.version",
        )
    return None, int(version)


async def respond(request: Request, principal: Principal, name: str) -> Response:
    """Model predict's reply for the model the query's alias (or version) of ``name``
    points at, with ``version`` and ``alias`` in it and in headers.

    The cache is asked with the request's own words first: a hit was checked when it
    was stored, so only a miss checks the name, alias and version (422s) and reads
    the store."""
    runtime = request.app.state.runtime
    query = _query(request.scope["query_string"])
    asked = (principal.tenant_id, name, query.get("alias"), query.get("version"))
    target = runtime.registry.cached(asked)
    if target is None:
        alias, version = selector(query)
        checked = (principal.tenant_id, check_name(name), alias, version)
        target = await runtime.registry.get(asked, checked)
    return await predict_response(
        runtime.models, request, principal, target.model_id, target.fields, target.headers
    )
