"""The issuer's routes as a litestar plugin, mounted after :class:`verify.http.plugin.VerifyPlugin`."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins import InitPlugin

from issuer.artefacts.api import ARTEFACT_ROUTES
from issuer.batches.api import batch_routes
from issuer.checkpoints import periodic_checkpoints
from issuer.console.app import console_http_errors, console_router
from issuer.http_errors import ISSUER_EXCEPTION_HANDLERS
from issuer.identity.api import IDENTITY_ROUTES
from issuer.issuing.api import ISSUING_ROUTES
from issuer.legacy.api import legacy_routes
from issuer.openapi import BEARER_COMPONENTS
from issuer.runtime import lifespan, provide_issuer, provide_principal
from registry.config import Settings


def checkpoint_lifespan(app: Litestar) -> AbstractAsyncContextManager[asyncio.Task[None]]:
    """Litestar lifespan hook for the all-in-one app: runs :func:`issuer.checkpoints.periodic_checkpoints` on
    the issuer's runtime. Append it to ``app_config.lifespan`` after the issuer runtime's own lifespan (which it
    reads). Here, not in :mod:`issuer.checkpoints`: the commands that publish a checkpoint after a batch import
    that module, and the app's runtime (litestar, redis, the PDF renderer) is not theirs to load."""
    runtime = provide_issuer(app.state)
    return periodic_checkpoints(runtime.database, lambda: runtime.keystore, runtime.settings)


class IssuerPlugin(InitPlugin):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [
                *batch_routes(self.settings),
                *ISSUING_ROUTES,
                *ARTEFACT_ROUTES,
                *IDENTITY_ROUTES,
                *legacy_routes(self.settings),
                console_router(),  # /console: the staff console (docs/console.md)
            ]
        )
        app_config.lifespan.append(lifespan(self.settings))
        app_config.lifespan.append(checkpoint_lifespan)  # a signed checkpoint at least every interval
        app_config.dependencies["issuer"] = Provide(provide_issuer, sync_to_thread=False)
        app_config.dependencies["principal"] = Provide(provide_principal)
        app_config.exception_handlers.update(ISSUER_EXCEPTION_HANDLERS)
        handlers = app_config.exception_handlers  # the framework's own refusals under /console are pages
        handlers[HTTPException] = console_http_errors(handlers[HTTPException])  # VerifyPlugin's, mounted before
        if app_config.openapi_config is not None:  # the issuer's bearer scheme (issuer.openapi)
            config = app_config.openapi_config
            existing = config.components if isinstance(config.components, list) else [config.components]
            config.components = [*existing, BEARER_COMPONENTS]
        return app_config
