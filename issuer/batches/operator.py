"""``certreg issue`` as a service: named operators drive a file through the same workflow as the API.

Each step is done by the operator named for it, in the role the policy asks for (:mod:`issuer.auth.policy`)
and apart from the others (:mod:`issuer.auth.duties`): the submitter (the institution's role) imports the
file, excludes bad rows on request and starts the notice; the city reviewer (the city centre of the
institution's region) reviews; the province reviewer reviews skill-level and qualification batches (rule 7).
There is no province-admin bypass. A step whose operator was not named stops the run, saying which option
names it.

Idempotent: the same file (SHA-256), institution, kind and assessment date find the batch made before (one
not rejected) and continue from its state. The notice is never skipped (rule 8), so a run ends at
``under_notice`` and says when the batch can be issued.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth import Principal, Role
from issuer.auth.operators import operator
from issuer.batches import refstore, reports, store, submission, transitions
from issuer.batches.dto import BatchDetail
from issuer.batches.importer import Progress, no_progress
from issuer.batches.workflow import RowStatus, State, needs_province
from issuer.errors import IssuerError
from registry.config import Settings
from registry.db import Database
from registry.errors import NotFoundError
from registry.rules.policy import ProvinceProfile
from registry.vocab import CertificateKind

REASON: Final = "certreg issue：本地操作员办理 / processed at the server by a named operator"


class MissingOperatorError(IssuerError):
    """The run reached a step whose operator was not named (the message names the option)."""


class Crew(msgspec.Struct, frozen=True, kw_only=True):
    """The operators of a ``certreg issue`` run by step (``None``: not named; the run stops before it)."""

    submitter: str | None = None
    city_reviewer: str | None = None
    province_reviewer: str | None = None
    issuer: str | None = None


#: Step → the CLI option that names its operator (for the message of a run that stops there).
OPTIONS: Final = {
    "submitter": "--submitter",
    "city_reviewer": "--city-reviewer",
    "province_reviewer": "--province-reviewer",
    "issuer": "--issuer",
}


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """Where a run left the batch: ``created`` says whether this run imported it; ``done`` whether the run
    went as far as it can (``under_notice`` or beyond) rather than stopping on bad or held rows."""

    batch_id: int
    created: bool
    done: bool
    steps: list[str]
    detail: BatchDetail


async def crew_member(
    session: AsyncSession, crew: Crew, step: str, *, institution: str, kind: CertificateKind
) -> Principal:
    """The operator of ``step`` as a principal: the institution's own role for ``submitter``, the city centre
    of its region for ``city_reviewer`` (and for ``issuer`` of a special-ability batch, 003 §4(1)), the
    province centre for ``province_reviewer`` and ``issuer``. :class:`MissingOperatorError` when unnamed."""
    name = getattr(crew, step)
    if name is None:
        raise MissingOperatorError(
            f"此步骤须指明操作员：{OPTIONS[step]} <姓名> / this step needs its operator: {OPTIONS[step]} NAME "
            "(each step by a named operator of the right role; no one does two reviews or issues what they submitted)"
        )
    if step == "submitter":
        return await operator(session, name, Role.INSTITUTION, institution)
    if step == "province_reviewer":
        return await operator(session, name, Role.PROVINCE_REVIEWER)
    if step == "issuer" and kind is not CertificateKind.SPECIAL_ABILITY:
        return await operator(session, name, Role.PROVINCE_ADMIN)
    refs = await refstore.institution_refs(session, institution)
    city = await refstore.city_authority_of(session, refs.institution.region_code)
    if city is None:
        raise NotFoundError(f"机构 {institution} 所在地没有市州鉴定中心 / no city centre for institution {institution}")
    return await operator(session, name, Role.CITY_REVIEWER, city)


async def run_issue(
    database: Database,
    settings: Settings,
    crew: Crew,
    upload: submission.Upload,
    *,
    profile: ProvinceProfile,
    exclude_bad: bool = False,
    progress: Progress = no_progress,
    now: datetime | None = None,
) -> Outcome:
    """Import (or find) the batch of ``upload`` and take it as far as the rules and the named operators
    allow without waiting."""
    now = now or datetime.now(UTC)
    async with database.reader() as session:
        found = await submission.same_upload(session, upload)
        viewer = await _viewer(session, crew, upload)
    steps: list[str] = []
    if found is None:
        async with database.reader() as session:
            submitter = await crew_member(session, crew, "submitter", institution=upload.institution, kind=upload.kind)
        imported = await submission.submit_batch(
            database, settings, submitter, upload, profile=profile, progress=progress, now=now
        )
        batch_id = imported.batch_id
        steps.append("imported")
    else:
        batch_id = found.id
        steps.append(f"found:{found.state}")
    done = await _advance(
        database, settings, crew, upload, batch_id, profile=profile, steps=steps, exclude_bad=exclude_bad, now=now
    )
    detail = await reports.batch_detail(
        database, profile, viewer, batch_id, status=RowStatus.BAD, limit=reports.MAX_PAGE, now=now
    )
    return Outcome(batch_id=batch_id, created=found is None, done=done, steps=steps, detail=detail)


async def _viewer(session: AsyncSession, crew: Crew, upload: submission.Upload) -> Principal:
    """Whom the run's report is shown as: the first operator named (every step's role may view the batch)."""
    for step in OPTIONS:
        if getattr(crew, step) is not None:
            return await crew_member(session, crew, step, institution=upload.institution, kind=upload.kind)
    return await crew_member(session, crew, "submitter", institution=upload.institution, kind=upload.kind)


async def _advance(
    database: Database,
    settings: Settings,
    crew: Crew,
    upload: submission.Upload,
    batch_id: int,
    *,
    profile: ProvinceProfile,
    steps: list[str],
    exclude_bad: bool,
    now: datetime,
) -> bool:
    province = needs_province(profile, upload.kind)

    async def member(step: str) -> Principal:
        async with database.reader() as session:
            return await crew_member(session, crew, step, institution=upload.institution, kind=upload.kind)

    while True:
        async with database.reader() as session:
            batch = await store.get_batch(session, batch_id)
            counts = await store.status_counts(session, batch_id)
        state = State(batch.state)
        if state is State.SUBMITTED and counts[RowStatus.BAD]:
            if not exclude_bad:
                return False
            await _exclude_bad(database, await member("submitter"), batch_id)
            steps.append("excluded_bad")
        elif state is State.SUBMITTED:
            caller = await member("city_reviewer")
            await transitions.review_batch(database, caller, batch_id, "approve", REASON, profile=profile)
            steps.append("city_reviewed")
        elif state is State.CITY_REVIEWED and province:
            caller = await member("province_reviewer")
            await transitions.approve_batch(database, caller, batch_id, "approve", REASON, profile=profile)
            steps.append("province_approved")
        elif state in (State.CITY_REVIEWED, State.PROVINCE_APPROVED):
            caller = await member("submitter")
            await transitions.start_notice(
                database,
                caller,
                batch_id,
                profile=profile,
                notice_setting=settings.issuing.notice_days,
                reason=REASON,
                now=now,
            )
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
