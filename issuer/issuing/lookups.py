"""The one look-up before any work on one certificate: the certificate (404), then the caller's right to do
each action on it (403), judged by the one policy table (:mod:`issuer.auth.policy`, rule 10)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, Target, authorise, certificate_target, permits
from issuer.auth.principal import Principal
from registry.certificates import get_certificate
from registry.models import Certificate, Institution


async def authorised_certificate(
    session: AsyncSession, caller: Principal, number: str, actions: Sequence[Action] = (Action.CERTIFICATES,)
) -> tuple[Certificate, Institution]:
    """Certificate ``number`` and its institution when the caller may do every one of ``actions`` on it
    (default: see it, as its QR code and prints). Raises :class:`NotFoundError`, :class:`Forbidden`."""
    certificate, institution, target = await _located(session, number)
    for action in actions:
        authorise(caller, action, target)
    return certificate, institution


async def permitted_actions(
    session: AsyncSession, caller: Principal, number: str, actions: Sequence[Action]
) -> frozenset[Action]:
    """Which of ``actions`` the caller may do on certificate ``number`` (the buttons its console page shows: a
    city centre sees none on a skill-level certificate, which only the province admin changes)."""
    _, _, target = await _located(session, number)
    return frozenset(action for action in actions if permits(caller, action, target))


async def _located(session: AsyncSession, number: str) -> tuple[Certificate, Institution, Target]:
    """The certificate (:class:`NotFoundError` if none), its institution and what the policy judges."""
    certificate = await get_certificate(session, number)
    institution = await session.get(Institution, certificate.institution_code)
    assert institution is not None  # foreign key
    target = certificate_target(number, institution.code, institution.region_code, certificate.kind)
    return certificate, institution, target
