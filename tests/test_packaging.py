"""One import name: a non-editable install adds only the package ``syn0`` (and its
metadata) to site-packages, with the playground's files and the ``syn0`` command."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = folder.glob("syn0-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_installs_only_syn0_named_top_level_packages(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"syn0"}
    names = set(wheel.namelist())
    for package in ("api", "worker", "core", "cli", "client", "jobs", "datasets", "kit"):
        assert f"syn0/{package}/__init__.py" in names, package


def test_the_wheel_carries_the_playground_and_the_command(wheel):
    names = set(wheel.namelist())
    assert {"syn0/web/index.html", "syn0/web/style.css", "syn0/web/js/app.js"} <= names
    (entry_points,) = [name for name in names if name.endswith("entry_points.txt")]
    assert "syn0 = syn0.cli.main:main" in wheel.read(entry_points).decode()


def test_every_domain_package_is_in_the_wheel(wheel):
    names = set(wheel.namelist())
    domains = [p.parent.name for p in (ROOT / "syn0").glob("*/__init__.py")]
    assert "registry" in domains and "architectures" in domains
    missing = [d for d in domains if f"syn0/{d}/__init__.py" not in names]
    assert missing == []
