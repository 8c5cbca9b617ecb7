"""Importing certificates issued before the registry (``docs/legacy.md``).

The file is streamed once (:mod:`issuer.legacy.source`), a chunk at a time, so memory stays flat whatever
its size; the CPU work of each chunk runs in worker processes (:mod:`issuer.legacy.workers`).

1. Pass 1 (the file): every row checked (:mod:`issuer.legacy.records`) and its document sealed
   (:mod:`issuer.legacy.keyplan`) in the workers (a CSV without quotes reaches them as bytes, cut into rows
   there); the checked chunks are spooled (:mod:`issuer.legacy.spool`: no clear document number in it).
   Against the database, chunk by chunk: each institution exists, no number or print serial repeats in the
   file, a number already stored is this very certificate (then it is skipped: a re-run or a resumed run), no
   given print serial is taken. Any problem: the whole file is refused with every problem listed (the first
   :data:`MAX_LISTED_PROBLEMS`, and how many in all); nothing is stored (nor signed).
2. Pass 2 (the spool): the workers sign each spooled chunk's rows not stored yet (statement v1, unchanged, by
   the province centre's key) and encode their events a few chunks ahead, while this process stores one
   chunk per transaction (all or nothing): sealed identities and certificates (``COPY`` on PostgreSQL), with
   their issue events, a ``certificate.imported`` event (the origin) each, a ``certificate.revoked`` event
   for revoked ones, the given print serials, and the numbering counters raised above every imported number.
   The storing stage (one process: the log lock orders the chunks) so overlaps the signing.

A killed run leaves whole chunks; running the same file again skips what is stored and loads the rest (its
pass 1 checks and seals every row again; only the rest is signed).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import msgspec
from sqlalchemy import Executable, select
from sqlalchemy.engine import Row as DbRow
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from issuer.auth.policy import Action, authorise
from issuer.auth.principal import Principal
from issuer.batches.problems import RowProblem, problem, rule_of
from issuer.errors import IssuerError
from issuer.identity.kek import kek_for_sealing
from issuer.identity.sealer import DEFAULT_POLICY
from issuer.keystore import KeyStore, signer_for
from issuer.legacy.keyplan import KeyPlan
from issuer.legacy.records import Column
from issuer.legacy.source import MAX_ROWS, LegacyFile, Piece, Rows, check_source
from issuer.legacy.spool import Spool
from issuer.legacy.workers import (
    MIN_PARALLEL_ROWS,
    Checked,
    CheckedChunk,
    CheckSpec,
    Prepared,
    RowPool,
    SignSpec,
    chunked,
    decode_checked,
    decode_signed,
)
from registry.audit.parallel import default_processes
from registry.calendar import province_day
from registry.certificates import store_certificates
from registry.config import Settings
from registry.db import Database
from registry.events import append_encoded
from registry.identity.sealing.datakeys import WrappedDataKey
from registry.identity.sealing.ring import DataKeyRing
from registry.identity.sealing.store import insert_identities
from registry.keyring import load_keyset
from registry.models import Certificate, CertificatePrint, Institution
from registry.rules.policy import ProvinceProfile
from registry.sequences import raise_floors
from registry.sets import member_of
from registry.tabular import Row, TableError

DEFAULT_CHUNK: Final = 5000
#: A refused file lists this many problems at most (and says how many there are in all).
MAX_LISTED_PROBLEMS: Final = 100_000
#: ``progress(done, total)`` after each stored chunk (the CLI prints a line: the kill test waits for one).
Progress = Callable[[int, int], None]
#: ``checking(rows, problems)`` after each chunk of pass 1 (rows read so far, problems among them): a million
#: rows take minutes to check before the first one is stored, and the CLI said nothing meanwhile.
Checking = Callable[[int, int], None]


class LegacyImportError(IssuerError):
    """The file has bad rows; ``problems`` lists them (the first :data:`MAX_LISTED_PROBLEMS` of ``total``).
    Nothing was stored."""

    def __init__(self, problems: list[RowProblem], total: int | None = None) -> None:
        self.problems = problems
        self.total = len(problems) if total is None else total
        listed = "" if self.total == len(problems) else f"（列出前 {len(problems)} 处）"
        listed_en = "" if self.total == len(problems) else f" (the first {len(problems)} are listed)"
        super().__init__(
            f"历史证书文件有 {self.total} 处错误{listed}，未导入任何证书 / the legacy file has {self.total} "
            f"problems{listed_en}; nothing was imported"
        )


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    """Something about the whole file the operator should know (it did not stop the import)."""

    code: str
    message_zh: str
    message_en: str


class LegacyReport(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    rows: int
    imported: int  # stored by this run
    already: int  # stored by an earlier run of the same file (skipped)
    revoked: int
    chunks: int
    notices: list[Notice] = msgspec.field(default_factory=list)


def _no_progress(done: int, total: int) -> None:
    """Reports nowhere."""


def _not_checking(rows: int, problems: int) -> None:
    """Reports nowhere."""


async def _in_set(
    session: AsyncSession, query: Callable[[ColumnElement[bool]], Executable], column: Any, values: Sequence[str]
) -> list[DbRow[Any]]:
    """The rows of ``query(condition)`` for ``column`` in ``values``: one ``= ANY(:array)`` statement on
    PostgreSQL (one shape, one round trip: ``registry.sets``), ``IN`` chunks on SQLite."""
    found: list[DbRow[Any]] = []
    if not values:
        return found
    for condition in member_of(column, sorted(set(values)), session.get_bind().dialect.name):
        found.extend((await session.execute(query(condition))).all())
    return found


async def _present(session: AsyncSession, column: Any, values: Sequence[str]) -> set[str]:
    """Which of ``values`` ``column`` holds (``values`` not stored are simply absent)."""
    return {row[0] for row in await _in_set(session, lambda c: select(column).where(c), column, values)}


Where = Callable[[Column], str]


def _problem(where: Where, row: int, column: Column, code: str, text: tuple[str, str]) -> RowProblem:
    """A problem at ``column`` of ``row``; ``text`` is the Chinese and the English message."""
    zh, en = text
    return RowProblem(
        row=row, column=where(column), field=column.value, code=code, message_zh=zh, message_en=en, rule=rule_of(code)
    )


#: What :func:`_same` compares of a stored certificate.
_STORED: Final = (
    Certificate.number,
    Certificate.batch_id,
    Certificate.kind,
    Certificate.holder_id_digest,
    Certificate.subject_code,
    Certificate.level,
    Certificate.assessed_on,
)


def _same(record: Checked, stored: DbRow[Any]) -> bool:
    """Whether the stored certificate is this row imported before (a re-run), not another certificate."""
    return (
        stored.batch_id is None
        and stored.kind == record.kind.value
        and bytes(stored.holder_id_digest) == record.holder_id_digest
        and stored.subject_code == record.subject_code
        and stored.level == record.level
        and stored.assessed_on == record.recorded_issued_on
    )


async def _database_checks(
    session: AsyncSession,
    records: list[Checked],
    problems: list[RowProblem],
    where: Where,
    *,
    institutions: set[str],
) -> set[str]:
    """Problems the database shows; returns the numbers already imported (to skip). ``institutions``: codes
    known to exist (grown here, so each is looked up once per file)."""
    unknown = [c for c in {r.institution_code for r in records} if c not in institutions]
    institutions.update(await _present(session, Institution.code, unknown))
    stored = {
        row.number: row
        for row in await _in_set(
            session, lambda c: select(*_STORED).where(c), Certificate.number, [r.number for r in records]
        )
    }
    serials = await _present(session, CertificatePrint.serial, [r.print_serial for r in records if r.print_serial])
    already: set[str] = set()
    for record in records:
        if record.institution_code not in institutions:
            zh, en = "登记库中没有该机构，请先导入机构", "no such institution in the registry: load it first"
            problems.append(_problem(where, record.row, Column.INSTITUTION, "institution.unknown", (zh, en)))
        found = stored.get(record.number)
        if found is not None:
            if _same(record, found):
                already.add(record.number)
            else:
                zh, en = "证书编号已被另一张证书使用", "the number belongs to another certificate in the registry"
                problems.append(_problem(where, record.row, Column.NUMBER, "number.taken", (zh, en)))
        elif record.print_serial in serials:
            zh, en = "印制流水码已被使用", "the print serial is already used"
            problems.append(_problem(where, record.row, Column.PRINT_SERIAL, "serial.taken", (zh, en)))
    return already


async def _store_chunk(
    database: Database,
    profile: ProvinceProfile,
    rows: list[Prepared],
    *,
    floors: dict[str, int],
    keys: KeyPlan,
    data_key: WrappedDataKey,
    source: str,
    actor: str,
    now: datetime,
) -> tuple[int, int]:
    """One chunk in one transaction; returns how many it stored and how many of those are revoked (a number
    another run stored meanwhile is skipped)."""
    async with database.transaction() as session:
        present = await _present(session, Certificate.number, [r.certificate.number for r in rows])
        todo = [r for r in rows if r.certificate.number not in present]
        if not todo:
            return 0, 0
        await keys.store(session, data_key)
        await insert_identities(session, [r.identity for r in todo])
        await store_certificates(
            session, [r.certificate for r in todo], actor=actor, at=now, print_rule=profile.print_serial,
            given_serials=[r.print_serial for r in todo], holder_identity_ids=[r.identity[0] for r in todo],
            encoded=[r.issued for r in todo],
        )  # fmt: skip
        # right after the issue events, under the same log lock: origins, then revocations (encoded by workers)
        revoked = [r.revocation for r in todo if r.revocation is not None]
        await append_encoded(session, [*(r.origin for r in todo), *revoked])
        await raise_floors(session, floors)
    keys.stored(data_key)
    return len(todo), sum(1 for r in todo if r.revocation is not None)


class _Pass1(msgspec.Struct, kw_only=True):
    """What checking the whole file found."""

    rows: int = 0
    good: int = 0
    #: How many of the good rows were stored by an earlier run of this file (a re-run, a resumed run).
    already: int = 0
    #: The numbers of each spooled chunk stored already (not signed or stored again), in order.
    skips: list[frozenset[str]] = msgspec.field(default_factory=list)
    #: The data key each spooled chunk was sealed under, in order.
    keys: list[WrappedDataKey] = msgspec.field(default_factory=list)
    problems: list[RowProblem] = msgspec.field(default_factory=list)
    total_problems: int = 0
    photos: int = 0
    #: Whether a row's ID number is ``id.rounded`` (Excel demonstrably rounded the file's numbers).
    rounded: bool = False
    #: Rows whose 18-digit ID number ends in 000 though its check character fits (the first
    #: :data:`MAX_LISTED_PROBLEMS`), and how many in all.
    rounded_alike: list[int] = msgspec.field(default_factory=list)
    rounded_alike_total: int = 0

    def note_rounding(self, checked: CheckedChunk) -> None:
        """What ``checked`` tells of Excel's rounding of the file's ID numbers."""
        if not self.rounded and checked.problems:
            self.rounded = any(p.code == "id.rounded" for p in checked.problems)
        if checked.rounded_alike:
            self.rounded_alike_total += len(checked.rounded_alike)
            self.rounded_alike.extend(checked.rounded_alike[: MAX_LISTED_PROBLEMS - len(self.rounded_alike)])

    def rounded_alongside(self, where: Where) -> None:
        """Once a row is ``id.rounded``, every row whose 18-digit number ends in 000 is ``id.rounded_column``,
        as in an upload (``issuer.batches.importer.mark_rounded_alongside``): a column saved as numbers rounds
        them all, and one in eleven still ends in a check character that fits — imported, it would name what
        is most likely the wrong person. Alone, such a number may be someone's and is imported."""
        if not self.rounded or not self.rounded_alike_total:
            return
        column, field = where(Column.ID_NUMBER), Column.ID_NUMBER.value
        room = max(MAX_LISTED_PROBLEMS - len(self.problems), 0)
        self.problems.extend(
            problem("id.rounded_column", row=row, column=column, field=field) for row in self.rounded_alike[:room]
        )
        self.total_problems += self.rounded_alike_total


