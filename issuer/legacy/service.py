"""Importing certificates issued before the registry (``docs/legacy.md``).

1. Read and check every row (:mod:`issuer.legacy.records`) and, against the database, that each institution
   exists, that no number repeats in the file, that a number already stored is this very certificate (then
   it is skipped: a re-run or a resumed run), and that no given print serial is taken. Any problem: the whole
   file is refused with **every** problem listed; nothing is stored.
2. Load the rest in chunks, each one transaction (all or nothing): seal the documents, sign each statement
   (v1, unchanged) with the province centre's key, store the certificates with their issue events, an
   ``certificate.imported`` event (the origin) each, a ``certificate.revoked`` event for revoked ones, the
   given print serials, and raise the numbering counters above every imported number.

A killed run leaves whole chunks; running the same file again skips what is stored and loads the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, cast

import msgspec
from sqlalchemy import Executable, Row, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, authorise
from issuer.auth.principal import Principal
from issuer.batches.problems import RowProblem, rule_of
from issuer.errors import IssuerError
from issuer.identity.sealer import seal_documents
from issuer.keystore import KeyStore, signer_for
from issuer.legacy.records import Column, LegacyRecord, RecordChecker
from issuer.legacy.source import check_source, read_legacy_table
from keys.signing import SigningKey
from registry.calendar import province_day
from registry.certificates import NewCertificate, store_certificates
from registry.config import Settings
from registry.db import Database
from registry.events import EventKind, NewEvent
from registry.identity.index import holder_digest
from registry.keyring import load_keyset
from registry.models import Certificate, CertificatePrint, Institution
from registry.rules.errors import RuleError
from registry.rules.legacy import counter_floors
from registry.rules.policy import ProvinceProfile
from registry.rules.serials import check_given_serial
from registry.sequences import raise_floors
from registry.statement import DOMAIN, Statement, days_since_epoch, encode_statement
from registry.vocab import subject_type_of

DEFAULT_CHUNK: Final = 1000
_IN: Final = 1000
#: ``progress(done, total)`` after each stored chunk (the CLI prints a line: the kill test waits for one).
Progress = Callable[[int, int], None]


class LegacyImportError(IssuerError):
    """The file has bad rows; ``problems`` lists every one. Nothing was stored."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__(
            f"历史证书文件有 {len(problems)} 处错误，未导入任何证书 / the legacy file has {len(problems)} "
            "problems; nothing was imported"
        )


