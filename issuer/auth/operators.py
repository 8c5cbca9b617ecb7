"""Operators at the server's command line: named people acting in a role, checked like a token's holder.

Whoever runs ``certreg`` on the server holds the database, but the workflow's rules still apply to them:
each step is done by a named operator in the role the policy asks for (:mod:`issuer.auth.policy`), and the
separation of duties (:mod:`issuer.auth.duties`) compares the names. There is no all-powerful CLI user.
"""

from __future__ import annotations

import getpass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.principal import Principal, operator_name
from issuer.auth.roles import Role
from issuer.auth.tokens import check_org, org_region
from registry.errors import NotFoundError
from registry.models import Authority
from registry.vocab import AuthorityLevel


def login_name() -> str:
    """The operator's name when none is given: the login name, cut to the actor format's 24 characters."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in getpass.getuser())[:24] or "operator"


async def province_centre(session: AsyncSession) -> str:
    """The code of the province centre; :class:`NotFoundError` when the registry holds none."""
    code = await session.scalar(select(Authority.code).where(Authority.level == AuthorityLevel.PROVINCE.value))
    if code is None:
        raise NotFoundError("登记库中没有省鉴定中心 / the registry holds no province centre")
    return code


async def operator(session: AsyncSession, name: str | None, role: Role, org_code: str | None = None) -> Principal:
    """The operator ``name`` (default: the login name) in ``role`` for ``org_code`` (default for the
    province roles: the province centre). Raises :class:`InvalidInputError` for a bad name and
    :class:`NotFoundError` when the organisation cannot hold the role."""
    checked = operator_name(name or login_name())
    if org_code is None:
        if role in (Role.PROVINCE_ADMIN, Role.PROVINCE_REVIEWER):
            org_code = await province_centre(session)
        else:
            raise NotFoundError(f"{role.value} 须指明机构或中心 / a {role.value} operator needs an organisation code")
    await check_org(session, org_code, role)
    region = await org_region(session, org_code) if role is Role.CITY_REVIEWER else None
    return Principal.for_operator(checked, role=role, org_code=org_code, region_code=region)
