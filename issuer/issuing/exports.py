"""The certificate feed for the national query system: NDJSON, one line per certificate event.

``GET /v1/exports/certificates?since=EVENT_ID`` lists every ``certificate.issued``, ``.revoked``,
``.reissued``, ``.replaced`` and ``.reprinted`` event after ``since`` (from the first when it is absent), in
log order. Each line carries the certificate's print serial as of that event (印制流水码, NUMBERING.md):
a ``reprinted`` line (补发 keeping the number) names the new serial and the one it voids.
Each line carries its ``event_id``, so a consumer that lost the connection resumes from the last line it
stored; event ids are handed out in commit order (the ``log_head`` lock), so no event can later appear
below an id already exported. ``status`` is what the event made the certificate (``valid`` for an issue or
a reprint, ``revoked``, ``superseded``); replaying the lines in order gives every certificate's current
status.

Pages of :data:`PAGE` events, keyset-paginated on the event index (its primary key), each read in a
short session of its own: the export holds no transaction open while the client reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Final

import msgspec
from sqlalchemy import select

from issuer.issuing.errors import InvalidInputError
from registry.certificates import STATUS_EVENT_KINDS
from registry.db import Database
from registry.events import EventKind, decode_entry
from registry.models import Certificate, CertificatePrint, Event
from registry.vocab import CertificateStatus

PAGE: Final = 1000
MAX_EVENT_ID: Final = 2**63 - 1
EXPORT_KINDS: Final = (
    EventKind.CERTIFICATE_ISSUED.value,
    *STATUS_EVENT_KINDS,
    EventKind.CERTIFICATE_REPRINTED.value,
)


class ExportLine(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the feed."""

    event_id: int
    event: str
    at: datetime
    number: str
    kind: str
    holder_name: str
    holder_id_masked: str
    subject_type: str
    subject_code: str
    level: int
    institution_code: str
    authority_code: str
    assessed_on: date
    issued_on: date
    status: str
    superseded_by: str | None
    supersedes: str | None
    reason: str
    #: The serial of the print valid after this event (``None`` before print serials were kept).
    print_serial: str | None = None
    #: For a ``certificate.reprinted`` line, the serial of the print it voided.
    voided_print_serial: str | None = None


def parse_since(text: str | None) -> int:
    """The first event index to export: 0 without ``since``, else ``since + 1``. Raises
    :class:`InvalidInputError` unless ``since`` is a decimal integer from 0 to 2**63 - 1."""
    if text is None:
        return 0
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_EVENT_ID:
        raise InvalidInputError(
            f"since 必须是不小于 0 的整数事件编号 / since must be an event id, an integer from 0 to {MAX_EVENT_ID}",
            field="since",
            code="since.format",
        )
    return int(value) + 1


def _status(kind: str, data: bytes) -> tuple[str, str | None]:
    if kind in (EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_REPRINTED):
        return CertificateStatus.VALID.value, None
    if kind == EventKind.CERTIFICATE_REVOKED:
        return CertificateStatus.REVOKED.value, None
    successor = decode_entry(data).details.get("successor")
    return CertificateStatus.SUPERSEDED.value, successor if isinstance(successor, str) else None


async def _prints(database: Database, numbers: set[str]) -> dict[str, list[tuple[int, str]]]:
    """(leaf index, serial) of every print of ``numbers``, in log order."""
    found: dict[str, list[tuple[int, str]]] = {}
    async with database.reader() as session:
        rows = await session.execute(
            select(CertificatePrint.number, CertificatePrint.log_index, CertificatePrint.serial)
            .where(CertificatePrint.number.in_(sorted(numbers)))
            .order_by(CertificatePrint.log_index)
        )
        for number, index, serial in rows:
            found.setdefault(number, []).append((index, serial))
    return found


def _serials(prints: list[tuple[int, str]], idx: int, kind: str, data: bytes) -> tuple[str | None, str | None]:
    """The print serial valid after event ``idx``, and for a reprint the one it voided."""
    serial = next((s for index, s in reversed(prints) if index <= idx), None)
    if kind != EventKind.CERTIFICATE_REPRINTED:
        return serial, None
    replaces = decode_entry(data).details.get("replaces")
    return serial, replaces if isinstance(replaces, str) else None


async def export_lines(database: Database, first: int) -> AsyncIterator[bytes]:
    """NDJSON chunks (one page each) of the certificate events from index ``first`` on."""
    encoder = msgspec.json.Encoder()
    after = first - 1
    while True:
        async with database.reader() as session:
            rows = (
                await session.execute(
                    select(Event.idx, Event.kind, Event.at, Event.reason, Event.data, Certificate)
                    .join(Certificate, Certificate.number == Event.subject)
                    .where(Event.idx > after, Event.kind.in_(EXPORT_KINDS))
                    .order_by(Event.idx)
                    .limit(PAGE)
                )
            ).all()
        if not rows:
            return
        lines = []
        prints = await _prints(database, {row[5].number for row in rows})
        for idx, kind, at, reason, data, cert in rows:
            status, successor = _status(kind, data)
            serial, voided = _serials(prints.get(cert.number, []), idx, kind, data)
            line = ExportLine(
                event_id=idx, event=kind, at=at, number=cert.number, kind=cert.kind, holder_name=cert.holder_name,
                holder_id_masked=cert.holder_id_masked, subject_type=cert.subject_type,
                subject_code=cert.subject_code, level=cert.level, institution_code=cert.institution_code,
                authority_code=cert.authority_code, assessed_on=cert.assessed_on, issued_on=cert.issued_on,
                status=status, superseded_by=successor, supersedes=cert.supersedes, reason=reason,
                print_serial=serial, voided_print_serial=voided,
            )  # fmt: skip
            lines.append(encoder.encode(line))
        yield b"\n".join(lines) + b"\n"
        if len(rows) < PAGE:
            return
        after = rows[-1][0]
