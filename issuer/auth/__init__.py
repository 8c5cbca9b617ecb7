"""Who acts and what they may do: roles, the one :class:`Principal` (API tokens and CLI operators), the one
policy table, separation of duties, and the API tokens themselves (how a request presents one, HTTP, is
:mod:`issuer.auth.bearer`, not imported here)."""

from issuer.auth.principal import Channel, Principal
from issuer.auth.roles import ROLE_LABELS_ZH, Role
from issuer.auth.tokens import TOKEN_PREFIX, create_token, resolve_token, revoke_token, token_hash

__all__ = [
    "ROLE_LABELS_ZH",
    "TOKEN_PREFIX",
    "Channel",
    "Principal",
    "Role",
    "create_token",
    "resolve_token",
    "revoke_token",
    "token_hash",
]
