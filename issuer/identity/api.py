"""HTTP: the province admin reads one certificate's full identity (``docs/identity.md``).

==============================================  ================  ======
``POST /v1/certificates/{n}/identity``          province admin;   200
                                                body ``{"reason"}``
==============================================  ================  ======

A POST, not a GET: the read is a change (an ``identity.read`` event in the transparency log), and the reason
travels in the body, never in a URL that proxies log. The answer is ``Cache-Control: no-store``.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, post
from litestar.params import FromPath, JSONBody

from issuer import openapi_examples as examples
from issuer.identity.reads import IdentityRecord, read_identity
from issuer.injected import Caller, Runtime
from issuer.openapi import REASON_REQUIRED, documented
from issuer.text_checks import Reason
from verify.http.problems import ok


class IdentityReadRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason


class IdentityController(Controller):
    path = "/v1/certificates"

    @post(
        "/{number:str}/identity",
        status_code=200,
        **documented(
            "readCertificateIdentity",
            "查看持证人完整身份（记入透明日志）/ read the holder's full identity (logged)",
            errors=(400, 401, 403, 404, 503),
            answers={200: ok(IdentityRecord, "完整身份，不缓存 / the full identity, never cached", examples.IDENTITY)},
            error_examples={400: REASON_REQUIRED},
        ),
    )
    async def read(
        self, number: FromPath[str], data: JSONBody[IdentityReadRequest], issuer: Runtime, principal: Caller
    ) -> Response[IdentityRecord]:
        """查看完整身份信息: the holder's full document number; logged as ``identity.read`` (who, whose, why)."""
        record = await read_identity(issuer.database, issuer.settings, principal, number, reason=data.reason)
        return Response(record, headers={"Cache-Control": "no-store"})


IDENTITY_ROUTES = [IdentityController]
