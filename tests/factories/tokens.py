"""Bearer tokens for the HTTP tests, made by the issuer's own :func:`create_token` (so only their hashes are
stored and an organisation that cannot hold the role is refused, as in production)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from issuer.auth import Role, create_token
from registry.db import Database
from tests.factories.world import CITY, PROVINCE, SKILL_INSTITUTION

K = TypeVar("K", bound=Hashable)

#: One holder per role of the batch workflow (upload → city review → province review → issue), by role.
WORKFLOW_HOLDERS: dict[Role, tuple[str, Role]] = {
    Role.INSTITUTION: (SKILL_INSTITUTION, Role.INSTITUTION),
    Role.CITY_REVIEWER: (CITY, Role.CITY_REVIEWER),
    Role.PROVINCE_REVIEWER: (PROVINCE, Role.PROVINCE_REVIEWER),
    Role.PROVINCE_ADMIN: (PROVINCE, Role.PROVINCE_ADMIN),
}


async def make_tokens(
    database: Database, holders: Mapping[K, tuple[str, Role]], *, labelled: bool = False
) -> dict[K, str]:
    """A token per holder (``name → (organisation, role)``), in one transaction; ``labelled`` gives each
    token its holder's name as label (what the token listings show)."""
    async with database.transaction() as session:
        return {
            name: await create_token(session, org_code=org, role=role, label=str(name) if labelled else "")
            for name, (org, role) in holders.items()
        }


def bearer(token: str) -> dict[str, str]:
    """The request header that presents ``token``."""
    return {"Authorization": f"Bearer {token}"}
