"""Private PostgreSQL and Redis servers that chaos tests may stop, kill and restart.

Each runs from the machine's binaries on a free port with its data in a temporary
folder, so stopping one never touches the machine's own services (PostgreSQL on 5432,
Redis on 6379). Missing binaries skip loudly, or fail where ``CI=true``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import redis

from tests.chaos import processes
from tests.services import free_port


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def missing(what: str) -> None:
    """Skip loudly, or fail where ``CI=true`` (the rule of ``tests.services.require``)."""
    message = f"{what}; the chaos tests start private servers from the machine's binaries"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI needs them (PostgreSQL server and redis-server packages)")
    pytest.skip(f"SKIPPED LOUDLY: {message}")


def _wait(condition, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise AssertionError(f"{what} after {seconds} s\n--- {log.name} ---\n{tail}")
        time.sleep(0.05)


class PrivatePostgres:
    """A throwaway cluster: ``initdb`` in a temp folder, trust auth, 127.0.0.1 only,
    ``fsync=off``. As root the binaries run as the ``postgres`` user (initdb refuses
    root)."""

    def __init__(self) -> None:
        bindir = self._bindir()
        self.initdb, self.pg_ctl = bindir / "initdb", bindir / "pg_ctl"
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                missing("running as root, but there is no `postgres` user to run initdb as")
            runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
            if runuser is None:
                missing("running as root, but `runuser` is not installed to run initdb as postgres")
            self.as_user = [runuser, "-u", "postgres", "--"]
        # Not pytest's tmp_path: its parent is 0700 root, which the postgres user can't enter.
        self.root = Path(tempfile.mkdtemp(prefix="syn0-chaos-pg-"))
        if owner is not None:
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.port = free_port()
        started = time.monotonic()
        try:
            self._init()
        except BaseException:
            self.destroy()
            raise
        self.boot_seconds = time.monotonic() - started

    def _init(self) -> None:
        self._run(self.initdb, "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nmax_connections = 200\n"
                # fsync only guards against the OS crashing; a SIGKILLed server keeps
                # every commit (synchronous_commit stays on for that reason).
                "fsync = off\n"
            )
        self.start()

    @staticmethod
    def _bindir() -> Path:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
        if found:
            return Path(found[-1]).parent
        initdb = shutil.which("initdb")
        if initdb and shutil.which("pg_ctl"):
            return Path(initdb).parent
        missing("PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin)")
        raise AssertionError("unreachable")

    def _run(self, *args) -> None:
        result = subprocess.run(
            [*self.as_user, *map(str, args)], capture_output=True, text=True, timeout=60
        )
        if result.returncode:
            raise AssertionError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def running(self) -> bool:
        return port_open(self.port)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def start(self) -> None:
        """Start on the same data folder and port (after a ``kill``, crash recovery runs)."""
        self._run(self.pg_ctl, "start", "-D", self.data, "-l", self.log, "-w", "-t", "30")
        _wait(lambda: self.running, 10, "PostgreSQL did not listen", self.log)

    def stop(self) -> None:
        """A clean fast shutdown: sessions are ended, the server is down when this returns."""
        self._run(self.pg_ctl, "stop", "-D", self.data, "-m", "fast", "-w", "-t", "30")

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once: the machine lost power."""
        pid = self.postmaster_pid()
        if pid is None or not processes.alive(pid):
            return
        doomed = [pid, *processes.children(pid)]
        processes.kill(doomed)
        processes.wait_dead(doomed)
        _wait(lambda: not self.running, 5, "PostgreSQL still listens after SIGKILL", self.log)
        # Until init reaps the dead postmaster its pid exists, and a new postmaster takes
        # the lock file for a live one's. It is dead: the lock file is stale.
        if not processes.reaped(pid, seconds=2):
            (self.data / "postmaster.pid").unlink(missing_ok=True)

    def ensure_running(self) -> None:
        if not self.running:
            self.start()

    def create_database(self, name: str) -> str:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def destroy(self) -> None:
        pid = self.postmaster_pid()
        if pid is not None and processes.alive(pid):
            try:
                self._run(self.pg_ctl, "stop", "-D", self.data, "-m", "immediate", "-w")
            except AssertionError:
                self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


class PrivateRedis:
    """``redis-server`` on a free port with no persistence: a restart loses every key,
    as a broker without AOF would."""

    def __init__(self, root: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("redis-server is not installed")
        self.root, self.port = root, free_port()
        self.log = root / "redis.log"
        self.process: subprocess.Popen | None = None
        started = time.monotonic()
        self.start()
        self.boot_seconds = time.monotonic() - started

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None and port_open(self.port)

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise AssertionError("the private Redis is already running")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.root)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait(lambda: port_open(self.port), 10, "Redis did not listen", self.log)

    def stop(self) -> None:
        """SIGTERM: a clean shutdown (nothing is saved, persistence is off)."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        self._end(signal.SIGKILL)

    def restart(self, hard: bool = True) -> None:
        """Kill (or stop) and start again on the same port: every message is lost."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start()

    def _end(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        _wait(lambda: not port_open(self.port), 5, "Redis still listens", self.log)

    def ensure_running(self) -> None:
        if not self.running:
            self.start()

    def flushall(self) -> None:
        client = redis.Redis.from_url(self.url)
        try:
            client.flushall()
        finally:
            client.close()

    def destroy(self) -> None:
        self.kill()
