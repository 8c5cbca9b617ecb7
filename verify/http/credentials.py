"""The routes of the standards credentials (docs/credentials.md), on every verify app, replicas included:

==========================================  =====================================================  ======
``GET  /authorities/{code}/did.json``       the authority's did:web document (its keys as Multikey)  public
``GET  /v1/status/{authority}/{list}``      a signed Bitstring Status List credential                public
``GET  /v1/qr/{token}/credential``          the certificate's credential, for whoever holds the QR   public
``POST /v1/credentials``                    ``{number, name}``: the credential, as ``/v1/verify``     public / API key
==========================================  =====================================================  ======

Credentials and status lists are served as the issuer stored them (``application/vc``, the VC 2.0 media
type of a credential secured by an embedded proof); the did document is built from the key set this worker
holds. Nothing here signs: a verify replica has no private key.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter

from registry.credentials.did_web import build_did_document
from verify.http import examples
from verify.http.api import (
    COMPRESSED,
    ERRORS,
    NO_BODY_ERRORS,
    TOO_LARGE,
    UNAUTHORIZED,
    client_of,
    open_post,
    optional_api_key,
)
from verify.http.apidocs import NoValidationError, bounded
from verify.http.head import get
from verify.http.log_api import cacheable
from verify.http.problems import PROBLEM_JSON, problem_bytes, problem_spec
from verify.http.responses import RawResponse
from verify.runtime import VerifyRuntime
from verify.schemas import VerifyRequest

VC: Final = "application/vc"
DID_JSON: Final = "application/did+json"
#: A status list may change at any revocation: clients revalidate (ETag) at most a second later.
LIST_CACHE: Final = "public, max-age=1"
DID_CACHE: Final = "public, max-age=300"
CREDENTIAL_CACHE: Final = "private, no-store"  # it names the holder (hashed): no shared cache keeps it

AuthorityCode = Annotated[str, Parameter(pattern=r"^[0-9A-Za-z]{1,16}$", description="authority code (430000 …)")]
ListNumber = Annotated[int, bounded(1, 2**31 - 1, description="status list number, from 1")]

_NOT_FOUND = {
    404: problem_spec(
        404, "没有该机构或列表 / no such authority or list", "没有机构 999999 的密钥 / authority 999999 has no keys"
    ),
    400: problem_spec(400, "参数格式错误 / malformed parameter", "请求参数无效 / invalid request: list_number"),
}
_NO_CREDENTIAL = {
    404: problem_spec(
        404,
        "编号不存在、姓名不符或尚无凭证（同一答复）/ unknown number, wrong name or no credential",
        "没有与该编号和姓名（或二维码）对应的凭证 / no credential for this number and name (or QR token)",
    ),
}
#: ``GET /v1/qr/{token}/credential``: a bad token is the 404, never a 400.
_TOKEN_CREDENTIAL_ERRORS = {**NO_BODY_ERRORS, **_NO_CREDENTIAL}
#: ``POST /v1/credentials``: what ``POST /v1/verify`` answers, and the 404.
_CREDENTIAL_ERRORS = {**ERRORS, **_NO_CREDENTIAL, **UNAUTHORIZED, **COMPRESSED, **TOO_LARGE}


def _problem(status: int, message: str) -> Response[bytes]:
    return Response(problem_bytes(status, message), status_code=status, media_type=PROBLEM_JSON)


def _raw(raw: RawResponse) -> Response[bytes]:
    headers = {k.decode(): v.decode() for k, v in raw.raw_headers if k not in (b"content-type", b"content-length")}
    content_type = next((v.decode() for k, v in raw.raw_headers if k == b"content-type"), "application/json")
    return Response(raw.body, status_code=raw.status_code, media_type=content_type, headers=headers)


def _credential(data: bytes) -> Response[bytes]:
    return Response(data, media_type=VC, headers={"Cache-Control": CREDENTIAL_CACHE})


class CredentialsController(Controller):
    tags = ("标准凭证 / standards credentials",)

    @get(
        "/authorities/{code:str}/did.json",
        operation_id="getAuthorityDidDocument",
        media_type=DID_JSON,
        summary="机构的 did:web 文档 / an authority's did:web document",
        description=(
            "Every key of the authority as a `Multikey` (fragment = kid); statement keys, retired ones too, in "
            "`assertionMethod`; a compromised key carries `revoked`. `did:web:{host}:authorities:{code}` resolves "
            "here."
        ),
        responses={200: ResponseSpec(None, description="DID document"), **_NOT_FOUND},
    )
    async def did(
        self, request: Request[Any, Any, Any], code: FromPath[AuthorityCode], runtime: NamedDependency[VerifyRuntime]
    ) -> Response[bytes]:
        runtime.metrics.route["did"].inc()
        keyset = runtime.keysets.keyset
        if not any(info.authority == code for info in keyset.keys):
            return _problem(404, f"没有机构 {code} 的密钥 / authority {code} has no keys")
        document = build_did_document(runtime.settings.server.public_url, code, keyset)
        return cacheable(request, msgspec.json.encode(document), DID_JSON, DID_CACHE)

    @get(
        "/v1/status/{authority:str}/{list_number:int}",
        operation_id="getStatusList",
        media_type=VC,
        summary="撤销状态列表 / a Bitstring Status List credential",
        description=(
            "One list of 131,072 entries of an authority, signed by it; bit 1 = revoked or superseded. Changes "
            "within a second of a revocation, reissue or replacement (`Cache-Control: max-age=1`, `ETag`)."
        ),
        responses={
            200: ResponseSpec(None, description="BitstringStatusListCredential"),
            304: ResponseSpec(None, description="未变 / not modified"),
            503: ERRORS[503],
            **_NOT_FOUND,
        },
    )
    async def status_list(
        self,
        request: Request[Any, Any, Any],
        authority: FromPath[AuthorityCode],
        list_number: FromPath[ListNumber],
        runtime: NamedDependency[VerifyRuntime],
    ) -> Response[bytes]:
        runtime.metrics.route["status_list"].inc()
        data = await runtime.credentials.status_list(authority, list_number)
        if data is None:
            return _problem(404, f"没有状态列表 {authority}/{list_number} / no status list {authority}/{list_number}")
        return cacheable(request, data, VC, LIST_CACHE)

    @get(
        "/v1/qr/{token:str}/credential",
        operation_id="getCredentialByQrToken",
        operation_class=NoValidationError,
        media_type=VC,
        summary="二维码对应的凭证 / the credential of a QR token",
        description=(
            "The certificate's W3C VC 2.0 `OpenBadgeCredential` (eddsa-jcs-2022 proof) for whoever holds its QR "
            "code. A forged or altered token, or a certificate without a credential, is a 404."
        ),
        responses={200: ResponseSpec(None, description="OpenBadgeCredential"), **_TOKEN_CREDENTIAL_ERRORS},
    )
    async def qr_credential(
        self, request: Request[Any, Any, Any], token: FromPath[str], runtime: NamedDependency[VerifyRuntime]
    ) -> Response[bytes]:
        found = runtime.service.token_statement(client_of(request), token)
        if isinstance(found, RawResponse):
            return _raw(found)
        number, signed = found
        stored = await runtime.credentials.credential(number)
        if stored is None or stored[0] != signed:  # the registry must hold exactly the signed statement
            return _raw(runtime.fixed.no_credential)
        return _credential(stored[1])

    @post(
        "/v1/credentials",
        operation_id="getCredentialByNumberAndName",
        **open_post(examples.CREDENTIAL_REQUEST),
        media_type=VC,
        summary="按编号和姓名取凭证 / a certificate's credential by number and holder name",
        description=(
            "The rule of `POST /v1/verify`: the holder's name is required, and an unknown number, a wrong name "
            "and a certificate without a credential all get the same 404. Limited per client IP, or per API key "
            "with `X-API-Key`."
        ),
        responses={200: ResponseSpec(None, description="OpenBadgeCredential"), **_CREDENTIAL_ERRORS},
    )
    async def by_name(
        self, request: Request[Any, Any, Any], data: JSONBody[VerifyRequest], runtime: NamedDependency[VerifyRuntime]
    ) -> Response[bytes]:
        client = client_of(request)
        api_key = await optional_api_key(runtime, client, request)
        if isinstance(api_key, RawResponse):
            return _raw(api_key)
        number = await runtime.service.named_number(client, data, api_key)
        if isinstance(number, RawResponse):
            return _raw(number)
        stored = await runtime.credentials.credential(number)
        if stored is None:
            return _raw(runtime.fixed.no_credential)
        return _credential(stored[1])
