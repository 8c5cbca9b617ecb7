"""Revoking (撤销), reissuing (补发) and replacing (换发) one certificate.

Each is one transaction: the certificate row is locked and must be valid (:func:`require_valid`, 409
otherwise, so a revoked or superseded certificate never changes again); a reissue or replacement signs a
successor with the authority's current active key, numbered in the original scope for this year, and
stores it with the old number's ``certificate.reissued`` / ``certificate.replaced`` event — except a 补发
of a kind whose number the profile keeps (qualification, NUMBERING.md): that certificate is printed again
under a new print serial and stays valid. After the commit the numbers are announced, so verifiers see
the change at once instead of after a cache TTL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action
from issuer.auth.principal import Principal
from issuer.issuing.announce import Announce, announce_to
from issuer.issuing.corrections import Correction, check_number, check_print_serial, check_reason, corrected
from issuer.issuing.credentials import CredentialContext, mark_status
from issuer.issuing.errors import InvalidInputError
from issuer.issuing.lookups import authorised_certificate
from issuer.issuing.successor import (
    SuccessorResult,
    check_eligible,
    check_no_duplicate,
    content_of,
    reprint_certificate,
    store_successor,
)
from issuer.keystore import KeyStore
from registry.calendar import province_day
from registry.certificates import (
    require_valid,
    revoke,
)
from registry.config import Settings
from registry.db import Database
from registry.events import EventKind
from registry.models import Certificate, Institution
from registry.rules.policy import ProvinceProfile
from registry.vocab import CertificateKind, CertificateStatus


class ChangeOrder(msgspec.Struct, frozen=True, kw_only=True):
    """Who orders a change to one certificate and why (the route, the console and the CLI each make one):
    after the commit the changed numbers are announced to verifiers (``announce``), and with
    ``credentials`` the change also signs credentials and status lists; ``now`` defaults to the time of the
    call."""

    reason: str
    caller: Principal
    announce: Announce | None = None
    credentials: CredentialContext | None = None
    now: datetime | None = None


class RevokeResult(msgspec.Struct, frozen=True, kw_only=True):
    """A revocation: ``event_id`` is the index of its ``certificate.revoked`` event."""

    number: str
    status: str
    reason: str
    event_id: int
    at: datetime


async def _open(
    session: AsyncSession, caller: Principal, number: str, action: Action
) -> tuple[Certificate, Institution]:
    """The certificate (404), the caller's right to change it (403), then the lock and validity (409)."""
    certificate, institution = await authorised_certificate(session, caller, number, (action,))
    await require_valid(session, number)
    return certificate, institution


async def revoke_certificate(
    database: Database, profile: ProvinceProfile, number: str, *, order: ChangeOrder
) -> RevokeResult:
    """Revoke a valid certificate. Raises :class:`InvalidInputError` (bad number or reason),
    :class:`NotFoundError`, :class:`Forbidden`, :class:`ConflictError` (not valid any more)."""
    now = order.now or datetime.now(UTC)
    number = check_number(profile, number, today=province_day(now))
    reason = check_reason(order.reason)
    async with database.transaction() as session:
        await _open(session, order.caller, number, Action.REVOKE)
        index = await revoke(session, number, reason=reason, actor=order.caller.actor)
        if order.credentials is not None:
            await mark_status(session, order.credentials, number, at=now)
    await announce_to(order.announce, [number])
    return RevokeResult(number=number, status=CertificateStatus.REVOKED.value, reason=reason, event_id=index, at=now)


async def reissue_certificate(
    database: Database,
    keystore: KeyStore,
    profile: ProvinceProfile,
    number: str,
    *,
    order: ChangeOrder,
    print_serial: str | None = None,
) -> SuccessorResult:
    """补发: a qualification certificate (the profile's ``reissue_keeps_number``) keeps its number and is
    printed again under a new print serial — ``print_serial`` when the operator gives one (pre-printed
    stock), else the authority's next —, the old print void; another kind gets a new number for the same
    holder and content, signed with the current key, and the old number is superseded. Raises like
    :func:`revoke_certificate`, plus :class:`InvalidInputError` (a malformed given serial, or one given for
    a kind that gets a new number), ``ConflictError`` (the serial is in use), ``SequenceOverflowError`` and
    key errors."""
    now = order.now or datetime.now(UTC)
    number = check_number(profile, number, today=province_day(now))
    reason, caller = check_reason(order.reason), order.caller
    given = check_print_serial(profile, print_serial) if print_serial is not None else None
    async with database.transaction() as session:
        certificate, institution = await _open(session, caller, number, Action.REISSUE)
        if profile.reissue_keeps(CertificateKind(certificate.kind)):
            result = await reprint_certificate(
                session, profile, certificate, given_serial=given, reason=reason, caller=caller, now=now
            )
        elif given is not None:
            raise InvalidInputError(
                "只有保留编号的补发（职业资格证书）可以指定印制流水码 / a print serial can be given only for a reissue "
                "that keeps its number (a qualification certificate); this one gets a new number",
                field="print_serial",
                code="serial.not_applicable",
            )
        else:
            result = await store_successor(
                session, keystore, profile, certificate, institution=institution, content=content_of(certificate),
                change=EventKind.CERTIFICATE_REISSUED, reason=reason, caller=caller, now=now,
                credentials=order.credentials,
            )  # fmt: skip
    await announce_to(order.announce, sorted({result.old_number, result.number}))
    return result


async def replace_certificate(
    database: Database,
    keystore: KeyStore,
    profile: ProvinceProfile,
    number: str,
    correction: Correction,
    *,
    order: ChangeOrder,
    settings: Settings,
) -> SuccessorResult:
    """换发: a new number with corrected content (checked like an imported row, eligibility re-checked);
    the old number is superseded. Raises :class:`InvalidInputError` (malformed or unchanged content),
    :class:`IneligibleError` (the corrected content breaks rules 1–6), :class:`ConflictError` (the holder
    already holds such a valid certificate, or the certificate is no longer valid), and as
    :func:`reissue_certificate`."""
    now = order.now or datetime.now(UTC)
    today = province_day(now)
    number = check_number(profile, number, today=today)
    reason, caller = check_reason(order.reason), order.caller
    async with database.transaction() as session:
        certificate, institution = await _open(session, caller, number, Action.REPLACE)
        kind = CertificateKind(certificate.kind)
        content = corrected(
            content_of(certificate), correction, kind, today=today, id_secret=settings.keys.id_hash_secret(),
            profile=profile,
        )  # fmt: skip
        await check_eligible(session, profile, institution, certificate, content)
        await check_no_duplicate(session, certificate, content)
        result = await store_successor(
            session, keystore, profile, certificate, institution=institution, content=content,
            change=EventKind.CERTIFICATE_REPLACED, reason=reason, caller=caller, now=now,
            credentials=order.credentials, sealing=settings,
        )  # fmt: skip
    await announce_to(order.announce, [result.old_number, result.number])
    return result
