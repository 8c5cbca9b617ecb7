"""The API token of an HTTP request (``Authorization: Bearer …``) and the 401 that refuses one.

Apart from :mod:`issuer.auth.tokens` because this is the one part of the tokens that knows HTTP: the
commands that act as named operators import :mod:`issuer.auth`, and litestar is not theirs to load.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException, NotAuthorizedException


def bearer_token(connection: ASGIConnection) -> str:  # type: ignore[type-arg]
    """The bearer token of the request; raises 401 when there is none, 400 when ``Authorization`` is sent more
    than once (which one a proxy in front believed is unknown; the first one was used)."""
    sent = [part for value in connection.headers.getall("authorization", []) for part in value.split(",")]
    if len(sent) > 1:  # also two joined by a proxy or client: a comma is in no bearer token (RFC 6750)
        raise ClientException(
            "Authorization 请求头只能有一个，且只含一个令牌（不能有逗号） / "
            "send one Authorization header holding one token (no comma)"
        )
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthorizedException(
            "需要 API 令牌 / an API token is required: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return value.strip()


def unauthorized() -> NotAuthorizedException:
    return NotAuthorizedException(
        "API 令牌无效或已吊销 / the API token is unknown or revoked", headers={"WWW-Authenticate": "Bearer"}
    )
