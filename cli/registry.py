"""``syn0 registry``: names for models, their versions and aliases; predict by name."""

from __future__ import annotations

import sys
from typing import TextIO

import click

from syn0.cli.common import (
    BadInput,
    State,
    console,
    dump,
    echo_json,
    json_option,
    limit_option,
    pass_state,
    quiet_option,
)
from syn0.cli.csvrows import arrange, read_table, shaped
from syn0.cli.models import write_rows
from syn0.cli.render import fields, listing, metrics_line, show_page, when
from syn0.client import Alias, RegisteredDetail


@click.group()
def registry() -> None:
    """Registered models: names, numbered versions, aliases (production, staging, ...)."""


@registry.command("ls")
@limit_option
@json_option
@pass_state
def list_registered(state: State, limit: int, as_json: bool) -> None:
    """List registered models, newest first, with their aliases."""
    page = state.client.registry.list(limit=limit)
    show_page(
        page,
        as_json,
        ["name", "latest", "aliases", "description", "updated"],
        lambda r: [
            r.name,
            r.latest_version or "-",
            _aliases(r.aliases),
            r.description,
            when(r.updated_at),
        ],
    )


@registry.command()
@click.argument("name")
@json_option
@pass_state
def show(state: State, name: str, as_json: bool) -> None:
    """Show a registered model: its versions, aliases and every move of its aliases."""
    detail = state.client.registry.get(name)
    if as_json:
        echo_json(dump(detail))
    else:
        _print_detail(detail)


@registry.command()
@click.argument("name")
@click.option("--description", help="What the model is for.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Repeatable; replaces.")
@json_option
@pass_state
def create(
    state: State, name: str, description: str | None, tags: tuple[str, ...], as_json: bool
) -> None:
    """Create NAME, or update it: the options given are set, the others kept."""
    parsed = dict(_tag(tag) for tag in tags) if tags else None
    registered = state.client.registry.put(name, description=description, tags=parsed)
    if as_json:
        echo_json(dump(registered))
    else:
        click.echo(f"registered model {registered.name}: {registered.latest_version} versions")


@registry.command()
@click.argument("name")
@click.argument("model_id", metavar="MODEL")
@json_option
@quiet_option
@pass_state
def register(state: State, name: str, model_id: str, as_json: bool, quiet: bool) -> None:
    """Register MODEL as the next version of NAME (1, 2, ...)."""
    version = state.client.registry.register(name, model_id)
    if as_json:
        echo_json(dump(version))
    elif quiet:
        click.echo(version.version)
    else:
        click.echo(f"{name} version {version.version}: model {version.model_id}")


@registry.command()
@click.argument("name")
@click.argument("alias")
@click.argument("version", type=click.IntRange(min=1))
@json_option
@pass_state
def alias(state: State, name: str, alias: str, version: int, as_json: bool) -> None:
    """Point ALIAS of NAME at VERSION (every move is kept; see `rollback`)."""
    _moved(name, state.client.registry.set_alias(name, alias, version), as_json)


@registry.command()
@click.argument("name")
@click.argument("alias")
@json_option
@pass_state
def rollback(state: State, name: str, alias: str, as_json: bool) -> None:
    """Point ALIAS of NAME back where its last move took it from (undo, one at a time)."""
    _moved(name, state.client.registry.rollback(name, alias), as_json)


@registry.command()
@click.argument("name")
@click.argument("alias")
@pass_state
def unalias(state: State, name: str, alias: str) -> None:
    """Delete ALIAS of NAME (its history stays)."""
    state.client.registry.delete_alias(name, alias)
    click.echo(f"deleted {name}@{alias}")


@registry.command()
@click.argument("name")
@click.argument("file", type=click.File("r"), metavar="FILE.csv|-")
@click.option("--alias", "alias_name", metavar="ALIAS", help="The alias to follow.")
@click.option("--version", type=click.IntRange(min=1), help="Or a version number.")
@json_option
@pass_state
def predict(
    state: State,
    name: str,
    file: TextIO,
    alias_name: str | None,
    version: int | None,
    as_json: bool,
) -> None:
    """Predict the rows of a CSV with a version of NAME, as `syn0 predict` does; the
    version that answered goes to stderr."""
    if (alias_name is None) == (version is None):
        raise BadInput("give exactly one of --alias ALIAS and --version N")
    header, rows = read_table(file)
    client = state.client
    detail = client.registry.get(name)
    model_id = next(
        (a.model_id for a in detail.aliases if a.alias == alias_name),
        next((v.model_id for v in detail.versions if v.version == version), None),
    )
    model = client.models.get(model_id) if model_id else None
    X = arrange(header, rows, model, file.name)
    X = shaped(X, model) if model else X  # no such alias or version: the server says so
    prediction = client.registry.predict(name, X, alias=alias_name, version=version)
    if as_json:
        echo_json(prediction.to_reply())
        return
    if model is None or model.id != prediction.model_id:  # moved in between
        model = client.models.get(prediction.model_id)
    which = f"{name}@{prediction.alias} =" if prediction.alias else name
    click.echo(f"{which} version {prediction.version}: model {prediction.model_id}", err=True)
    write_rows(model, prediction, sys.stdout)


def _tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise BadInput(f"--tag takes KEY=VALUE; received {text!r}")
    return key, value


def _aliases(aliases: list[Alias]) -> str:
    return ", ".join(f"{a.alias}={a.version}" for a in aliases)


def _moved(name: str, moved: Alias, as_json: bool) -> None:
    if as_json:
        echo_json(dump(moved))
    else:
        click.echo(f"{name}@{moved.alias} = version {moved.version}: model {moved.model_id}")


def _print_detail(detail: RegisteredDetail) -> None:
    tags = ", ".join(f"{k}={v}" for k, v in detail.tags.items())
    out = console()
    out.print(
        fields(
            [
                ("name", detail.name),
                ("description", detail.description),
                ("tags", tags),
                ("aliases", _aliases(detail.aliases)),
                ("created", when(detail.created_at)),
                ("updated", when(detail.updated_at)),
            ]
        )
    )
    versions = (
        [
            v.version,
            v.model_id,
            ", ".join(v.aliases),
            metrics_line(v.metrics),
            (v.dataset_sha256 or "")[:12],
            v.created_by,
            when(v.created_at),
        ]
        for v in detail.versions
    )
    out.print()
    out.print(
        listing(
            ["version", "model", "aliases", "metrics", "dataset sha256", "by", "created"],
            versions,
        )
    )
    if detail.alias_history:
        moves = (
            [
                when(m.moved_at),
                m.alias,
                m.action,
                f"{m.from_version or '-'} -> {m.to_version or '-'}",
                m.moved_by,
            ]
            for m in detail.alias_history
        )
        out.print()
        out.print(listing(["when", "alias", "action", "move", "by"], moves))
