"""The stand-alone verify app: the public read path alone, with no private key and no write access.

Run it with ``granian --interface asgi verify.asgi:app`` (or uvicorn) given only ``CERTREG_DATABASE_URL``
(a read replica is fine), ``CERTREG_REDIS_URL`` and the public key set in the database.
"""

from __future__ import annotations

from litestar import Litestar

from registry.config import Settings, load_settings
from verify.http.apidocs import openapi_config, schema_plugins
from verify.http.plugin import VerifyPlugin


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    return Litestar(
        plugins=[VerifyPlugin(settings), *schema_plugins()],
        openapi_config=openapi_config("certreg verify API"),
    )
