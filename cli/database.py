"""``syn0 db upgrade`` and what the server commands share about their settings and
database: the settings or a clear exit, the migrations run, a database checked to be at
this syn0's revision.

Like every server command, these import SQLAlchemy and Alembic inside the functions, so
the client commands start without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from syn0.cli.common import BadInput, Unavailable

if TYPE_CHECKING:
    from syn0.settings import Settings


def settings_or_exit() -> Settings:
    """The server settings, or exit 2 naming what is wrong in them."""
    from pydantic import ValidationError

    from syn0.settings import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        raise BadInput(f"invalid SYN0_* settings: {exc}") from None


@click.group()
def db() -> None:
    """The database schema (Alembic migrations)."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database of SYN0_DATABASE_URL to REVISION (default: head)."""
    from sqlalchemy.engine import make_url

    url = settings_or_exit().database_url
    upgrade_database(url, revision)
    click.echo(f"{make_url(url).render_as_string(hide_password=True)}: at revision {revision}")


def upgrade_database(url: str, revision: str = "head") -> None:
    """``alembic upgrade`` with the repository's alembic.ini (migrations/env.py reads the
    URL from the same settings)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.exc import OperationalError

    try:
        command.upgrade(Config(str(_alembic_ini())), revision)
    except OperationalError as exc:
        raise Unavailable(f"cannot migrate the database: {exc.orig}") from None


def migrated_or_exit(url: str) -> None:
    """Exit with one line naming the database and how to migrate it when it does not
    exist or its schema is not this syn0's (exit 2), or it cannot be reached (exit 3).
    A missing SQLite file is not opened, so no empty one is left behind."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from syn0.kit.db import make_engine

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    where = "set SYN0_DATA_DIR or SYN0_DATABASE_URL if yours is elsewhere"
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(file).is_file():
        raise BadInput(f"no database at {shown}; create it with `syn0 db upgrade` ({where})")
    head = ScriptDirectory.from_config(Config(str(_alembic_ini()))).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise Unavailable(f"cannot reach the database {shown}: {exc.orig}") from None
    finally:
        engine.dispose()
    if current != head:
        raise BadInput(
            f"the database {shown} is at revision {current or 'none'}, this syn0 needs "
            f"{head}; migrate it with `syn0 db upgrade` ({where})"
        )


def _alembic_ini() -> Path:
    """Next to the packages (a checkout, an editable install), else in the working
    directory (the Docker image's /app)."""
    for root in (Path(__file__).resolve().parents[1], Path.cwd()):
        if (root / "alembic.ini").is_file():
            return root / "alembic.ini"
    raise BadInput("cannot find alembic.ini and migrations/; run this from a syn0 checkout")
