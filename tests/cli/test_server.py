"""``syn0 db upgrade``, the exit code of an unreachable server, help and version.

``syn0 serve`` and ``syn0 worker`` run the stack every test in this package uses (see
``conftest.py``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from syn0.core.backend import gpu_available
from tests.cli.conftest import command, server_env
from tests.services import free_port


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, env=env, timeout=60)


def test_db_upgrade_migrates_to_head(tmp_path):
    env = server_env(tmp_path)
    for _ in range(2):  # the second run finds nothing to do
        upgraded = run("db", "upgrade", env=env)
        assert upgraded.returncode == 0, upgraded.stderr
        assert upgraded.stdout == f"sqlite:///{tmp_path / 'syn0.db'}: at revision head\n"
    with closing(sqlite3.connect(tmp_path / "syn0.db")) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"datasets", "jobs", "models", "alembic_version"} <= tables


def test_db_upgrade_reports_an_unreachable_database(tmp_path):
    nowhere = f"postgresql+psycopg://syn0@127.0.0.1:{free_port()}/syn0"
    env = {**server_env(tmp_path), "SYN0_DATABASE_URL": nowhere}
    failed = run("db", "upgrade", env=env)
    assert failed.returncode == 3 and failed.stderr.startswith("error: cannot migrate")


def test_an_unreachable_server_exits_3(env):
    down = run("jobs", "ls", env={**env, "SYN0_URL": f"http://127.0.0.1:{free_port()}"})
    assert down.returncode == 3
    assert "cannot reach the syn0 API" in down.stderr and "syn0 serve" in down.stderr
    assert "Traceback" not in down.stderr


def test_help_and_version(env):
    assert "Exit codes: 0 success" in run("--help", env=env).stdout
    script = Path(sys.executable).with_name("syn0")  # the installed console script
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout == "syn0, version 0.1.0\n"
    assert "--watch" in run("train", "--help", env=env).stdout


@pytest.mark.skipif(gpu_available(), reason="this machine has a GPU")
def test_a_gpu_worker_refuses_to_start_without_a_gpu(tmp_path):
    failed = run("worker", "--device", "gpu", env=server_env(tmp_path))
    assert failed.returncode == 2
    assert failed.stderr.startswith("error: --device gpu needs CuPy and a CUDA GPU")
    assert "Traceback" not in failed.stderr
