"""The CPU side of a legacy import, spread over every core (pure but for opening keys): in pass 1, cutting a
CSV's lines into rows, checking them and sealing their document numbers (:meth:`RowWorker.check`; the
checked rows are spooled, ``issuer.legacy.spool``, until the whole file is known good); in pass 2, signing
the statements of the spooled rows and encoding their events (:meth:`RowWorker.sign`), ready to store.

Why processes (issue 13's target: 1,000,000 rows at 0.3× the bare signing rate): checking a row, signing
it and sealing its number are tens of microseconds of Python each, under the GIL; in pass 2 the event loop
stores one chunk while the workers sign the next ones. Workers are started with ``spawn`` (the parent holds
database connections), only for files of :data:`MIN_PARALLEL_ROWS` rows or more, and at most two chunks per
worker are in flight, so memory stays flat. Below that size (an HTTP upload, a test) the same functions run
on a thread of the calling process.

What crosses the process boundary is bytes: a CSV's lines (:class:`issuer.legacy.source.Piece`; the rows of
other formats are sent as rows), a spooled chunk, and MessagePack of plain Structs back (:class:`CheckedChunk`,
:class:`Signed`): no pickled records (pickling them cost as much as checking them), and **no clear document
number** comes back: a row comes back with its keyed index and its sealed identity. A worker opens the
province signing key and the key-encryption key itself from the key directory (a private key never leaves
its process); a data key travels wrapped (:class:`WrappedDataKey`) and is unwrapped in the worker.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Final, TypeVar

import msgspec

from issuer.batches.problems import RowProblem, rule_of
from issuer.identity.kek import KEK_FILE_NAME
from issuer.identity.sealer import seal_all
from issuer.issuing.pipeline import IssueTemplate, sign_certificate
from issuer.keystore import KeyStore
from issuer.legacy.records import Column, LegacyRecord, RecordChecker
from issuer.legacy.source import Piece
from keys.kek import KeyEncryptionKey, read_kek_file
from keys.signing import SigningKey
from registry.certificates import IssuedParts, NewCertificate, issued_parts
from registry.events import EncodedEvent, EventKind, NewEvent, encode_event
from registry.identity.sealing.datakeys import DataKey, WrappedDataKey, unwrap_data_key
from registry.parent_watch import watch_parent
from registry.rules.cutting import compiled
from registry.rules.errors import RuleError
from registry.rules.legacy import counter_floors
from registry.rules.numbering import sequence_scope
from registry.rules.parts import NumberParts
from registry.rules.policy import ProvinceProfile
from registry.rules.segments import NumberingRule
from registry.rules.serials import check_given_serial
from registry.tabular import Row
from registry.vocab import CertificateKind

_A = TypeVar("_A")
_B = TypeVar("_B")

#: Files with fewer rows are checked and signed in-process: starting workers costs a second or two.
MIN_PARALLEL_ROWS: Final = 20_000


class CheckSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What checking a row of one file needs."""

    profile: ProvinceProfile
    source: str
    header: tuple[str, ...]
    index: dict[Column, int]
    today: date


