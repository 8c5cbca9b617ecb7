"""Staff finding certificates: by number, or by the holder's name and ID number (the console's search).

The same policy as every certificate route (:data:`Action.CERTIFICATES`, rule 10): a number the caller may
not see is refused exactly as its QR code would be; a name + ID search lists only the certificates the
caller may see (an institution its own, a city centre its region's) and never says that others exist. The
ID number is only ever compared as its keyed digest; what is shown is the masked form the certificate
carries.
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec
from sqlalchemy import select

from issuer.auth.policy import Action, authorise, certificate_target
from issuer.auth.principal import Principal
from issuer.errors import Forbidden
from issuer.issuing.corrections import check_name, check_number, check_resident_id
from issuer.issuing.lookups import authorised_certificate
from registry import holders
from registry.certificates import statuses
from registry.convert import view_of
from registry.db import Database
from registry.errors import NotFoundError
from registry.models import Certificate, Institution
from registry.prints import current_prints
from registry.rules.policy import ProvinceProfile

#: More than any one holder has; a search never lists without bound.
MAX_FOUND = 200


class CertificateView(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate as staff see it: masked ID only, current status (and why, when it changed)."""

    number: str
    kind: str
    holder_name: str
    holder_id_masked: str
    subject_code: str
    level: int
    institution_code: str
    authority_code: str
    assessed_on: date
    issued_on: date
    batch_id: int | None
    supersedes: str | None
    status: str
    status_at: datetime | None
    status_reason: str
    superseded_by: str | None
    print_serial: str | None


async def _views(database_rows: list[Certificate], database: Database) -> list[CertificateView]:
    async with database.reader() as session:
        found = await statuses(session, [c.number for c in database_rows])
        printed = await current_prints(session, [c.number for c in database_rows])
    views = []
    for c in database_rows:
        status = found.get(c.number)
        views.append(
            view_of(
                c,
                CertificateView,
                status=status.status.value if status else "valid",
                status_at=status.at if status else None,
                status_reason=status.reason if status else "",
                superseded_by=status.superseded_by if status else None,
                print_serial=printed[c.number].serial if c.number in printed else None,
            )
        )
    return views


async def certificate_view(
    database: Database,
    profile: ProvinceProfile,
    number: str,
    *,
    caller: Principal,
    today: date,
    action: Action | None = None,
) -> CertificateView:
    """One certificate the caller may see — and, with ``action`` (a revocation about to be confirmed …),
    may also do ``action`` on. Raises :class:`InvalidInputError` (malformed number), :class:`NotFoundError`,
    :class:`Forbidden`."""
    number = check_number(profile, number, today=today)
    async with database.reader() as session:
        actions = (Action.CERTIFICATES,) if action is None else (Action.CERTIFICATES, action)
        certificate, _ = await authorised_certificate(session, caller, number, actions)
    return (await _views([certificate], database))[0]


async def find_by_holder(
    database: Database, *, name: str, id_number: str, secret: bytes, caller: Principal, today: date
) -> list[CertificateView]:
    """The certificates of the holder named ``name`` with resident ID ``id_number`` that the caller may
    see, newest first. Raises :class:`InvalidInputError` for a malformed name or ID number."""
    name = check_name(name)
    digest = holders.id_digest(secret, check_resident_id(id_number, today=today))
    async with database.reader() as session:
        rows = list(
            await session.scalars(
                select(Certificate)
                .where(Certificate.holder_id_digest == digest, Certificate.holder_name == name)
                .order_by(Certificate.issued_on.desc(), Certificate.number)
                .limit(MAX_FOUND)
            )
        )
        regions = dict(
            (
                await session.execute(
                    select(Institution.code, Institution.region_code).where(
                        Institution.code.in_(sorted({c.institution_code for c in rows}))
                    )
                )
            ).all()
        )
    visible = []
    for c in rows:
        try:
            authorise(
                caller,
                Action.CERTIFICATES,
                certificate_target(c.number, c.institution_code, regions[c.institution_code], c.kind),
            )
        except (NotFoundError, Forbidden):
            continue
        visible.append(c)
    return await _views(visible, database)
