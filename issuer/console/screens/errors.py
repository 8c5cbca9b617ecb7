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
from urllib.parse import quote

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
from verify.http.choices import enum_choices
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


#: The lists a refusal page falls back to: (href, Chinese, English).
_BATCHES: Final = ("/console/batches", "返回批次列表", "Back to the batches")
_SEARCH: Final = ("/console/certificates", "返回证书查询", "Back to the certificate search")


def back_link(request: Request[Any, Any, Any]) -> tuple[str, str, str]:
    """Where the refusal page leads back to (href, Chinese, English): the batch, certificate or upload the
    refused form was on (found again from a list, what was typed is harder to put right), else a list; when
    that page itself was refused, its list."""
    params = request.path_params
    if "batch_id" in params:
        back, listed = (f"/console/batches/{params['batch_id']}", "返回该批次", "Back to the batch"), _BATCHES
    elif "number" in params:
        number = quote(str(params["number"]), safe="")
        back, listed = (f"/console/certificates/{number}", "返回该证书", "Back to the certificate"), _SEARCH
    elif request.url.path == "/console/batches/new":
        back, listed = ("/console/batches/new", "返回上传页面", "Back to the upload"), _BATCHES
    else:
        listed = _SEARCH if request.url.path.startswith("/console/certificates") else _BATCHES
        back = listed
    return listed if back[0] == request.url.path and request.method == "GET" else back


def refusal_page(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """The refusal as a page: the API's status and message, the rows' problems for an issue refused."""
    principal = request.state.get(PRINCIPAL_KEY)
    principal = principal if isinstance(principal, Principal) else None
    status = api_status(request, exc)
    if isinstance(exc, NotFoundError) and principal is not None and principal.role is Role.INSTITUTION:
        status = 403
    message = str(exc)
    if isinstance(exc, ValidationException):
        message = validation_message(exc, wire_names(request), enum_choices(request))
    problems = exc.problems if isinstance(exc, IneligibleError) else []
    return render(
        request,
        principal,
        "refused.html",
        status_code=status,
        status=status,
        message=message,
        problems=problems,
        back=back_link(request),
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