class LegacyReport(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    rows: int
    imported: int  # stored by this run
    already: int  # stored by an earlier run of the same file (skipped)
    revoked: int
    chunks: int


def _no_progress(done: int, total: int) -> None:
    """Reports nowhere."""


async def _in_chunks(
    session: AsyncSession, query: Callable[[list[str]], Executable], values: Sequence[str]
) -> list[Row[Any]]:
    """The rows of ``query`` run over ``values`` a thousand at a time (an ``IN`` list stays small)."""
    found: list[Row[Any]] = []
    ordered = sorted(set(values))
    for start in range(0, len(ordered), _IN):
        found.extend((await session.execute(query(ordered[start : start + _IN]))).all())
    return found


Where = Callable[[Column], str]


def _problem(where: Where, row: int, column: Column, code: str, text: tuple[str, str]) -> RowProblem:
    """A problem at ``column`` of ``row``; ``text`` is the Chinese and the English message."""
    zh, en = text
    return RowProblem(
        row=row, column=where(column), field=column.value, code=code, message_zh=zh, message_en=en, rule=rule_of(code)
    )


def _same(record: LegacyRecord, stored: Certificate, digest: bytes) -> bool:
    """Whether the stored certificate is this record imported before (a re-run), not another certificate."""
    return (
        stored.batch_id is None
        and stored.kind == record.number.kind.value
        and stored.holder_id_digest == digest
        and stored.subject_code == record.subject_code
        and stored.level == record.level
        and stored.assessed_on == record.issued_on
    )


async def _database_checks(
    session: AsyncSession, records: list[LegacyRecord], secret: bytes, problems: list[RowProblem], where: Where
) -> set[str]:
    """Problems the database shows; returns the numbers already imported (to skip)."""
    institutions = {
        row[0]
        for row in await _in_chunks(
            session,
            lambda c: select(Institution.code).where(Institution.code.in_(c)),
            [r.institution_code for r in records],
        )
    }
    stored = {
        row[0].number: row[0]
        for row in await _in_chunks(
            session, lambda c: select(Certificate).where(Certificate.number.in_(c)), [r.number.number for r in records]
        )
    }
    serials = {
        row[0]
        for row in await _in_chunks(
            session,
            lambda c: select(CertificatePrint.serial).where(CertificatePrint.serial.in_(c)),
            [r.print_serial for r in records if r.print_serial],
        )
    }
    already: set[str] = set()
    for record in records:
        if record.institution_code not in institutions:
            zh, en = "登记库中没有该机构，请先导入机构", "no such institution in the registry: load it first"
            problems.append(_problem(where, record.row, Column.INSTITUTION, "institution.unknown", (zh, en)))
        found = stored.get(record.number.number)
        if found is not None:
            if _same(record, found, holder_digest(secret, record.document)):
                already.add(record.number.number)
            else:
                zh, en = "证书编号已被另一张证书使用", "the number belongs to another certificate in the registry"
                problems.append(_problem(where, record.row, Column.NUMBER, "number.taken", (zh, en)))
        elif record.print_serial in serials:
            zh, en = "印制流水码已被使用", "the print serial is already used"
            problems.append(_problem(where, record.row, Column.PRINT_SERIAL, "serial.taken", (zh, en)))
    return already


def check_file(
    profile: ProvinceProfile, data: bytes, file_name: str, *, source: str, today: datetime
) -> tuple[list[LegacyRecord], list[RowProblem], Where]:
    """Every row checked (pure CPU): the records, and the problems of the rows that are not."""
    table, index = read_legacy_table(data, file_name)
    checker = RecordChecker(profile, source=source, header=table.header, index=index, today=province_day(today))
    records: list[LegacyRecord] = []
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    serial_row: dict[str, int] = {}
    for row in table.rows:
        checked = checker.check(row)
        if isinstance(checked, list):
            problems.extend(checked)
            continue
        serial = checked.print_serial
        if serial is not None:
            try:
                serial = check_given_serial(profile.print_serial, serial)
            except RuleError as exc:
                v = exc.violation
                problems.append(
                    _problem(checker.where, row.number, Column.PRINT_SERIAL, v.code, (v.message_zh, v.message_en))
                )
                continue
            checked = msgspec.structs.replace(checked, print_serial=serial)
            seen_serial = serial_row.setdefault(serial, row.number)
            if seen_serial != row.number:
                zh, en = f"与第{seen_serial}行的印制流水码相同", f"same print serial as row {seen_serial}"
                problems.append(_problem(checker.where, row.number, Column.PRINT_SERIAL, "serial.duplicate", (zh, en)))
                continue
        seen = first_row.setdefault(checked.number.number, row.number)
        if seen != row.number:
            zh, en = f"与第{seen}行的证书编号相同", f"same number as row {seen}"
            problems.append(_problem(checker.where, row.number, Column.NUMBER, "number.duplicate", (zh, en)))
            continue
        records.append(checked)
    return records, problems, checker.where


def _sign(
    records: Sequence[LegacyRecord], authority: str, signer: SigningKey, secret: bytes, signed_on: date
) -> list[NewCertificate]:
    """Statements signed today by the province key. The statement's issue date is ``signed_on``: a verifier
    checks that the key was valid on that date, and no key of the registry existed when the old certificate
    was issued. The recorded issue date is kept as ``assessed_on`` and in the origin event."""
    made = []
    for record in records:
        kind = record.number.kind
        statement = Statement(
            1, record.number.number, kind.statement_code, record.holder_name, record.document.masked,
            record.subject_code, record.level, record.institution_code, authority,
            days_since_epoch(signed_on), signer.kid,
        )  # fmt: skip
        data = encode_statement(statement)
        made.append(
            NewCertificate(
                number=record.number.number,
                kind=kind.value,
                holder_name=record.holder_name,
                holder_id_digest=holder_digest(secret, record.document),
                holder_id_masked=record.document.masked,
                subject_type=subject_type_of(kind).value,
                subject_code=record.subject_code,
                level=record.level,
                institution_code=record.institution_code,
                authority_code=authority,
                assessed_on=record.issued_on,
                issued_on=signed_on,
                statement=data,
                signature=signer.sign(DOMAIN + data),
                kid=signer.kid,
            )
        )
    return made


def _events(records: Sequence[LegacyRecord], *, source: str, actor: str, at: datetime) -> list[NewEvent]:
    origin = [
        NewEvent(
            kind=EventKind.CERTIFICATE_IMPORTED,
            subject=r.number.number,
            actor=actor,
            reason=f"imported from {source}",
            details={
                "source": source,
                "rule": r.number.rule,
                "recorded_authority": r.recorded_authority,
                "issued_on": r.issued_on.isoformat(),
            },
            at=at,
        )
        for r in records
    ]
    revoked = [
        NewEvent(
            kind=EventKind.CERTIFICATE_REVOKED,
            subject=r.number.number,
            actor=actor,
            reason=r.revoke_reason,
            details={"revoked_on": r.revoked_on.isoformat(), "imported_from": source},
            at=at,
        )
        for r in records
        if r.revoked_on is not None
    ]
    return origin + revoked


async def _store_chunk(
    database: Database,
    settings: Settings,
    profile: ProvinceProfile,
    chunk: Sequence[LegacyRecord],
    *,
    signer: SigningKey,
    source: str,
    actor: str,
    now: datetime,
) -> int:
    """One chunk in one transaction; returns how many it stored (a number another run stored meanwhile is
    skipped)."""
    secret = settings.id_hash_secret()
    authority = profile.province_region
    async with database.transaction() as session:
        present = {
            row[0]
            for row in await _in_chunks(
                session,
                lambda c: select(Certificate.number).where(Certificate.number.in_(c)),
                [r.number.number for r in chunk],
            )
        }
        todo = [r for r in chunk if r.number.number not in present]
        if not todo:
            return 0
        made = await asyncio.to_thread(_sign, todo, authority, signer, secret, province_day(now))
        ids = await seal_documents(session, settings, [r.document for r in todo], today=province_day(now))
        await store_certificates(
            session, made, actor=actor, at=now, extra_events=_events(todo, source=source, actor=actor, at=now),
            print_rule=profile.print_serial, given_serials=[r.print_serial for r in todo],
        )  # fmt: skip
        table = cast(Table, Certificate.__table__)  # Core: an executemany, not the ORM's bulk update by key
        await session.execute(
            update(table).where(table.c.number == bindparam("n")).values(holder_identity_id=bindparam("i")),
            [{"n": r.number.number, "i": i} for r, i in zip(todo, ids, strict=True)],
        )
        await raise_floors(session, counter_floors(profile, [r.number.number for r in todo]))
    return len(todo)


async def import_legacy(
    database: Database,
    settings: Settings,
    keystore: KeyStore,
    profile: ProvinceProfile,
    caller: Principal,
    *,
    data: bytes,
    file_name: str,
    source: str,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress = _no_progress,
    now: datetime | None = None,
) -> LegacyReport:
    """Import a legacy file (see the module docstring). Raises :class:`issuer.errors.Forbidden` (not the
    province admin), :class:`registry.tabular.TableError` (unreadable file, source name), :class:`LegacyImportError`
    (bad rows: nothing stored), ``ConflictError`` (no active province key) or a key-file error."""
    authorise(caller, Action.LEGACY_IMPORT)
    source = check_source(source)
    now = now or datetime.now(UTC)
    records, problems, where = await asyncio.to_thread(check_file, profile, data, file_name, source=source, today=now)
    async with database.reader() as session:
        already = await _database_checks(session, records, settings.id_hash_secret(), problems, where)
        signer = signer_for(await load_keyset(session), keystore, profile.province_region)
    if problems:
        raise LegacyImportError(sorted(problems, key=lambda p: (p.row, p.field)))
    todo = [r for r in records if r.number.number not in already]
    stored, chunks = 0, 0
    for start in range(0, len(todo), chunk_size):
        stored += await _store_chunk(
            database, settings, profile, todo[start : start + chunk_size],
            signer=signer, source=source, actor=caller.actor, now=now,
        )  # fmt: skip
        chunks += 1
        progress(start + len(todo[start : start + chunk_size]), len(todo))
    return LegacyReport(
        source=source,
        rows=len(records),
        imported=stored,
        already=len(records) - len(todo) + (len(todo) - stored),
        revoked=sum(1 for r in todo if r.revoked_on is not None),
        chunks=chunks,
    )
