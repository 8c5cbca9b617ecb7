"""Submitting a batch: the import pipeline (read, check, find duplicates, store) and its two corrections,
resubmitting a corrected file and excluding rows.

Reads and CPU work happen before the write transaction, which only inserts: SQLite's single writer is held
for the inserts alone. Each service records its event in the same transaction as its change.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, date, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.policy import Action, authorise, batch_target, institution_target
from issuer.auth.principal import Principal
from issuer.batches import refstore, store
from issuer.batches.columns import Field
from issuer.batches.errors import BatchRequestError, SameUploadError
from issuer.batches.events import batch_event, ignored_details
from issuer.batches.importer import (
    ParsedFile,
    Progress,
    check_rows,
    holder_digests,
    mark_known_duplicates,
    no_progress,
    parse_file,
    subject_codes,
)
from issuer.batches.rows import CheckedRow, RowChecker
from issuer.batches.workflow import RowStatus, State, require_reason, require_rows, require_state, row_ranges
from issuer.identity.sealer import seal_rows
from registry.calendar import province_day
from registry.config import Settings
from registry.db import Database
from registry.events import EventKind, append_events
from registry.models import Batch
from registry.rule_views import occupation_views, project_views
from registry.rules.eligibility import EligibilityContext
from registry.rules.policy import ProvinceProfile
from registry.vocab import CertificateKind


class Upload(msgspec.Struct, frozen=True, kw_only=True):
    """A results file and the form fields that say what it is."""

    data: bytes
    file_name: str
    institution: str
    kind: CertificateKind
    assessed_on: date


class Imported(msgspec.Struct, frozen=True, kw_only=True):
    batch_id: int
    parsed: ParsedFile
    rows: list[CheckedRow]


async def _check_upload(
    session: AsyncSession,
    settings: Settings,
    profile: ProvinceProfile,
    upload: Upload,
    refs: refstore.InstitutionRefs,
    *,
    today: date,
    except_batch: int | None,
    progress: Progress,
) -> tuple[ParsedFile, list[CheckedRow]]:
    if upload.assessed_on > today:
        raise BatchRequestError(
            f"考核日期 {upload.assessed_on} 晚于今天 / the assessment date {upload.assessed_on} is in the future",
            code="assessed_on.future",
        )
    progress("read", 0, 1)
    parsed = await asyncio.to_thread(
        parse_file, upload.data, upload.file_name, upload.kind, max_rows=settings.issuing.max_rows
    )
    progress("read", 1, 1)
    codes = subject_codes(parsed, upload.kind)
    checker = RowChecker(
        kind=upload.kind,
        assessed_on=upload.assessed_on,
        today=today,
        secret=settings.keys.id_hash_secret(),
        columns=parsed.columns,
        context=EligibilityContext(
            profile=profile,
            institution=refs.institution,
            filing_authority=refs.filing_authority,
            filings=refs.filings,
        ),
        occupations=await occupation_views(session, codes) if upload.kind.has_level else {},
        projects={} if upload.kind.has_level else await project_views(session, codes),
    )
    rows = await asyncio.to_thread(check_rows, parsed, checker, progress)
    digests = holder_digests(rows)
    mark_known_duplicates(
        rows,
        certificates=await refstore.valid_certificates(session, upload.kind, digests),
        batches=await store.pending_rows(session, upload.kind, digests, except_batch=except_batch),
        column=parsed.columns.header(Field.ID_NUMBER),
    )
    return parsed, rows


def _details(upload: Upload, parsed: ParsedFile, rows: list[CheckedRow]) -> dict[str, str | int | bytes | bool | None]:
    return {
        "institution": upload.institution,
        "kind": upload.kind.value,
        "assessed_on": upload.assessed_on.isoformat(),
        "file_name": parsed.file_name,
        "file_sha256": parsed.sha256,
        "rows": len(rows),
        "bad": sum(1 for r in rows if r.problems),
        **ignored_details(parsed.columns.ignored),
    }


async def submit_batch(
    database: Database,
    settings: Settings,
    caller: Principal,
    upload: Upload,
    *,
    profile: ProvinceProfile,
    progress: Progress = no_progress,
    now: datetime | None = None,
) -> Imported:
    """Import ``upload`` as a new batch (state ``submitted``) with every row checked.

    The same file for the same institution, kind and date that already made a batch not returned is refused
    (:class:`SameUploadError`, naming that batch): a client retrying after a timeout, a double click. It is
    looked up before the file is read and again in the write transaction, under :func:`store.lock_upload`,
    for a retry that arrives while the first upload is still being checked.

    Raises :class:`Forbidden` (not the caller's institution), :class:`NotFoundError` (no such institution),
    :class:`registry.tabular.TableError` (unreadable file, header, row limit), :class:`BatchRequestError`,
    :class:`SameUploadError`.
    """
    now = now or datetime.now(UTC)
    async with database.reader() as session:
        refs = await refstore.institution_refs(session, upload.institution)
        authorise(caller, Action.SUBMIT, institution_target(upload.institution, refs.institution.region_code))
        await _refuse_same_upload(session, upload)
        parsed, rows = await _check_upload(
            session, settings, profile, upload, refs, today=province_day(now), except_batch=None, progress=progress
        )
    progress("store", 0, len(rows))
    async with database.transaction() as session:
        await store.lock_upload(session, parsed.sha256)
        await _refuse_same_upload(session, upload)
        batch = Batch(
            institution_code=upload.institution,
            kind=upload.kind.value,
            assessed_on=upload.assessed_on,
            state=State.SUBMITTED.value,
            authority_code=refs.city_authority or refs.institution.filing_authority_code,
            file_name=parsed.file_name[:256],
            file_sha256=parsed.sha256,
            submitted_by=caller.actor[:64],
            created_at=now,
        )
        session.add(batch)
        await session.flush()
        await seal_rows(session, settings, rows, today=province_day(now))
        await store.insert_rows(session, batch.id, rows)
        await store.refresh_counts(session, batch.id)
        event = batch_event(EventKind.BATCH_SUBMITTED, batch.id, caller, details=_details(upload, parsed, rows))
        await append_events(session, [event])
    progress("store", len(rows), len(rows))
    return Imported(batch_id=batch.id, parsed=parsed, rows=rows)


async def _refuse_same_upload(session: AsyncSession, upload: Upload) -> None:
    """Raise :class:`SameUploadError` when this very file already made a batch not returned."""
    found = await same_upload(session, upload)
    if found is not None:
        raise SameUploadError(found.id)


async def same_upload(session: AsyncSession, upload: Upload) -> Batch | None:
    """The latest batch not returned made from this very file for the same institution, kind and date (no
    policy: :func:`submit_batch` refuses the file with it; ``certreg batch run`` finds its batch with it)."""
    return await store.find_same_upload(
        session,
        institution=upload.institution,
        kind=upload.kind.value,
        assessed_on=upload.assessed_on,
        sha256=hashlib.sha256(upload.data).digest(),
    )


async def resubmit_batch(
    database: Database,
    settings: Settings,
    caller: Principal,
    batch_id: int,
    *,
    profile: ProvinceProfile,
    data: bytes,
    file_name: str,
    progress: Progress = no_progress,
    now: datetime | None = None,
) -> Imported:
    """Replace the rows of a ``submitted`` or ``rejected`` batch by a corrected file; back to ``submitted``.

    The old rows are dropped (they never reached a review); the old file's hash stays in the events.
    Raises as :func:`submit_batch`, and :class:`BatchStateError` once the batch is reviewed.
    """
    now = now or datetime.now(UTC)
    allowed = (State.SUBMITTED, State.REJECTED)
    async with database.reader() as session:
        batch = await store.get_batch(session, batch_id)
        refs = await refstore.institution_refs(session, batch.institution_code)
        authorise(caller, Action.RESUBMIT, batch_target(batch.id, batch.institution_code, refs.institution.region_code))
        require_state(batch.id, batch.state, allowed, action_zh="重新提交", action_en="resubmitting")
        upload = Upload(
            data=data,
            file_name=file_name,
            institution=batch.institution_code,
            kind=CertificateKind(batch.kind),
            assessed_on=batch.assessed_on,
        )
        parsed, rows = await _check_upload(
            session, settings, profile, upload, refs, today=province_day(now), except_batch=batch.id, progress=progress
        )
    progress("store", 0, len(rows))
    async with database.transaction() as session:
        batch = await store.get_batch(session, batch_id)
        previous = batch.file_sha256
        await store.move_state(
            session,
            batch,
            allowed,
            State.SUBMITTED,
            action_zh="重新提交",
            action_en="resubmitting",
            file_name=parsed.file_name[:256],
            file_sha256=parsed.sha256,
        )
        await store.drop_identities(session, batch.id)
        await store.delete_rows(session, batch.id)
        await seal_rows(session, settings, rows, today=province_day(now))
        await store.insert_rows(session, batch.id, rows)
        await store.refresh_counts(session, batch.id)
        details = {**_details(upload, parsed, rows), "previous_sha256": previous}
        await append_events(session, [batch_event(EventKind.BATCH_RESUBMITTED, batch.id, caller, details=details)])
    progress("store", len(rows), len(rows))
    return Imported(batch_id=batch_id, parsed=parsed, rows=rows)


async def exclude_rows(database: Database, caller: Principal, batch_id: int, rows: list[int], reason: str) -> None:
    """Exclude rows (bad or not) of a ``submitted`` batch so it can go on without them; reason required.

    Rows already excluded are left as they are: the event names the rows this call excluded, and a call that
    excludes none (a double click) writes none. Raises :class:`ReasonRequiredError` for an empty reason,
    :class:`BatchRequestError` for row numbers the batch does not hold.
    """
    reason = require_reason(reason)
    async with database.transaction() as session:
        batch = await store.get_batch(session, batch_id)
        region = await store.institution_region(session, batch.institution_code)
        authorise(caller, Action.EXCLUDE, batch_target(batch.id, batch.institution_code, region))
        await store.move_state(session, batch, (State.SUBMITTED,), None, action_zh="剔除行", action_en="excluding rows")
        current = await store.rows_with_status(session, batch.id, rows)
        require_rows(rows, current, (RowStatus.OK, RowStatus.BAD, RowStatus.EXCLUDED))
        rows = sorted(number for number, status in current.items() if status != RowStatus.EXCLUDED)
        if not rows:  # all excluded already (a double click, a retry): nothing changes, nothing to log
            return
        await store.set_status(session, batch.id, rows, RowStatus.EXCLUDED)
        await store.refresh_counts(session, batch.id)
        details: dict[str, str | int | bytes | bool | None] = {"rows": row_ranges(rows), "count": len(rows)}
        event = batch_event(EventKind.BATCH_ROWS_EXCLUDED, batch.id, caller, reason=reason, details=details)
        await append_events(session, [event])
