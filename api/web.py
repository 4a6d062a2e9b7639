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

from api.errors import NotFound

WEB = Path(__file__).resolve().parent.parent / "web"
# Browsers revalidate (a 304 on an unchanged ETag), so after an upgrade the page never
# runs with the last release's modules.
REVALIDATE = {"Cache-Control": "no-cache"}


class _RevalidatedFiles(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(REVALIDATE)
        return response


router = APIRouter(include_in_schema=False)
# An install without web/ (an image that did not copy it) still serves the API.
if WEB.is_dir():
    router.mount("/web", _RevalidatedFiles(directory=WEB), name="web")


@router.api_route("/", methods=["GET", "HEAD"])
def playground() -> FileResponse:
    page = WEB / "index.html"
    if not page.is_file():
        raise NotFound("the playground is not installed here (no web/index.html)")
    return FileResponse(page, headers=REVALIDATE)
