"""The ``syn0`` command line, on the Python client (``client``) and the HTTP API."""

from __future__ import annotations

import click

from syn0.cli import (
    architectures,
    data,
    database,
    evaluate,
    jobs,
    keys,
    models,
    registry,
    server,
    sweeps,
    train,
    webhooks,
)
from syn0.cli.common import State, exit_code, report
from syn0.client import DEFAULT_URL, Syn0Error
from syn0.client.http import VERSION


class _Syn0Group(click.Group):
    """An API error ends a command with its message and exit code, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Syn0Error as exc:
            report(exc)
            ctx.exit(exit_code(exc))


@click.group(cls=_Syn0Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--url", envvar="SYN0_URL", default=DEFAULT_URL, show_default=True, help="The API (SYN0_URL)."
)
@click.option("--api-key", envvar="SYN0_API_KEY", help="Sent as a bearer token (SYN0_API_KEY).")
@click.version_option(VERSION, prog_name="syn0")
@click.pass_context
def syn0(ctx: click.Context, url: str, api_key: str | None) -> None:
    """Train neural networks on a syn0 server: upload data, train from a spec file,
    watch progress, predict.

    Exit codes: 0 success; 1 a job failed or was cancelled; 2 usage or bad input;
    3 the server failed, cannot be reached or has too many jobs queued.
    """
    state = State(url, api_key)
    ctx.obj = state
    ctx.call_on_close(state.close)


for command in (
    data.data,
    train.train,
    architectures.architectures,
    jobs.jobs,
    models.predict,
    evaluate.evaluate,
    models.models,
    registry.registry,
    sweeps.sweep,
    webhooks.webhooks,
    server.serve,
    server.worker,
    database.db,
    keys.keys,
):
    syn0.add_command(command)


def main() -> None:
    syn0(prog_name="syn0")
