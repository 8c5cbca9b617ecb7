"""The JSON routes: the employer API, QR tokens as JSON, and the public key set.

Controllers only parse, call one service method and return its ready answer. The batch route's guard checks
the API key before the body is even parsed, so a request without a valid key is a 401 whatever it carries.
The key is checked **first**: a valid key's own limit governs its requests, whatever the public limit of
its IP says (issue 10, item 8). Every request with a missing, unknown or revoked key counts against its IP,
and from an IP over the public limit such a request is a 429; keys from such an IP are looked up only
within a bounded budget (:meth:`verify.service.ReadService.may_look_up`), so guessing keys stays limited.
"""

from __future__ import annotations

from typing import Any, cast

from litestar import Controller, Request, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from keys.keyset import KeySet
from verify.apikeys import key_from_headers
from verify.http import examples
from verify.http.apidocs import NoValidationError, request_example
from verify.http.errors import RefusedError
from verify.http.fastlane import VerifyLane
from verify.http.fixed import PERSON_NOT_OFFERED, PERSON_NOT_OFFERED_CODE
from verify.http.head import get
from verify.http.problems import ok, problem, problem_causes, problem_spec
from verify.http.responses import RawResponse
from verify.queries import ApiKeyRecord
from verify.runtime import STATE_KEY, VerifyRuntime
from verify.schemas import (
    BatchRequest,
    BatchResponse,
    PersonResult,
    PublicCertificateResult,
    VerifyQuery,
    VerifyResult,
)

_NO_CERTIFICATE = "没有该编号的证书 / no certificate with this number"
_UNAVAILABLE = "查询服务暂时不可用，请稍后重试 / the registry cannot be read right now; retry later"
ERRORS = {
    400: problem_spec(
        400,
        "请求格式错误或编号格式错误 / malformed request or certificate number",
        "证书编号格式错误：长度不对 / invalid certificate number: wrong length",
    ),
    429: problem_spec(
        429, "请求过于频繁（见 Retry-After）/ rate limited (see Retry-After)", "请求过于频繁 / too many requests"
    ),
    503: problem_spec(503, "数据库暂时不可用（见 Retry-After）/ registry unavailable (see Retry-After)", _UNAVAILABLE),
}
#: The routes that take a person look-up (``/v1/verify``, ``/v1/verify/batch``): their 503 has a second cause, a
#: deployment without the id-hash key, which no retry helps (docs/verify.md "Person look-up").
PERSON_ERRORS = {
    **ERRORS,
    503: problem_causes(
        "数据库暂时不可用（见 Retry-After）；或按证件查询：本服务未开通（code person.not_offered，无 Retry-After，"
        "重试无用）/ registry unavailable (see Retry-After); or, for a look-up by identity document: not offered "
        "by this deployment (code person.not_offered, no Retry-After: retrying does not help)",
        [
            ("数据库暂时不可用 / registry unavailable", problem(503, _UNAVAILABLE)),
            (
                "未开通按证件查询 / look-up by identity document not offered",
                problem(503, PERSON_NOT_OFFERED, code=PERSON_NOT_OFFERED_CODE),
            ),
        ],
    ),
}
#: A compressed body (verify.http.encoding): no route decodes one.
COMPRESSED = {
    415: problem_spec(
        415,
        "请求体不能压缩（Content-Encoding）/ a compressed request body (Content-Encoding) is not supported",
        "不支持压缩的请求体，请直接发送未压缩的内容 / a compressed request body (Content-Encoding) is not "
        "supported; send it uncompressed",
    )
}
#: A body past the route's ``request_max_body_size`` (verify.http.errors names the limit).
TOO_LARGE = {
    413: problem_spec(
        413,
        "请求体超过本接口的上限 / the request body is past the route's limit",
        "请求内容过大（上限 16,384 字节） / Request Entity Too Large (the limit is 16,384 bytes)",
    )
}
#: What a route that reads no body and no number answers besides its 200: a QR token holds no number to be
#: malformed, and a bad one is a verdict (or the credential's 404), never a 400.
NO_BODY_ERRORS = {status: spec for status, spec in ERRORS.items() if status != 400}
UNAUTHORIZED = {
    401: problem_spec(
        401,
        "缺少、未知或已吊销的 API 密钥 / missing, unknown or revoked API key",
        "API 密钥无效或已吊销 / the API key is unknown or revoked",
    )
}


