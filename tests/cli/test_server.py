"""``syn0 db upgrade``, the exit code of an unreachable server, help and version, and
what stopping ``syn0 serve`` does to its processes and to a job it trains.

``syn0 serve`` and ``syn0 worker`` run the stack every test in this package uses (see
``conftest.py``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from syn0.client import Client
from syn0.core.backend import gpu_available
from tests.cli.conftest import command, printed_key, server_env, start_serve
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


NETWORK = {
    "input_shape": [2],
    "layers": [
        {"type": "dense", "units": 64, "activation": "tanh"},
        {"type": "dense", "units": 64, "activation": "tanh"},
        {"type": "dense", "units": 2, "activation": "softmax"},
    ],
}
# A few seconds of training: mid-training when stopped, soon finished once resumed.
TRAINING = {
    "loss": "cross_entropy",
    "epochs": 150,
    "batch_size": 16,
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}


def processes_of(directory: Path) -> set[int]:
    """The live processes of the syn0 whose files are in ``directory``, found by the
    settings they inherit (which name it), whoever their parent is now."""
    marker = str(directory).encode()
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):  # gone meanwhile; a zombie's reads empty
            if marker in environ.read_bytes():
                found.add(int(environ.parent.name))
    return found


@pytest.fixture
def stack(tmp_path) -> Iterator[Path]:
    """A folder for one syn0's files; whatever of it a failing test leaves running is
    killed afterwards."""
    yield tmp_path
    for pid in processes_of(tmp_path):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def stack_env(directory: Path) -> dict[str, str]:
    return server_env(directory)


def train_until_running(api: Client, directory: Path, epochs_done: int, epochs: int = 150) -> str:
    """Submit a job to the stack whose files are in ``directory``; wait until it has
    trained ``epochs_done`` epochs (on failure, say what the stack logged)."""
    data = api.datasets.generate("spiral", n_samples=2000, noise=0.1).id
    job_id = api.jobs.submit(data, NETWORK, {**TRAINING, "epochs": epochs}).id
    deadline = time.monotonic() + 60
    while (job := api.jobs.get(job_id)).status != "running" or job.progress.epoch < epochs_done:
        assert job.status in ("queued", "running") and time.monotonic() < deadline, (
            f"{job}\nsyn0 serve logged:\n{(directory / 'serve.log').read_text()}"
        )
        time.sleep(0.1)
    return job_id


def stop(server: subprocess.Popen, directory: Path, send) -> None:
    """Signal the stack with ``send`` and wait (15 s at most) until none of its processes
    is left."""
    started = processes_of(directory)
    assert len(started) >= 2, started  # serve and its worker (no beat: the worker reaps)
    send()
    deadline = time.monotonic() + 15
    while (left := processes_of(directory)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"still running 15 s after the signal: {left}"
    assert server.wait(timeout=1) == 0


def stored(directory: Path, job_id: str) -> dict:
    """The job's row as stored, with its checkpoint's epoch and its metrics rows' ids in
    epoch order (a resumed job keeps the rows before its checkpoint)."""
    with closing(sqlite3.connect(directory / "syn0.db")) as db:
        db.row_factory = sqlite3.Row
        job = dict(db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone())
        saved = db.execute("SELECT epoch FROM checkpoints WHERE job_id = ?", (job_id,)).fetchone()
        rows = db.execute(
            "SELECT id FROM job_metrics WHERE job_id = ? ORDER BY epoch", (job_id,)
        ).fetchall()
    outcomes = [entry.get("outcome") for entry in json.loads(job["history"] or "[]")]
    return {
        **job,
        "checkpoint": saved and saved[0],
        "rows": [row[0] for row in rows],
        "outcomes": outcomes,
    }


def test_ctrl_c_stops_every_process_and_the_next_start_resumes_the_job(stack):
    # given: syn0 serve in a process group of its own, as a terminal runs it, mid-job
    env = stack_env(stack)
    server, url = start_serve(stack, env, start_new_session=True)
    with Client(url, api_key=printed_key(stack)) as api:
        job_id = train_until_running(api, stack, epochs_done=3)
    # when: Ctrl-C
    stop(server, stack, lambda: os.killpg(server.pid, signal.SIGINT))
    # then: the job is queued again, with a checkpoint of the epoch it stopped at
    stopped = stored(stack, job_id)
    assert stopped["status"] == "queued" and stopped["outcomes"] == ["worker-shutdown"]
    epoch = stopped["epoch"]
    assert stopped["checkpoint"] == epoch >= 3 and len(stopped["rows"]) == epoch
    # when: syn0 starts again
    server, url = start_serve(stack, env, start_new_session=True)
    restarted = time.monotonic()
    with Client(url, api_key=printed_key(stack)) as api:
        seen = []
        while (job := api.jobs.get(job_id)).status in ("queued", "running"):
            seen += [job.progress.epoch] if job.status == "running" else []
            assert time.monotonic() - restarted < 60, job
            time.sleep(0.1)
    # then: it resumed at once from its checkpoint (the metrics rows before it are the
    # first attempt's) and finished
    done = stored(stack, job_id)
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert done["outcomes"] == ["worker-shutdown", "succeeded"]
    assert seen and min(seen) >= epoch
    assert done["rows"][:epoch] == stopped["rows"]
    # and the API's /metrics counts its worker's epochs, from this start only
    scrape = httpx.get(f"{url}/metrics").text
    assert f'syn0_epochs_trained_total{{device="cpu"}} {150 - epoch}.0' in scrape
    stop(server, stack, lambda: server.send_signal(signal.SIGTERM))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_serve_alone_stops_every_process_and_requeues_the_job(stack, signum):
    # given: a job that would train for minutes
    server, url = start_serve(stack, stack_env(stack), start_new_session=True)
    with Client(url, api_key=printed_key(stack)) as api:
        job_id = train_until_running(api, stack, epochs_done=3, epochs=5000)
    # when: the signal reaches syn0 serve only (kill, a process manager)
    stop(server, stack, lambda: server.send_signal(signum))
    # then
    stopped = stored(stack, job_id)
    assert stopped["status"] == "queued" and stopped["outcomes"] == ["worker-shutdown"]
    assert stopped["checkpoint"] == stopped["epoch"] >= 3


def test_a_killed_serve_takes_its_worker_with_it(stack):
    # given: syn0 serve and its worker, idle
    server, _ = start_serve(stack, stack_env(stack), start_new_session=True)
    (worker,) = (pid for pid in processes_of(stack) if pid != server.pid)
    # when: serve dies without a chance to stop it (SIGKILL, the OOM killer, a crash)
    server.kill()
    server.wait(timeout=5)
    # then: the worker, in a session of its own, is told to stop and does
    deadline = time.monotonic() + 15
    while (left := processes_of(stack)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"still running 15 s after serve was killed: {left} (worker {worker})"
