"""May this institution certify this (kind, occupation-or-project, level) on this date? Rules 1–6 and 5a, as
``docs/rules.md`` states them.

:class:`EligibilityContext` is the one entry point (upload, re-check at issue, and the tests). The issuer
checks up to 100,000 rows of one institution, so the context does the per-institution work once (filing
index, school cap, filing-authority policy) and caches each distinct (kind, subject, level, date) answer: a
batch usually holds a handful of such combinations, so most rows cost one dict look-up.

An empty list means allowed. Each :class:`Violation` names its rule and a stable code; independent rules
are all reported (a row can be both outside the catalogue and outside the scope), but a row without the
subject or level its kind needs is reported for that alone, since nothing else can be judged without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from registry.rules.catalogue import catalogue_problems, missing_inputs, project_problems
from registry.rules.errors import Violation
from registry.rules.filings import Allowing, FilingIndex
from registry.rules.messages import violation
from registry.rules.policy import ProvinceProfile
from registry.rules.views import AuthorityView, FilingView, InstitutionView, OccupationView, ProjectView
from registry.vocab import AuthorityLevel, CertificateKind, SubjectType

_Key = tuple[CertificateKind, OccupationView | None, ProjectView | None, int | None, date]


class EligibilityContext:
    """Rules 1–6 for one institution, prepared once per batch; call :meth:`check` per row.

    The context assumes its inputs do not change while it lives (it caches answers): build a new one when
    a filing, the catalogue or the profile changes.
    """

    def __init__(
        self,
        *,
        profile: ProvinceProfile,
        institution: InstitutionView,
        filing_authority: AuthorityView,
        filings: Sequence[FilingView],
    ) -> None:
        """Index the institution's ``filings`` (others are ignored); ``filing_authority`` judges rule 5 for a
        filing whose view carries no ``authority`` of its own (views built by hand; the store always sets it)."""
        self._profile = profile
        self._institution = institution
        self._index = FilingIndex(filings, institution.code)
        self._authority = filing_authority
        self._cache: dict[_Key, tuple[Violation, ...]] = {}

    @property
    def profile(self) -> ProvinceProfile:
        """The profile the rules are judged under (upload rows also read its accepted document types)."""
        return self._profile

    def check(
        self,
        *,
        kind: CertificateKind,
        occupation: OccupationView | None,
        project: ProjectView | None,
        level: int | None,
        assessed_on: date,
    ) -> list[Violation]:
        """The violations of one row (empty: allowed). Never raises for bad input: that is a violation too."""
        key: _Key = (kind, occupation, project, level, assessed_on)
        found = self._cache.get(key)
        if found is None:
            found = tuple(self._judge(kind, occupation, project, level, assessed_on))
            self._cache[key] = found
        return list(found)

    def _judge(
        self,
        kind: CertificateKind,
        occupation: OccupationView | None,
        project: ProjectView | None,
        level: int | None,
        day: date,
    ) -> list[Violation]:
        missing = missing_inputs(kind, occupation, project, level)
        if missing:
            return missing
        found: list[Violation] = []
        if kind.has_level:
            assert occupation is not None  # missing_inputs ensured it
            assert level is not None
            found += catalogue_problems(kind, occupation, level, day)
            found += self._school_problems(level)
            subject = (SubjectType.OCCUPATION, occupation.code, f"{occupation.name}（{occupation.code}）")
        else:
            assert project is not None  # missing_inputs ensured it
            found += project_problems(self._profile, project, day)
            subject = (SubjectType.PROJECT, project.code, f"{project.name}（{project.code}）")
        allowing, problem = self._index.find_all(subject[0], subject[1], level, day, subject[2], kind=kind)
        if problem is not None:
            found.append(problem)
        found += self._authority_problems([a.filing for a in allowing], level)
        found += self._consent_problems(allowing, level, day, subject[2])
        return found

    def _consent_problems(
        self, allowing: Sequence[Allowing], level: int | None, day: date, label: str
    ) -> list[Violation]:
        """Rule 5a (Hunan, 002:43-45): a school certifies level 3 (高级工) and above only with the province
        centre's consent, recorded on the scope row that allows the row and dated on or before ``day``."""
        if not self._institution.kind.is_school or level not in self._profile.school_consent_levels or not allowing:
            return []
        if any(a.row.consent_on is not None and a.row.consent_on <= day for a in allowing):
            return []
        return [violation("scope.consent_required", rule="5a", field="level", subject=label, date=day)]

    def _authority_problems(self, allowing: Sequence[FilingView], level: int | None) -> list[Violation]:
        """Rule 5 (where the profile has it), judged against who filed the filing that allows the row.

        The authority is the filing's ``filed_by``, not the one the institution record names: the two may
        differ (a city filed level 3 and below, the province later filed level 1). The row passes when one
        allowing filing passes; otherwise the first one's problems are reported. With no allowing filing
        rule 1 or 2 already refuses the row, and no filing names an authority to judge.
        """
        if self._profile.filing_authority is None:
            return []
        judged = [self._problems_of(self._authority_of(filing), level) for filing in allowing]
        if not judged or any(not problems for problems in judged):
            return []
        return judged[0]

    def _authority_of(self, filing: FilingView) -> AuthorityView:
        return filing.authority if filing.authority is not None else self._authority

    def _problems_of(self, authority: AuthorityView, level: int | None) -> list[Violation]:
        """Rule 5 for a filing by ``authority``: only the province files some levels and some owners."""
        policy = self._profile.filing_authority
        if policy is None or authority.level is AuthorityLevel.PROVINCE:
            return []
        found = []
        if self._institution.owner in policy.province_owners:
            found.append(violation("authority.owner_requires_province", rule="5", field="institution"))
        if level and not policy.city_may_file(authority.region_code, level):
            found.append(
                violation(
                    "authority.level_not_filable",
                    rule="5",
                    field="level",
                    authority=authority.code,
                    level=level,
                )
            )
        return found

    def _school_problems(self, level: int) -> list[Violation]:
        kind = self._institution.kind
        if self._profile.school_allows(kind, level):
            return []
        top = self._profile.school_top_level[kind]
        school_zh, school_en = kind.label_zh, kind.label_en
        return [
            violation("school.level_cap", rule="4", field="level", school_zh=school_zh, school_en=school_en, top=top)
        ]
