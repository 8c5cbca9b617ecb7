"""Who acts: one :class:`Principal` for an API token and for an operator at the server's command line.

Events name the principal in ONE actor format (docs/log.md, "Actors")::

    <channel>:<name>:<role>:<org>        token:12:city_reviewer:430100   cli:alice:province_admin:430000

``channel`` is ``token`` (``name`` = the token's id), ``cli`` (``name`` = the operator's name, letters,
digits, ``.``, ``_``, ``-``, at most 24) or ``console`` (``name`` = the staff account's login name, same
letters; docs/console.md). ``<channel>:<name>`` (:attr:`Principal.who`) is the person or
token, whatever role it acts in: separation of duties compares it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

import msgspec

from issuer.auth.roles import Role
from issuer.errors import InvalidInputError

_OPERATOR_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,24}")


class Channel(StrEnum):
    TOKEN = "token"  # noqa: S105 - a channel name, not a secret
    CLI = "cli"
    CONSOLE = "console"  # a staff account signed in to the web console (name = its login name)


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """A caller: how it came (token or CLI), its name, role, organisation and, for a city reviewer, the
    region code of its centre (the reach of "its region" in the policy)."""

    channel: Channel
    name: str
    role: Role
    org_code: str
    region_code: str | None = None

    @classmethod
    def for_token(cls, token_id: int, *, role: Role, org_code: str, region_code: str | None = None) -> Principal:
        return cls(channel=Channel.TOKEN, name=str(token_id), role=role, org_code=org_code, region_code=region_code)

    @classmethod
    def for_operator(cls, name: str, *, role: Role, org_code: str, region_code: str | None = None) -> Principal:
        """An operator at the command line; raises :class:`InvalidInputError` for a name that does not fit the
        actor format."""
        return cls(channel=Channel.CLI, name=operator_name(name), role=role, org_code=org_code, region_code=region_code)

    @classmethod
    def for_console(cls, login: str, *, role: Role, org_code: str, region_code: str | None = None) -> Principal:
        """A staff account signed in to the console; raises :class:`InvalidInputError` for a login name that
        does not fit the actor format."""
        return cls(
            channel=Channel.CONSOLE, name=operator_name(login), role=role, org_code=org_code, region_code=region_code
        )

    @property
    def token_id(self) -> int | None:
        """The API token's id (``None`` for an operator)."""
        return int(self.name) if self.channel is Channel.TOKEN else None

    @property
    def who(self) -> str:
        """The person or token behind the principal (``cli:alice``, ``token:12``), whatever its role."""
        return f"{self.channel.value}:{self.name}"

    @property
    def actor(self) -> str:
        """How events record this caller: ``<channel>:<name>:<role>:<org>`` (at most 64 characters)."""
        return f"{self.who}:{self.role.value}:{self.org_code}"[:64]


def who_of(actor: str) -> str:
    """The ``<channel>:<name>`` part of a recorded actor (the whole text for an actor of another format)."""
    channel, _, rest = actor.partition(":")
    name = rest.split(":", 1)[0]
    return f"{channel}:{name}" if rest else actor


def operator_name(name: str) -> str:
    """An operator's name, checked: it goes into the signed log as part of the actor."""
    if not _OPERATOR_NAME.fullmatch(name):
        raise InvalidInputError(
            f"操作员名称须为 1–24 个字母、数字、“.”“_”“-”：{name[:32]!r} / an operator name is 1–24 letters, "
            f"digits, '.', '_' or '-': {name[:32]!r}",
            field="operator",
            code="operator.name",
        )
    return name
