"""What every command shares: the client, exit codes, output streams and error reports.

Exit codes: 0 success; 1 a job failed or was cancelled; 2 usage or bad input (a 4xx);
3 the server failed, could not be reached or has too many jobs queued; 130 detached
from a job after Ctrl-C.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from functools import cache
from typing import Any

import click
from rich.console import Console

from syn0.client import Client, ConnectionFailed, RateLimited, Syn0Error, TooManyJobs, Unauthorized

OK, JOB_UNSUCCESSFUL, BAD_INPUT, UNAVAILABLE, DETACHED = 0, 1, 2, 3, 130


@dataclass
class State:
    """The root options; the client is made on first use, so ``syn0 serve`` needs none."""

    url: str
    api_key: str | None
    _client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client(self.url, self.api_key)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


pass_state = click.make_pass_decorator(State)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the API's reply as JSON (for scripts)."
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only the new id.")
limit_option = click.option(
    "--limit", default=20, show_default=True, help="Newest first, at most this many."
)


class CommandError(click.ClickException):
    """An expected failure: its message on stderr and an exit code, no traceback."""

    exit_code = BAD_INPUT

    def show(self, file: Any = None) -> None:
        error(self.message)


class BadInput(CommandError):
    """A local input problem (a file, an option value): exit code 2."""


class Unavailable(CommandError):
    """A service syn0 needs (the database) cannot be reached: exit code 3."""

    exit_code = UNAVAILABLE


@cache
def console(stderr: bool = False) -> Console:
    """Rich output. Piped output is for scripts and logs: tables do not wrap at 80 columns
    (rich's default without a terminal) unless ``COLUMNS`` says so."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, width=200 if piped else None, highlight=False)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def dump(reply: Any) -> Any:
    """A client model (or a list of them) as the JSON the API sent."""
    if isinstance(reply, list):
        return [dump(item) for item in reply]
    return reply.model_dump(mode="json")


def error(message: str) -> None:
    click.echo(f"{click.style('error:', fg='red', bold=True)} {message}", err=True)


def exit_code(exc: Syn0Error) -> int:
    """2 for the caller's mistakes (4xx); 3 when the server cannot serve now."""
    busy = isinstance(exc, TooManyJobs | RateLimited) or exc.status is None or exc.status >= 500
    return UNAVAILABLE if busy else BAD_INPUT


def report(exc: Syn0Error, fields: list[str] | None = None) -> None:
    """The problem's detail, or one line per failing field: ``fields`` if given (already
    placed in a file), else ``loc: msg``. (A detail only repeats the first field's msg.)"""
    if isinstance(exc, ConnectionFailed):
        error(
            f"{exc.detail}\n  is the server running? start one with `syn0 serve`, or set SYN0_URL"
        )
        return
    if isinstance(exc, Unauthorized):
        error(f"{exc.detail}\n  the CLI sends the key in SYN0_API_KEY (or --api-key)")
        return
    lines = fields if fields is not None else [f"{e['loc']}: {e['msg']}" for e in exc.errors]
    if len(lines) == 1:
        error(lines[0])
    elif lines:
        error(f"{exc.title}: {len(lines)} problems")
        for line in lines:
            click.echo(f"  {line}", err=True)
    else:
        error(exc.detail + (f" ({exc.status} {exc.title})" if (exc.status or 0) >= 500 else ""))
