"""``syn0 keys``: tenants' API keys, straight in the database of SYN0_DATABASE_URL (like
``syn0 db upgrade``), so the first admin key needs no running server. Over HTTP an
admin key does the same through ``/v1/tenants`` and ``/v1/keys``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from syn0.cli.common import BadInput, console
from syn0.cli.render import listing, when

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SCOPE = click.Choice(["admin", "train", "predict"])


@click.group()
def keys() -> None:
    """API keys of tenants (in the configured database)."""


@contextmanager
def _store() -> Iterator[Session]:
    from syn0.cli.database import migrated_or_exit, settings_or_exit
    from syn0.kit.db import Database, session_scope

    settings = settings_or_exit()
    migrated_or_exit(settings.database_url)
    with session_scope(Database(settings.database_url).sessions) as session:
        yield session


@keys.command()
@click.option("--tenant", required=True, help="The tenant's name; made if it is new.")
@click.option(
    "--scope",
    "scopes",
    type=SCOPE,
    multiple=True,
    default=("train", "predict"),
    show_default=True,
    help="Repeat for several.",
)
@click.option("--name", help="What the key is for (shown in listings).")
def create(tenant: str, scopes: tuple[str, ...], name: str | None) -> None:
    """Make a key for TENANT and print it, this once: the database keeps only a hash."""
    from syn0.tenants import repository as tenants

    with _store() as session:
        owner = tenants.ensure_tenant(session, tenant)
        row, key = tenants.add_key(session, owner.id, list(scopes), name)
        scope_list = ", ".join(row.scopes)
    click.echo(key)
    click.echo(
        f"key {row.prefix} of tenant {tenant} ({scope_list}): shown once, store it now",
        err=True,
    )


@keys.command("ls")
@click.option("--tenant", help="Only this tenant's keys.")
def list_keys(tenant: str | None) -> None:
    """Keys by prefix (never the keys themselves), revoked ones included."""
    from syn0.tenants import repository as tenants

    with _store() as session:
        owners = (
            [tenants.tenant_named(session, tenant)]
            if tenant
            else tenants.list_tenants(session, 1000, None)[0]
        )
        if owners == [None]:
            raise BadInput(f"no tenant named {tenant!r}")
        rows = [
            (
                key.prefix,
                owner.name,
                ", ".join(key.scopes),
                key.name,
                when(key.created_at),
                when(key.revoked_at),
            )
            for owner in owners
            for key in tenants.list_keys(session, owner.id)
        ]
    columns = ["prefix", "tenant", "scopes", "name", "created", "revoked"]
    console().print(listing(columns, rows))


@keys.command()
@click.argument("prefix")
def revoke(prefix: str) -> None:
    """Revoke the key PREFIX: it stops working at once (the last admin key is kept)."""
    from syn0.tenants import repository as tenants

    with _store() as session:
        try:
            revoked = tenants.revoke_key(session, prefix)
        except tenants.LastAdminKey as exc:
            raise BadInput(str(exc)) from None
        if not revoked:
            raise BadInput(f"no live key with prefix {prefix!r}")
    click.echo(f"key {prefix} revoked", err=True)


@keys.command()
@click.argument("prefix")
def rotate(prefix: str) -> None:
    """Revoke the key PREFIX and print a new one with its tenant, scopes and name."""
    from syn0.tenants import repository as tenants

    with _store() as session:
        rotated = tenants.rotate_key(session, prefix)
        if rotated is None:
            raise BadInput(f"no live key with prefix {prefix!r}")
        row, key = rotated
    click.echo(key)
    click.echo(f"key {prefix} revoked; the new key {row.prefix} is shown once", err=True)


@keys.command()
def generate() -> None:
    """Print a fresh random key and store nothing (for SYN0_ADMIN_KEY)."""
    from syn0.tenants.repository import new_key

    click.echo(new_key())
