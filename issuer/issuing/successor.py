"""A certificate's successor (补发 reissue, 换发 replacement): its content, checks, number and signature.

The successor keeps the old certificate's kind, institution, authority and assessment date; it is
numbered in the old certificate's sequence scope for this year (a replacement that corrects the level or
project moves to that scope), signed with the authority's current active key, and stored together with
the old number's supersession event. A 补发 of a kind whose number is kept (qualification, NUMBERING.md)
has no successor: the certificate is printed again under a new print serial (:func:`reprint_certificate`).
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.auth.principal import Principal
from issuer.batches.problems import bilingual, from_violation
from issuer.identity.sealer import seal_documents
from issuer.issuing.corrections import Content
from issuer.issuing.credentials import CredentialContext, mark_status, plan_credentials
from issuer.issuing.errors import IneligibleError
from issuer.issuing.pipeline import IssueTemplate, ScopePlan, number_all, sign_certificate
from issuer.keystore import KeyStore, signer_for
from registry.calendar import province_day
from registry.certificates import statuses, store_certificates, superseded_event
from registry.config import Settings
from registry.errors import ConflictError
from registry.events import EventKind
from registry.identity.links import link_successor_identities
from registry.keyring import load_keyset
from registry.models import Certificate, Institution
from registry.prints import current_prints, reprint
from registry.rule_views import authority_view, eligibility_context, institution_view, occupation_views, project_views
from registry.rules.numbering import max_sequence, number_parts_for, sequence_scope
from registry.rules.policy import ProvinceProfile
from registry.sequences import allocate
from registry.statement import StatementError
from registry.vocab import CertificateKind, CertificateStatus


class SuccessorResult(msgspec.Struct, frozen=True, kw_only=True):
    """A reissue or replacement: ``old_number`` is now superseded by ``number``."""

    old_number: str
    number: str
    change: str  # "reissued" or "replaced"
    reason: str
    issued_on: date
    event_id: int
    at: datetime
    #: The serial of the print this change made (the successor's first print, or the reprint).
    print_serial: str | None = None
    #: The serial of the print it voided, when the number was kept (补发 of a qualification certificate).
    voided_print_serial: str | None = None


def content_of(certificate: Certificate) -> Content:
    """What ``certificate`` says about its holder and subject (its document stays sealed: ``None``)."""
    return msgspec.convert(certificate, Content, from_attributes=True)


async def check_eligible(
    session: AsyncSession, profile: ProvinceProfile, institution: Institution, old: Certificate, content: Content
) -> None:
    """Rules 1–6 for the corrected content on the original assessment date; raises :class:`IneligibleError`."""
    kind = CertificateKind(old.kind)
    subject = content.subject_code
    occupation = (await occupation_views(session, [subject])).get(subject) if kind.has_level else None
    project = None if kind.has_level else (await project_views(session, [subject])).get(subject)
    if occupation is None and project is None:
        problem = bilingual(
            f"目录中没有{subject} / {subject} is not in the catalogue", field="subject_code", code="catalogue.unknown"
        )
        raise IneligibleError("更正后的内容不符合发证条件 / the corrected content cannot be issued", [problem])
    context = await eligibility_context(session, profile, institution)
    violations = context.check(
        kind=kind,
        occupation=occupation,
        project=project,
        level=content.level if kind.has_level else None,
        assessed_on=old.assessed_on,
    )
    if violations:
        problems = [from_violation(v, field=v.field or "") for v in violations]
        raise IneligibleError("更正后的内容不符合发证条件 / the corrected content cannot be issued", problems)


async def check_no_duplicate(session: AsyncSession, old: Certificate, content: Content) -> None:
    """Import refuses a holder who already has a valid certificate of the same kind, subject and level;
    a replacement that changes the holder, subject or level must not create one either (a correction of
    the name alone swaps one valid certificate for another and adds none)."""
    key = (content.holder_id_digest, content.subject_code, content.level)
    if key == (old.holder_id_digest, old.subject_code, old.level):
        return
    same = (
        await session.scalars(
            select(Certificate.number).where(
                Certificate.holder_id_digest == content.holder_id_digest,
                Certificate.kind == old.kind,
                Certificate.subject_code == content.subject_code,
                Certificate.level == content.level,
                Certificate.number != old.number,
            )
        )
    ).all()
    found = await statuses(session, same)
    valid = [n for n in same if n not in found or found[n].status is CertificateStatus.VALID]
    if valid:
        raise ConflictError(
            f"持证人已持有相同的有效证书 {valid[0]} / the holder already holds valid certificate {valid[0]} of "
            f"this kind, subject and level"
        )


async def store_successor(
    session: AsyncSession,
    keystore: KeyStore,
    profile: ProvinceProfile,
    old: Certificate,
    *,
    institution: Institution,
    content: Content,
    change: EventKind,
    reason: str,
    caller: Principal,
    now: datetime,
    credentials: CredentialContext | None = None,
    sealing: Settings | None = None,
) -> SuccessorResult:
    """Number, sign and store the successor of ``old`` with ``content``, and supersede ``old``; with
    ``credentials``, the successor's credential too, and ``old``'s status bit is set. A corrected document
    (``content.document``) is sealed under ``sealing``'s keys as the successor's own identity; otherwise the
    successor shares ``old``'s identity (same holder index). Raises :class:`ValueError` for a corrected
    document without ``sealing`` (it would leave the successor without its identity)."""
    if content.document is not None and sealing is None:
        raise ValueError("a corrected document needs the settings that seal it")
    kind = CertificateKind(old.kind)
    authority = await authority_view(session, old.authority_code)
    signer = signer_for(await load_keyset(session), keystore, old.authority_code)
    issued_on = province_day(now)
    rule = profile.rule_for(kind)
    parts = number_parts_for(
        profile,
        kind,
        institution=institution_view(institution),
        authority_region=authority.region_code,
        year=issued_on.year,
        level=content.level if kind.has_level else 0,
        project_code=None if kind.has_level else content.subject_code,
        sequence=0,
    )
    scope = sequence_scope(rule, parts)
    numbers = [""]
    number_all(rule, ScopePlan(scope=scope, parts=parts, positions=[0]), await allocate(
        session, scope, 1, max_value=max_sequence(rule)
    ), numbers)  # fmt: skip
    template = IssueTemplate(
        kind=kind,
        institution_code=old.institution_code,
        authority_code=old.authority_code,
        assessed_on=old.assessed_on,
        issued_on=issued_on,
        supersedes=old.number,
    )
    try:
        made = [sign_certificate(template, content, numbers[0], signer)]
    except StatementError as exc:
        problem = bilingual(str(exc), row=0, field="statement", code="statement.field")
        raise IneligibleError("无法生成证书声明 / the successor's statement cannot be built", [problem]) from None
    signed = None
    if credentials is not None:
        plan = await plan_credentials(
            session, credentials, authority_code=old.authority_code, institution_code=old.institution_code,
            subjects=[(made[0].subject_type, made[0].subject_code)], numbers=numbers, signer=signer, created=now,
        )  # fmt: skip
        signed = plan.sign(made)
    event = superseded_event(old.number, numbers[0], kind=change, reason=reason, actor=caller.actor, at=now)
    identities = None
    if content.document is not None and sealing is not None:
        identities = await seal_documents(session, sealing, [content.document], today=issued_on)
    issued = await store_certificates(
        session, made, actor=caller.actor, at=now, extra_events=[event], print_rule=profile.print_serial,
        credentials=signed, holder_identity_ids=identities,
    )  # fmt: skip
    if credentials is not None:
        await mark_status(session, credentials, old.number, at=now)
    await link_successor_identities(session, numbers)
    printed = (await current_prints(session, numbers)).get(numbers[0])
    return SuccessorResult(
        old_number=old.number,
        number=numbers[0],
        change="reissued" if change is EventKind.CERTIFICATE_REISSUED else "replaced",
        reason=reason,
        issued_on=issued_on,
        event_id=issued.stop,  # the supersession event follows the successor's issue event
        at=now,
        print_serial=printed.serial if printed else None,
    )


async def reprint_certificate(
    session: AsyncSession,
    profile: ProvinceProfile,
    old: Certificate,
    *,
    given_serial: str | None,
    reason: str,
    caller: Principal,
    now: datetime,
) -> SuccessorResult:
    """补发 keeping the number: the certificate prints again under a new print serial (the operator's, for a
    blank of pre-printed stock, or the authority's next one), and the print it had is void. Its statement,
    signature and status do not change. Raises :class:`ConflictError` for a given serial already in use."""
    info = await reprint(
        session, profile.print_serial, old.number, authority_code=old.authority_code, given_serial=given_serial,
        reason=reason, actor=caller.actor, at=now,
    )  # fmt: skip
    return SuccessorResult(
        old_number=old.number,
        number=old.number,
        change="reprinted",
        reason=reason,
        issued_on=old.issued_on,
        event_id=info.event_id,
        at=now,
        print_serial=info.serial,
        voided_print_serial=info.replaces,
    )
