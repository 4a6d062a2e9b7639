"""``client.registry``: names for models, their versions and aliases, predict by name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from syn0.client.common import given, pages, path
from syn0.client.http import Http
from syn0.client.types import Alias, Page, Prediction, Registered, RegisteredDetail, Version

_REGISTRY = "/v1/registry"


class Registry:
    def __init__(self, http: Http) -> None:
        self._http = http

    def put(
        self,
        name: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Registered:
        """Create the name, or update it: the fields given are set, the others kept."""
        body = given({"description": description, "tags": None if tags is None else dict(tags)})
        reply = self._http.json("PUT", path(_REGISTRY, name), repeatable=True, json=body)
        return Registered.model_validate(reply)

    def get(self, name: str) -> RegisteredDetail:
        """The name with its versions, aliases and the history of its aliases."""
        reply = self._http.json("GET", path(_REGISTRY, name), repeatable=True)
        return RegisteredDetail.model_validate(reply)

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Registered]:
        params = given({"limit": limit, "cursor": cursor})
        reply = self._http.json("GET", _REGISTRY, repeatable=True, params=params)
        return Page[Registered].model_validate(reply)

    def iter(self, *, page_size: int = 100) -> Iterator[Registered]:
        return pages(lambda cursor: self.list(limit=page_size, cursor=cursor))

    def register(self, name: str, model_id: str) -> Version:
        """The model as the name's next version (1, 2, ...); a model already a version
        of the name is a ``Conflict`` whose ``extra["version"]`` says which."""
        body = {"model_id": model_id}
        versions = path(_REGISTRY, name, "/versions")
        reply = self._http.json("POST", versions, repeatable=False, json=body)
        return Version.model_validate(reply)

    def set_alias(self, name: str, alias: str, version: int) -> Alias:
        """Point ``alias`` (``production``, ``staging``, ...) at ``version``."""
        reply = self._http.json(
            "PUT", self._alias(name, alias), repeatable=True, json={"version": version}
        )
        return Alias.model_validate(reply)

    def rollback(self, name: str, alias: str) -> Alias:
        """Point ``alias`` back where its last move took it from; a ``Conflict`` when it
        has no earlier version. Not retried: a repeat would go back one more step."""
        reply = self._http.json("POST", self._alias(name, alias, "/rollback"), repeatable=False)
        return Alias.model_validate(reply)

    def delete_alias(self, name: str, alias: str) -> None:
        self._http.request("DELETE", self._alias(name, alias), repeatable=True)

    def predict(
        self, name: str, inputs: Any, *, alias: str | None = None, version: int | None = None
    ) -> Prediction:
        """Predict with the version ``alias`` points at, or with ``version`` (give one):
        ``models.predict``'s reply plus the ``version`` and ``alias``."""
        import numpy as np  # only here: the command line starts faster without it

        X = np.asarray(inputs)
        if X.dtype.kind not in "iuf":
            raise TypeError(f"inputs must be numbers; received an array of {X.dtype}")
        reply = self._http.json(
            "POST",
            path(_REGISTRY, name, "/predict"),
            repeatable=True,  # a forward pass changes nothing
            params=given({"alias": alias, "version": version}),
            json={"inputs": X.tolist()},
        )
        return Prediction.from_reply(reply)

    def _alias(self, name: str, alias: str, suffix: str = "") -> str:
        return path(_REGISTRY, name, "/aliases") + path("", alias, suffix)
