"""The verify routes as a litestar plugin, so the stand-alone verify app and the all-in-one issuer app
mount exactly the same thing."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPlugin

from registry.config import Settings
from registry.observability.logs import configure_logging
from verify.http.allow import RouteAllow
from verify.http.api import VerifyApi
from verify.http.apidocs import DocsPolicy, redoc_bundle
from verify.http.bodies import StrictJsonRequest
from verify.http.cors import PublicCors
from verify.http.credentials import CredentialsController
from verify.http.edge import install_edge
from verify.http.encoding import RefuseContentEncoding
from verify.http.errors import EXCEPTION_HANDLERS
from verify.http.head import HeadWithoutBody
from verify.http.health import HealthController
from verify.http.log_api import LogController
from verify.http.ops import MetricsController
from verify.http.person import PersonPages
from verify.http.repeated import RefuseRepeatedQuery
from verify.http.web import PublicPages
from verify.runtime import lifespan, provide_runtime


class VerifyPlugin(InitPlugin):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        configure_logging(self.settings.server.log_level)
        app_config.logging_config = None  # litestar's own would replace the JSON handler with a text one
        app_config.route_handlers.extend(
            [
                HealthController,
                PublicPages,
                PersonPages,
                VerifyApi,
                CredentialsController,
                LogController,
                MetricsController,
                redoc_bundle,
            ]
        )
        app_config.request_class = StrictJsonRequest  # bodies read as sent (verify/http/bodies.py)
        app_config.middleware.append(PublicCors)
        app_config.middleware.append(RouteAllow)  # litestar 2's OPTIONS forgot methods (verify/http/allow.py)
        app_config.middleware.append(HeadWithoutBody)
        app_config.middleware.append(RefuseContentEncoding)
        app_config.middleware.append(DocsPolicy)
        app_config.middleware.append(RefuseRepeatedQuery)  # ?lang=en&lang=zh is ambiguous (verify/http/repeated.py)
        app_config.lifespan.append(lifespan(self.settings))
        app_config.on_startup.append(install_edge(self.settings))
        app_config.dependencies["runtime"] = Provide(provide_runtime, sync_to_thread=False)
        app_config.exception_handlers.update(EXCEPTION_HANDLERS)
        if app_config.openapi_config is not None:
            config = app_config.openapi_config
            existing = config.components if isinstance(config.components, list) else [config.components]
            config.components = [*existing, API_KEY_COMPONENTS]
        return app_config


#: How employers authenticate (``certreg apikeys create``); referenced by the batch route's ``security``.
API_KEY_COMPONENTS = Components(
    security_schemes={
        "employerApiKey": SecurityScheme(
            type="apiKey",
            name="X-API-Key",
            security_scheme_in="header",
            description="用人单位 API 密钥 / employer API key (also accepted as `Authorization: Bearer <key>`)",
        )
    }
)
