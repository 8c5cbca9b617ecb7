"""Grouping filing rows: a file lists one row per scope row; rows with the same institution and
reference are one filing, and must agree on its authority, validity window and pilot flag. Each scope row
says which certificate kinds it allows (rule 1). A window may not be longer than the province profile
allows where a document sets a cap (rule 2), and a filing's status history must be one that can happen
(:func:`status_problems`). Rules: docs/rules.md."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final, NamedTuple, Protocol

import msgspec

from registry.errors import Problem
from registry.rules.policy import ProvinceProfile
from registry.rules.views import LEGACY_KINDS
from registry.vocab import (
    INSTITUTION_KIND_LABELS_ZH,
    CertificateKind,
    FilingStatus,
    InstitutionKind,
    InstitutionOwner,
    SubjectType,
    kinds_text,
)

#: Statuses a filing never leaves: a revoked, withdrawn or expired filing is refiled under a new reference.
FINAL_STATUSES: Final = frozenset({FilingStatus.REVOKED, FilingStatus.WITHDRAWN, FilingStatus.EXPIRED})


class ScopeLine(msgspec.Struct, frozen=True):
    subject_type: SubjectType
    subject_code: str
    levels: str  # digits, "" for a project
    kinds: str  # kinds_text of the kinds the row allows
    consent_on: date | None = None


class FilingGroup(msgspec.Struct):
    institution_code: str
    reference: str
    filed_by: str
    valid_from: date
    valid_to: date
    scope: list[ScopeLine]
    rows: list[int]  # row number of each scope line, in the same order
    pilot: bool = False

    @property
    def signature(self) -> str:
        return scope_signature(self.scope)

    @property
    def terms(self) -> str:
        return scope_terms(self.scope)


class _ScopeLike(Protocol):
    @property
    def subject_type(self) -> Any: ...
    @property
    def subject_code(self) -> str: ...
    @property
    def levels(self) -> str: ...
    @property
    def kinds(self) -> str: ...
    @property
    def consent_on(self) -> date | None: ...


def scope_signature(scope: Iterable[_ScopeLike]) -> str:
    """A canonical text of a scope (sorted ``type:code:levels`` lines) to compare and to log."""
    lines = sorted(f"{_value(s.subject_type)}:{s.subject_code}:{s.levels}" for s in scope)
    return ";".join(lines)


def scope_terms(scope: Iterable[_ScopeLike]) -> str:
    """What else each scope row says (sorted ``type:code:kinds:consent`` lines): logged as the ``terms`` of
    ``filing.created`` since migration 0005, beside the :func:`scope_signature` older events carry."""
    lines = sorted(
        f"{_value(s.subject_type)}:{s.subject_code}:{s.kinds}:{s.consent_on.isoformat() if s.consent_on else ''}"
        for s in scope
    )
    return ";".join(lines)


def legacy_terms(signature: str) -> str:
    """The :func:`scope_terms` of a filing logged before scope rows named their kinds: what migration 0005
    stored for it (the kinds its rows allowed until then, no consent)."""
    by_type = {subject_type.value: kinds_text(kinds) for subject_type, kinds in LEGACY_KINDS.items()}
    lines = []
    for line in filter(None, signature.split(";")):
        subject_type, code, _ = line.split(":", 2)
        lines.append(f"{subject_type}:{code}:{by_type.get(subject_type, '')}:")
    return ";".join(sorted(lines))


def _value(value: Any) -> str:
    return str(getattr(value, "value", value))


def group_filings(rows: list[tuple[int, dict[str, Any]]], problems: list[Problem]) -> list[FilingGroup]:
    """Filings of the rows; a row that disagrees with its filing's first row is a problem."""
    groups: dict[tuple[str, str], FilingGroup] = {}
    for number, record in rows:
        key = (record["institution_code"], record["reference"])
        problem = _scope_problem(record)
        if problem:
            problems.append(Problem(table="filings", row=number, field=problem[0], code=problem[1], message=problem[2]))
            continue
        line = _scope_line(record)
        group = groups.get(key)
        if group is None:
            groups[key] = FilingGroup(
                institution_code=key[0],
                reference=key[1],
                filed_by=record["filed_by"],
                valid_from=record["valid_from"],
                valid_to=record["valid_to"],
                scope=[line],
                rows=[number],
                pilot=bool(record.get("pilot")),
            )
            if record["valid_to"] < record["valid_from"]:
                message = "有效期止早于有效期起 / valid_to is before valid_from"
                problems.append(
                    Problem(table="filings", row=number, field="valid_to", code="date.order", message=message)
                )
            continue
        if (group.filed_by, group.valid_from, group.valid_to, group.pilot) != (
            record["filed_by"],
            record["valid_from"],
            record["valid_to"],
            bool(record.get("pilot")),
        ):
            message = (
                f"与第 {group.rows[0]} 行同一备案但机关、有效期或试点标记不同 / same filing as row {group.rows[0]} "
                "but a different authority, validity window or pilot flag"
            )
            problems.append(
                Problem(table="filings", row=number, field="reference", code="filing.inconsistent", message=message)
            )
            continue
        group.scope.append(line)
        group.rows.append(number)
    return list(groups.values())


