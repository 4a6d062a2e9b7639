"""The machine's real services for tests: PostgreSQL and Redis.

Where one is missing a test skips with a loud reason, except in CI (``CI=true``),
where a missing service fails the run.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "SYN0_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SYN0_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI needs it (start it with the commands in the README)")
    pytest.skip(f"SKIPPED LOUDLY: {message}; these tests need the real service")


def require_postgres() -> str:
    require("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


def require_redis() -> str:
    require("Redis", "127.0.0.1", 6379)
    return REDIS_URL


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.cmd_opts = argparse.Namespace(x=[f"url={url}"])
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_command(port: int, *options: str) -> list[str]:
    """The command that serves the API on ``port`` as ``uvicorn --factory`` does."""
    return [sys.executable, "-m", "uvicorn", "--factory", "syn0.api.app:create_app",
            "--port", str(port), *options]  # fmt: skip


@contextmanager
def private_schema(base_url: str, prefix: str = "t") -> Iterator[str]:
    """A fresh PostgreSQL schema for one test or run, dropped afterwards: the URL points
    ``search_path`` at it, so nothing else in the database is touched."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


REDIS_LEASE_SECONDS = 3600  # a run that died without releasing its database frees it then


@contextmanager
def private_redis_db(base_url: str, seconds: float = 120) -> Iterator[str]:
    """The URL of a Redis database (1 to 15) that no other stack of any test run on this
    machine holds meanwhile, leased with a key in database 0 and released afterwards.
    Two stacks on one database would take each other's messages (a job id that is not
    in a worker's store is dropped). Waits up to ``seconds`` while all 15 are held."""
    root = base_url.rsplit("/", 1)[0]
    owner = f"{os.getpid()}-{uuid.uuid4().hex}"
    deadline = time.monotonic() + seconds
    with redis.Redis.from_url(f"{root}/0") as server:
        while True:
            for db in random.sample(range(1, 16), 15):
                key = f"syn0-tests:redis-db:{db}"
                if server.set(key, owner, nx=True, ex=REDIS_LEASE_SECONDS):
                    try:
                        yield f"{root}/{db}"
                    finally:
                        if server.get(key) == owner.encode():
                            server.delete(key)
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"all 15 Redis databases were held for {seconds} s")
            time.sleep(0.5)
