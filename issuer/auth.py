"""API tokens of the issuers: one organisation and one role per token, stored only as a SHA-256.

Roles (who may do what is decided by the services, which raise :class:`Forbidden` naming the rule):

- ``institution`` — an assessment institution: submits and follows its own batches;
- ``city_reviewer`` — a city centre: reviews batches of institutions in its region, issues special-ability
  certificates of its region;
- ``province_reviewer`` — the province centre: approves batches that need the province (docs/rules.md rule 7);
- ``province_admin`` — the province centre: filings, keys, issue and revocation anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.errors import Forbidden
from registry.errors import NotFoundError
from registry.models import ApiToken, Authority, Institution
from registry.vocab import AuthorityLevel

TOKEN_PREFIX: Final = "crt_"  # noqa: S105 - a public marker, not a secret
_TOKEN_LENGTH: Final = len(TOKEN_PREFIX) + 43  # 32 random bytes, base64url


class Role(StrEnum):
    INSTITUTION = "institution"
    CITY_REVIEWER = "city_reviewer"
    PROVINCE_REVIEWER = "province_reviewer"
    PROVINCE_ADMIN = "province_admin"


ROLE_LABELS_ZH: Final = {
    Role.INSTITUTION: "鉴定机构",
    Role.CITY_REVIEWER: "市州鉴定中心审核",
    Role.PROVINCE_REVIEWER: "省鉴定中心审核",
    Role.PROVINCE_ADMIN: "省鉴定中心管理员",
}


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: the token's id, organisation and role."""

    token_id: int
    org_code: str
    role: Role

    @property
    def actor(self) -> str:
        """How events record this caller."""
        return f"token:{self.token_id}:{self.role.value}:{self.org_code}"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def require_role(principal: Principal, *roles: Role, action: str) -> None:
    """Raise :class:`Forbidden` unless the caller has one of ``roles``; the message says who may.

    ``action`` is ``"中文 / English"`` (each half goes to its side of the message) or one text for both."""
    if principal.role not in roles:
        allowed = "、".join(ROLE_LABELS_ZH[r] for r in roles)
        allowed_en = ", ".join(r.value for r in roles)
        action_zh, _, action_en = action.partition(" / ")
        raise Forbidden(
            f"{action_zh}：仅限{allowed} / {action_en or action_zh}: only for {allowed_en} "
            f"(this token is {principal.role.value})"
        )


async def create_token(session: AsyncSession, *, org_code: str, role: Role, label: str = "") -> str:
    """A new token bound to ``org_code`` and ``role``; only its hash is stored. Returns the token once.

    Raises :class:`NotFoundError` when the organisation does not exist or cannot hold the role (an
    institution role needs an institution; reviewer roles need a centre of the right level).
    """
    await _check_org(session, org_code, role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_hash(token), org_code=org_code, role=role.value, label=label))
    await session.flush()
    return token


async def _check_org(session: AsyncSession, org_code: str, role: Role) -> None:
    if role is Role.INSTITUTION:
        if await session.get(Institution, org_code) is None:
            raise NotFoundError(f"机构 {org_code} 不存在 / no institution {org_code}")
        return
    authority = await session.get(Authority, org_code)
    wanted = AuthorityLevel.CITY if role is Role.CITY_REVIEWER else AuthorityLevel.PROVINCE
    if authority is None or authority.level != wanted:
        raise NotFoundError(
            f"没有{'市州' if wanted is AuthorityLevel.CITY else '省'}鉴定中心 {org_code} / "
            f"no {wanted.value} centre {org_code} for role {role.value}"
        )


async def resolve_token(session: AsyncSession, token: str) -> Principal | None:
    """The principal of a live token, or None for an unknown, malformed or revoked one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) != _TOKEN_LENGTH:
        return None
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return Principal(token_id=row.id, org_code=row.org_code, role=Role(row.role))


async def revoke_token(session: AsyncSession, token_id: int) -> None:
    row = await session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"令牌 {token_id} 不存在 / no token {token_id}")
    row.revoked_at = row.revoked_at or datetime.now(UTC)


def bearer_token(connection: ASGIConnection) -> str:  # type: ignore[type-arg]
    """The bearer token of the request; raises 401 when there is none."""
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