def _scope_line(record: dict[str, Any]) -> ScopeLine:
    subject_type: SubjectType = record["subject_type"]
    kinds: frozenset[CertificateKind] | None = record.get("kinds")
    return ScopeLine(
        subject_type,
        record["subject_code"],
        record.get("levels") or "",
        kinds_text(LEGACY_KINDS[SubjectType.PROJECT] if kinds is None else kinds),
        record.get("consent_on"),
    )


_SCOPE_MESSAGES: Final = {
    "scope.levels_required": "职业范围须写明等级 / an occupation scope row needs its levels",
    "scope.levels_not_allowed": "专项职业能力项目没有等级 / a special-ability project has no levels",
    "scope.kinds_required": (
        "职业范围须写明证书类别（职业资格证书和/或职业技能等级证书，规则 1）/ an occupation scope row must say "
        "which certificates it allows: qualification and/or skill_level (rule 1)"
    ),
    "scope.kind_subject": (
        "专项职业能力证书只对应考核项目，职业资格和技能等级证书只对应职业（规则 1）/ special-ability "
        "certificates are for projects, qualification and skill-level certificates for occupations (rule 1)"
    ),
    "scope.consent_not_applicable": (
        "省中心同意只针对技工院校三级及以上等级（规则 5a）/ the province centre's consent is for a school's "
        "level 3 and above (rule 5a), not for a project"
    ),
}


def _scope_problem(record: dict[str, Any]) -> tuple[str, str, str] | None:
    """What is wrong with one scope row by itself, as ``(field, code, message)``: its levels, kinds and
    consent must fit its subject (rules 1 and 5a)."""
    occupation = record["subject_type"] is SubjectType.OCCUPATION
    levels: str = record.get("levels") or ""
    kinds: frozenset[CertificateKind] | None = record.get("kinds")
    checks = (
        (occupation and not levels, "levels", "scope.levels_required"),
        (not occupation and bool(levels), "levels", "scope.levels_not_allowed"),
        (occupation and not kinds, "kinds", "scope.kinds_required"),
        (
            bool(kinds) and (CertificateKind.SPECIAL_ABILITY in (kinds or ())) == occupation,
            "kinds",
            "scope.kind_subject",
        ),
        (not occupation and record.get("consent_on") is not None, "consent_on", "scope.consent_not_applicable"),
    )
    for failed, field, code in checks:
        if failed:
            return field, code, _SCOPE_MESSAGES[code]
    return None


