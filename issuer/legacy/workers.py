"""The CPU side of a legacy import, spread over every core: checking rows, and building and signing their
statements (pure: rows in, records and signed certificates out; no session, no I/O but opening the key).

Why processes (issue 13's target: 1,000,000 rows at 0.3× the bare signing rate): checking a row is ~90 µs
and signing it ~110 µs of Python, under the GIL; the event loop meanwhile seals and stores the chunk before.
Workers are started with ``spawn`` (the parent holds database connections), only for files of
:data:`MIN_PARALLEL_ROWS` rows or more, and at most two chunks per worker are in flight, so memory stays
flat. Below that size (an HTTP upload, a test) the same functions run on a thread of the calling process.

A worker opens the province signing key itself from the key directory (a :class:`keys.signing.SigningKey`
never leaves its process); the key passphrase reaches it the way the environment would.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import Final, TypeVar

import msgspec

from issuer.batches.problems import RowProblem, rule_of
from issuer.keystore import KeyStore
from issuer.legacy.records import Column, LegacyRecord, RecordChecker
from keys.signing import SigningKey
from registry.certificates import NewCertificate
from registry.identity.index import holder_digest
from registry.rules.errors import RuleError
from registry.rules.policy import ProvinceProfile
from registry.rules.serials import check_given_serial
from registry.statement import DOMAIN, Statement, days_since_epoch, encode_statement
from registry.tabular import Row
from registry.vocab import subject_type_of

#: Files with fewer rows are checked and signed in-process: starting workers costs a second or two.
MIN_PARALLEL_ROWS: Final = 20_000

R = TypeVar("R")


class CheckSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What checking a row of one file needs."""

    profile: ProvinceProfile
    source: str
    header: tuple[str, ...]
    index: dict[Column, int]
    today: date


class SignSpec:
    """What signing needs: where the province key is and how to open it (never shown by ``repr``)."""

    __slots__ = ("authority", "id_secret", "kdf", "key_dir", "kid", "passphrase", "signed_on")

    def __init__(
        self, *, key_dir: str, passphrase: bytes, kdf: str, kid: str, authority: str, id_secret: bytes, signed_on: date
    ) -> None:
        self.key_dir, self.passphrase, self.kdf, self.kid = key_dir, passphrase, kdf, kid
        self.authority, self.id_secret, self.signed_on = authority, id_secret, signed_on

    def __repr__(self) -> str:
        return f"SignSpec(kid={self.kid!r}, authority={self.authority!r})"

    def __getstate__(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            object.__setattr__(self, name, value)


class Checked(msgspec.Struct, frozen=True):
    """A chunk checked: the good records, and every problem of the others."""

    records: list[LegacyRecord]
    problems: list[RowProblem]


class Signed(msgspec.Struct, frozen=True):
    """A chunk checked and signed: the records, their certificates (in order), problems (a changed file)."""

    records: list[LegacyRecord]
    certificates: list[NewCertificate]
    problems: list[RowProblem]


class RowWorker:
    """Checks and signs chunks of one file's rows (one per process; one per import when in-process)."""

    def __init__(self, check: CheckSpec, sign: SignSpec | None, *, signer: SigningKey | None = None) -> None:
        self._spec, self._sign_spec, self._signer = check, sign, signer
        self.checker = RecordChecker(
            check.profile, source=check.source, header=check.header, index=check.index, today=check.today
        )

    def check(self, rows: Sequence[Row]) -> Checked:
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
        return Checked(records, problems)

    def _key(self) -> SigningKey:
        if self._signer is None:
            spec = self._sign_spec
            assert spec is not None, "a worker built without a SignSpec cannot sign"
            self._signer = KeyStore(spec.key_dir, spec.passphrase, kdf=spec.kdf).open(spec.kid)
        return self._signer

    def sign(self, rows: Sequence[Row]) -> Signed:
        """The rows checked again and each signed (statement v1 by the province key, dated ``signed_on``)."""
        checked = self.check(rows)
        spec = self._sign_spec
        assert spec is not None, "a worker built without a SignSpec cannot sign"
        return Signed(checked.records, sign_records(checked.records, spec, self._key()), checked.problems)


def sign_records(records: Sequence[LegacyRecord], spec: SignSpec, signer: SigningKey) -> list[NewCertificate]:
    """Statements signed by the province key. The statement's issue date is ``signed_on``: a verifier checks
    that the key was valid on that date, and no key of the registry existed when the old certificate was
    issued. The recorded issue date is kept as ``assessed_on`` and in the origin event."""
    made = []
    signed_days = days_since_epoch(spec.signed_on)
    for record in records:
        kind = record.number.kind
        statement = Statement(
            1, record.number.number, kind.statement_code, record.holder_name, record.document.masked,
            record.subject_code, record.level, record.institution_code, spec.authority, signed_days, signer.kid,
        )  # fmt: skip
        data = encode_statement(statement)
        made.append(
            NewCertificate(
                number=record.number.number,
                kind=kind.value,
                holder_name=record.holder_name,
                holder_id_digest=holder_digest(spec.id_secret, record.document),
                holder_id_masked=record.document.masked,
                subject_type=subject_type_of(kind).value,
                subject_code=record.subject_code,
                level=record.level,
                institution_code=record.institution_code,
                authority_code=spec.authority,
                assessed_on=record.issued_on,
                issued_on=spec.signed_on,
                statement=data,
                signature=signer.sign(DOMAIN + data),
                kid=signer.kid,
            )
        )
    return made


_WORKER: RowWorker | None = None


def _start(check: CheckSpec, sign: SignSpec | None) -> None:
    global _WORKER  # noqa: PLW0603 - one worker per process, made by the pool's initializer
    _WORKER = RowWorker(check, sign)


def _check_here(rows: list[Row]) -> Checked:
    assert _WORKER is not None
    return _WORKER.check(rows)


def _sign_here(rows: list[Row]) -> Signed:
    assert _WORKER is not None
    return _WORKER.sign(rows)


def chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """``rows`` in lists of ``size``."""
    while chunk := [row for _, row in zip(range(size), rows, strict=False)]:
        yield chunk


class RowPool:
    """Worker processes (``processes`` > 1) or a thread of this process, mapping chunks in order."""

    def __init__(self, processes: int, check: CheckSpec, sign: SignSpec | None, *, signer: SigningKey | None) -> None:
        self.processes = processes
        self.local = RowWorker(check, sign, signer=signer)
        self._specs = (check, sign)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> RowPool:
        if self.processes > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=self._specs,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def check(self, chunks: Iterator[list[Row]]) -> AsyncIterator[Checked]:
        return self._map(self.local.check, _check_here, chunks)

    def sign(self, chunks: Iterator[list[Row]]) -> AsyncIterator[Signed]:
        return self._map(self.local.sign, _sign_here, chunks)

    async def _map(
        self, here: Callable[[list[Row]], R], there: Callable[[list[Row]], R], chunks: Iterator[list[Row]]
    ) -> AsyncIterator[R]:
        if self._pool is None:
            for chunk in chunks:
                yield await asyncio.to_thread(here, chunk)
            return
        loop = asyncio.get_running_loop()
        window: deque[asyncio.Future[R]] = deque()
        for chunk in chunks:
            future: Future[R] = self._pool.submit(there, chunk)
            window.append(asyncio.wrap_future(future, loop=loop))
            if len(window) >= 2 * self.processes:
                yield await window.popleft()
        while window:
            yield await window.popleft()
