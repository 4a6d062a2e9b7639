"""``/docs`` and ``/redoc`` point only at this server: the schema and the bundles of the
installed ``fastapi-offline`` package under ``/docs-assets`` (the browser test,
tests/web/test_api_docs.py, renders them with the network cut off)."""

from __future__ import annotations

import json
import re

import pytest


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", ["/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"]),
        ("/redoc", ["/docs-assets/redoc.standalone.js"]),
    ],
)
def test_the_docs_pages_load_their_assets_from_this_server(client, page, assets):
    reply = client.get(page)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in reply.headers["content-security-policy"]
    html = reply.text
    assert "/openapi.json" in html
    assert re.findall(r"""(?:src|href)=["']?(https?:)""", html) == []  # no other host
    assert "fonts.googleapis.com" not in html and "cdn.jsdelivr.net" not in html
    for asset in assets:
        assert f"'{asset}'" in html or f'"{asset}"' in html, asset
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100_000, asset


def test_the_assets_have_their_media_types(client):
    assert client.get("/docs-assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    script = client.get("/docs-assets/redoc.standalone.js").headers["content-type"]
    assert script.startswith("text/javascript")
    assert client.get("/docs-assets/nope.js").status_code == 404


def test_the_schema_has_no_reference_a_reader_cannot_resolve(client):
    text = client.get("/openapi.json").text
    assert "$defs" not in text
    document = json.loads(text)
    names = set(document["components"]["schemas"])
    refs = set(re.findall(r'"\$ref":\s*"#/components/schemas/([^"]+)"', text))
    assert refs <= names, refs - names
