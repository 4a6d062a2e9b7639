"""Browser tests of the playground: headless Chromium (Debian's ``chromium``, driven by
Playwright) against a real API and worker on the embedded SQLite stack.

Without Chromium or Playwright the tests skip with a loud reason naming the command that
installs it, except in CI (``CI=true``), where they fail. ``make chromium`` installs
Chromium system-wide (``make test`` does so only under ``CI=true``), ``make test`` the
Playwright wheel. Each test leaves a
screenshot in a temporary folder (or in ``SYN0_SCREENSHOTS``), named after the test.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
_SHOTS: list[Path] = []


def _missing(message: str, install: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI needs it (`{install}` installs it)")
    pytest.skip(f"SKIPPED LOUDLY: {message}; the browser tests need it: run `{install}`")


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _missing("Chromium is not installed", "make chromium")
    return path


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright of the session: a second ``sync_playwright()`` started while one
    runs is refused ("Sync API inside the asyncio loop"), so every browser comes from it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed", "make test")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright):
    running = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield running
    running.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    running = Stack("embedded", tmp_path_factory.mktemp("web-stack"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("SYN0_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("playground-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    _SHOTS.append(path)
    return path


@pytest.fixture
def context(browser, stack):
    """A browser that already holds the stack's API key, as after it was entered once.

    It lets the tests' own probes (``wait_for_function``) past the page's Content
    Security Policy; ``keyless_context`` keeps the policy, and the test that uses it
    checks that the page itself never breaks it."""
    context = browser.new_context(viewport=VIEWPORT, base_url=stack.url, bypass_csp=True)
    context.add_init_script(  # about:blank has no storage to hold it
        f"if (location.protocol.startsWith('http')) "
        f"localStorage.setItem('syn0.apiKey', {json.dumps(stack.key)})"
    )
    yield context
    context.close()


@pytest.fixture
def keyless_context(browser, stack):
    """A browser that has never been given a key."""
    context = browser.new_context(viewport=VIEWPORT, base_url=stack.url)
    yield context
    context.close()


@pytest.fixture
def page(context, screenshots, request):
    """A fresh page; uncaught script errors fail the test, and the page's last state is
    saved as ``<test name>.png`` whatever the outcome."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.screenshot(path=screenshots / f"{request.node.name}.png")
    assert not errors, f"the page raised: {errors}"


def pytest_terminal_summary(terminalreporter):
    for path in _SHOTS:
        terminalreporter.write_line(f"playground screenshots: {path}")
