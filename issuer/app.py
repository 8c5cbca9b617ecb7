"""The all-in-one app (``certreg serve``): the issuer's write path with the verify routes mounted."""

from __future__ import annotations

from litestar import Litestar

from issuer.plugin import IssuerPlugin
from registry.config import Settings, load_settings
from verify.http.apidocs import openapi_config
from verify.http.plugin import VerifyPlugin


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    return Litestar(
        plugins=[VerifyPlugin(settings), IssuerPlugin(settings)],
        openapi_config=openapi_config("certreg API"),
    )