class SignSpec:
    """What signing and sealing need: where the province key and the KEK are, how to open them (never shown by
    ``repr``), the day statements are signed and the moment identities are sealed (also the time of the
    import's events, which the workers encode: ``actor`` is who imports)."""

    __slots__ = ("actor", "authority", "id_secret", "kdf", "key_dir", "kid", "passphrase", "sealed_at", "signed_on")

    def __init__(
        self, *, key_dir: str, passphrase: bytes, kdf: str, kid: str, authority: str, id_secret: bytes,
        signed_on: date, sealed_at: datetime, actor: str,
    ) -> None:  # fmt: skip
        self.key_dir, self.passphrase, self.kdf, self.kid = key_dir, passphrase, kdf, kid
        self.authority, self.id_secret, self.signed_on, self.sealed_at = authority, id_secret, signed_on, sealed_at
        self.actor = actor

    def __repr__(self) -> str:
        return f"SignSpec(kid={self.kid!r}, authority={self.authority!r})"

    def __getstate__(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            object.__setattr__(self, name, value)


#: A sealed identity in ``registry.identity.sealing.store.IDENTITY_COLUMNS`` order (id, type, sealed
#: number, index, mask, gender, created at).
SealedIdentity = tuple[str, str, bytes, bytes, str, str | None, datetime]


class Checked(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One row checked and its document number sealed (pass 1): what pass 1 compares with the database
    (number, kind, holder index, subject, level, recorded date, institution, print serial) and what signing it
    takes in pass 2 — no clear document number (the spool keeps these: ``issuer.legacy.spool``). ``gc=False``:
    only immutable values in it, so no cycle can pass through it; untracked, the collector no longer walks the
    one made (or decoded) per row of a legacy import (issue 13)."""

    row: int
    number: str
    kind: CertificateKind
    rule: str
    holder_name: str
    identity: SealedIdentity
    subject_code: str
    level: int
    institution_code: str
    recorded_authority: str
    recorded_issued_on: date
    print_serial: str | None
    revoked_on: date | None
    revoke_reason: str

    @property
    def holder_id_digest(self) -> bytes:
        """The holder's keyed index (``registry.identity.index.holder_digest``)."""
        return self.identity[3]

    @property
    def holder_id_masked(self) -> str:
        """The document number as shown (the identity's mask)."""
        return self.identity[4]


class CheckedChunk(msgspec.Struct, frozen=True, array_like=True):
    """A chunk checked and sealed: its good rows in file order, the numbering floors their numbers set
    (``registry.rules.legacy.counter_floors``), and every problem of the others."""

    rows: list[Checked]
    floors: dict[str, int]
    problems: list[RowProblem]
    #: The chunk's rows (good or not) and how many of them have a photo cell (never read further).
    count: int
    photos: int
    #: The chunk's rows whose 18-digit ID number ends in 000 though its check character fits (refused only
    #: when the file holds a number Excel demonstrably rounded: ``id.rounded_column``).
    rounded_alike: list[int] = msgspec.field(default_factory=list)


class Prepared(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One row ready to store (pass 2): its signed certificate, its sealed identity, its origin (and
    revocation) events encoded with their leaf hashes and its issue event encoded around the print serial, so
    the storing stage (the importer alone: docs/legacy.md) builds none of them. ``gc=False``: only immutable
    values in it, so no cycle can pass through it; untracked, the collector no longer walks the one made (or
    decoded) per row of a legacy import (issue 13)."""

    certificate: NewCertificate
    identity: SealedIdentity
    print_serial: str | None
    origin: EncodedEvent
    revocation: EncodedEvent | None
    #: The issue event, encoded but for the print serial (taken from a counter when the row is stored).
    issued: IssuedParts


class Signed(msgspec.Struct, frozen=True, array_like=True):
    """The rows of a spooled chunk that are to be stored, signed, and the chunk's numbering floors."""

    rows: list[Prepared]
    floors: dict[str, int]


_encoder = msgspec.msgpack.Encoder()
_checked = msgspec.msgpack.Decoder(CheckedChunk)
_signed = msgspec.msgpack.Decoder(Signed)


def decode_checked(data: bytes) -> CheckedChunk:
    """A chunk as :meth:`RowWorker.check` encoded it."""
    return _checked.decode(data)


def decode_signed(data: bytes) -> Signed:
    """A chunk as :meth:`RowWorker.sign` encoded it."""
    return _signed.decode(data)


class RowWorker:
    """Checks, signs and seals chunks of one file's rows (one per process; one per import when in-process)."""

    def __init__(
        self, check: CheckSpec, sign: SignSpec, *, signer: SigningKey | None = None, kek: KeyEncryptionKey | None = None
    ) -> None:
        self._spec, self._sign_spec, self._signer, self._kek = check, sign, signer, kek
        self._data_keys: dict[str, DataKey] = {}
        self._first_of_length: dict[int, NumberingRule] = {}
        for rule in check.profile.numbering.values():
            self._first_of_length.setdefault(compiled(rule).length, rule)
        self.checker = RecordChecker(
            check.profile, source=check.source, header=check.header, index=check.index, today=check.today
        )

    def records(self, rows: Sequence[Row]) -> tuple[list[LegacyRecord], list[RowProblem]]:
        """Every row checked, given print serials included (duplicates across rows are the caller's)."""
        records: list[LegacyRecord] = []
        problems: list[RowProblem] = []
        rule = self._spec.profile.print_serial
        for row in rows:
            checked = self.checker.check(row)
            if isinstance(checked, list):
                problems.extend(checked)
                continue
            if checked.print_serial is not None:
                try:
                    serial = check_given_serial(rule, checked.print_serial)
                    checked = msgspec.structs.replace(checked, print_serial=serial)
                except RuleError as exc:
                    v = exc.violation
                    problems.append(
                        RowProblem(
                            row=row.number, column=self.checker.where(Column.PRINT_SERIAL), field="print_serial",
                            code=v.code, message_zh=v.message_zh, message_en=v.message_en, rule=rule_of(v.code),
                        )
                    )  # fmt: skip
                    continue
            records.append(checked)
        return records, problems

    def _floors(self, records: Sequence[LegacyRecord]) -> dict[str, int]:
        """``counter_floors`` of the records' numbers, taking the parts ``parse_legacy`` read where
        ``counter_floor`` would cut the number again under the same rule — the kind's current rule when it is
        the first current rule of its length — and cutting only the others (the same answer, half the work).
        The scope (text) is made once for each set of parts but the sequence, from the highest of them: a
        chunk's numbers share a few scopes."""
        profile = self._spec.profile
        highest: dict[tuple[object, ...], tuple[NumberingRule, NumberParts]] = {}
        others: list[str] = []
        for record in records:
            number = record.number
            rule = profile.numbering.get(number.kind)
            parts = number.parts
            if (
                rule is not None
                and number.rule == "numbering"
                and parts is not None
                and rule is self._first_of_length.get(len(number.number))
            ):
                key = (number.kind, parts.institution_code, parts.region_code, parts.year, parts.level,
                       parts.project_code)  # fmt: skip
                found = highest.get(key)
                if found is None or parts.sequence > found[1].sequence:
                    highest[key] = rule, parts
            else:
                others.append(number.number)
        floors: dict[str, int] = {}
        for rule, parts in highest.values():
            scope = sequence_scope(rule, parts)
            floors[scope] = max(floors.get(scope, 0), parts.sequence + 1)
        for scope, value in counter_floors(profile, others).items():
            floors[scope] = max(floors.get(scope, 0), value)
        return floors

    def use_kek(self, kek: KeyEncryptionKey) -> None:
        """Unwrap data keys with ``kek`` (this process opened it already) instead of opening the KEK file."""
        self._kek = kek

    def _key(self) -> SigningKey:
        if self._signer is None:
            spec = self._sign_spec
            self._signer = KeyStore(spec.key_dir, spec.passphrase, kdf=spec.kdf).open(spec.kid)
        return self._signer

    def _data_key(self, wrapped: WrappedDataKey) -> DataKey:
        found = self._data_keys.get(wrapped.dk_id)
        if found is None:
            if self._kek is None:
                path = Path(self._sign_spec.key_dir) / KEK_FILE_NAME
                self._kek = read_kek_file(path, self._sign_spec.passphrase).kek
            found = self._data_keys[wrapped.dk_id] = unwrap_data_key(wrapped, self._kek)
        return found

    def check(self, chunk: Sequence[Row] | Piece, data_key: WrappedDataKey) -> bytes:
        """The encoded :class:`CheckedChunk` of ``chunk`` (rows, or a piece of a CSV file cut here into rows)
        (pass 1): each checked and its document number sealed under ``data_key``."""
        rows = chunk.rows() if isinstance(chunk, Piece) else chunk
        photo = self._spec.index.get(Column.PHOTO)
        photos = 0 if photo is None else sum(1 for row in rows if photo < len(row.cells) and row.cells[photo].strip())
        self.checker.take_rounded_alike()  # a chunk's own rows only
        records, problems = self.records(rows)
        rounded_alike = self.checker.take_rounded_alike()
        spec = self._sign_spec
        _, identities = seal_all(
            self._data_key(data_key), [r.document for r in records], spec.id_secret, spec.sealed_at
        )
        checked = [
            Checked(
                r.row, r.number.number, r.number.kind, r.number.rule, r.holder_name, i, r.subject_code, r.level,
                r.institution_code, r.recorded_authority, r.issued_on, r.print_serial, r.revoked_on, r.revoke_reason,
            )
            for r, i in zip(records, identities, strict=True)
        ]  # fmt: skip
        floors = self._floors(records)
        return _encoder.encode(CheckedChunk(checked, floors, problems, len(rows), photos, rounded_alike))

    def sign(self, data: bytes, skip: frozenset[str]) -> bytes:
        """The encoded :class:`Signed` of a spooled chunk (``data``, from :meth:`check`) but for the numbers in
        ``skip`` (stored already): each row's statement v1 signed by the province key, dated ``signed_on``, and
        its events encoded."""
        chunk = decode_checked(data)
        rows = [r for r in chunk.rows if r.number not in skip] if skip else chunk.rows
        spec = self._sign_spec
        certificates = sign_records(rows, spec, self._key())
        source, actor, at = self._spec.source, spec.actor, spec.sealed_at
        prepared = [
            Prepared(
                c, r.identity, r.print_serial, encode_event(origin_event(r, source=source, actor=actor, at=at)),
                None if r.revoked_on is None else encode_event(revoked_event(r, source=source, actor=actor, at=at)),
                issued_parts(c, actor, at, print_given=r.print_serial is not None),
            )
            for r, c in zip(rows, certificates, strict=True)
        ]  # fmt: skip
        return _encoder.encode(Signed(prepared, chunk.floors))


def origin_event(record: Checked, *, source: str, actor: str, at: datetime) -> NewEvent:
    """The ``certificate.imported`` event of ``record``: where it came from, as recorded (docs/legacy.md)."""
    return NewEvent(
        kind=EventKind.CERTIFICATE_IMPORTED,
        subject=record.number,
        actor=actor,
        reason=f"imported from {source}",
        details={
            "source": source,
            "rule": record.rule,
            "recorded_authority": record.recorded_authority,
            "issued_on": record.recorded_issued_on.isoformat(),
        },
        at=at,
    )


def revoked_event(record: Checked, *, source: str, actor: str, at: datetime) -> NewEvent:
    """The ``certificate.revoked`` event of a certificate recorded as revoked (``revoked_on`` set)."""
    assert record.revoked_on is not None
    return NewEvent(
        kind=EventKind.CERTIFICATE_REVOKED,
        subject=record.number,
        actor=actor,
        reason=record.revoke_reason,
        details={"revoked_on": record.revoked_on.isoformat(), "imported_from": source},
        at=at,
    )


def sign_records(records: Sequence[Checked], spec: SignSpec, signer: SigningKey) -> list[NewCertificate]:
    """Statements signed by the province key. The statement's issue date is ``signed_on``: a verifier checks
    that the key was valid on that date, and no key of the registry existed when the old certificate was
    issued. The recorded issue date is kept as ``assessed_on`` and in the origin event."""
    return [
        sign_certificate(
            IssueTemplate(
                kind=record.kind,
                institution_code=record.institution_code,
                authority_code=spec.authority,
                assessed_on=record.recorded_issued_on,
                issued_on=spec.signed_on,
            ),
            record,
            record.number,
            signer,
        )
        for record in records
    ]


_WORKER: RowWorker | None = None


def _start(check: CheckSpec, sign: SignSpec, parent: int) -> None:
    global _WORKER  # noqa: PLW0603 - one worker per process, made by the pool's initializer
    # A killed importer (SIGKILL, the OOM killer: docs/legacy.md "a killed run") left its workers waiting for
    # tasks forever, each holding the province's signing key and the key-encryption key opened in memory.
    watch_parent(parent)
    _WORKER = RowWorker(check, sign)
    # Everything imported so far lives as long as the process: out of the collector's generations, it is not
    # walked again by each collection the rows' garbage triggers (checking a row: ~3 us less, ~10 %).
    gc.freeze()


def _check_here(chunk: list[Row] | Piece, data_key: WrappedDataKey) -> bytes:
    assert _WORKER is not None
    return _WORKER.check(chunk, data_key)


def _sign_here(data: bytes, skip: frozenset[str]) -> bytes:
    assert _WORKER is not None
    return _WORKER.sign(data, skip)


def chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """``rows`` in lists of ``size``."""
    while chunk := [row for _, row in zip(range(size), rows, strict=False)]:
        yield chunk


class RowPool:
    """Worker processes (``processes`` > 1) or a thread of this process, mapping chunks in order."""

    def __init__(
        self,
        processes: int,
        check: CheckSpec,
        sign: SignSpec,
        *,
        signer: SigningKey,
        kek: KeyEncryptionKey | None = None,
    ) -> None:
        self.processes = processes
        self.local = RowWorker(check, sign, signer=signer, kek=kek)
        self._specs = (check, sign)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> RowPool:
        if self.processes > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(*self._specs, os.getpid()),
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def check(self, chunks: Iterator[tuple[list[Row] | Piece, WrappedDataKey]]) -> AsyncIterator[bytes]:
        """Each chunk, with the data key its identities are sealed under, checked (:meth:`RowWorker.check`),
        in order."""
        async for data in self._map(_check_here, self.local.check, chunks):
            yield data

    async def sign(self, chunks: Iterator[tuple[bytes, frozenset[str]]]) -> AsyncIterator[bytes]:
        """Each spooled chunk, but for the numbers given with it, signed (:meth:`RowWorker.sign`), in order:
        the workers sign the next chunks while the caller stores one."""
        async for data in self._map(_sign_here, self.local.sign, chunks):
            yield data

    async def _map(
        self, remote: Callable[[_A, _B], bytes], local: Callable[[_A, _B], bytes], tasks: Iterator[tuple[_A, _B]]
    ) -> AsyncIterator[bytes]:
        """``remote`` (in a worker) or ``local`` (on a thread) of each task, in order, at most two tasks a worker
        in flight."""
        if self._pool is None:
            for first, second in tasks:
                yield await asyncio.to_thread(local, first, second)
            return
        loop = asyncio.get_running_loop()
        window: deque[asyncio.Future[bytes]] = deque()
        for first, second in tasks:
            future: Future[bytes] = self._pool.submit(remote, first, second)
            window.append(asyncio.wrap_future(future, loop=loop))
            if len(window) >= 2 * self.processes:
                yield await window.popleft()
        while window:
            yield await window.popleft()
