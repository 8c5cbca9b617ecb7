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
    # the screens (issue 16 part B, docs/console.md "Screens"); roles as in the policy table
    NavLink(href="/console/batches", zh="批次", en="Batches"),
    NavLink(href="/console/batches/new", zh="上传成绩", en="Upload", roles=(Role.INSTITUTION, Role.PROVINCE_ADMIN)),
    NavLink(
        href="/console/queue/city", zh="市州审核", en="City review", roles=(Role.CITY_REVIEWER, Role.PROVINCE_ADMIN)
    ),
    NavLink(
        href="/console/queue/province",
        zh="省级复审",
        en="Province review",
        roles=(Role.PROVINCE_REVIEWER, Role.PROVINCE_ADMIN),
    ),
    NavLink(href="/console/certificates", zh="证书查询", en="Certificates"),
    NavLink(href="/console/trust", zh="可信状态", en="Trust"),
]


def nav_for(role: Role) -> list[NavLink]:
    """The links ``role`` sees, in order."""
    return [link for link in NAV_LINKS if role in link.roles]
