"""For Celery's own command line: ``celery -A syn0.worker.main:app worker|beat|inspect``.

The app is built by ``create_celery`` when Celery first asks for ``app`` (a module
``__getattr__``), so importing this module builds nothing."""

from __future__ import annotations

from functools import cache

from celery import Celery

from syn0.worker.app import create_celery


@cache
def _app() -> Celery:
    return create_celery()


def __getattr__(name: str) -> Celery:
    if name == "app":
        return _app()
    raise AttributeError(name)
