"""The documentation states the code's defaults: every setting is in the README's
configuration table, and every default a page gives for a ``SYN0_*`` setting is the
one ``Settings`` has."""

import re
from pathlib import Path

import pytest

from syn0.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ROW = re.compile(r"^\| `SYN0_(?P<name>[A-Z0-9_]+)` \| (?P<default>[^|]+?) \|", re.M)
UNITS = {"GiB": 2**30, "MiB": 2**20}
# Defaults that depend on the machine; tests/store/test_settings.py checks the documented
# one on Linux.
PER_MACHINE = {"data_dir"}


def _rows(page: Path) -> list[tuple[str, str]]:
    return [(match["name"].lower(), match["default"]) for match in ROW.finditer(page.read_text())]


def _documented(text: str):
    """A table's default as a value: ``unset`` is None, `code` is its text, numbers may
    carry thousands separators and a binary unit (``2 GiB``)."""
    if text == "unset":
        return None
    if text.startswith("`"):
        return text.strip("`")
    number, _, unit = text.replace(",", "").partition(" ")
    return float(number) * UNITS.get(unit, 1)


def _actual(name: str):
    value = Settings.model_fields[name].get_default(call_default_factory=True)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return float(value)
    return value if value is None or isinstance(value, str) else str(value)


def test_every_setting_is_in_the_readmes_configuration_table():
    documented = {name for name, _ in _rows(ROOT / "README.md")}
    assert set(Settings.model_fields) - documented == set()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_documented_defaults_are_the_codes(page):
    wrong = {
        name: (default, _actual(name))
        for name, default in _rows(page)
        if name not in PER_MACHINE and "<" not in default and _documented(default) != _actual(name)
    }
    assert wrong == {}, f"{page.name}: documented default vs Settings"
