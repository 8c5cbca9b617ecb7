"""``certreg audit``: recompute the log from the events and check every certificate, print, key, filing and
checkpoint against it.

Runs in one read snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite), so issuing that
goes on meanwhile is simply not seen rather than reported as a discrepancy. The per-row checks of leaves, and of
the certificates and prints at them, run in one pass in leaf order (:mod:`registry.audit.log`) in worker
processes on every core once the log is large enough to repay starting them (:mod:`registry.audit.parallel`);
the report is the same either way. The rows not at their own event are found by anti-joins after it.

A value a column's type cannot parse (SQLite keeps text in a date column) ends no audit: the pass and the
certificate and print rows are screened row by row, and each other check that meets one is reported as
unfinished, naming the row, while the others run (:mod:`registry.audit.screening`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.audit.certificates import audit_unlogged_certificates
from registry.audit.credentials import audit_credentials
from registry.audit.filings import audit_filings
from registry.audit.findings import AuditProgress, AuditReport, SilentProgress
from registry.audit.identities import audit_identities
from registry.audit.keys import audit_keys
from registry.audit.log import audit_log
from registry.audit.parallel import MIN_PARALLEL_ROWS, ChunkPool, default_processes
from registry.audit.prints import audit_unlogged_prints
from registry.audit.references import audit_references
from registry.audit.screening import unless_unreadable
from registry.audit.status_lists import audit_status_lists
from registry.db import Database
from registry.log.monitor import SeenCheckpoint
from registry.log.store import log_size, log_verifiers, stored_checkpoints
from registry.models import (
    CertificateCredential,
    DataKeyRow,
    Filing,
    FilingScope,
    FilingStatusChange,
    HolderIdentity,
    StatusList,
)


async def _snapshot(session: AsyncSession, dialect: str) -> None:
    if dialect == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        await session.execute(text("BEGIN"))  # pysqlite starts no transaction for reads by itself


async def run_audit(
    database: Database,
    origin: str,
    progress: AuditProgress | None = None,
    seen: Sequence[SeenCheckpoint] = (),
    *,
    processes: int | None = None,
    public_url: str | None = None,
) -> AuditReport:
    """Audit the whole registry; ``origin`` is the log's (``Settings.log_origin``), under which its checkpoints
    are signed, and ``seen`` the checkpoints earlier audits confirmed (the state file's), which the log must
    still give. ``processes``: worker processes for the per-row checks (default: every core when the log
    has at least :data:`MIN_PARALLEL_ROWS` leaves, else none). ``public_url``: the service's, which the
    authorities' did:web DIDs name; given, stored W3C credentials and status lists are checked too. Returns
    the report (clean when no discrepancy was found); raises only when the database cannot be read."""
    progress = progress or SilentProgress()
    report = AuditReport()
    async with database.reader() as session:
        await _snapshot(session, database.dialect)
        keyset = await audit_keys(session, report)  # the key set as the log records it, not as the table has it
        await unless_unreadable(session, report, "filings", lambda: audit_filings(session, report), _FILING_TABLES)
        checkpoints = await stored_checkpoints(session)
        head = await log_size(session)
        verifiers = log_verifiers(keyset, origin)
        if processes is None:
            processes = default_processes() if head >= MIN_PARALLEL_ROWS else 1
        with ChunkPool(processes) as pool:
            await audit_log(
                session,
                report,
                head=head,
                checkpoints=checkpoints,
                verifiers=verifiers,
                progress=progress,
                pool=pool,
                keyset=keyset,
                seen=seen,
            )
        await audit_unlogged_certificates(session, report, keyset)
        await audit_unlogged_prints(session, report)
        await unless_unreadable(session, report, "references", lambda: audit_references(session, report), ())
        if public_url is not None:
            await unless_unreadable(
                session,
                report,
                "credentials",
                lambda: audit_credentials(session, report, keyset, public_url, progress),
                (CertificateCredential,),
            )
            await unless_unreadable(
                session,
                report,
                "status lists",
                lambda: audit_status_lists(session, report, keyset, public_url),
                (StatusList,),
            )
        await unless_unreadable(
            session, report, "identities", lambda: audit_identities(session, report), _IDENTITY_TABLES
        )
    return report


_FILING_TABLES: Final = (Filing, FilingScope, FilingStatusChange)
_IDENTITY_TABLES: Final = (HolderIdentity, DataKeyRow)
