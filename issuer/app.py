"""The all-in-one app (``certreg serve``): the issuer's write path with the verify routes mounted."""

from __future__ import annotations

import logging

from litestar import Litestar

from issuer.plugin import IssuerPlugin
from registry.config import Settings, load_settings
from registry.rules.profiles import get_profile
from verify.http.apidocs import openapi_config, schema_plugins
from verify.http.plugin import VerifyPlugin

logger = logging.getLogger("certreg.app")


def _demo_mode_warning(settings: Settings) -> str:
    """What the log says at start-up in the demo mode: the notice period the app now has (rule 8, docs/rules.md)."""
    minimum = get_profile(settings.issuing.profile).notice_days
    days = settings.issuing.notice_days
    if days is not None and days < minimum:
        period = (
            f"公示期 {days} 天（规则8要求 {minimum} 天）/ the public notice lasts {days} days (rule 8 asks {minimum})"
        )
    else:  # `make run`: only the demo data was noticed for 0 days; new batches keep the rule's period
        kept = minimum if days is None else days
        period = (
            f"演示数据的公示期短于规则8的 {minimum} 天，新批次仍公示 {kept} 天 / the demo data was noticed for less "
            f"than rule 8's {minimum} days; new batches are noticed for {kept}"
        )
    return (
        f"演示模式 / demo mode: CERTREG_DEMO_MODE 已开启，{period}; "
        "公开页面均有提示，切勿用于正式部署 / the public pages say so. Never in a real deployment."
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    if settings.issuing.demo_mode:
        logger.warning(_demo_mode_warning(settings))
    return Litestar(
        plugins=[VerifyPlugin(settings), IssuerPlugin(settings), *schema_plugins()],
        openapi_config=openapi_config("certreg API"),
    )