class _Seen:
    """Numbers and print serials met so far in the file (a repeat is a problem), and known institutions."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.serials: dict[str, int] = {}
        self.institutions: set[str] = set()

    def first(self, records: list[Checked], problems: list[RowProblem], where: Where) -> list[Checked]:
        keep = []
        for record in records:
            serial = record.print_serial
            if serial is not None:
                seen_serial = self.serials.setdefault(serial, record.row)
                if seen_serial != record.row:
                    zh, en = f"与第{seen_serial}行的印制流水码相同", f"same print serial as row {seen_serial}"
                    problems.append(_problem(where, record.row, Column.PRINT_SERIAL, "serial.duplicate", (zh, en)))
                    continue
            seen = self.numbers.setdefault(record.number, record.row)
            if seen != record.row:
                zh, en = f"与第{seen}行的证书编号相同", f"same number as row {seen}"
                problems.append(_problem(where, record.row, Column.NUMBER, "number.duplicate", (zh, en)))
                continue
            keep.append(record)
        return keep


async def _check_pass(
    database: Database, pool: RowPool, rows: Rows, keys: KeyPlan, spool: Spool, *, chunk_size: int,
    checking: Checking = _not_checking,
) -> _Pass1:  # fmt: skip
    """Pass 1: every row checked and sealed (workers), spooled while the file has no problem, and checked
    against the database; nothing stored."""
    found = _Pass1()
    seen = _Seen()
    where = pool.local.checker.where
    sent: deque[WrappedDataKey] = deque()

    def tasks() -> Iterator[tuple[list[Row] | Piece, WrappedDataKey]]:
        if rows.pieces is not None:  # a CSV without quotes: its lines are cut into rows in the workers
            for piece in rows.pieces(chunk_size):
                sent.append(keys.key_for(piece.lines))
                yield piece, sent[-1]
            return
        for chunk in chunked(rows.rows, chunk_size):
            sent.append(keys.key_for(len(chunk)))
            yield chunk, sent[-1]

    async for data in pool.check(tasks()):
        data_key = sent.popleft()
        checked = decode_checked(data)
        found.rows += checked.count
        found.photos += checked.photos
        found.note_rounding(checked)
        if found.rows > MAX_ROWS:
            raise TableError("file.too_many_rows", f"行数超过上限 {MAX_ROWS} / more than {MAX_ROWS} rows")
        problems = list(checked.problems)
        keep = seen.first(checked.rows, problems, where)
        async with database.reader() as session:
            already = await _database_checks(session, keep, problems, where, institutions=seen.institutions)
        found.already += len(already)
        found.good += len(keep)
        found.total_problems += len(problems)
        room = MAX_LISTED_PROBLEMS - len(found.problems)
        found.problems.extend(problems[: max(room, 0)])
        if not found.total_problems:  # a file with problems stores nothing: stop spooling it
            spool.write(data)
            found.keys.append(data_key)
            found.skips.append(frozenset(already))
        checking(found.rows, found.total_problems)
    if not found.rows:
        raise TableError("file.no_rows", "文件没有数据行 / the file has no data rows")
    before = found.total_problems
    found.rounded_alongside(where)  # judged on the whole file: the rounding may show only in a later chunk
    if found.total_problems != before:
        checking(found.rows, found.total_problems)
    return found


async def _store_pass(
    database: Database,
    profile: ProvinceProfile,
    pool: RowPool,
    spool: Spool,
    keys: KeyPlan,
    *,
    checked: _Pass1,
    source: str,
    actor: str,
    now: datetime,
    progress: Progress,
) -> tuple[int, int, int]:
    """Pass 2: the spooled rows not stored yet signed (workers, a few chunks ahead) and stored, a chunk per
    transaction; returns (stored, revoked among them, chunks)."""
    total = checked.good - checked.already
    stored = revoked = chunks = done = 0
    chunk_keys = iter(checked.keys)
    async for data in pool.sign(zip(spool.read(), checked.skips, strict=True)):
        data_key = next(chunk_keys)
        signed = decode_signed(data)
        if not signed.rows:
            continue
        added, gone = await _store_chunk(
            database, profile, signed.rows, floors=signed.floors, keys=keys, data_key=data_key, source=source,
            actor=actor, now=now,
        )  # fmt: skip
        stored, revoked, chunks, done = stored + added, revoked + gone, chunks + 1, done + len(signed.rows)
        progress(done, total)
    return stored, revoked, chunks


def _photo_notice(photos: int) -> list[Notice]:
    if not photos:
        return []
    return [
        Notice(
            code="legacy.photo_not_imported",
            message_zh=f"照片列未导入（{photos} 行有照片）：照片不随历史证书导入，证书不含照片",
            message_en=f"the photo column was not imported ({photos} rows hold one): legacy certificates are "
            "imported without photos",
        )
    ]


async def import_legacy(
    database: Database,
    settings: Settings,
    keystore: KeyStore,
    profile: ProvinceProfile,
    caller: Principal,
    *,
    data: bytes | None = None,
    file_name: str = "",
    path: Path | None = None,
    source: str,
    chunk_size: int = DEFAULT_CHUNK,
    processes: int | None = 1,
    progress: Progress = _no_progress,
    checking: Checking = _not_checking,
    now: datetime | None = None,
) -> LegacyReport:
    """Import a legacy file — ``data`` named ``file_name`` (an upload), or the file at ``path`` (the CLI) —
    see the module docstring. ``processes``: worker processes for files of
    :data:`~issuer.legacy.workers.MIN_PARALLEL_ROWS` rows or more (``None``: every core; 1: none).

    Raises :class:`issuer.errors.Forbidden` (not the province admin), :class:`registry.tabular.TableError`
    (unreadable file, source name), :class:`LegacyImportError` (bad rows: nothing stored), ``ConflictError``
    (no active province key), a key-file error or a ``SettingsError`` (no passphrase)."""
    authorise(caller, Action.LEGACY_IMPORT)
    source = check_source(source)
    now = now or datetime.now(UTC)
    legacy = LegacyFile.from_path(path) if path is not None else LegacyFile.from_bytes(data or b"", file_name)
    async with database.reader() as session:
        signer = signer_for(await load_keyset(session), keystore, profile.province_region)
    first = await asyncio.to_thread(legacy.open)
    check = CheckSpec(profile=profile, source=source, header=first.header, index=first.index, today=province_day(now))
    sign = SignSpec(
        key_dir=str(keystore.directory), passphrase=settings.keys.passphrase(), kdf=settings.keys.key_kdf,
        kid=signer.kid,
        authority=profile.province_region, id_secret=settings.keys.id_hash_secret(), signed_on=province_day(now),
        sealed_at=now, actor=caller.actor,
    )  # fmt: skip
    workers = 1 if processes == 1 else await asyncio.to_thread(_workers_for, legacy, processes)
    async with database.reader() as session:
        kek = await kek_for_sealing(session, settings)
    keys = KeyPlan(DataKeyRing(kek), today=province_day(now), max_rows=DEFAULT_POLICY.max_rows)
    with Spool() as spool, RowPool(workers, check, sign, signer=signer, kek=kek) as pool:
        checked = await _check_pass(database, pool, first, keys, spool, chunk_size=chunk_size, checking=checking)
        if checked.problems:
            problems = sorted(checked.problems, key=lambda p: (p.row, p.field))
            raise LegacyImportError(problems, checked.total_problems)
        stored, revoked, chunks = await _store_pass(
            database, profile, pool, spool, keys, checked=checked, source=source, actor=caller.actor, now=now,
            progress=progress,
        )  # fmt: skip
    return LegacyReport(
        source=source,
        rows=checked.good,
        imported=stored,
        already=checked.good - stored,
        revoked=revoked,
        chunks=chunks,
        notices=_photo_notice(checked.photos),
    )


def _workers_for(legacy: LegacyFile, processes: int | None) -> int:
    """Worker processes for this file: none below :data:`MIN_PARALLEL_ROWS` rows (counted by a cheap pass
    over the lines, or the rows of a file read whole), else ``processes`` or every core."""
    wanted = processes or default_processes()
    if wanted <= 1:
        return 1
    return wanted if legacy.at_least(MIN_PARALLEL_ROWS) else 1
