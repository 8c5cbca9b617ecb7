"""Refusals on the console's screens as pages: the SAME status and message as the API gives.

The status comes from the app's one exception → HTTP table (:data:`verify.http.errors.EXCEPTION_HANDLERS`
with :data:`issuer.http_errors.ISSUER_EXCEPTION_HANDLERS`): the handler the API would use is called and its
status kept, so a screen can never disagree with the API about a refusal. The message is the exception's
(the API's ``error`` member, Chinese / English). One difference, on purpose: an institution that reaches
another institution's batch or certificate gets the policy's "not found" (it must not learn what exists
elsewhere) with 403 — on a screen "not yours" and "not there" are one refusal, and nothing of the record
is shown.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import ValidationException

from issuer.auth.principal import Principal
from issuer.auth.roles import Role
from issuer.batches.errors import BatchRequestError
from issuer.console.screens.render import PRINCIPAL_KEY, render
from issuer.errors import BatchStateError, Forbidden, InvalidInputError, UploadError
from issuer.http_errors import ISSUER_EXCEPTION_HANDLERS
from issuer.issuing.errors import IneligibleError
from registry.errors import ConflictError, NotFoundError, RegistryError
from registry.tabular import TableError
from verify.http.errors import EXCEPTION_HANDLERS, Handler, validation_message, wire_names

#: The app's table, issuer rows over verify's (the order :class:`issuer.app` registers them in).
_TABLE: Final[dict[type[Exception] | int, Handler]] = {**EXCEPTION_HANDLERS, **ISSUER_EXCEPTION_HANDLERS}


def api_status(request: Request[Any, Any, Any], exc: Exception) -> int:
    """The status the API answers ``exc`` with (the most specific row of the table)."""
    for cls in type(exc).__mro__:
        handler = _TABLE.get(cls)
        if handler is not None:
            return handler(request, exc).status_code or 500
    return 500  # pragma: no cover - ``Exception`` is a row of the table


def refusal_page(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """The refusal as a page: the API's status and message, the rows' problems for an issue refused."""
    principal = request.state.get(PRINCIPAL_KEY)
    principal = principal if isinstance(principal, Principal) else None
    status = api_status(request, exc)
    if isinstance(exc, NotFoundError) and principal is not None and principal.role is Role.INSTITUTION:
        status = 403
    message = str(exc)
    if isinstance(exc, ValidationException):
        message = validation_message(exc, wire_names(request))
    problems = exc.problems if isinstance(exc, IneligibleError) else []
    return render(
        request, principal, "refused.html", status_code=status, status=status, message=message, problems=problems
    )


#: The rows of the app's table whose answer is the exception's own message, paged on the screens' router.
#: Litestar picks the most specific class over every layer, so each row is named again here (a row left
#: out would answer JSON). Anything else — a corrupt log, a bug — still gets the app's answer (a logged
#: 503 or 500 with a fixed message; nothing internal is echoed).
PAGED: Final = (
    Forbidden,
    BatchStateError,
    BatchRequestError,
    UploadError,
    TableError,
    InvalidInputError,
    IneligibleError,
    NotFoundError,
    ConflictError,
    RegistryError,
    ValidationException,
)
SCREEN_EXCEPTION_HANDLERS: Final[dict[type[Exception] | int, Handler]] = dict.fromkeys(PAGED, refusal_page)
