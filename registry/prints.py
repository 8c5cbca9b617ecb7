"""Prints of certificates and their print serials (印制流水码, NUMBERING.md "Print serial and reissue"): the only
code that writes ``certificate_print``.

Every certificate gets its first print when it is stored (:func:`first_prints`, called by
:func:`registry.certificates.store_certificates`): a serial from the issuing authority's gap-free counter
(``registry.sequences``, in the issuing transaction, so a rolled-back batch gives its serials back), named
by the certificate's issue event. A qualification certificate reissued after loss (补发) keeps its number
and is printed again (:func:`reprint`): a new serial — allocated, or given by the operator for a blank of
pre-printed controlled stock (000:35) — and a ``certificate.reprinted`` event; the print it replaces is void
from then on. One number, several prints, the latest one valid (docs/rules.md rule 9).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.bulk import insert_records
from registry.calendar import province_day
from registry.convert import view_of
from registry.errors import ConflictError
from registry.events import EventKind, NewEvent, append_events
from registry.models import Authority, CertificatePrint
from registry.rules.serials import PrintSerialRule, check_given_serial
from registry.sequences import allocate

#: ``certificate_print`` columns :func:`store_first_prints` writes (the id is the table's own).
_COLUMNS = ("number", "serial", "given", "replaces", "reason", "printed_at", "log_index")


class PrintInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One print of a certificate as an operator sees it; ``void`` once a later print replaced it."""

    number: str
    serial: str
    printed_at: datetime
    given: bool = False
    replaces: str | None = None
    reason: str = ""
    event_id: int
    void: bool = False


class Printed(msgspec.Struct, frozen=True):
    """A certificate to print for the first time: its number, the authority that issued it and the year."""

    number: str
    authority_code: str
    year: int


async def _regions(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    query = select(Authority.code, Authority.region_code).where(Authority.code.in_(set(codes)))
    return dict((await session.execute(query)).all())


async def allocate_serials(
    session: AsyncSession, rule: PrintSerialRule, *, authority_code: str, region_code: str, year: int, count: int
) -> list[str]:
    """``count`` consecutive serials of the authority's counter, in the caller's transaction.

    Raises :class:`registry.errors.SequenceOverflowError` (nothing allocated, the counter named) when the
    counter would pass the serial's width.
    """
    taken = await allocate(session, rule.scope(authority_code, year), count, max_value=rule.max_sequence)
    return rule.format_all(region_code=region_code, year=year, sequences=taken)


async def first_prints(session: AsyncSession, rule: PrintSerialRule, printed: Sequence[Printed]) -> list[str]:
    """The serial of each certificate's first print, in order: one allocation per authority and year, so the
    rows of a batch get consecutive serials in row order."""
    regions = await _regions(session, {p.authority_code for p in printed})
    groups: dict[tuple[str, int], list[int]] = {}
    for position, item in enumerate(printed):
        groups.setdefault((item.authority_code, item.year), []).append(position)
    serials = [""] * len(printed)
    for (authority, year), positions in sorted(groups.items()):
        region = regions.get(authority, "")
        taken = await allocate_serials(
            session, rule, authority_code=authority, region_code=region, year=year, count=len(positions)
        )
        for position, serial in zip(positions, taken, strict=True):
            serials[position] = serial
    return serials


async def store_first_prints(
    session: AsyncSession,
    numbers: Sequence[str],
    serials: Sequence[str],
    indices: Sequence[int],
    at: datetime,
    *,
    given: Sequence[bool] | None = None,
) -> None:
    """Insert the first print of each certificate; ``indices`` are the leaves of their issue events; ``given``
    marks serials that were given rather than allocated (imported certificates keep theirs)."""
    flags = list(given) if given is not None else [False] * len(numbers)
    records = [
        (number, serial, flag, None, "", at, index)
        for number, serial, index, flag in zip(numbers, serials, indices, flags, strict=True)
    ]
    await insert_records(session, CertificatePrint, _COLUMNS, records)


def reprinted_event(
    number: str, *, serial: str, replaces: str | None, given: bool, reason: str, actor: str, at: datetime
) -> NewEvent:
    """``certificate.reprinted``: ``number`` printed again under ``serial``, voiding ``replaces``."""
    details: dict[str, str | int | bytes | bool | None] = {"serial": serial, "replaces": replaces, "given": given}
    return NewEvent(
        kind=EventKind.CERTIFICATE_REPRINTED, subject=number, actor=actor, reason=reason, details=details, at=at
    )


async def reprint(
    session: AsyncSession,
    rule: PrintSerialRule,
    number: str,
    *,
    authority_code: str,
    given_serial: str | None,
    reason: str,
    actor: str,
    at: datetime | None = None,
) -> PrintInfo:
    """Print ``number`` again (补发 keeping the number): a new serial — the operator's, checked, or the next
    of the authority's counter — and its event, in the caller's transaction; the current print is void.

    The caller has locked the certificate and checked it is valid. Raises :class:`RuleError`
    (``serial.format``, ``serial.reserved``, ``serial.overflow``) and :class:`ConflictError` for a given
    serial that is already in use.
    """
    at = at or datetime.now(UTC)
    current = (await current_prints(session, [number])).get(number)
    if given_serial is not None:
        serial, given = check_given_serial(rule, given_serial), True
        used = await session.scalar(select(CertificatePrint.number).where(CertificatePrint.serial == serial))
        if used is not None:
            raise ConflictError(
                f"印制流水码 {serial} 已用于证书 {used} / print serial {serial} is already used by certificate {used}"
            )
    else:
        region = (await _regions(session, [authority_code])).get(authority_code, "")
        (serial,) = await allocate_serials(
            session, rule, authority_code=authority_code, region_code=region, year=_year(at), count=1
        )
        given = False
    replaces = current.serial if current else None
    event = reprinted_event(number, serial=serial, replaces=replaces, given=given, reason=reason, actor=actor, at=at)
    (index,) = await append_events(session, [event])
    session.add(
        CertificatePrint(
            number=number, serial=serial, given=given, replaces=replaces, reason=reason, printed_at=at, log_index=index
        )
    )
    await session.flush()
    return PrintInfo(
        number=number, serial=serial, printed_at=at, given=given, replaces=replaces, reason=reason, event_id=index
    )


def _year(at: datetime) -> int:
    return province_day(at).year


def _info(row: CertificatePrint, *, void: bool) -> PrintInfo:
    return view_of(row, PrintInfo, event_id=row.log_index, void=void)


async def prints_of(session: AsyncSession, number: str) -> list[PrintInfo]:
    """Every print of ``number``, oldest first; all but the latest are void."""
    rows = (
        await session.scalars(
            select(CertificatePrint).where(CertificatePrint.number == number).order_by(CertificatePrint.log_index)
        )
    ).all()
    return [_info(row, void=position < len(rows) - 1) for position, row in enumerate(rows)]


async def current_prints(session: AsyncSession, numbers: Iterable[str]) -> dict[str, PrintInfo]:
    """The valid (latest) print of each number that has one; certificates stored before migration 0005
    have none."""
    wanted = sorted(set(numbers))
    found: dict[str, PrintInfo] = {}
    for start in range(0, len(wanted), 500):
        rows = await session.scalars(
            select(CertificatePrint)
            .where(CertificatePrint.number.in_(wanted[start : start + 500]))
            .order_by(CertificatePrint.log_index)
        )
        for row in rows:
            found[row.number] = _info(row, void=False)
    return found
