"""Signing and storing a batch's certificates as a pipeline: threads sign, the event loop stores.

Signing 100,000 statements is ~1.6 s of Ed25519 on one core, storing them (events, Merkle nodes, rows) a
few seconds of database round trips. Libsodium releases the GIL while it signs, so chunks are signed on a
small thread pool ahead of the store, and each chunk is stored (``store_prepared``: its issue events,
then its rows) as soon as it is signed and the previous one is stored. The print serials are allocated
before signing starts, so the threads also build, encode and hash each certificate's issue event
(``prepare_certificates``): the event loop, whose Python is the store's critical path, only writes.
Everything happens in the caller's transaction: a failure in any chunk rolls every chunk back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from issuer.batches.problems import RowProblem
from issuer.batches.rows import CheckedRow
from issuer.issuing.credentials import CredentialPlan
from issuer.issuing.pipeline import IssueTemplate, sign_chunk
from keys.signing import SigningKey
from registry.certificates import PreparedCertificates, prepare_certificates, store_prepared
from registry.events import NewEvent
from registry.prints import Printed, first_prints
from registry.rules.serials import PrintSerialRule

#: Largest chunk: large enough that per-call overhead (one event append, one ``COPY``) stays small,
#: small enough that the first store starts soon after signing does. Smaller batches are cut in about
#: eight chunks (of at least ``MIN_CHUNK`` rows) so that they are pipelined too.
CHUNK = 10_000
MIN_CHUNK = 1_000


async def sign_and_store(
    session: AsyncSession,
    template: IssueTemplate,
    rows: Sequence[CheckedRow],
    numbers: Sequence[str],
    signer: SigningKey,
    *,
    actor: str,
    at: datetime,
    final_events: Sequence[NewEvent] = (),
    workers: int = 2,
    meanwhile: Callable[[], Awaitable[None]] | None = None,
    progress: Callable[[int], None] | None = None,
    print_rule: PrintSerialRule | None = None,
    credentials: CredentialPlan | None = None,
) -> list[RowProblem]:
    """Sign and store one certificate per row; ``final_events`` are appended after the last certificate.

    Returns the rows whose statements cannot be built: when there are any, nothing more is stored after
    the first one is found and the caller must roll back (it raises :class:`IneligibleError`).
    ``meanwhile`` is database work that does not need the signatures (marking the rows issued): it runs
    while the first chunks are signed. ``progress`` gets the number of rows stored so far. With
    ``credentials``, each certificate's W3C credential is signed on the same threads and stored beside it.
    Each certificate row is written with its row's sealed identity (``CheckedRow.holder_identity_id``).
    The print serials of all rows are allocated first (``SequenceOverflowError`` before anything is signed).
    """
    loop = asyncio.get_running_loop()
    size = min(CHUNK, max(MIN_CHUNK, -(-len(rows) // 8)))
    starts = range(0, len(rows), size)
    problems: list[RowProblem] = []
    year = template.issued_on.year
    # one allocation of the authority's counter, in row order: the serials the chunks got one by one before
    serials = await first_prints(
        session, print_rule or PrintSerialRule(), [Printed(n, template.authority_code, year) for n in numbers]
    )
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="certreg-sign") as pool:
        sign = partial(_sign_chunk, template=template, signer=signer, credentials=credentials, actor=actor, at=at)
        pending = [
            loop.run_in_executor(pool, sign, rows[s : s + size], numbers[s : s + size], serials[s : s + size])
            for s in starts
        ]
        try:
            if meanwhile is not None:
                await meanwhile()
            for index, future in enumerate(pending):
                prepared, chunk_problems = await future
                problems += chunk_problems
                if problems or prepared is None:
                    continue  # keep collecting every problem; store nothing more
                last = index == len(pending) - 1
                chunk = rows[starts[index] : starts[index] + size]  # no problem: one certificate per row, in order
                await store_prepared(
                    session, prepared, extra_events=final_events if last else (),
                    holder_identity_ids=[row.holder_identity_id for row in chunk],
                )  # fmt: skip
                if progress is not None:
                    progress(min(len(rows), starts[index] + size))
        finally:
            for future in pending:
                future.cancel()
    return problems


def _sign_chunk(
    rows: Sequence[CheckedRow],
    numbers: Sequence[str],
    serials: Sequence[str],
    *,
    template: IssueTemplate,
    signer: SigningKey,
    credentials: CredentialPlan | None,
    actor: str,
    at: datetime,
) -> tuple[PreparedCertificates | None, list[RowProblem]]:
    """:func:`sign_chunk`, then the credentials of the certificates it made and their encoded issue events
    (on the same thread); nothing but the problems when a row has one."""
    certificates, problems = sign_chunk(template, rows, numbers, signer)
    if problems:
        return None, problems
    signed = None if credentials is None else credentials.sign(certificates)
    return prepare_certificates(certificates, serials, actor=actor, at=at, credentials=signed), problems
