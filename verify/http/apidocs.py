"""The API documentation at ``/schema``, rendered by Redoc served from this package (no CDN, no web fonts),
so that it is readable on a machine without internet access (issue 10, item 13)."""

from __future__ import annotations

from importlib.resources import files
from typing import Final

from litestar import Response, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin

#: Where the vendored Redoc bundle is served (see ``verify/http/static/README.md``).
REDOC_PATH: Final = "/schema/assets/redoc.standalone.js"
_REDOC: Final = files("verify.http") / "static" / "redoc.standalone.js"


def openapi_config(title: str) -> OpenAPIConfig:
    """The OpenAPI settings of an app: the document at ``/schema/openapi.json``, Redoc at ``/schema``."""
    return OpenAPIConfig(
        title=title,
        version="1",
        path="/schema",
        render_plugins=[
            RedocRenderPlugin(
                js_url=REDOC_PATH, google_fonts=False, path="/redoc", favicon="<link rel='icon' href='data:,'>"
            )
        ],
    )


@get(REDOC_PATH, include_in_schema=False, sync_to_thread=False)
def redoc_bundle() -> Response[bytes]:
    """The Redoc bundle; it changes only with a release, so browsers may keep it for a day."""
    return Response(
        _REDOC.read_bytes(),
        media_type="application/javascript",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
