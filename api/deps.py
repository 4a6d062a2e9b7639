"""What routes receive: the settings, a session per request, the model cache, the registry's
cache, paging."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from syn0.dispatch import Dispatcher
from syn0.events.streams import Streams
from syn0.kit.db import Database
from syn0.kit.errors import InvalidInput
from syn0.models.loader import ModelLoader
from syn0.registry.resolver import Resolver
from syn0.settings import Settings
from syn0.tenants import repository as tenants
from syn0.tenants.keycache import KeyCache
from syn0.tenants.ratelimit import RateLimiter


@dataclass
class Runtime:
    """One app's wiring: settings, the store, the dispatcher and the loaded models, each
    made on first use in the serving process, so building the app opens no connections."""

    settings: Settings
    database: Database
    dispatch: Dispatcher
    _tenants: dict[str, str] = field(default_factory=dict)
    limiter: RateLimiter = field(init=False)
    key_failures: RateLimiter = field(init=False)
    keys: KeyCache = field(init=False)
    models: ModelLoader = field(init=False)
    registry: Resolver = field(init=False)
    streams: Streams = field(init=False)

    def __post_init__(self) -> None:
        self.models = ModelLoader(lambda: self.sessions, self.settings.predict_cache_size)
        self.registry = Resolver(lambda: self.sessions, self.settings.registry_cache_seconds)
        self.limiter = RateLimiter(self.settings.tenant_requests_per_minute)
        self.key_failures = RateLimiter(
            self.settings.key_failures_per_minute,
            "unknown or revoked API keys from this address",
            "key_failures_per_minute",
        )
        self.keys = KeyCache(self.settings.key_cache_seconds)
        self.streams = Streams(self.settings.events_max_streams)

    def known_tenant(self, name: str) -> str | None:
        """The id of the tenant ``name`` if this process has looked it up already."""
        return self._tenants.get(name)

    def open_tenant(self, name: str) -> str:
        """The id of the tenant ``name``, made on first use (auth off, bootstrap)."""
        if name not in self._tenants:
            factory = self.sessions
            try:
                with factory.begin() as session:
                    tenant_id = tenants.ensure_tenant(session, name).id
            except IntegrityError:  # another process made it first
                with factory() as session:
                    tenant_id = tenants.tenant_named(session, name).id
            self._tenants[name] = tenant_id  # only once it is committed
        return self._tenants[name]

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.database.sessions

    def dispose(self) -> None:
        self.database.dispose()


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def app_settings(request: Request) -> Settings:
    return request.app.state.runtime.settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; the route commits, anything uncommitted is rolled back."""
    with get_runtime(request).sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_dispatch(request: Request) -> Dispatcher:
    return request.app.state.runtime.dispatch


DispatchDep = Annotated[Dispatcher, Depends(get_dispatch)]


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, description="items per page")] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> PageParams:
    if limit > settings.page_size_max:
        raise InvalidInput(
            f"limit must be at most {settings.page_size_max}; received limit={limit}",
            "query.limit",
        )
    return PageParams(limit, cursor)


PageDep = Annotated[PageParams, Depends(page_params)]
