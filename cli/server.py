"""``syn0 serve`` and ``syn0 worker``: run syn0 itself (``syn0 db upgrade`` is in
``syn0.cli.database``).

These read the server settings (``SYN0_DATABASE_URL``, ``SYN0_BROKER_URL``, ...), not
``SYN0_URL``. Server modules are imported inside the commands, so the client commands
start without them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

import click

from syn0.cli.common import BadInput
from syn0.cli.database import settings_or_exit, upgrade_database

if TYPE_CHECKING:
    from syn0.settings import Settings

LOG_LEVELS = click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False)
WORKER_STOP_SECONDS = 15


def _embedded(broker_url: str) -> bool:
    """A broker kept in the database (kombu's SQLAlchemy transport): no server to run."""
    return broker_url.startswith("sqla+")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, envvar="PORT", help="Also $PORT.")
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=None,
    help="Start a worker with the API [default: only on the embedded broker].",
)
def serve(host: str, port: int, with_worker: bool | None) -> None:
    """Start the API; on the embedded default also migrate and start a worker.

    The embedded default (a SQLite file and a SQLite broker in SYN0_DATA_DIR) needs no
    servers: this migrates the database, starts one worker in the background and serves
    the API; Ctrl-C stops both, and a job in training is checkpointed and queued again
    for the next start. With a broker server (SYN0_BROKER_URL=redis://...) it
    starts only the API: migrate with `syn0 db upgrade`, add workers with `syn0 worker`.
    """
    import uvicorn

    from syn0.api.server import PROTOCOL

    settings = settings_or_exit()
    embedded = _embedded(settings.broker_url)
    if embedded:
        upgrade_database(settings.database_url)
        first_key(settings)
        settings = count_together(settings)
    if not settings.auth:
        click.secho(
            "WARNING: SYN0_AUTH=false: authentication is OFF; every request acts for the "
            "tenant 'local'. For local experiments only: never expose this server.",
            fg="red",
            bold=True,
            err=True,
        )
    start = embedded if with_worker is None else with_worker
    # In a session of its own, so that Ctrl-C reaches only this process, which stops the
    # worker with one SIGTERM (a second SIGINT would be Celery's cold shutdown), and so
    # that the worker's children (its pool) can be ended with it as one process group.
    # And told to stop (SIGTERM, a warm shutdown) when this process dies, even by SIGKILL
    # or a crash: otherwise, in a session of its own, it would train on, orphaned.
    worker = (
        subprocess.Popen(
            [sys.executable, "-m", "syn0.cli", "worker", "--quiet", "-l", settings.log_level],
            start_new_session=True,
            preexec_fn=_stop_with_parent(os.getpid()),
        )
        if start
        else None
    )
    url = f"http://{host}:{port}"
    click.echo(f"syn0 is running at {url}  (API docs: {url}/docs)", err=True)
    # uvicorn re-raises the signal that stopped it: Ctrl-C as KeyboardInterrupt, and
    # SIGTERM's default action would end this process before the worker is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.run(
                "syn0.api.app:create_app",
                factory=True,
                host=host,
                port=port,
                log_level="warning",
                http=PROTOCOL,
            )
    finally:
        if worker is not None:
            _stop(worker)


def _stop_with_parent(parent: int):
    """For ``preexec_fn``: on Linux, a child that gets SIGTERM when ``parent`` dies
    (``PR_SET_PDEATHSIG``), and exits at once if it already has; elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return None

    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def arm() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # died before the signal was armed
            os._exit(1)

    return arm


def count_together(settings: Settings) -> Settings:
    """On the embedded default, with no SYN0_METRICS_DIR: the API and the worker this
    command starts count into ``<data dir>/metrics``, emptied first (both are this
    command's), so /metrics has the worker's epochs too."""
    if settings.metrics_dir is not None:
        return settings
    from syn0.settings import get_settings

    folder = settings.data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    os.environ["SYN0_METRICS_DIR"] = str(folder)  # read by both processes' settings
    get_settings.cache_clear()
    return settings_or_exit()


def first_key(settings: Settings) -> None:
    """On the embedded default with no API key yet: make one for the tenant ``local``
    with every scope, and print it this once (the playground asks for it)."""
    if not settings.auth:
        return
    from syn0.kit.db import Database, session_scope
    from syn0.tenants import repository as tenants

    with session_scope(Database(settings.database_url).sessions) as session:
        if tenants.has_keys(session):
            return
        owner = tenants.ensure_tenant(session, "local")
        row, key = tenants.add_key(session, owner.id, list(tenants.SCOPES), "first key")
    click.echo(
        f"Your API key, shown this once (tenant 'local', scopes {', '.join(row.scopes)}):\n"
        f"  {key}\n"
        "The playground asks for it; for the CLI: export SYN0_API_KEY=<key>. More keys: "
        "syn0 keys create --tenant NAME",
        err=True,
    )


def _stop(worker: subprocess.Popen) -> None:
    """Warm shutdown: the worker checkpoints its running job, puts it back in the queue
    and exits. Then its whole process group goes, with whatever it left behind (a child
    of a worker killed after WORKER_STOP_SECONDS)."""
    worker.terminate()
    try:
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(WORKER_STOP_SECONDS)
    finally:  # also on a second Ctrl-C: stop now
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


@click.command()
@click.option(
    "-c",
    "--concurrency",
    default=1,
    show_default=True,
    help="Training processes (with a broker server; the embedded broker runs one).",
)
@click.option(
    "-l",
    "--loglevel",
    type=LOG_LEVELS,
    envvar="SYN0_LOG_LEVEL",
    default="INFO",
    show_default=True,
    help="Also $SYN0_LOG_LEVEL; the format is $SYN0_LOG_FORMAT's (text or json).",
)
@click.option("-q", "--quiet", is_flag=True, help="No start-up banner.")
@click.option(
    "--device",
    type=click.Choice(["cpu", "gpu"]),
    envvar="SYN0_WORKER_DEVICE",
    default="cpu",
    show_default=True,
    help="gpu: train on this machine's GPU (CuPy), taking only jobs queued for a GPU. "
    "Also $SYN0_WORKER_DEVICE.",
)
def worker(concurrency: int, loglevel: str, quiet: bool, device: str) -> None:
    """Start a worker that trains the jobs queued on the configured broker.

    A training job keeps a CPU busy, so a process trains one job at a time. With a
    broker server, add processes with --concurrency, or run `syn0 worker` on more
    machines pointed at the same database and broker. A GPU worker (--device gpu)
    takes the jobs sent to the gpu queue: those asking for device gpu, and those with
    device auto whose training step is large enough.
    """
    if device == "gpu":
        from syn0.core.backend import gpu_available

        if not gpu_available():
            raise BadInput(
                "--device gpu needs CuPy and a CUDA GPU on this machine "
                "(`pip install 'syn0[gpu]'`); none was found"
            )
    os.environ["SYN0_WORKER_DEVICE"] = device  # read by the settings the worker builds
    settings = settings_or_exit()
    from syn0.worker.app import create_celery

    argv = [*(["--quiet"] if quiet else []), "worker", f"--loglevel={loglevel.upper()}"]
    if _embedded(settings.broker_url):
        # One process polls the SQLite broker; worker events over it would only add load.
        # Its reaper runs in a thread beside the training (as in every worker).
        argv += [
            "--pool=solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
    else:
        argv.append(f"--concurrency={concurrency}")
    create_celery(settings).worker_main(argv)
