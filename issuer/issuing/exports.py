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

import functools
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any, Final

import msgspec
from sqlalchemy import BigInteger, Integer, bindparam, case, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from issuer.issuing.errors import InvalidInputError
from registry.certificates import STATUS_EVENT_KINDS
from registry.db import Database
from registry.events import EventKind, decode_entry
from registry.log.store import log_size
from registry.models import Certificate, CertificatePrint, Event
from registry.vocab import CertificateStatus

PAGE: Final = 2000
MAX_EVENT_ID: Final = 2**63 - 1
#: Where ``after`` goes in the page's compiled text (:func:`_page_text`): a value no other part renders.
_AFTER_MARK: Final = 7_777_777_777_777_777_777
EXPORT_KINDS: Final = (
    EventKind.CERTIFICATE_ISSUED.value,
    *STATUS_EVENT_KINDS,
    EventKind.CERTIFICATE_REPRINTED.value,
)


class ExportLine(msgspec.Struct, frozen=True, gc=False):
    """One line of the feed (built positionally, in this field order, by :func:`_line`: at a million lines the
    keyword form cost a third of the export's Python time)."""

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


async def check_since(database: Database, since: int) -> None:
    """Refuse a ``since`` past the log's newest event (``since.beyond_log``): its export is empty, and the
    consumer resuming from it (``next: --since`` of ``certreg feed export``) would never receive the events
    appended up to it; a typo of one digit, 100000 for 10000, lost them silently. 0 is always allowed."""
    async with database.reader() as session:
        newest = await log_size(session) - 1
    if since > max(newest, 0):
        raise InvalidInputError(
            f"since {since} 超出透明日志末尾（最新事件编号 {newest}），之后的事件将不会被导出 / since {since} is past "
            f"the end of the log (newest event {newest}): the events up to it would never be exported",
            field="since",
            code="since.beyond_log",
        )


def _status(kind: str, data: bytes | None) -> tuple[str, str | None]:
    if kind in (EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_REPRINTED):
        return CertificateStatus.VALID.value, None
    if kind == EventKind.CERTIFICATE_REVOKED:
        return CertificateStatus.REVOKED.value, None
    successor = decode_entry(data).details.get("successor") if data is not None else None
    return CertificateStatus.SUPERSEDED.value, successor if isinstance(successor, str) else None


_VOIDING: Final = EventKind.CERTIFICATE_REPRINTED.value
#: Kinds whose line needs the event's bytes (the successor, the voided serial); others skip reading them.
_NEEDS_DATA: Final = tuple(kind for kind in EXPORT_KINDS if kind != EventKind.CERTIFICATE_ISSUED.value)
_print = CertificatePrint.__table__.alias("p")
#: The serial of the print valid after the event: the newest print logged at or before it (one index
#: look-up on ``ix_certificate_print_number``).
_serial = (
    select(_print.c.serial)
    .where(_print.c.number == Certificate.number, _print.c.log_index <= Event.idx)
    .order_by(_print.c.log_index.desc())
    .limit(1)
    .correlate(Certificate, Event)
    .scalar_subquery()
)
_COLUMNS: Final = (
    Event.idx, Event.kind, Event.at, Event.reason, case((Event.kind.in_(_NEEDS_DATA), Event.data)),
    Certificate.number, Certificate.kind, Certificate.holder_name, Certificate.holder_id_masked,
    Certificate.subject_type, Certificate.subject_code, Certificate.level, Certificate.institution_code,
    Certificate.authority_code, Certificate.assessed_on, Certificate.issued_on, Certificate.supersedes, _serial,
)  # fmt: skip
_PAGE_QUERY: Final = (
    select(*_COLUMNS)
    .join(Certificate, Certificate.number == Event.subject)
    .where(Event.idx > bindparam("after", type_=BigInteger), Event.kind.in_(EXPORT_KINDS))
    .order_by(Event.idx)
    .limit(bindparam("page", type_=Integer))
)


_ISSUED: Final = EventKind.CERTIFICATE_ISSUED.value
_VALID: Final = CertificateStatus.VALID.value


def _line(row: Any) -> ExportLine:
    """The line of one row of :data:`_PAGE_QUERY` (columns in :data:`_COLUMNS` order); an issue — nearly every
    line — needs no decoding."""
    event = row[1]
    successor = voided = None
    if event == _ISSUED:
        status = _VALID
    else:
        status, successor = _status(event, row[4])
        if event == _VOIDING:
            replaces = decode_entry(row[4]).details.get("replaces")
            voided = replaces if isinstance(replaces, str) else None
    return ExportLine(
        row[0], event, row[2], row[5], row[6], row[7], row[8], row[9], row[10], row[11], row[12], row[13], row[14],
        row[15], status, successor, row[16], row[3], row[17], voided,
    )  # fmt: skip


@functools.cache
def _page_text(dialect: Dialect) -> tuple[str, str]:
    """:data:`_PAGE_QUERY` as PostgreSQL text with its values inline, split where ``after`` goes.

    Every bound value is a constant of this module or the integer ``after`` (from :func:`parse_since` or a row
    read here), so a page is one text with no parameters: PostgreSQL plans each page for its own values and
    never falls back to a generic plan made while the tables were small. Compiled once: compiling the query
    for every page was 9 % of the export's CPU at a million lines (py-spy, bench/scale.py)."""
    compiled = _PAGE_QUERY.params(after=_AFTER_MARK, page=PAGE).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True}
    )
    text, mark = str(compiled), str(_AFTER_MARK)
    assert text.count(mark) == 1, "the marker must stand once in the page's text"
    before, _, behind = text.partition(mark)
    return before, behind


async def _page_rows(conn: AsyncConnection, after: int) -> Sequence[Any]:
    """One page of :data:`_PAGE_QUERY`'s rows. On PostgreSQL through asyncpg itself (its records index like
    rows): SQLAlchemy's result rows and per-value processing were half of the export's Python time at a million
    lines (issue 12), and every column here is a plain value asyncpg already gives as SQLAlchemy would (the
    event time as a UTC-aware datetime)."""
    if conn.dialect.name != "postgresql":
        return (await conn.execute(_PAGE_QUERY, {"after": after, "page": PAGE})).all()
    before, behind = _page_text(conn.dialect)
    text = f"{before}{int(after)}{behind}"
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    records: Sequence[Any] = await driver.fetch(text)
    return records


async def export_lines(database: Database, first: int) -> AsyncIterator[bytes]:
    """NDJSON chunks (one page each) of the certificate events from index ``first`` on.

    One Core query per page selecting only the columns a line writes, the print serial included (issue 12:
    building an ORM ``Certificate`` per line and a second query for the prints was 45 % of the export's CPU);
    an event's bytes are read and decoded only for the kinds whose line needs them; each page is encoded as
    NDJSON by one ``encode_lines`` call.
    """
    encode_lines = msgspec.json.Encoder().encode_lines
    after = first - 1
    while True:
        async with database.read_engine.connect() as conn:
            rows = await _page_rows(conn, after)
        if not rows:
            return
        yield encode_lines([_line(row) for row in rows])
        if len(rows) < PAGE:
            return
        after = rows[-1][0]
