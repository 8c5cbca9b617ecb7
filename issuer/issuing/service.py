"""Issuing a batch: numbers, statements, signatures, certificates and events — all rows or none.

:func:`issue_batch` is the one entry point, shared by ``POST /v1/batches/{id}/issue`` and the operator CLI.
Everything happens in one write transaction: the batch row lock, the sequence allocation (one counter row
per scope), the certificates, their ``certificate.issued`` events and the ``batch.issued`` event, and the
rows marked issued. A failure anywhere — a killed process included — rolls all of it back and gives the
numbers back. Once committed, the new numbers are announced (``announce``) so that verify caches drop a
"not found" they may hold: the certificates are verifiable at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.duties import Step, require_separate
from issuer.auth.policy import Action, authorise, batch_target
from issuer.auth.principal import Principal
from issuer.batches.events import step_actors
from issuer.batches.rows import CheckedRow
from issuer.batches.store import (
    batch_numbers,
    count_rows,
    lock_batch,
    lock_issuing,
    mark_issued,
    ok_rows,
    status_counts,
)
from issuer.batches.workflow import RowStatus, State, require_issuable
from issuer.errors import BatchStateError
from issuer.issuing.announce import Announce, announce_to
from issuer.issuing.corrections import check_reason
from issuer.issuing.credentials import CredentialContext, plan_credentials
from issuer.issuing.duplicates import duplicate_rows
from issuer.issuing.pipeline import IssueTemplate, number_all, plan_scopes
from issuer.issuing.recheck import raise_if_problems, recheck_rows
from issuer.issuing.views import issuing_authority
from issuer.issuing.writer import sign_and_store
from issuer.keystore import KeyStore, signer_for
from registry.bulk import ISSUE_TABLES, refresh_statistics
from registry.calendar import province_day
from registry.db import Database
from registry.events import EventKind, NewEvent
from registry.keyring import load_keyset
from registry.models import Batch, Institution
from registry.rule_views import eligibility_context, institution_view
from registry.rules.numbering import max_sequence
from registry.rules.policy import ProvinceProfile
from registry.sequences import allocate
from registry.vocab import CertificateKind, subject_type_of

#: The reason recorded in ``batch.issued`` when the caller gives none: issuing is the ordinary end of a
#: notice that passed (rule 11: every change says why).
DEFAULT_ISSUE_REASON = "按公示期满发证 / issued after the public notice ended"

#: ``progress(stage, done, total)``; stages in order: ``check``, ``sign``, ``store`` (after each stored
#: chunk), ``done`` (committed).
Progress = Callable[[str, int, int], None]


class IssueResult(msgspec.Struct, frozen=True, kw_only=True):
    """What an issue call did: ``issued_now`` are the numbers this call issued (empty on a repeat),
    ``numbers`` every number of the batch in row order, ``held`` the rows still held (by objections or holds)."""

    batch_id: int
    state: str
    issued_on: date | None
    authority_code: str | None
    kid: str | None
    issued_now: list[str]
    numbers: list[str]
    held: int


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress sink: issuing reports to nobody."""


async def issue_batch(
    database: Database,
    keystore: KeyStore,
    profile: ProvinceProfile,
    batch_id: int,
    *,
    caller: Principal,
    now: datetime | None = None,
    progress: Progress = _quiet,
    announce: Announce | None = None,
    sign_workers: int = 2,
    reason: str = DEFAULT_ISSUE_REASON,
    credentials: CredentialContext | None = None,
) -> IssueResult:
    """Issue every ``ok`` row of batch ``batch_id`` (idempotent: a repeat issues nothing and answers the same
    numbers), then ``announce`` the new numbers so verify caches drop stale "not found" answers. ``reason``
    (checked like every reason) is recorded in the ``batch.issued`` event; it is optional here, so an empty or
    blank one is :data:`DEFAULT_ISSUE_REASON`, as an omitted one. With ``credentials`` every
    certificate is also issued as a signed W3C credential (:mod:`issuer.issuing.credentials`).

    Raises :class:`NotFoundError` (no batch), :class:`Forbidden`, :class:`BatchStateError` (409: state, notice
    not ended, bad rows), :class:`IneligibleError` (rows that no longer pass the rules, or
    whose holder already has a valid certificate for the subject and level),
    :class:`SequenceOverflowError` (a scope would overflow: nothing issued), ``ConflictError`` (no active
    signing key) or a ``KeyFileError``.
    """
    now = now or datetime.now(UTC)
    reason = check_reason(reason) if reason.strip() else DEFAULT_ISSUE_REASON
    async with database.transaction() as session:
        batch, institution = await _open_batch(session, caller, batch_id, now)
        rows = await ok_rows(session, batch_id)
        held = await count_rows(session, batch_id, RowStatus.HELD)
        if not rows:
            return await _nothing_to_issue(session, batch, held)
        kind = CertificateKind(batch.kind)
        progress("check", 0, len(rows))
        context = await eligibility_context(session, profile, institution)
        problems = await recheck_rows(session, context, kind, batch.assessed_on, rows)
        raise_if_problems(problems + await duplicate_rows(session, kind, rows), len(rows), batch_id=batch.id)
        authority = await issuing_authority(session, batch.kind, institution)
        signer = signer_for(await load_keyset(session), keystore, authority.code)
        issued_on = province_day(now)
        numbers = await allocate_numbers(
            session, profile, kind, institution, authority_region=authority.region_code, year=issued_on.year, rows=rows
        )
        template = IssueTemplate(
            kind=kind,
            institution_code=institution.code,
            authority_code=authority.code,
            assessed_on=batch.assessed_on,
            issued_on=issued_on,
            batch_id=batch.id,
        )
        plan = None
        if credentials is not None:
            subject_type = subject_type_of(kind).value
            plan = await plan_credentials(
                session, credentials, authority_code=authority.code, institution_code=institution.code,
                subjects=[(subject_type, row.subject_code) for row in rows], numbers=numbers, signer=signer,
                created=now,
            )  # fmt: skip
        progress("sign", 0, len(rows))
        event = _batch_event(
            batch, numbers, authority=authority.code, kid=signer.kid, issued_on=issued_on, actor=caller.actor, at=now,
            reason=reason,
        )  # fmt: skip
        problems = await sign_and_store(
            session, template, rows, numbers, signer, actor=caller.actor, at=now, final_events=[event],
            workers=sign_workers, print_rule=profile.print_serial, credentials=plan,
            meanwhile=lambda: mark_issued(session, batch.id, [row.row_no for row in rows], numbers),
            progress=lambda done: progress("store", done, len(rows)),
        )  # fmt: skip
        raise_if_problems(problems, len(rows), batch_id=batch.id)
        every = numbers if batch.state == State.UNDER_NOTICE else await batch_numbers(session, batch.id)
        batch.state = State.ISSUED.value
        batch.issued_at = batch.issued_at or now
    await refresh_statistics(database.write_engine, ISSUE_TABLES, len(numbers))
    await announce_to(announce, numbers)
    progress("done", len(rows), len(rows))
    return IssueResult(
        batch_id=batch_id,
        state=State.ISSUED.value,
        issued_on=issued_on,
        authority_code=authority.code,
        kid=signer.kid,
        issued_now=numbers,
        numbers=every,
        held=held,
    )


