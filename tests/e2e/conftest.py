"""A real stack per test module: a uvicorn API and a Celery worker as subprocesses.

``postgres-redis`` runs on the machine's PostgreSQL (in a private schema) and Redis;
``embedded`` on a SQLite file and a SQLite broker, as ``make run`` does.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import ExitStack, closing
from pathlib import Path

import httpx
import pytest
import redis

from syn0.tenants.repository import new_key
from tests.services import (
    ROOT,
    free_port,
    migrate,
    private_redis_db,
    private_schema,
    require_postgres,
    require_redis,
)


class Stack:
    """The running API and worker; ``client`` talks to the API over real HTTP. ``env``
    adds settings (``SYN0_*``) for both."""

    def __init__(self, kind: str, tmp: Path, env: dict[str, str] | None = None, **settings: str):
        """``env`` and ``settings``: SYN0_* variables for both processes, over the tests' own."""
        self.kind, self.tmp = kind, tmp
        self.resources = ExitStack()  # released by stop()
        try:  # a skip or failure here releases what was already taken
            if kind == "postgres-redis":
                database = self.resources.enter_context(
                    private_schema(require_postgres(), prefix="e2e")
                )
                broker = self.resources.enter_context(private_redis_db(require_redis()))
            else:
                database = f"sqlite:///{tmp / 'syn0.db'}"
                broker = f"sqla+sqlite:///{tmp / 'broker.db'}"
            migrate(database)
        except BaseException:
            self.resources.close()
            raise
        # The API stores this key at start (the SYN0_ADMIN_KEY bootstrap); every call
        # below sends it.
        self.key = new_key()
        self.env = {
            **os.environ,
            "SYN0_DATABASE_URL": database,
            "SYN0_BROKER_URL": broker,
            "SYN0_METRICS_FLUSH_SECONDS": "0",
            "SYN0_ADMIN_KEY": self.key,
            **(env or {}),
            **settings,
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []
        self.start_worker("worker")
        self.processes.append(
            self._spawn(
                "api",
                "-m",
                "uvicorn",
                "--factory",
                "syn0.api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            )
        )
        self.client = httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.key}"}
        )
        self._wait_until_ready()

    def start_worker(self, name: str, *options: str) -> None:
        """A Celery worker process (``options``, e.g. ``-Q gpu``), stopped with the stack."""
        self.processes.append(
            self._spawn(
                name,
                "-m",
                "celery",
                "-A",
                "syn0.worker.main:app",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                f"--hostname={name}@%h",
                *options,
            )
        )

    def queued_messages(self, queue: str) -> int:
        """Messages waiting in ``queue`` of this stack's broker (Redis or the SQLite one)."""
        broker = self.env["SYN0_BROKER_URL"]
        if broker.startswith("redis://"):
            with closing(redis.Redis.from_url(broker)) as server:
                return server.llen(queue)
        with closing(sqlite3.connect(broker.removeprefix("sqla+sqlite:///"))) as db:
            query = (
                "SELECT count(*) FROM kombu_message m JOIN kombu_queue q ON m.queue_id = q.id "
                "WHERE q.name = ? AND m.visible"
            )
            return db.execute(query, (queue,)).fetchone()[0]

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def _wait_until_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"the {self.kind} stack did not become ready:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.tmp.glob("*.log"))
        )

    def stop(self) -> None:
        self.client.close()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.resources.close()


@pytest.fixture(scope="module", params=["postgres-redis", "embedded"])
def stack(request, tmp_path_factory):
    running = Stack(request.param, tmp_path_factory.mktemp(request.param))
    yield running
    running.stop()


def wait_for(client: httpx.Client, job_id: str, statuses: set[str], seconds: float = 60):
    """Poll a job until its status is in ``statuses``; return the job."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']} after {seconds} s")
