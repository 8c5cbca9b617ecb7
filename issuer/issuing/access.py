"""Who may issue, change and print which certificates (the rules of issue 4, "Who may do what").

- Issue a batch: the province admin, any batch; a city reviewer, special-ability batches of institutions in
  its region (003 §4(1): the city centre numbers and issues those certificates).
- Revoke, reissue (补发) or replace (换发) a certificate: the province admin, any certificate; a city reviewer,
  special-ability certificates of institutions in its region — the same certificates it issues, since
  reissue and replacement are issue acts (000 §2) and the city centre signs them.
- QR codes: the institution of the certificate, the city reviewer of its region, the province roles.
- Export: the province roles.

"In its region" means the institution's GB/T 2260 code shares its first four digits (province + city)
with the city centre's. Every refusal is :class:`issuer.errors.Forbidden` naming the rule.
"""

from __future__ import annotations

from typing import Protocol

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth import Principal, Role, require_role
from issuer.errors import Forbidden
from registry.models import Authority, Institution
from registry.vocab import CertificateKind

PROVINCE_ROLES = (Role.PROVINCE_REVIEWER, Role.PROVINCE_ADMIN)


class Caller(Protocol):
    """Who acts: an API principal (:class:`issuer.auth.Principal`) or a local :class:`Operator`."""

    @property
    def org_code(self) -> str: ...

    @property
    def role(self) -> Role: ...

    @property
    def actor(self) -> str: ...


class Operator(msgspec.Struct, frozen=True, kw_only=True):
    """An operator at the command line of the server: acts with the province admin's powers, because
    whoever runs ``certreg`` there already holds the database and the sealed keys."""

    name: str
    org_code: str
    role: Role = Role.PROVINCE_ADMIN

    @property
    def actor(self) -> str:
        """How events record the operator (``cli:<user>:<role>:<org>``, at most 64 characters)."""
        return f"cli:{self.name[:24]}:{self.role.value}:{self.org_code}"


async def _same_region(session: AsyncSession, caller: Caller, institution: Institution) -> bool:
    authority = await session.get(Authority, caller.org_code)
    return authority is not None and authority.region_code[:4] == institution.region_code[:4]


async def require_issue_right(session: AsyncSession, caller: Caller, kind: str, institution: Institution) -> None:
    """Raise :class:`Forbidden` unless ``caller`` may issue (or reissue, replace, revoke) certificates of
    ``kind`` for ``institution``."""
    if caller.role is Role.PROVINCE_ADMIN:
        return
    if caller.role is Role.CITY_REVIEWER:
        if kind != CertificateKind.SPECIAL_ABILITY:
            raise Forbidden(
                "发证与变更：市州鉴定中心只能办理专项职业能力证书，其他证书由省鉴定中心管理员办理 / issue and "
                "changes: a city centre handles special-ability certificates only; other kinds are for "
                "province_admin"
            )
        if not await _same_region(session, caller, institution):
            raise Forbidden(
                f"发证与变更：机构 {institution.code} 不在本市州 / issue and changes: institution "
                f"{institution.code} is not in the region of city centre {caller.org_code}"
            )
        return
    require_role(
        _principal_like(caller), Role.PROVINCE_ADMIN, Role.CITY_REVIEWER, action="发证与变更 / issue and changes"
    )


async def require_view_right(session: AsyncSession, caller: Caller, institution: Institution) -> None:
    """Raise :class:`Forbidden` unless ``caller`` may see the certificates of ``institution`` (QR codes)."""
    if caller.role in PROVINCE_ROLES:
        return
    if caller.role is Role.INSTITUTION:
        if caller.org_code == institution.code:
            return
        raise Forbidden(
            f"二维码：机构只能取得本机构的证书 / QR codes: an institution sees only its own certificates "
            f"(this token is for {caller.org_code}, the certificates are of {institution.code})"
        )
    if not await _same_region(session, caller, institution):
        raise Forbidden(
            f"二维码：机构 {institution.code} 不在本市州 / QR codes: institution {institution.code} is not in "
            f"the region of city centre {caller.org_code}"
        )


def require_province(caller: Caller, *, action: str) -> None:
    """Raise :class:`Forbidden` unless ``caller`` is a province role."""
    require_role(_principal_like(caller), *PROVINCE_ROLES, action=action)


def _principal_like(caller: Caller) -> Principal:
    """The caller as a :class:`Principal`, for :func:`require_role`'s message (only role and org are read)."""
    return caller if isinstance(caller, Principal) else Principal(0, caller.org_code, caller.role)
