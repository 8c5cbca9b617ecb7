"""Bearer tokens for the HTTP tests, made by the issuer's own :func:`create_token` (so only their hashes are
stored and an organisation that cannot hold the role is refused, as in production)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from issuer.auth import Role, create_token
from registry.db import Database
from tests.factories.world import CITY, OTHER_CITY, OTHER_INSTITUTION, PROVINCE, SITE, SKILL_INSTITUTION, STATION

K = TypeVar("K", bound=Hashable)

#: Every token holder of the HTTP tests, by name: (organisation, role). A suite takes those its world seeds
#: (:data:`OTHER_CITY` and :data:`OTHER_INSTITUTION` are not in ``seed_world``).
HOLDERS: dict[str, tuple[str, Role]] = {
    "institution": (SKILL_INSTITUTION, Role.INSTITUTION),
    "other_institution": (OTHER_INSTITUTION, Role.INSTITUTION),
    "site": (SITE, Role.INSTITUTION),
    "station": (STATION, Role.INSTITUTION),
    "city": (CITY, Role.CITY_REVIEWER),
    "other_city": (OTHER_CITY, Role.CITY_REVIEWER),
    "province_reviewer": (PROVINCE, Role.PROVINCE_REVIEWER),
    "province_admin": (PROVINCE, Role.PROVINCE_ADMIN),
}


def holders(*names: str) -> dict[str, tuple[str, Role]]:
    """The holders of :data:`HOLDERS` called ``names``, in that order (a name's token is made in that order)."""
    return {name: HOLDERS[name] for name in names}


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
