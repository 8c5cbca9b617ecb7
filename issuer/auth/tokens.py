"""API tokens of the issuers: one organisation and one role per token, stored only as a SHA-256.

A live token resolves to a :class:`issuer.auth.principal.Principal`; what it may do is
:mod:`issuer.auth.policy`. How a request presents one is :mod:`issuer.auth.bearer` (HTTP: litestar).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.principal import Principal
from issuer.auth.roles import Role
from registry.errors import NotFoundError
from registry.lookups import get_or_refuse
from registry.models import ApiToken, Authority, Institution
from registry.vocab import AuthorityLevel

TOKEN_PREFIX: Final = "crt_"  # noqa: S105 - a public marker, not a secret
_TOKEN_LENGTH: Final = len(TOKEN_PREFIX) + 43  # 32 random bytes, base64url


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def create_token(session: AsyncSession, *, org_code: str, role: Role, label: str = "") -> str:
    """A new token bound to ``org_code`` and ``role``; only its hash is stored. Returns the token once.

    Raises :class:`NotFoundError` when the organisation does not exist or cannot hold the role (an
    institution role needs an institution; reviewer roles need a centre of the right level).
    """
    await check_org(session, org_code, role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=token_hash(token), org_code=org_code, role=role.value, label=label))
    await session.flush()
    return token


async def org_region(session: AsyncSession, org_code: str) -> str | None:
    """The region code of a centre (the reach of a city reviewer), ``None`` for an unknown one."""
    authority = await session.get(Authority, org_code)
    return authority.region_code if authority is not None else None


async def check_org(session: AsyncSession, org_code: str, role: Role) -> None:
    """Raise :class:`NotFoundError` unless ``org_code`` can hold ``role`` (an institution role needs an
    institution; reviewer and admin roles a centre of the right level)."""
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
    role = Role(row.role)
    region = await org_region(session, row.org_code) if role is Role.CITY_REVIEWER else None
    return Principal.for_token(row.id, role=role, org_code=row.org_code, region_code=region)


async def revoke_token(session: AsyncSession, token_id: int) -> None:
    row = await get_or_refuse(session, ApiToken, token_id, named=("令牌", "token"))
    row.revoked_at = row.revoked_at or datetime.now(UTC)
