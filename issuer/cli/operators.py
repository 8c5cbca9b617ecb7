"""Who a command acts as when no database is needed to know: the province admin of the commands
``credentials``, ``feed``, ``identity`` and ``legacy``, which import it from here and nothing of the commands
that issue (their checkpoints, announcements and credentials)."""

from __future__ import annotations

from issuer.auth import Principal, Role
from issuer.auth.operators import login_name
from issuer.cli._common import province
from registry.config import Settings


def operator_for(settings: Settings, name: str | None = None) -> Principal:
    """The operator ``name`` (default: the login name) in the province admin role for the province centre of
    the configured profile (its code is the province's region code), without a database round trip."""
    return Principal.for_operator(
        name or login_name(), role=Role.PROVINCE_ADMIN, org_code=province(settings).province_region
    )
