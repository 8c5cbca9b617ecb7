"""The JSON routes: the employer API, QR tokens as JSON, and the public key set.

Controllers only parse, call one service method and return its ready answer. The batch route's guard checks
the API key before the body is even parsed, so a request without a valid key is a 401 whatever it carries.
A client IP over the public limit is refused before its key is looked up, and every request with a missing,
unknown or revoked key counts against its IP: guessing keys is limited, and each guess may cost a query.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from verify.apikeys import key_from_headers
from verify.http.fastlane import VerifyLane
from verify.http.head import get
from verify.http.responses import RawResponse
from verify.queries import ApiKeyRecord
from verify.runtime import STATE_KEY, VerifyRuntime
from verify.schemas import BatchRequest, BatchResponse, VerifyRequest, VerifyResult

_ERRORS = {
    400: ResponseSpec(None, description="请求格式错误或编号格式错误 / malformed request or certificate number"),
    429: ResponseSpec(None, description="请求过于频繁（见 Retry-After）/ rate limited (see Retry-After)"),
    503: ResponseSpec(None, description="数据库暂时不可用（见 Retry-After）/ registry unavailable (see Retry-After)"),
}
_UNAUTHORIZED = {
    401: ResponseSpec(None, description="缺少、未知或已吊销的 API 密钥 / missing, unknown or revoked API key")
}


def client_of(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The rate-limit key of a client without an API key: its IP as the server saw it (run the server with
    its proxy-headers option behind a load balancer)."""
    return f"ip:{request.client.host}" if request.client else "ip:unknown"


async def require_api_key(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: 401 unless the request carries an unrevoked employer API key (kept in ``state.api_key``)."""
    runtime: VerifyRuntime = connection.app.state[STATE_KEY]
    client = client_of(connection)
    retry = runtime.service.before_key(client)
    if retry:
        raise HTTPException(
            "请求过于频繁 / too many requests",
            status_code=429,
            extra={"retry_after": retry},
            headers={"Retry-After": str(retry)},
        )
    key = key_from_headers(connection.headers)
    if key is None:
        runtime.service.bad_key(client)
        raise NotAuthorizedException(
            "需要 API 密钥 / an API key is required (X-API-Key or Authorization: Bearer)",
            headers={"WWW-Authenticate": 'Bearer realm="certreg"'},
        )
    record = await runtime.api_keys.resolve(key)
    if record is None:
        runtime.service.bad_key(client)
        raise NotAuthorizedException(
            "API 密钥无效或已吊销 / the API key is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="certreg", error="invalid_token"'},
        )
    connection.state["api_key"] = record


class VerifyApi(Controller):
    path = "/v1"
    tags = ("查验 / verification",)

    @post(
        "/verify",
        status_code=200,
        middleware=[VerifyLane],
        request_max_body_size=16 * 1024,
        security=[{}, {"employerApiKey": []}],
        summary="查验一张证书 / verify one certificate by number and holder name",
        description=(
            "The holder's name is required: a number alone reveals nothing, and a wrong name gives exactly the "
            "answer an unknown number gives (`not_found`). A malformed number is a 400. No API key is needed "
            "(limited per client IP); with `X-API-Key` the key's limit applies instead."
        ),
        responses={200: ResponseSpec(VerifyResult, description="查验结论 / the verdict"), **_ERRORS, **_UNAUTHORIZED},
    )
    async def verify(
        self, request: Request[Any, Any, Any], data: JSONBody[VerifyRequest], runtime: NamedDependency[VerifyRuntime]
    ) -> RawResponse:
        key = key_from_headers(request.headers)
        record: ApiKeyRecord | None = None
        if key is not None:
            client = client_of(request)
            retry = runtime.service.before_key(client)
            if retry:
                return runtime.fixed.too_many(None, retry)
            record = await runtime.api_keys.resolve(key)
            if record is None:
                runtime.service.bad_key(client)
                return runtime.fixed.bad_key
        return await runtime.service.verify(client_of(request), data, record)

    @post(
        "/verify/batch",
        status_code=200,
        guards=[require_api_key],
        request_max_body_size=1024 * 1024,
        security=[{"employerApiKey": []}],
        summary="批量查验（最多 1000 张）/ verify up to 1,000 certificates",
        description=(
            "Requires an employer API key (`X-API-Key: …` or `Authorization: Bearer …`, made with `certreg "
            "apikeys create`). 1 to 1,000 items; each counts against the key's per-minute limit. Results come in "
            "the order of the items; a malformed number gives that item `invalid_number`."
        ),
        responses={
            200: ResponseSpec(BatchResponse, description="每项一个结论 / one verdict per item"),
            **_ERRORS,
            **_UNAUTHORIZED,
        },
    )
    async def verify_batch(
        self, request: Request[Any, Any, Any], data: JSONBody[BatchRequest], runtime: NamedDependency[VerifyRuntime]
    ) -> RawResponse:
        return await runtime.service.verify_batch(request.state["api_key"], data.items)

    @get(
        "/qr/{token:str}",
        summary="查验二维码令牌 / verify a QR token (what /q/{token} shows, as JSON)",
        description=(
            "Checks the token's signature against the key set, that the registry holds exactly the signed "
            "statement, and adds the current status. A forged, altered, truncated or oversized token is a 200 "
            "with `result: not_genuine` and the reason: a failed verification is a verdict, not an error."
        ),
        responses={200: ResponseSpec(VerifyResult, description="查验结论 / the verdict"), **_ERRORS},
    )
    async def qr(
        self, request: Request[Any, Any, Any], token: FromPath[str], runtime: NamedDependency[VerifyRuntime]
    ) -> RawResponse:
        return await runtime.service.token(client_of(request), token, None)

    @get(
        "/keys",
        summary="公钥集 / the public key set",
        description="Every key ever used, with validity and status, for offline verification (`certreg verify-token "
        "--keys`). Strong `ETag`; `If-None-Match` gives 304.",
        responses={
            200: ResponseSpec(None, description="KeySet JSON"),
            304: ResponseSpec(None, description="未变 / not modified"),
        },
    )
    async def keys(self, request: Request[Any, Any, Any], runtime: NamedDependency[VerifyRuntime]) -> RawResponse:
        runtime.metrics.route["keys"].inc()
        return runtime.key_answers.answer(request.headers.get("if-none-match"))
