"""``syn0 keys``: made, listed, revoked and rotated straight in the database; and the
commands that talk to the API without a key, or with a revoked one."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from syn0.tenants.repository import KEY_FORMAT
from tests.cli.conftest import command, server_env
from tests.services import migrate


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, env=env, timeout=60)


def test_keys_are_made_listed_rotated_and_revoked_in_the_database(tmp_path):
    env = server_env(tmp_path)
    migrate(env["SYN0_DATABASE_URL"])
    # when: an admin key is made
    made = run("keys", "create", "--tenant", "ops", "--scope", "admin", env=env)
    # then: the key on stdout (for scripts), what it is on stderr
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    prefix = KEY_FORMAT.match(key)["prefix"]
    assert made.stderr == f"key {prefix} of tenant ops (admin): shown once, store it now\n"
    with closing(sqlite3.connect(tmp_path / "syn0.db")) as db:
        assert key not in str(db.execute("SELECT * FROM api_keys").fetchall())
    listed = run("keys", "ls", env=env)
    assert prefix in listed.stdout and "ops" in listed.stdout and key not in listed.stdout
    # when: rotated, then the new key, the only admin key, revoked
    rotated = run("keys", "rotate", prefix, env=env)
    new_prefix = KEY_FORMAT.match(rotated.stdout.strip())["prefix"]
    kept = run("keys", "revoke", new_prefix, env=env)
    # then: refused in one line saying what to do
    assert kept.returncode == 2 and kept.stderr.count("\n") == 1
    assert f"key {new_prefix} is the last live key with the admin scope" in kept.stderr
    assert "create another admin key first" in kept.stderr and "Traceback" not in kept.stderr
    # when: another admin key is made first
    assert run("keys", "create", "--tenant", "root", "--scope", "admin", env=env).returncode == 0
    revoked = run("keys", "revoke", new_prefix, env=env)
    # then
    assert rotated.returncode == 0 and new_prefix != prefix
    assert revoked.returncode == 0 and revoked.stderr == f"key {new_prefix} revoked\n"
    again = run("keys", "revoke", new_prefix, env=env)
    assert again.returncode == 2 and "no live key" in again.stderr
    assert run("keys", "ls", "--tenant", "nobody", env=env).returncode == 2


def test_generate_prints_a_fresh_key_and_stores_nothing(tmp_path):
    first = run("keys", "generate", env=server_env(tmp_path))
    second = run("keys", "generate", env=server_env(tmp_path))
    assert KEY_FORMAT.match(first.stdout.strip()) and first.stdout != second.stdout
    assert not (tmp_path / "syn0.db").exists()


def test_without_a_key_the_cli_says_how_to_send_one(env):
    keyless = {k: v for k, v in env.items() if k != "SYN0_API_KEY"}
    refused = run("jobs", "ls", env=keyless)
    assert refused.returncode == 2
    assert "send an API key" in refused.stderr and "SYN0_API_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the user's data folder is XDG's on Linux")
def test_keys_in_another_folder_name_the_database_and_how_to_migrate_it(tmp_path):
    # given: no SYN0_* settings, an empty user data folder, and a folder of no checkout
    data, elsewhere = tmp_path / "xdg", tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYN0_")}
    env["XDG_DATA_HOME"] = str(data)
    database = f"sqlite:///{data / 'syn0' / 'syn0.db'}"

    def syn0(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            command(*args), cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60
        )

    # when / then: no database yet: one line naming it and the command that makes it
    for args in (["keys", "ls"], ["keys", "create", "--tenant", "ops"]):
        missing = syn0(*args)
        assert missing.returncode == 2, missing.stderr
        assert missing.stderr == (
            f"error: no database at {database}; create it with `syn0 db upgrade` "
            "(set SYN0_DATA_DIR or SYN0_DATABASE_URL if yours is elsewhere)\n"
        )
        assert list(tmp_path.rglob("*")) == [elsewhere]  # nothing made, here or there
    # when / then: a schema behind this syn0's
    migrate(database, "0003")
    behind = syn0("keys", "ls")
    assert behind.returncode == 2 and behind.stderr.count("\n") == 1
    assert behind.stderr.startswith(f"error: the database {database} is at revision 0003, ")
    assert "migrate it with `syn0 db upgrade`" in behind.stderr
    # when: migrated from that folder; then the commands work there
    assert syn0("db", "upgrade").stdout == f"{database}: at revision head\n"
    assert syn0("keys", "create", "--tenant", "ops").returncode == 0
    assert "ops" in syn0("keys", "ls").stdout
    assert list(elsewhere.iterdir()) == []
