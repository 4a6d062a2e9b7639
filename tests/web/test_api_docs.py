"""``/docs`` and ``/redoc`` in headless Chromium with no way out of this machine: every
name but 127.0.0.1 resolves nowhere and every other host goes through a proxy that is
not there. The pages must still list the API's operations, and ask for nothing but
this server's own files."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.web.conftest import CHROMIUM_ARGS, VIEWPORT, chromium_path

OFFLINE_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",  # nothing listens on the discard port
    "--proxy-bypass-list=127.0.0.1",  # ...but for this server itself
]


@pytest.fixture(scope="module")
def offline_browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *OFFLINE_ARGS]
    )
    yield browser
    browser.close()


@pytest.fixture
def offline_page(offline_browser, stack, screenshots, request):
    """A page whose every request is recorded; script errors fail the test."""
    context = offline_browser.new_context(viewport=VIEWPORT, base_url=stack.url)
    page = context.new_page()
    page.requested, page.errors, page.failed = [], [], {}
    page.on("request", lambda r: page.requested.append(r.url))
    page.on("requestfailed", lambda r: page.failed.update({r.url: r.failure}))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    page.screenshot(path=screenshots / f"{request.node.name}.png", full_page=False)
    context.close()
    assert not page.errors, f"the page raised: {page.errors}"


def _only_this_server(page, stack) -> None:
    """Nothing left for another host: what the page's own scripts would load from
    elsewhere (ReDoc's vendor logo) is stopped by its Content-Security-Policy first."""
    ours = urlsplit(stack.url).netloc
    elsewhere = {url for url in page.requested if urlsplit(url).netloc not in (ours, "")}
    sent = {url for url in elsewhere if page.failed.get(url) != "csp"}
    assert sent == set(), f"the page asked another host for {sent}: {page.failed}"


def test_the_network_is_really_cut_off(offline_browser):
    context = offline_browser.new_context()
    try:
        with pytest.raises(Exception, match="net::ERR_"):
            context.new_page().goto("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/")
    finally:
        context.close()


def test_swagger_ui_lists_the_operations_offline(offline_page, stack):
    offline_page.goto("/docs")
    submit = offline_page.locator(".opblock-post .opblock-summary-path[data-path='/v1/jobs']")
    submit.wait_for(timeout=30_000)
    assert submit.is_visible()
    paths = offline_page.locator(".opblock-summary-path").evaluate_all(
        "nodes => nodes.map(n => n.dataset.path)"
    )
    assert {"/v1/jobs", "/v1/datasets", "/v1/models/{model_id}/predict"} <= set(paths)
    assert len(paths) >= 30  # every operation, not a stray few
    _only_this_server(offline_page, stack)
    assert any(url.endswith("/docs-assets/swagger-ui-bundle.js") for url in offline_page.requested)


def test_redoc_renders_the_operations_offline(offline_page, stack):
    offline_page.goto("/redoc")
    # ReDoc draws each operation with its verb and path; submit is "post /v1/jobs"
    operation = offline_page.locator("[data-section-id='operation/submit_job_v1_jobs_post']")
    operation.wait_for(timeout=30_000)
    assert "/v1/jobs" in operation.inner_text()
    menu = offline_page.locator("[role=menuitem]").all_inner_texts()
    assert len(menu) >= 30
    _only_this_server(offline_page, stack)
    assert any(url.endswith("/docs-assets/redoc.standalone.js") for url in offline_page.requested)