def window_problems(
    groups: Iterable[FilingGroup],
    institutions: dict[str, tuple[InstitutionKind, InstitutionOwner]],
    profile: ProvinceProfile,
    problems: list[Problem],
) -> None:
    """Rule 2: a filing's window may not outlast the cap the profile sets — only where a document sets one:
    in Hunan three years for a station, one for a school's skill-level *pilot* filing, none for an industry
    station, a 考核站 or a school's other filings; none at all in Sichuan. A shorter window is allowed: the
    centre may file for less. Institutions of unknown kind are reported by the reference check instead."""
    for group in groups:
        known = institutions.get(group.institution_code)
        if known is None or group.valid_to < group.valid_from:
            continue
        kind, owner = known
        longest = profile.filing_valid_to(kind, group.valid_from, owner=owner, pilot=group.pilot)
        if longest is not None and group.valid_to > longest:
            years = profile.filing_cap_years(kind, owner, pilot=group.pilot)
            pilot_zh, pilot_en = ("试点", "pilot ") if group.pilot else ("", "")
            message = (
                f"{INSTITUTION_KIND_LABELS_ZH[kind]}{pilot_zh}备案有效期最长 {years} 年，应不晚于 {longest}（规则 2）/ "
                f"a {kind.value.replace('_', ' ')} {pilot_en}filing is valid for at most {years} years: valid_to "
                f"must be {longest} or earlier (rule 2)"
            )
            problems.append(
                Problem(table="filings", row=group.rows[0], field="valid_to", code="filing.too_long", message=message)
            )


def status_part(subject_code: str | None, levels: str | None, kind: str | None) -> tuple[str, str, str]:
    """The part of a filing a status change covers, as compared and logged: the occupation or project, the
    levels and the certificate kind it names (004:42), ``("", "", "")`` for the whole filing."""
    return subject_code or "", levels or "", kind or ""


class StatusLine(NamedTuple):
    """A dated status change of one filing; ``row`` is its row in the file, ``None`` when already recorded."""

    row: int | None
    status: FilingStatus
    effective_on: date


class StatusProblem(NamedTuple):
    row: int
    field: str
    code: str
    message: str


def status_problems(
    valid_from: date, valid_to: date, recorded: Iterable[StatusLine], new: Iterable[StatusLine]
) -> list[StatusProblem]:
    """What is wrong with adding the ``new`` changes (rows of a file) to a filing's ``recorded`` history.

    Rule 2 keeps status changes dated and final ones final: a change takes effect inside the filing's
    window (an expiry also on the day after its last day), and nothing follows a revocation, withdrawal or
    expiry — a revoked filing set back to active would let it issue again. Same-day changes apply in
    recorded order, then in file order.
    """
    found: list[StatusProblem] = []
    lines = list(new)
    for line in lines:
        assert line.row is not None
        last = valid_to + timedelta(days=1) if line.status is FilingStatus.EXPIRED else valid_to
        if not valid_from <= line.effective_on <= last:
            message = (
                f"状态生效日期 {line.effective_on} 不在备案有效期 {valid_from}～{valid_to} 内（规则 2）/ "
                f"the status date {line.effective_on} is outside the filing's window {valid_from} to {valid_to} "
                "(rule 2)"
            )
            found.append(StatusProblem(line.row, "effective_on", "filing.status_outside_window", message))
    timeline = sorted([*recorded, *lines], key=lambda x: (x.effective_on, x.row is not None, x.row or 0))
    final: StatusLine | None = None
    blamed: set[int] = {problem.row for problem in found}
    for line in timeline:
        if final is None:
            final = line if line.status in FINAL_STATUSES else None
            continue
        row = line.row if line.row is not None else final.row
        if row is None or row in blamed:
            continue
        blamed.add(row)
        message = (
            f"备案已于 {final.effective_on} {final.status.value}，其后不能再有状态变更（{line.effective_on} "
            f"{line.status.value}）（规则 2）/ the filing became {final.status.value} on {final.effective_on}, "
            f"which is final: no status change can follow it ({line.status.value} on {line.effective_on}) (rule 2)"
        )
        found.append(StatusProblem(row, "status", "filing.status_final", message))
    return found
