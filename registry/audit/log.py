"""Auditing the log itself: every leaf against its bytes and columns, the stored tree and every checkpoint —
and, in the same pass, each certificate and print against the event that issued or printed it.

The tree is recomputed from the events' *bytes* (never from the stored leaf hashes), streamed in index order
in chunks, with a :class:`Frontier` of O(log n) memory; the nodes it closes are compared with the stored
ones a chunk at a time (memory stays flat: at 1M leaves there are 125,000 stored nodes), and its root at each
checkpoint's size with the root the log signed.

One pass in leaf order (issue 12): each event is read once, joined with the certificate its
``certificate.issued`` event names (by number, the primary key) and the print at that leaf (by
``(number, log_index)``, with the serial of the print before it), and in a worker process
(:mod:`registry.audit.parallel`) hashed and decoded once; the certificate and the print are checked against
that one decode (:mod:`registry.audit.certificates`, :mod:`registry.audit.prints`). Reading each event once
for the leaf, again for its certificate and a third time for its print, decoded each time, was about half of
what the audit spent beside the signatures. The rows not at their own event are few (none untouched) and
found set-wise by the anti-joins of those modules. The frontier, cheap and sequential, stays in this process.
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar

import msgspec
from sqlalchemy import and_, func, or_, select, text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from keys.keyset import KeySet
from registry.audit.certificates import (
    ISSUED,
    LOG_INDEX_AT,
    ROW_COLUMNS,
    CertificateRow,
    check_certificate,
    check_issue_without_row,
    row_checks,
)
from registry.audit.findings import AuditProgress, AuditReport, Discrepancy, Finding
from registry.audit.leafreader import RangeSource, fetch_range, range_source
from registry.audit.parallel import ChunkPool, encode_chunk
from registry.audit.prints import PRINTED_BY, PrintRow, check_print, check_print_gone
from registry.audit.prints import row_columns as print_columns
from registry.audit.screening import (
    PARSE_ERRORS,
    invalid_fields,
    parsed_values,
    raw_statement,
    report_invalid,
    screened,
)
from registry.events import EncodedEvent, LogEntry, decode_entry, from_micros, to_micros
from registry.log.checkpoint import open_checkpoint
from registry.log.errors import NoteError
from registry.log.frontier import Frontier
from registry.log.merkle import leaf_hash
from registry.log.monitor import SeenCheckpoint
from registry.log.note import NoteVerifier
from registry.log.paging import in_chunks, range_chunks
from registry.log.store import StoredCheckpoint
from registry.log.tree import LOW_LEVELS
from registry.models import Certificate, CertificatePrint, Event, MerkleNode

CHUNK: Final = 4096
RowT = TypeVar("RowT", CertificateRow, PrintRow)
#: :attr:`PassRow.points_at` of a certificate whose ``log_index`` is no integer (SQLite): its row is not gone, it
#: is not at its issue event, and the anti-join (:func:`registry.audit.certificates.audit_unlogged_certificates`)
#: reports it with the column at fault.
ELSEWHERE: Final = -1
_COLUMNS: Final = ("kind", "subject", "actor", "reason")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


class LeafRow(EncodedEvent, array_like=True, frozen=True, gc=False):
    """One event as the leaf check reads it (decoded from the chunk's MessagePack, in this field order): the
    stored columns of :class:`registry.events.EncodedEvent`, then its index."""

    idx: int


def _micros(moment: datetime) -> int:
    """:func:`registry.events.to_micros` in one subtraction for an aware time (what both drivers give)."""
    if moment.tzinfo is None:
        return to_micros(moment)
    return (moment - _EPOCH) // _MICROSECOND


def check_event(report: AuditReport, row: Any) -> tuple[bytes, LogEntry | None, datetime | None]:
    """Report a leaf whose bytes do not match its stored hash or whose columns differ from its bytes; returns
    the leaf hash of its bytes (what the tree is rebuilt from), the event they decode to and its time (``None``
    when they do not decode)."""
    where = f"leaf {row.idx}"
    digest = leaf_hash(row.data)
    if digest != row.leaf_hash:
        report.add(
            Finding.EVENT_CHANGED, where, f"第 {row.idx} 条的内容与叶哈希不符 / {where}: bytes do not match its hash"
        )
    try:
        entry = decode_entry(row.data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        report.add(Finding.EVENT_CHANGED, where, f"第 {row.idx} 条无法解码 / {where} does not decode as an event")
        return digest, None, None
    at_us = _micros(row.at)
    if (entry.kind, entry.subject, entry.actor, entry.reason, entry.at_us) == (
        row.kind, row.subject, row.actor, row.reason, at_us,
    ):  # fmt: skip
        return digest, entry, row.at  # the one comparison of an untouched leaf
    changed = [name for name in _COLUMNS if getattr(entry, name) != getattr(row, name)]
    if at_us != entry.at_us:
        changed.append("at")
    report.add(
        Finding.EVENT_CHANGED,
        where,
        f"第 {row.idx} 条的字段 {', '.join(changed)} 与日志内容不符 / {where}: column(s) {', '.join(changed)} "
        f"differ from the logged event ({entry.kind} {entry.subject})",
    )
    return digest, entry, from_micros(entry.at_us)


class PassRow(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """One row of the pass: a leaf, the certificate at it (its own ``certificate.issued`` event), where the
    certificate its issue event names points instead (``points_at``; ``None`` with no certificate: gone) and the
    print at it. A leaf with two print rows comes twice, in a row. ``unreadable``: the certificate or print row
    there holds no valid value in some column, reported already (:func:`screened_rows`); not checked again, nor
    reported gone."""

    leaf: LeafRow
    certificate: CertificateRow | None
    points_at: int | None
    print: PrintRow | None
    unreadable_certificate: bool = False
    unreadable_print: bool = False
    #: The leaf's kind or subject column holds no valid value: the rows beside it were joined by what is stored,
    #: not by what was logged, so they are left to the anti-joins (which find them not at their own event).
    unjoined: bool = False


class LeafResult(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """What a worker found in a chunk: the discrepancies, each leaf's ``(index, hash of its bytes)`` in order,
    and how many certificate and print rows it checked."""

    discrepancies: list[Discrepancy]
    hashes: list[tuple[int, bytes]]
    certificates: int
    prints: int


_DECODE: Final = msgspec.msgpack.Decoder(list[PassRow])


def check_leaf_chunk(keyset: KeySet, chunk: bytes) -> LeafResult:
    """The work of one worker over ``chunk`` (:func:`encode_chunk` of :class:`PassRow` tuples); a chunk with a
    row that does not decode is screened row by row (:func:`screened_rows`)."""
    try:
        rows = _DECODE.decode(chunk)
    except msgspec.ValidationError:
        report = AuditReport()
        return check_leaf_rows(keyset, screened_rows(report, msgspec.msgpack.decode(chunk)), report)
    return check_leaf_rows(keyset, rows)


def _screened_leaf(report: AuditReport, values: Sequence[Any]) -> tuple[LeafRow | None, list[str]]:
    """The leaf ``values`` as a :class:`LeafRow`, its columns that hold no valid value reported and replaced
    by what its bytes logged (so that they are not reported again as differing from them), and the names of
    those columns; ``None`` for a leaf whose index is no integer, which has no place in the tree."""
    fields = invalid_fields(LeafRow, values)
    if not fields:
        return msgspec.convert(values, LeafRow), fields
    row = dict(zip(LeafRow.__struct_fields__, values, strict=True))
    if "idx" in fields:  # a number that is no integer (SQLite): within the ranges, placed nowhere
        report_invalid(report, Finding.EVENT_CHANGED, f"leaf {row['idx']!r}", ["idx"])
        return None, fields
    report_invalid(report, Finding.EVENT_CHANGED, f"leaf {row['idx']}", fields)
    data = row["data"] if "data" not in fields else b""  # no bytes: the leaf is reported as not decoding
    try:
        entry: LogEntry | None = decode_entry(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        entry = None
    logged = {
        "at": from_micros(entry.at_us) if entry else _EPOCH,
        "data": data,
        "leaf_hash": leaf_hash(data),
        **{name: getattr(entry, name) if entry else "" for name in _COLUMNS},
    }
    return msgspec.convert([logged[name] if name in fields else row[name] for name in row], LeafRow), fields


def screened_rows(report: AuditReport, rows: Sequence[Sequence[Any]]) -> list[PassRow]:
    """``rows`` (:class:`PassRow` tuples, decoded untyped) decoded one by one: a leaf, certificate or print
    whose columns hold no valid value is reported naming its leaf index, number or serial and the columns
    (docs/log.md "Columns holding no valid value"); the rest of the row is checked as usual."""
    screened = []
    for leaf_values, certificate, points_at, printed, *_ in rows:
        leaf, fields = _screened_leaf(report, leaf_values)
        if leaf is None:
            continue
        certificate_row = None if certificate is None else _row_of(report, CertificateRow, certificate)
        print_row = None if printed is None else _row_of(report, PrintRow, printed)
        screened.append(
            PassRow(
                leaf,
                certificate_row,
                points_at if isinstance(points_at, int) or points_at is None else ELSEWHERE,
                print_row,
                unreadable_certificate=certificate is not None and certificate_row is None,
                unreadable_print=printed is not None and print_row is None,
                unjoined="kind" in fields or "subject" in fields,
            )
        )
    return screened


def _row_of(report: AuditReport, struct: type[RowT], values: Sequence[Any]) -> RowT | None:
    """A certificate or print row of the pass, or ``None`` when a column holds no valid value (reported)."""
    if struct is CertificateRow:
        kind, where = Finding.CERTIFICATE_CHANGED, f"certificate {values[0]}"
    else:
        kind, where = Finding.PRINT_CHANGED, f"print {values[2]} of certificate {values[0]}"
    (row,) = screened(report, struct, [values], lambda _: where, kind)
    return row


def check_leaf_rows(keyset: KeySet, rows: Sequence[PassRow], report: AuditReport | None = None) -> LeafResult:
    """Each leaf of ``rows`` checked once (:func:`check_event`), its certificate and print against that one
    decode; added to ``report`` (what screening the rows found) when given."""
    checks = row_checks(keyset)
    report = report or AuditReport()
    hashes: list[tuple[int, bytes]] = []
    certificates = prints = 0
    idx, entry, at = -1, None, None
    for row in rows:
        leaf = row.leaf
        if leaf.idx != idx:  # a leaf repeated for its second print row is checked once
            idx = leaf.idx
            digest, entry, at = check_event(report, leaf)
            hashes.append((idx, digest))
            if leaf.kind == ISSUED and not row.unjoined:
                if row.unreadable_certificate:
                    certificates += 1  # reported by the screening
                elif row.certificate is not None:
                    check_certificate(report, row.certificate, checks, (leaf.kind, leaf.subject), entry)
                    certificates += 1
                elif row.points_at != ELSEWHERE:
                    check_issue_without_row(report, idx, leaf.subject, row.points_at)
            if row.print is None and not (row.unreadable_print or row.unjoined) and leaf.kind in PRINTED_BY:
                check_print_gone(report, idx, leaf.kind, leaf.subject, entry)
        if row.unjoined:
            continue
        if row.print is not None:
            check_print(report, row.print, (leaf.kind, leaf.subject, leaf.reason), entry, at)
            prints += 1
        elif row.unreadable_print:
            prints += 1
    return LeafResult(report.discrepancies, hashes, certificates, prints)


def signed_root(report: AuditReport, checkpoint: StoredCheckpoint, verifiers: Sequence[NoteVerifier]) -> bytes | None:
    """The root the log signed in ``checkpoint``, or ``None`` (reported) when no log key signed it as stored."""
    for verifier in verifiers:
        try:
            signed = open_checkpoint(checkpoint.note, verifier)
        except NoteError:
            continue
        if (signed.size, signed.root_hash) == (checkpoint.size, checkpoint.root_hash):
            return signed.root_hash
    report.add(
        Finding.CHECKPOINT_BAD_SIGNATURE,
        f"checkpoint {checkpoint.size}",
        f"检查点 {checkpoint.size} 无日志密钥的有效签名或与签名内容不符 / checkpoint {checkpoint.size} is not signed "
        "by a log key, or its stored size or root differ from the signed note",
    )
    return None


class _Rebuild:
    """The tree as the events give it, leaf by leaf, checked on the way against every root the log signed:
    the stored checkpoints' and those an earlier audit saw (``roots``: the roots expected at each size)."""

    def __init__(self, report: AuditReport, roots: dict[int, set[bytes]]) -> None:
        self.report = report
        self.roots = roots  # expected roots not yet compared, by size
        self.frontier = Frontier()
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.next = 0  # the index the next event should have
        self.hole = False  # after a deleted leaf nothing further can be recomputed
        self.matched: set[int] = set()  # sizes whose every expected root the events still give
        self.forked: list[int] = []  # sizes where they do not
        self.compare_root()

    def compare_root(self) -> None:
        size = self.frontier.size
        roots = self.roots.pop(size, None)
        if roots is None:
            return
        if roots == {self.frontier.root()}:
            self.matched.add(size)
            return
        self.forked.append(size)
        self.report.add(
            Finding.CHECKPOINT_FORK,
            f"checkpoint {size}",
            f"事件算出的根与检查点 {size} 的根不同，日志在第 {size} 条前被改写 / the events no longer give the "
            f"root signed at size {size}: the log was rewritten before leaf {size}",
        )

    def add(self, idx: int, leaf: bytes) -> None:
        """Leaf ``idx`` whose bytes hash to ``leaf`` (leaves come in index order)."""
        if idx > self.next:
            gap = f"leaves {self.next}-{idx - 1}"
            self.report.add(Finding.EVENT_DELETED, gap, f"第 {self.next}–{idx - 1} 条已被删除 / {gap} were deleted")
            self.hole, self.next = True, idx
        if not self.hole:
            for level, index, digest in self.frontier.push(leaf):
                if level >= LOW_LEVELS:
                    self.nodes[(level, index)] = digest
            self.compare_root()
        self.next += 1

    def finish(self, head: int) -> None:
        report, end = self.report, self.next
        if end != head:
            report.add(
                Finding.LOG_TRUNCATED,
                f"leaves {min(end, head)}-{max(end, head) - 1}",
                f"log_head 记为 {head} 条，事件止于 {end} 条 / log_head says {head} leaves, the events end at {end}",
            )
        for size in sorted(self.roots):
            if size > end:
                report.add(
                    Finding.LOG_TRUNCATED,
                    f"checkpoint {size}",
                    f"检查点 {size} 签名了 {size} 条，日志现只有 {end} 条 / checkpoint {size} signed {size} "
                    f"leaves, the log now has {end}: it was truncated",
                )
            else:
                report.add(
                    Finding.CHECKPOINT_FORK,
                    f"checkpoint {size}",
                    f"缺少叶子，无法重现检查点 {size} / the events cannot reproduce checkpoint {size}: "
                    "leaves are missing",
                )
        self.locate_rewrite()

    def locate_rewrite(self) -> None:
        """Name the leaves where the first rewrite lies: after the last signed size the events still give,
        up to the first they do not (a rewrite with a recomputed leaf hash shows nowhere else)."""
        if not self.forked:
            return
        first = min(self.forked)
        good = max((size for size in self.matched if size < first), default=0)
        where = f"leaves {good}-{first - 1}"
        self.report.add(
            Finding.LOG_REWRITTEN,
            where,
            f"第 {good}–{first - 1} 条中至少有一条被改写：事件仍给出大小 {good} 的根，却给不出大小 {first} 的 / "
            f"a leaf in {where} was rewritten: the events still give the root signed at size {good} but not "
            f"the one at size {first}",
        )


def expected_roots(
    report: AuditReport,
    stored: Sequence[StoredCheckpoint],
    verifiers: Sequence[NoteVerifier],
    seen: Sequence[SeenCheckpoint],
) -> tuple[dict[int, set[bytes]], set[int]]:
    """The roots the events must give, by size: those of the stored checkpoints a log key signed and those
    an earlier audit saw (a seen checkpoint no longer stored, or stored with another root, is reported).
    Also returns the sizes of the stored checkpoints whose signature verified."""
    roots: dict[int, set[bytes]] = {}
    signed: dict[int, bytes] = {}
    for checkpoint in stored:
        if (root := signed_root(report, checkpoint, verifiers)) is not None:
            signed[checkpoint.size] = root
            roots.setdefault(checkpoint.size, set()).add(root)
    sizes = {checkpoint.size for checkpoint in stored}
    for old in seen:
        roots.setdefault(old.size, set()).add(old.root_hash)
        where = f"checkpoint {old.size}"
        if old.size not in sizes:
            report.add(
                Finding.CHECKPOINT_DELETED,
                where,
                f"先前审计见过的检查点 {old.size} 已不在库中 / {where}, seen by an earlier audit, is no longer stored",
            )
        elif old.size in signed and signed[old.size] != old.root_hash:
            report.add(
                Finding.CHECKPOINT_FORK,
                where,
                f"库中检查点 {old.size} 的根与先前审计所见不同 / the stored {where} has another root than the one "
                "an earlier audit saw: it was re-signed",
            )
    return roots, set(signed)


#: The pass's query (a range of leaves at a time, :func:`_chunks`): each event with the certificate its issue
#: event names — or, for a reprint, the reprinted one (only whether it exists is read) — and the print at it.
_PASS: Final = (
    select(
        *(getattr(Event, name) for name in LeafRow.__struct_fields__), *ROW_COLUMNS, *print_columns(Certificate),
    )
    .outerjoin(Certificate, and_(Certificate.number == Event.subject, Event.kind.in_(PRINTED_BY)))
    .outerjoin(
        CertificatePrint,
        and_(
            CertificatePrint.log_index == Event.idx,
            CertificatePrint.number == Event.subject,
            Event.kind.in_(PRINTED_BY),
        ),
    )
)  # fmt: skip
#: :data:`_PASS` with its values as stored, for a range whose values do not all parse (:func:`_chunks`).
_RAW_PASS: Final = raw_statement(_PASS)
_LEAF_END: Final = len(LeafRow.__struct_fields__)
_LEAF_KIND: Final = LeafRow.__struct_fields__.index("kind")
_LEAF_IDX: Final = LeafRow.__struct_fields__.index("idx")
_CERTIFICATE_END: Final = _LEAF_END + len(ROW_COLUMNS)
#: A row of :data:`_PASS` as (leaf, certificate, print) tuples.
_PARTS: Final = operator.itemgetter(slice(_LEAF_END), slice(_LEAF_END, _CERTIFICATE_END), slice(_CERTIFICATE_END, None))
#: The pass's row order: a leaf with two print rows gives them in a row.
_PASS_ORDER: Final = (Event.idx, CertificatePrint.id)


#: PostgreSQL settings for the pass (``SET LOCAL``, reset after it). A range of 4,096 leaves joined with a
#: table of 100,000 rows was planned as a hash join over a scan of the whole table, again for every range
#: (quadratic in the registry's size: 173 ms a range at 100k); as index probes, 39 ms. No parallel workers
#: either: the audit's own workers have the cores.
_PASS_SETTINGS: Final = {"enable_hashjoin": "off", "enable_mergejoin": "off", "max_parallel_workers_per_gather": "0"}


@contextlib.asynccontextmanager
async def _index_probes(session: AsyncSession) -> AsyncIterator[None]:
    """The pass's joins as index probes on PostgreSQL (:data:`_PASS_SETTINGS`; SQLite plans them so)."""
    postgresql = (await session.connection()).dialect.name == "postgresql"
    if postgresql:
        for name, value in _PASS_SETTINGS.items():
            await session.execute(text(f"SET LOCAL {name} = {value}"))
    yield
    if postgresql:  # not after a failure: the transaction, and its SET LOCAL, end with it
        for name in _PASS_SETTINGS:
            await session.execute(text(f"RESET {name}"))


def _passed(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows of :data:`_PASS` as :class:`PassRow` tuples."""
    passed = []
    for row in rows:
        leaf, certificate, printed = _PARTS(row)  # slices of the driver's row: no tuple of it first
        points_at = None
        if certificate[0] is None or row[_LEAF_KIND] != ISSUED:
            certificate = None
        elif (points_at := certificate[LOG_INDEX_AT]) == row[_LEAF_IDX]:
            points_at = None
        else:
            certificate = None
        passed.append((leaf, certificate, points_at, printed if printed[0] is not None else None))
    return passed


async def _chunks(session: AsyncSession, first: int, last: int) -> AsyncIterator[bytes]:
    """The pass's rows from leaf ``first`` to ``last``, as :class:`PassRow` chunks for the workers. A range
    with a value its column's type cannot parse (SQLite keeps text in a date column) is read again as stored,
    each value parsed on its own (:mod:`registry.audit.screening`): the workers report the row."""
    dialect = (await session.connection()).dialect
    for low in range(first, last + 1, CHUNK):
        span = (low, min(low + CHUNK, last + 1) - 1)
        try:
            ranges = [rows async for rows in range_chunks(session, _PASS, Event.idx, _PASS_ORDER, span, chunk=CHUNK)]
        except PARSE_ERRORS:
            ranges = [
                parsed_values(rows, _PASS, dialect)
                async for rows in range_chunks(session, _RAW_PASS, Event.idx, _PASS_ORDER, span, chunk=CHUNK)
            ]
        for rows in ranges:
            yield encode_chunk(_passed(rows))


async def _ranges(first: int, last: int) -> AsyncIterator[tuple[int, int]]:
    """Leaves ``first`` to ``last`` as half-open ranges of :data:`CHUNK` indices, for workers that read them."""
    for low in range(first, last + 1, CHUNK):
        yield low, min(low + CHUNK, last + 1)


def check_leaf_range(keyset: KeySet, source: RangeSource, span: tuple[int, int]) -> LeafResult:
    """:func:`check_leaf_rows` of the leaves in ``span``, read by the worker itself in the audit's snapshot
    (:mod:`registry.audit.leafreader`): the same rows and checks, without the reading process, and converted
    straight to :class:`PassRow` (no MessagePack round trip in the worker: 0.6 µs a row against 2.5)."""
    passed = _passed(fetch_range(source, *span))
    try:
        rows = msgspec.convert(passed, list[PassRow])
    except msgspec.ValidationError:
        report = AuditReport()
        return check_leaf_rows(keyset, screened_rows(report, passed), report)
    return check_leaf_rows(keyset, rows)


async def _leaf_work(
    session: AsyncSession, pool: ChunkPool, keyset: KeySet, first: int, last: int
) -> tuple[Callable[[Any], LeafResult], AsyncIterator[Any]]:
    """The pass's work for ``pool``: on PostgreSQL with worker processes each worker reads its own ranges;
    otherwise (SQLite, one core) this process reads the rows and hands out chunks."""
    connection = await session.connection()
    if pool.parallel and connection.dialect.name == "postgresql":
        source = await range_source(connection, _PASS, Event.idx, _PASS_ORDER, _PASS_SETTINGS)
        return functools.partial(check_leaf_range, keyset, source), _ranges(first, last)
    return functools.partial(check_leaf_chunk, keyset), _chunks(session, first, last)


async def audit_log(
    session: AsyncSession,
    report: AuditReport,
    *,
    head: int,
    checkpoints: Sequence[StoredCheckpoint],
    verifiers: Sequence[NoteVerifier],
    progress: AuditProgress,
    pool: ChunkPool,
    keyset: KeySet,
    seen: Sequence[SeenCheckpoint] = (),
) -> None:
    """Add to ``report`` every discrepancy in the events, the stored tree and the checkpoints (stored ones and
    ``seen`` ones, kept by earlier audits), and in the certificates and prints at their own events (checked
    against ``keyset``, the key set as the log records it); list in ``report.confirmed`` the stored
    checkpoints that hold."""
    roots, verified = expected_roots(report, checkpoints, verifiers, seen)
    report.checkpoints = len(checkpoints)
    rebuild = _Rebuild(report, roots)
    progress.stage("leaves", head)
    span: Any = (await session.execute(select(func.min(Event.idx), func.max(Event.idx)))).one()
    first, last = span  # what is stored: SQLite keeps text in an integer column
    if not isinstance(last, int | None):
        first, last = await _misplaced_leaves(session, report)
    if first is not None and last is not None:
        async with _index_probes(session):
            work, chunks = await _leaf_work(session, pool, keyset, first, last)
            async for result in pool.map(work, chunks):
                report.discrepancies.extend(result.discrepancies)
                for idx, digest in result.hashes:
                    rebuild.add(idx, digest)
                await compare_nodes(session, report, rebuild.nodes)
                rebuild.nodes.clear()
                report.certificates += result.certificates
                report.prints += result.prints
                progress.advance(len(result.hashes))
    report.leaves = rebuild.next
    rebuild.finish(head)
    now = datetime.now(UTC)
    report.confirmed = [
        SeenCheckpoint(size=cp.size, root_hash=cp.root_hash, note=cp.note, seen_at=now)
        for cp in checkpoints
        if cp.size in verified and cp.size in rebuild.matched
    ]
    await stray_nodes(session, report, rebuild.frontier.size)


async def _misplaced_leaves(session: AsyncSession, report: AuditReport) -> tuple[int | None, int | None]:
    """Report the events whose index is text or bytes (SQLite keeps them; they sort after every integer, so no
    range of the pass meets them) and return the first and last integer index: where the pass runs."""
    misplaced = select(type_coerce(Event.idx, NullType())).where(func.typeof(Event.idx).in_(("text", "blob")))
    for (value,) in await session.execute(misplaced):
        report_invalid(report, Finding.EVENT_CHANGED, f"leaf {value!r}", ["idx"])
    indices = select(func.min(Event.idx), func.max(Event.idx)).where(func.typeof(Event.idx) == "integer")
    first, last = (await session.execute(indices)).one()
    return first, last


def _node_changed(report: AuditReport, level: int, index: int, *, missing: bool) -> None:
    where = f"node {level}/{index}"
    if missing:
        report.add(Finding.TREE_CHANGED, where, f"缺少树节点 / node level {level} index {index} is missing")
        return
    first, last = index << level, ((index + 1) << level) - 1
    report.add(
        Finding.TREE_CHANGED,
        where,
        f"树节点 {level}/{index}（第 {first}–{last} 条）与事件不符 / stored node level {level} index "
        f"{index} (leaves {first}-{last}) is not what the events give",
    )


async def compare_nodes(session: AsyncSession, report: AuditReport, computed: dict[tuple[int, int], bytes]) -> None:
    """Compare the nodes one chunk of leaves closed (contiguous indices on each level) with the stored ones,
    in one query."""
    if not computed:
        return
    spans: dict[int, list[int]] = {}
    for level, index in computed:
        span = spans.setdefault(level, [index, index])
        span[0], span[1] = min(span[0], index), max(span[1], index)
    condition = or_(
        *(
            and_(MerkleNode.level == level, MerkleNode.index >= low, MerkleNode.index <= high)
            for level, (low, high) in spans.items()
        )
    )
    rows = await session.execute(select(MerkleNode.level, MerkleNode.index, MerkleNode.hash).where(condition))
    stored = {(level, index): bytes(digest) for level, index, digest in rows}
    for (level, index), digest in sorted(computed.items()):
        if (level, index) not in stored:
            _node_changed(report, level, index, missing=True)
        elif stored[(level, index)] != digest:
            _node_changed(report, level, index, missing=False)


async def stray_nodes(session: AsyncSession, report: AuditReport, size: int) -> None:
    """Report the stored nodes no chunk compared that should not be there: below the lowest stored level
    (nodes past a hole or the end of the ``size`` leaves the events give are left out: the deletion or
    truncation is reported already; every other node of a stored level was compared chunk by chunk)."""
    statement = select(MerkleNode.level, MerkleNode.index).where(MerkleNode.level < LOW_LEVELS)
    async for rows in in_chunks(session, statement, [MerkleNode.level, MerkleNode.index], CHUNK):
        for level, index in rows:
            _node_changed(report, level, index, missing=False)
