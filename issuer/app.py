"""The all-in-one app (``certreg serve``): the issuer's write path with the verify routes mounted."""

from __future__ import annotations

import logging

from litestar import Litestar

from issuer.plugin import IssuerPlugin
from registry.config import Settings, load_settings
from registry.rules.profiles import get_profile
from verify.http.apidocs import openapi_config
from verify.http.plugin import VerifyPlugin

logger = logging.getLogger("certreg.app")


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    if settings.issuing.demo_mode:
        minimum = get_profile(settings.issuing.profile).notice_days
        days = settings.issuing.notice_days if settings.issuing.notice_days is not None else minimum
        logger.warning(
            "演示模式 / demo mode: CERTREG_DEMO_MODE 已开启，公示期 %d 天（规则8要求 %d 天）"
            "/ the public notice lasts %d days (rule 8 asks %d); "
            "公开页面均有提示，切勿用于正式部署 / the public pages say so. Never in a real deployment.",
            days,
            minimum,
            days,
            minimum,
        )
    return Litestar(
        plugins=[VerifyPlugin(settings), IssuerPlugin(settings)],
        openapi_config=openapi_config("certreg API"),
    )
