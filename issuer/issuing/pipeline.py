"""Domain: turn the rows of a batch into numbered, signed certificates (no session, no I/O).

Two steps, so the store can allocate between them inside its transaction:

1. :func:`plan_scopes` groups rows by numbering scope (NUMBERING.md: per institution, year and level for
   skill-level certificates; per city, year and project for special-ability ones …): one allocation each.
2. :func:`number_all` formats the numbers of a scope once its sequences are allocated.
3. :func:`sign_chunk` builds each statement (validated by ``encode_statement`` so a verifier never meets a
   statement it would refuse) and signs ``DOMAIN + statement``. Libsodium's Ed25519 releases the GIL, so
   :mod:`issuer.issuing.writer` runs chunks on threads while the event loop stores the previous ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

import msgspec

from issuer.batches.problems import RowProblem, bilingual
from issuer.batches.rows import CheckedRow
from keys.signing import SigningKey
from registry.certificates import NewCertificate
from registry.rules.numbering import format_number, number_parts_for, sequence_scope
from registry.rules.parts import NumberParts
from registry.rules.policy import ProvinceProfile
from registry.rules.segments import CheckSegment, NumberingRule, SequenceSegment
from registry.rules.views import InstitutionView
from registry.statement import DOMAIN, Statement, StatementError, days_since_epoch, encode_statement
from registry.vocab import CertificateKind, subject_type_of


class IssueTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """What every certificate of one issue shares."""

    kind: CertificateKind
    institution_code: str
    authority_code: str
    assessed_on: date
    issued_on: date
    batch_id: int | None = None
    supersedes: str | None = None


class ScopePlan(msgspec.Struct, kw_only=True):
    """The rows (their positions in the input) that draw numbers from one sequence scope."""

    scope: str
    parts: NumberParts  # sequence 0: filled in per row
    positions: list[int]


def plan_scopes(
    profile: ProvinceProfile,
    kind: CertificateKind,
    *,
    institution: InstitutionView,
    authority_region: str,
    year: int,
    rows: Sequence[CheckedRow],
) -> dict[str, ScopePlan]:
    """Rows grouped by sequence scope, in row order inside each scope; raises ``RuleError`` when the
    profile has no rule for ``kind``."""
    rule = profile.rule_for(kind)
    by_subject: dict[tuple[str, int], ScopePlan] = {}
    plans: dict[str, ScopePlan] = {}
    for position, row in enumerate(rows):
        key = (row.subject_code, row.level)
        plan = by_subject.get(key)
        if plan is None:
            parts = number_parts_for(
                profile,
                kind,
                institution=institution,
                authority_region=authority_region,
                year=year,
                level=row.level if kind.has_level else 0,
                project_code=None if kind.has_level else row.subject_code,
                sequence=0,
            )
            scope = sequence_scope(rule, parts)
            plan = plans.setdefault(scope, ScopePlan(scope=scope, parts=parts, positions=[]))
            by_subject[key] = plan
        plan.positions.append(position)
    return plans


def number_all(rule: NumberingRule, plan: ScopePlan, sequences: range, numbers: list[str]) -> None:
    """Write the number of each row of ``plan`` into ``numbers`` (by position); raises ``RuleError``.

    Inside one scope only the sequence changes, so for a rule without a check character the number is a
    fixed head and tail around the zero-padded sequence: formatted once by :func:`format_number` for the
    first and the last sequence (which also checks both fit) and pasted for the rows between — 0.05 s
    instead of 0.5 s for 100,000 rows. Rules with a check character format every number.
    """
    first = format_number(rule, msgspec.structs.replace(plan.parts, sequence=sequences[0]))
    last = format_number(rule, msgspec.structs.replace(plan.parts, sequence=sequences[-1]))
    slot = _sequence_slot(rule)
    if slot is not None:
        start, width = slot
        head, tail = first[:start], first[start + width :]
        if f"{head}{sequences[-1]:0{width}d}{tail}" == last:
            for position, sequence in zip(plan.positions, sequences, strict=True):
                numbers[position] = f"{head}{sequence:0{width}d}{tail}"
            return
    for position, sequence in zip(plan.positions, sequences, strict=True):
        numbers[position] = format_number(rule, msgspec.structs.replace(plan.parts, sequence=sequence))


def _sequence_slot(rule: NumberingRule) -> tuple[int, int] | None:
    """``(offset, width)`` of the sequence in the rule's numbers, or ``None`` when a check character
    depends on it."""
    if any(isinstance(segment, CheckSegment) for segment in rule.segments):
        return None
    offset = 0
    for segment in rule.segments:
        if isinstance(segment, SequenceSegment):
            return offset, segment.width
        offset += segment.width
    return None


class Holding(Protocol):
    """What a certificate says about its holder and subject (a checked row, a successor's content)."""

    @property
    def holder_name(self) -> str: ...
    @property
    def holder_id_digest(self) -> bytes: ...
    @property
    def holder_id_masked(self) -> str: ...
    @property
    def subject_code(self) -> str: ...
    @property
    def level(self) -> int: ...


def sign_certificate(
    template: IssueTemplate, holding: Holding, number: str, signer: SigningKey, *, row_no: int | None = None
) -> NewCertificate:
    """The certificate ``number`` of ``holding``, its statement signed by ``signer`` (``row_no``: its row of
    the template's batch). Raises :class:`StatementError` when the statement breaks a bound of statement v1."""
    kind = template.kind
    statement = Statement(
        1, number, kind.statement_code, holding.holder_name, holding.holder_id_masked, holding.subject_code,
        holding.level, template.institution_code, template.authority_code, days_since_epoch(template.issued_on),
        signer.kid,
    )  # fmt: skip
    data = encode_statement(statement)
    return NewCertificate(
        number=number,
        kind=kind.value,
        holder_name=holding.holder_name,
        holder_id_digest=holding.holder_id_digest,
        holder_id_masked=holding.holder_id_masked,
        subject_type=subject_type_of(kind).value,
        subject_code=holding.subject_code,
        level=holding.level,
        institution_code=template.institution_code,
        authority_code=template.authority_code,
        assessed_on=template.assessed_on,
        issued_on=template.issued_on,
        statement=data,
        signature=signer.sign(DOMAIN + data),
        kid=signer.kid,
        batch_id=template.batch_id,
        batch_row_no=row_no,
        supersedes=template.supersedes,
    )


def sign_chunk(
    template: IssueTemplate, rows: Sequence[CheckedRow], numbers: Sequence[str], signer: SigningKey
) -> tuple[list[NewCertificate], list[RowProblem]]:
    """The signed certificates of ``rows`` (numbered by ``numbers``) and the rows whose statement breaks
    a bound of statement v1 (they get no certificate). Pure CPU; safe to run on several threads."""
    in_batch = template.batch_id is not None
    made: list[NewCertificate] = []
    problems: list[RowProblem] = []
    for row, number in zip(rows, numbers, strict=True):
        try:
            made.append(sign_certificate(template, row, number, signer, row_no=row.row_no if in_batch else None))
        except StatementError as exc:
            problems.append(bilingual(str(exc), row=row.row_no, field="statement", code="statement.field"))
    return made, problems