async def _open_batch(
    session: AsyncSession, caller: Principal, batch_id: int, now: datetime
) -> tuple[Batch, Institution]:
    """The batch, locked (and the issue lock held); the caller's right to issue it and not to have submitted
    it (403, :mod:`issuer.auth.duties`); its state, notice and rows (409, the workflow's
    :func:`~issuer.batches.workflow.require_issuable`: a batch with ``bad`` rows is refused)."""
    await lock_issuing(session)
    batch = await lock_batch(session, batch_id)
    institution = await session.get(Institution, batch.institution_code)
    assert institution is not None  # foreign key
    authorise(caller, Action.ISSUE, batch_target(batch.id, institution.code, institution.region_code, batch.kind))
    require_separate(caller, Step.ISSUE, await step_actors(session, batch), batch_id=batch.id)
    counts = await status_counts(session, batch.id)
    if not (batch.state == State.ISSUED and not counts[RowStatus.OK]):  # else a repeat: nothing to issue
        require_issuable(
            batch_id=batch.id, state=batch.state, notice_ends_at=batch.notice_ends_at, counts=counts, now=now
        )
    return batch, institution


async def allocate_numbers(
    session: AsyncSession,
    profile: ProvinceProfile,
    kind: CertificateKind,
    institution: Institution,
    *,
    authority_region: str,
    year: int,
    rows: Sequence[CheckedRow],
) -> list[str]:
    """One allocation per sequence scope, in scope order — one lock order for every issuer, so two batches
    never deadlock — and the number of every row. Raises ``SequenceOverflowError`` before anything is
    written, and the caller's rollback gives every number back."""
    rule = profile.rule_for(kind)
    view = institution_view(institution)
    plans = plan_scopes(profile, kind, institution=view, authority_region=authority_region, year=year, rows=rows)
    numbers = [""] * len(rows)
    for scope in sorted(plans):
        taken = await allocate(session, scope, len(plans[scope].positions), max_value=max_sequence(rule))
        number_all(rule, plans[scope], taken, numbers)
    return numbers


async def _nothing_to_issue(session: AsyncSession, batch: Batch, held: int) -> IssueResult:
    """A repeat call (the batch is issued, no row released since): the same numbers, nothing new."""
    if batch.state != State.ISSUED:
        raise BatchStateError(
            f"批次 {batch.id} 没有可发证的记录（{held} 条暂缓）/ batch {batch.id} has no row ready to issue "
            f"({held} held by objections or holds)"
        )
    return IssueResult(
        batch_id=batch.id,
        state=State.ISSUED.value,
        issued_on=None,
        authority_code=None,
        kid=None,
        issued_now=[],
        numbers=await batch_numbers(session, batch.id),
        held=held,
    )


def _batch_event(
    batch: Batch,
    numbers: list[str],
    *,
    authority: str,
    kid: str,
    issued_on: date,
    actor: str,
    at: datetime,
    reason: str,
) -> NewEvent:
    """``batch.issued``: why, how many, the first and last number, who signed with which key, and when."""
    return NewEvent(
        kind=EventKind.BATCH_ISSUED,
        subject=f"batch:{batch.id}",
        actor=actor,
        reason=reason,
        details={
            "count": len(numbers),
            "first": numbers[0],
            "last": numbers[-1],
            "authority": authority,
            "kid": kid,
            "issued_on": issued_on.isoformat(),
        },
        at=at,
    )
