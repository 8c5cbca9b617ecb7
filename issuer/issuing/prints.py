"""What an operator sees of a certificate's prints: every print serial it was printed under, the valid one
and the void ones (NUMBERING.md "Print serial and reissue", docs/rules.md rule 9)."""

from __future__ import annotations

from datetime import date

import msgspec

from issuer.auth.principal import Principal
from issuer.issuing.corrections import check_number
from issuer.issuing.lookups import authorised_certificate
from registry.certificates import status_of
from registry.db import Database
from registry.prints import PrintInfo, prints_of
from registry.rules.policy import ProvinceProfile


class CertificatePrints(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v1/certificates/{number}/prints``: the certificate's status and its prints, oldest first."""

    number: str
    kind: str
    status: str
    #: The serial of the valid print (``None`` for a certificate stored before print serials were kept).
    print_serial: str | None
    prints: list[PrintInfo]


async def certificate_prints(
    database: Database, profile: ProvinceProfile, number: str, *, caller: Principal, today: date
) -> CertificatePrints:
    """The prints of certificate ``number``. Raises :class:`InvalidInputError` (malformed number, before any
    look-up), :class:`NotFoundError`, :class:`Forbidden` (who may see its QR code may see its prints)."""
    number = check_number(profile, number, today=today)
    async with database.reader() as session:
        certificate, _ = await authorised_certificate(session, caller, number)
        prints = await prints_of(session, number)
        status = await status_of(session, number)
    current = next((p.serial for p in prints if not p.void), None)
    return CertificatePrints(
        number=number, kind=certificate.kind, status=status.status.value, print_serial=current, prints=prints
    )
