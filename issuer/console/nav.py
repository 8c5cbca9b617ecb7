"""The console's navigation, built from the signed-in role: one list, each link naming the roles that see it.

Screens add their links here (issue 16 part B). Hiding a link is a courtesy: the server decides (the policy
of :mod:`issuer.auth.policy` on every route).
"""

from __future__ import annotations

from typing import Final

import msgspec

from issuer.auth.roles import Role

ALL_ROLES: Final = tuple(Role)


class NavLink(msgspec.Struct, frozen=True, kw_only=True):
    href: str
    zh: str
    en: str
    roles: tuple[Role, ...] = ALL_ROLES


NAV_LINKS: list[NavLink] = [
    NavLink(href="/console/", zh="工作台", en="Dashboard"),
]


def nav_for(role: Role) -> list[NavLink]:
    """The links ``role`` sees, in order."""
    return [link for link in NAV_LINKS if role in link.roles]
