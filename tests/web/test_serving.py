"""How the API serves the page (no browser needed): the HTML at ``/``, every module it
loads under ``/web/``, revalidated on each load, and none of it in the API's schema."""

from __future__ import annotations

import re

from syn0.api.web import WEB


def test_the_page_and_every_module_it_imports_are_served(stack):
    page = stack.client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"

    modules = [p.relative_to(WEB).as_posix() for p in sorted((WEB / "js").glob("*.js"))]
    for module in modules:
        imports = re.findall(r'from "\./([\w-]+\.js)"', (WEB / module).read_text())
        assert all(f"js/{name}" in modules for name in imports), module
        reply = stack.client.get(f"/web/{module}")
        assert reply.status_code == 200, module
        assert reply.headers["content-type"].startswith("text/javascript")
        assert reply.headers["cache-control"] == "no-cache"
    assert stack.client.get("/web/style.css").headers["content-type"].startswith("text/css")


def test_nothing_else_is_served_and_the_schema_is_the_apis(stack):
    missing = stack.client.get("/web/nope.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert stack.client.get("/web/../api/app.py").status_code == 404
    paths = stack.client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if not path.startswith(("/v1/", "/healthz", "/readyz"))]
