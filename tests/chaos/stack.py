"""A whole syn0 stack on private servers, with its processes under the test's control.

Like ``tests.e2e.conftest.Stack``, but every process (the API, each prefork worker, whose
main process also runs the reaper) leads its own process group, so a test can SIGKILL a
worker's pool child or the whole worker, and teardown kills every group it started:
nothing is left behind.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from syn0.tenants.repository import new_key
from tests.chaos import processes
from tests.chaos.private import PrivatePostgres, PrivateRedis
from tests.services import ROOT, free_port, migrate

DATASET = {"kind": "spiral", "n_samples": 2000, "noise": 0.1, "seed": 0}
SPEC = {
    "network": {
        "input_shape": [2],
        "layers": [
            {"type": "dense", "units": 32, "activation": "tanh"},
            {"type": "dense", "units": 2, "activation": "softmax"},
        ],
    },
    "training": {
        "loss": "cross_entropy",
        "epochs": 40,
        "batch_size": 16,
        "optimizer": {"type": "adam", "learning_rate": 0.01},
    },
}
# 40 epochs take ~0.3 s here, too short to aim a kill at; ``spec(epochs=300)`` runs ~2 s.


def spec(epochs: int = 40) -> dict:
    """``SPEC`` with ``epochs`` epochs (a fresh copy the caller may change)."""
    fresh = copy.deepcopy(SPEC)
    fresh["training"]["epochs"] = epochs
    return fresh


FINISHED = {"succeeded", "failed", "cancelled"}
DEFAULT_SETTINGS = {"SYN0_METRICS_FLUSH_SECONDS": "0"}


class ChaosStack:
    """API + ``workers`` prefork workers (each running the reaper) on a fresh database
    of ``postgres`` and on ``redis``. ``settings`` are extra ``SYN0_*`` variables."""

    def __init__(
        self,
        postgres: PrivatePostgres,
        redis: PrivateRedis,
        tmp: Path,
        *,
        workers: int = 1,
        settings: dict[str, object] | None = None,
    ) -> None:
        self.postgres, self.redis, self.tmp = postgres, redis, tmp
        self.processes: dict[str, subprocess.Popen] = {}
        self.database = f"chaos_{uuid.uuid4().hex[:8]}"
        self.database_url = postgres.create_database(self.database)
        migrate(self.database_url)
        redis.flushall()  # no message of an earlier stack reaches these workers
        self.key = new_key()  # stored by the API at start (SYN0_ADMIN_KEY)
        self.env = self._environment({"SYN0_ADMIN_KEY": self.key, **(settings or {})})
        self.port = free_port()
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}",
            timeout=10,
            headers={"Authorization": f"Bearer {self.key}"},
        )
        self._dataset_id: str | None = None
        try:
            self._spawn("api", "-m", "uvicorn", "--factory",
 "syn0.api.app:create_app", "--host", "127.0.0.1",
                        "--port", str(self.port), "--no-access-log")  # fmt: skip
            names = [self._spawn_worker(f"w{i}") for i in range(1, workers + 1)]
            self._wait_ready(names)
        except BaseException:
            self.stop()
            raise

    # --- environment and processes -----------------------------------------------------

    def _environment(self, settings: dict[str, object]) -> dict[str, str]:
        wrong = [k for k in settings if not k.startswith("SYN0_")]
        if wrong:
            raise ValueError(f"settings are SYN0_* environment variables; received {wrong}")
        # The machine's own SYN0_* must not leak into the stack.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYN0_")}
        env.update(DEFAULT_SETTINGS)
        env.update({k: str(v) for k, v in settings.items()})
        env.update(
            SYN0_DATABASE_URL=self.database_url,
            SYN0_BROKER_URL=self.redis.url,
            PYTHONUNBUFFERED="1",
        )
        return env

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        with open(self.tmp / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def _spawn_worker(self, name: str) -> str:
        self._spawn(name, "-m", "celery", "-A", "syn0.worker.main:app", "worker", "--pool=prefork",
                    "--concurrency=1", "--loglevel=INFO", "-n", f"{name}@%h",
                    "--without-mingle", "--without-gossip")  # fmt: skip
        return name

    def _wait_ready(self, workers: list[str], seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        pending = {"api", *workers}
        while pending:
            for name in list(pending):
                if self.processes[name].poll() is not None:
                    raise AssertionError(f"{name} exited at start\n{self.logs()}")
                if self._ready(name):
                    pending.discard(name)
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{sorted(pending)} not ready after {seconds} s\n{self.logs()}"
                )
            time.sleep(0.1)

    def _ready(self, name: str) -> bool:
        if name == "api":
            try:
                return self.client.get("/readyz").status_code == 200
            except httpx.TransportError:
                return False
        # Celery logs "<name>@<host> ready." once it consumes; the pool child is forked.
        ready = f"{name}@" in self._log(name) and " ready." in self._log(name)
        return ready and bool(self.pool_pids(name))

    def _log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- workers -----------------------------------------------------------------------

    @property
    def workers(self) -> list[str]:
        return sorted(n for n in self.processes if n.startswith("w"))

    def start_worker(self, name: str | None = None) -> str:
        """Start a worker (``w<N+1>`` by default, or ``name`` again after a kill); it
        is consuming when this returns."""
        name = name or f"w{len(self.workers) + 1}"
        if name in self.processes and self.processes[name].poll() is None:
            raise AssertionError(f"worker {name} is already running")
        self._set_aside_log(name)
        self._spawn_worker(name)
        self._wait_ready([name])
        return name

    def _set_aside_log(self, name: str) -> None:
        """Move a dead worker's log to ``<name>.earlier.log``: its old "ready." must not
        count as the new process's."""
        log = self.tmp / f"{name}.log"
        if log.exists():
            with open(self.tmp / f"{name}.earlier.log", "ab") as earlier:
                earlier.write(log.read_bytes())
            log.unlink()

    def main_pid(self, name: str) -> int:
        return self.processes[name].pid

    def pool_pids(self, name: str) -> list[int]:
        """The prefork pool's child processes of worker ``name``."""
        return processes.children(self.main_pid(name))

    def kill_worker(self, name: str, whole: bool = False) -> list[int]:
        """SIGKILL the pool child of worker ``name`` (the main process forks a new one),
        or with ``whole`` the main process and all its children. Returns the pids killed."""
        process = self.processes[name]
        if whole:
            doomed = [process.pid, *self.pool_pids(name)]
            processes.kill_group(process.pid)
            process.wait(timeout=10)
        else:
            doomed = self.pool_pids(name)
            if not doomed:
                raise AssertionError(f"worker {name} has no pool child\n{self.logs()}")
            processes.kill(doomed)
        processes.wait_dead(doomed)
        return doomed

    def wait_for_pool_child(self, name: str, replacing: list[int], seconds: float = 15) -> int:
        """The pid of a pool child of ``name`` that is none of ``replacing``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            fresh = [p for p in self.pool_pids(name) if p not in replacing]
            if fresh:
                return fresh[0]
            time.sleep(0.05)
        raise AssertionError(f"worker {name} forked no new pool child\n{self.logs()}")

    def stop_worker(self, name: str, seconds: float = 10) -> None:
        """SIGTERM (Celery's warm shutdown: the running task finishes first), then
        SIGKILL the group after ``seconds``."""
        self._end(name, seconds)

    def _end(self, name: str, seconds: float) -> None:
        process = self.processes.get(name)
        if process is None:
            return
        if process.poll() is None:
            processes.kill_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=seconds)
        # Whatever the leader left in its group (a pool child, say) goes too.
        processes.kill_group(process.pid)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{name} (pid {process.pid}) survived SIGKILL") from None

    # --- jobs ----------------------------------------------------------------------------

    def dataset_id(self) -> str:
        """A 2000-sample spiral, generated once per stack."""
        if self._dataset_id is None:
            response = self.client.post("/v1/datasets/generate", json=DATASET)
            assert response.status_code == 201, response.text
            self._dataset_id = response.json()["id"]
        return self._dataset_id

    def submit(self, spec: dict | None = None, **headers: str) -> dict:
        """Submit ``spec`` (default ``SPEC``) on the stack's spiral unless it names a
        ``dataset_id``; return the queued job."""
        body = dict(spec or SPEC)
        if "dataset_id" not in body:
            body["dataset_id"] = self.dataset_id()
        response = self.client.post("/v1/jobs", json=body, headers=headers)
        assert response.status_code == 202, f"{response.status_code} {response.text}"
        return response.json()

    def job(self, job_id: str) -> dict:
        response = self.client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, f"{response.status_code} {response.text}"
        return response.json()

    def wait_for(self, job_id: str, statuses: set[str] = FINISHED, timeout: float = 30) -> dict:
        """Poll until the job's status is in ``statuses``; return the job."""
        return self._poll(job_id, lambda job: job["status"] in statuses, f"in {statuses}", timeout)

    def wait_until_running(self, job_id: str, min_epoch: int = 1, timeout: float = 30) -> dict:
        """Poll until the job runs and has finished at least ``min_epoch`` epochs."""

        def mid_training(job: dict) -> bool:
            if job["status"] in FINISHED:
                raise AssertionError(f"job ended before epoch {min_epoch}: {job}")
            return job["status"] == "running" and job["progress"]["epoch"] >= min_epoch

        return self._poll(job_id, mid_training, f"running at epoch >= {min_epoch}", timeout)

    def _poll(self, job_id: str, done, what: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        job = self.job(job_id)
        while not done(job):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"job {job_id} not {what} after {timeout} s: {job}\n{self.logs()}"
                )
            time.sleep(0.05)
            job = self.job(job_id)
        return job

    # --- diagnostics and teardown ---------------------------------------------------------

    def logs(self, tail: int = 3000) -> str:
        """The last ``tail`` characters of each process's log, and of the servers'."""
        paths = [*sorted(self.tmp.glob("*.log")), self.postgres.log, self.redis.log]
        return "\n".join(
            f"--- {p.name} ---\n{p.read_text(errors='replace')[-tail:]}"
            for p in paths
            if p.exists()
        )

    def stop(self) -> None:
        """SIGKILL every process group this stack started (nothing here needs a clean
        shutdown, and a warm one waits for the running job), then drop its database."""
        self.client.close()
        for process in self.processes.values():
            processes.kill_group(process.pid)
        for name in self.processes:
            self._end(name, 0)
        if self.postgres.running:
            self.postgres.drop_database(self.database)
