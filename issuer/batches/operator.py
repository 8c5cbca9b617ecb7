"""``certreg issue`` as a service: the province admin drives a file through the same pipeline as the API.

Idempotent: the same file (SHA-256), institution, kind and assessment date find the batch made before (one
not rejected) and continue from its state. The admin records the reviews the profile requires (rule 7)
and starts the notice; the notice is never skipped (rule 8), so a run ends at ``under_notice`` and says
when the batch can be issued.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Final

import msgspec

from issuer.auth import Principal, Role
from issuer.auth.operators import operator
from issuer.batches import reports, store, submission, transitions
from issuer.batches.dto import BatchDetail
from issuer.batches.importer import Progress, no_progress
from issuer.batches.workflow import RowStatus, State
from registry.config import Settings
from registry.db import Database
from registry.rules.profiles import get_profile

REASON: Final = "certreg issue：省鉴定中心管理员本地处理 / processed locally by a province admin"


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """Where a run left the batch: ``created`` says whether this run imported it; ``done`` whether the run
    went as far as it can (``under_notice`` or beyond) rather than stopping on bad or held rows."""

    batch_id: int
    created: bool
    done: bool
    steps: list[str]
    detail: BatchDetail


async def operator_caller(database: Database, *, user: str | None = None) -> Principal:
    """The local operator ``user`` (default: the login name) in the province admin role."""
    async with database.reader() as session:
        return await operator(session, user, Role.PROVINCE_ADMIN)


async def run_issue(
    database: Database,
    settings: Settings,
    caller: Principal,
    upload: submission.Upload,
    *,
    exclude_bad: bool = False,
    progress: Progress = no_progress,
    now: datetime | None = None,
) -> Outcome:
    """Import (or find) the batch of ``upload`` and take it as far as the rules allow without waiting."""
    now = now or datetime.now(UTC)
    async with database.reader() as session:
        found = await store.find_same_upload(
            session,
            institution=upload.institution,
            kind=upload.kind.value,
            assessed_on=upload.assessed_on,
            sha256=hashlib.sha256(upload.data).digest(),
        )
    steps: list[str] = []
    if found is None:
        batch_id = (
            await submission.submit_batch(database, settings, caller, upload, progress=progress, now=now)
        ).batch_id
        steps.append("imported")
    else:
        batch_id = found.id
        steps.append(f"found:{found.state}")
    done = await _advance(database, settings, caller, batch_id, steps, exclude_bad=exclude_bad, now=now)
    detail = await reports.batch_detail(
        database, settings, caller, batch_id, status=RowStatus.BAD, limit=reports.MAX_PAGE, now=now
    )
    return Outcome(batch_id=batch_id, created=found is None, done=done, steps=steps, detail=detail)


async def _advance(
    database: Database,
    settings: Settings,
    caller: Principal,
    batch_id: int,
    steps: list[str],
    *,
    exclude_bad: bool,
    now: datetime,
) -> bool:
    profile = get_profile(settings.profile)
    while True:
        async with database.reader() as session:
            batch = await store.get_batch(session, batch_id)
            counts = await store.status_counts(session, batch_id)
            levels = await store.live_levels(session, batch_id)
        state = State(batch.state)
        if state is State.SUBMITTED and counts[RowStatus.BAD]:
            if not exclude_bad:
                return False
            await _exclude_bad(database, caller, batch_id)
            steps.append("excluded_bad")
        elif state is State.SUBMITTED:
            await transitions.review_batch(database, caller, batch_id, "approve", REASON, settings=settings)
            steps.append("city_reviewed")
        elif state is State.CITY_REVIEWED and any(profile.needs_province_approval(lv) for lv in levels):
            await transitions.approve_batch(database, caller, batch_id, "approve", REASON, settings=settings)
            steps.append("province_approved")
        elif state in (State.CITY_REVIEWED, State.PROVINCE_APPROVED):
            await transitions.start_notice(database, caller, batch_id, settings=settings, reason=REASON, now=now)
            steps.append("notice_started")
        elif state is State.UNDER_NOTICE:
            # The run ends here: issuing waits for the notice to end (rule 8) and belongs to the issuing
            # service. Held rows (an objection) make the run unfinished.
            return not counts[RowStatus.HELD]
        else:
            return state is State.ISSUED


async def _exclude_bad(database: Database, caller: Principal, batch_id: int) -> None:
    async with database.reader() as session:
        _, rows = await store.row_page(session, batch_id, status=RowStatus.BAD.value, offset=0, limit=10**9)
    numbers = [row.row_no for row in rows]
    await submission.exclude_rows(
        database, caller, batch_id, numbers, "certreg issue --exclude-bad：剔除错误行 / bad rows excluded"
    )
