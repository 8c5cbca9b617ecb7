"""The console's screens (issue 16 part B): each module's handlers are listed in :data:`SCREEN_HANDLERS`,
which :func:`issuer.console.app.console_router` mounts under ``/console``."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

SCREEN_HANDLERS: list[HTTPRouteHandler] = []
