"""Fixtures for chaos tests: private PostgreSQL and Redis servers (one each per test
session) and whole stacks on them that a test may break.

House rule: a test that stops or kills a database or broker uses these private
servers on their own ports, never the machine's PostgreSQL (5432) or Redis (6379).

    def test_something(make_stack):
        stack = make_stack(workers=2, settings={"SYN0_HEARTBEAT_SECONDS": 1})
        job = stack.submit()
        stack.wait_until_running(job["id"], min_epoch=3)
        stack.kill_worker("w1", whole=True)
        stack.postgres.stop(); stack.postgres.start(); stack.redis.restart()
"""

from __future__ import annotations

import pytest

from tests.chaos.private import PrivatePostgres, PrivateRedis
from tests.chaos.stack import ChaosStack

_boot: dict[str, float] = {}


@pytest.fixture(scope="session")
def _postgres_server():
    server = PrivatePostgres()
    _boot["PostgreSQL initdb+start"] = server.boot_seconds
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def _redis_server(tmp_path_factory):
    server = PrivateRedis(tmp_path_factory.mktemp("chaos-redis"))
    _boot["Redis start"] = server.boot_seconds
    yield server
    server.destroy()


@pytest.fixture
def private_postgres(_postgres_server) -> PrivatePostgres:
    """The private cluster, running at the start of each test whatever the last did."""
    _postgres_server.ensure_running()
    return _postgres_server


@pytest.fixture
def private_redis(_redis_server) -> PrivateRedis:
    """The private Redis, running at the start of each test whatever the last did."""
    _redis_server.ensure_running()
    return _redis_server


@pytest.fixture
def make_stack(private_postgres, private_redis, tmp_path):
    """``make_stack(workers=1, settings=None) -> ChaosStack``; every stack
    made is torn down after the test, its processes killed and its database dropped."""
    made: list[ChaosStack] = []

    def make(*, workers: int = 1, settings=None) -> ChaosStack:
        folder = tmp_path / f"stack{len(made) + 1}"
        folder.mkdir()
        stack = ChaosStack(
            private_postgres, private_redis, folder, workers=workers, settings=settings
        )
        made.append(stack)
        return stack

    yield make
    for stack in made:
        stack.stop()


@pytest.fixture
def chaos_stack(make_stack) -> ChaosStack:
    """One API and one prefork worker on the private servers, default settings."""
    return make_stack()


def pytest_terminal_summary(terminalreporter):
    if _boot:
        timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in _boot.items())
        terminalreporter.write_line(f"chaos private servers: {timings}")
