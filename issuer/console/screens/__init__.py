"""The console's screens (issue 16 part B): what signed-in staff see and do, on the API's services.

:data:`SCREEN_HANDLERS` is what :func:`issuer.console.app.console_router` mounts under ``/console``: one
router whose exception table turns the services' refusals into pages (:mod:`.errors`) and whose handlers
take the signed-in staff member as ``staff`` (:func:`.render.provide_staff`, over the session's
``principal``). The sign-in, the
``principal`` dependency and the CSRF check around these handlers are :mod:`issuer.console.session`'s.
"""

from __future__ import annotations

from typing import Final

from litestar import Router
from litestar.di import Provide

from issuer.console.screens.batches import BATCH_SCREENS
from issuer.console.screens.certificates import CERTIFICATE_SCREENS
from issuer.console.screens.downloads import DOWNLOAD_SCREENS
from issuer.console.screens.errors import SCREEN_EXCEPTION_HANDLERS
from issuer.console.screens.issuing import ISSUING_SCREENS
from issuer.console.screens.render import provide_staff, stylesheet
from issuer.console.screens.trust import TRUST_SCREENS

SCREEN_HANDLERS: Final[list[Router]] = [
    Router(
        path="/",
        route_handlers=[
            stylesheet,
            *BATCH_SCREENS,
            *ISSUING_SCREENS,
            *DOWNLOAD_SCREENS,
            *CERTIFICATE_SCREENS,
            *TRUST_SCREENS,
        ],
        exception_handlers=SCREEN_EXCEPTION_HANDLERS,
        dependencies={"staff": Provide(provide_staff)},
        include_in_schema=False,
    )
]