def open_post(example: Any) -> dict[str, Any]:
    """Decorator arguments of a JSON ``POST`` anyone may call (limited per client IP; an employer API key, if
    given, brings its own limit): ``example`` as the request's example, 200 on success, a body of 16 KiB at
    most."""
    return {
        "operation_class": request_example(example),
        "status_code": 200,
        "request_max_body_size": 16 * 1024,
        "security": [{}, {"employerApiKey": []}],
    }


def client_of(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The rate-limit key of a client without an API key: its IP, behind trusted proxies the one they
    vouch for (:mod:`verify.http.edge` rewrote the scope's client)."""
    return f"ip:{request.client.host}" if request.client else "ip:unknown"


def keys_repeated(headers: Headers) -> bool:
    """Whether ``X-API-Key`` or ``Authorization`` comes more than once (or two values joined by a comma, which
    no key holds): the first was believed, whichever one a proxy in front had checked or counted."""
    return any(
        len([part for value in headers.getall(name, []) for part in value.split(",")]) > 1
        for name in ("x-api-key", "authorization")
    )


async def api_key_of(runtime: VerifyRuntime, client: str, key: str | None) -> ApiKeyRecord | RawResponse:
    """The record of a valid ``key``, or the ready refusal: 429 when ``client`` is over the public limit,
    else 401 (and the request counts against the IP). Raises ServiceUnavailableError."""
    service = runtime.service
    retry = service.ip_over(client)
    record: ApiKeyRecord | None = None
    if key is not None:
        remembered, record = runtime.api_keys.remembered(key)
        if not remembered and (not retry or service.may_look_up(client)):
            record = await runtime.api_keys.resolve(key)
    if record is not None:
        return record
    if retry:
        return service.refused_ip(retry)
    service.bad_key(client)
    return runtime.fixed.missing_key if key is None else runtime.fixed.bad_key


async def optional_api_key(
    runtime: VerifyRuntime, client: str, request: Request[Any, Any, Any]
) -> ApiKeyRecord | RawResponse | None:
    """For a route open to the public and to keys: ``None`` when the request carries no API key (the
    per-IP limit applies), the key's record when it carries a valid one, else the ready refusal (see
    :func:`api_key_of`)."""
    if keys_repeated(request.headers):
        return runtime.fixed.repeated_key
    key = key_from_headers(request.headers)
    return None if key is None else await api_key_of(runtime, client, key)


async def require_api_key(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: 401 (or 429, see :func:`api_key_of`) unless the request carries an unrevoked employer API key
    (kept in ``state.api_key``)."""
    runtime: VerifyRuntime = connection.app.state[STATE_KEY]
    if keys_repeated(connection.headers):
        raise RefusedError(runtime.fixed.repeated_key)
    found = await api_key_of(runtime, client_of(connection), key_from_headers(connection.headers))
    if isinstance(found, RawResponse):
        raise RefusedError(found)
    connection.state["api_key"] = found


class VerifyApi(Controller):
    path = "/v1"
    tags = ("查验 / verification",)

    @post(
        "/verify",
        operation_id="verifyCertificate",
        **open_post(examples.VERIFY_REQUEST),
        middleware=[VerifyLane],
        summary="查验一张证书，或查询一人的全部证书 / verify one certificate, or list a person's certificates",
        description=(
            "Two modes; the holder's name is required in both. `{number, name}` checks one certificate and "
            "answers a `VerifyResult`: a number alone reveals nothing, and a wrong name gives exactly the answer "
            "an unknown number gives (`not_found`); a malformed number is a 400. `{name, id_type, id_number}` "
            "lists every certificate of the person holding that identity document and answers a `PersonResult`: "
            "an unknown document, another name and a person without certificates all get the same `not_found`; "
            "a malformed document number is a 400 naming the rule it breaks. No API key is needed (limited per "
            "client IP, and person look-ups also per document); with `X-API-Key` the key's limit applies instead."
        ),
        responses={
            200: ok(
                cast("Any", VerifyResult | PersonResult),  # a union is a valid schema; the stub says type only
                "查验结论，或按证件查到的证书 / the verdict, or the person's certificates",
                examples.VERIFY_RESULT,
                summary="有效 / valid",
            ),
            **PERSON_ERRORS,
            **UNAUTHORIZED,
            **COMPRESSED,
            **TOO_LARGE,
        },
    )
    async def verify(
        self, request: Request[Any, Any, Any], data: JSONBody[VerifyQuery], runtime: NamedDependency[VerifyRuntime]
    ) -> RawResponse:
        client = client_of(request)
        found = await optional_api_key(runtime, client, request)
        if isinstance(found, RawResponse):
            return found
        by_number = data.by_number
        if by_number is not None:
            return await runtime.service.verify(client, by_number, found)
        if runtime.person is None:
            return runtime.fixed.person_not_offered_json
        return await runtime.person.api(client, data, found)

    @post(
        "/verify/batch",
        operation_id="verifyBatch",
        operation_class=request_example(examples.BATCH_REQUEST),
        status_code=200,
        guards=[require_api_key],
        request_max_body_size=1024 * 1024,
        security=[{"employerApiKey": []}],
        summary="批量查验（最多 1000 张）/ verify up to 1,000 certificates",
        description=(
            "Requires an employer API key (`X-API-Key: …` or `Authorization: Bearer …`, made with `certreg "
            "apikeys create`). 1 to 1,000 items, each `{number, name}` or `{name, id_type, id_number}` (mixed "
            "freely); each counts against the key's per-minute limit. Results come in the order of the items; a "
            "malformed number gives that item `invalid_number`, a malformed document `invalid_id_number`."
        ),
        responses={
            200: ok(
                BatchResponse,
                "每项一个结论 / one verdict per item",
                examples.BATCH_RESPONSE,
                summary="两项 / two items",
            ),
            **PERSON_ERRORS,
            **UNAUTHORIZED,
            **COMPRESSED,
            **TOO_LARGE,
        },
    )
    async def verify_batch(
        self, request: Request[Any, Any, Any], data: JSONBody[BatchRequest], runtime: NamedDependency[VerifyRuntime]
    ) -> RawResponse:
        return await runtime.service.verify_batch(request.state["api_key"], data.items)

    @get(
        "/certificates/{number:str}",
        operation_id="getCertificate",
        guards=[require_api_key],
        security=[{"employerApiKey": []}],
        summary="证书公开信息与状态 / a certificate's public view and status",
        description=(
            "Requires an employer API key. The certificate's public facts (kind, occupation or project, level, "
            "institution, issuing authority, issue date, log entry) and its current status — never its holder: a "
            "number alone yields no name (check the name with `POST /v1/verify`). Counts against the key's limit."
        ),
        responses={
            200: ok(
                PublicCertificateResult,
                "公开信息与状态 / public view and status",
                examples.PUBLIC_CERTIFICATE,
                summary="有效 / valid",
            ),
            404: problem_spec(
                404,
                "没有该编号的证书 / no certificate with this number",
                "没有该编号的证书 / no certificate with this number",
            ),
            **ERRORS,
            **UNAUTHORIZED,
        },
    )
    async def certificate(
        self, request: Request[Any, Any, Any], number: FromPath[str], runtime: NamedDependency[VerifyRuntime]
    ) -> RawResponse:
        return await runtime.service.public_certificate(request.state["api_key"], number)

    @get(
        "/qr/{token:str}",
        operation_id="verifyQrToken",
        operation_class=NoValidationError,
        summary="查验二维码令牌 / verify a QR token (what /q/{token} shows, as JSON)",
        description=(
            "Checks the token's signature against the key set, that the registry holds exactly the signed "
            "statement, and adds the current status. A forged, altered, truncated or oversized token is a 200 "
            "with `result: not_genuine` and the reason: a failed verification is a verdict, not an error."
        ),
        responses={
            200: ok(
                VerifyResult,
                "查验结论 / the verdict",
                examples.VERIFY_RESULT,
                summary="有效 / valid",
            ),
            **NO_BODY_ERRORS,
        },
    )
    async def qr(
        self, request: Request[Any, Any, Any], token: FromPath[str], runtime: NamedDependency[VerifyRuntime]
    ) -> RawResponse:
        return await runtime.service.token(client_of(request), token, None)

    @get(
        "/keys",
        operation_id="getKeySet",
        summary="公钥集 / the public key set",
        description="Every key ever used, with validity and status, for offline verification (`certreg verify-token "
        "--keys`). Strong `ETag`; `If-None-Match` gives 304.",
        responses={
            200: ok(KeySet, "公钥集 / the key set", examples.KEY_SET),
            304: ResponseSpec(None, description="未变 / not modified"),
        },
    )
    async def keys(self, request: Request[Any, Any, Any], runtime: NamedDependency[VerifyRuntime]) -> RawResponse:
        runtime.metrics.route["keys"].inc()
        return runtime.key_answers.answer(request.headers.get("if-none-match"))
