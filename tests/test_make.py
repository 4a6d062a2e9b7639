"""The Makefile's promises, read with ``make -n`` (which prints a target's commands and
runs none): ``make test`` installs Chromium system-wide only under ``CI=true`` (or
``make chromium``), and ``make run`` keeps its data in the checkout's ``var/``. Without
Chromium the browser tests skip naming ``make chromium``, and fail under ``CI=true``."""

import os
import subprocess

import pytest

from tests.services import ROOT
from tests.web.conftest import chromium_path

MAKE_STATE = ("CI", "SYN0_DATA_DIR", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


def dry_run(*targets: str, **env: str) -> str:
    """What ``make -n TARGETS`` would run, with ``env`` instead of the caller's CI and
    data folder."""
    clean = {k: v for k, v in os.environ.items() if k not in MAKE_STATE}
    done = subprocess.run(
        ["make", "-n", *targets],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def test_make_test_installs_chromium_only_under_ci_or_when_asked():
    assert "apt-get" not in dry_run("test")
    assert "apt-get" not in dry_run("test", CI="false")
    assert "apt-get install -y -q chromium" in dry_run("test", CI="true")
    assert "apt-get install -y -q chromium" in dry_run("chromium")


def test_ci_installs_chromium_whatever_its_environment_says():
    last = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1].split()
    assert last[0] == "make"
    assert "apt-get install -y -q chromium" in dry_run(*last[1:])


def test_make_run_keeps_its_data_in_the_checkouts_var():
    assert f"SYN0_DATA_DIR='{ROOT / 'var'}' .venv/bin/syn0 serve" in dry_run("run")
    assert "SYN0_DATA_DIR='/srv/syn0' .venv/bin/syn0 serve" in dry_run(
        "run", SYN0_DATA_DIR="/srv/syn0"
    )


def test_without_chromium_the_browser_tests_skip_naming_make_chromium(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"SKIPPED LOUDLY: .* run `make chromium`"):
        chromium_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed; CI needs it"):
        chromium_path()
