"""The playground page: ``GET /`` is ``web/index.html``, ``/web/...`` its static files.

Plain HTML, CSS and JavaScript modules, no build step; the page talks to the same
``/v1`` API as any other client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from syn0.kit.errors import NotFound

WEB = Path(__file__).resolve().parent.parent / "web"
PAGE_HEADERS = {
    # Browsers revalidate (a 304 on an unchanged ETag), so after an upgrade the page
    # never runs with the last release's modules.
    "Cache-Control": "no-cache",
    # The page runs only its own scripts and styles and talks only to this server: an
    # injected script or a framing page gets nowhere near the API key it keeps.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class _PageFiles(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(PAGE_HEADERS)
        return response


router = APIRouter(include_in_schema=False)
# An install without web/ (an image that did not copy it) still serves the API.
if WEB.is_dir():
    router.mount("/web", _PageFiles(directory=WEB), name="web")


@router.api_route("/", methods=["GET", "HEAD"])
def playground() -> FileResponse:
    page = WEB / "index.html"
    if not page.is_file():
        raise NotFound("the playground is not installed here (no web/index.html)")
    return FileResponse(page, headers=PAGE_HEADERS)
