"""A province profile: the *policy* items of docs/rules.md as data, so a province changes a rule without code
(each field names the rule of ``docs/rules.md`` it sets).

A profile is a frozen msgspec Struct that round-trips through JSON (:meth:`ProvinceProfile.to_json`,
:meth:`ProvinceProfile.from_json`). The shipped profiles are in :mod:`registry.rules.profiles`.
"""

from __future__ import annotations

from datetime import date

import msgspec

from registry.calendar import period_end
from registry.rules.document_types import ALL_DOCUMENT_TYPES, DocumentType
from registry.rules.errors import RuleError
from registry.rules.freeformat import FreeFormat
from registry.rules.messages import violation
from registry.rules.regions import is_region_code
from registry.rules.segments import NumberingRule
from registry.rules.serials import PrintSerialRule
from registry.vocab import KIND_LABELS_EN, CertificateKind, InstitutionKind, InstitutionOwner

_LEVELS = frozenset(range(1, 6))


class FilingAuthorityPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who may file an institution (rule 5, Sichuan 004 §2).

    Only the province files institutions that assess ``province_levels`` or whose owner is in
    ``province_owners``; a city files the other levels, plus the ``city_extra_levels`` of its region
    (Chengdu, 510100, also files level 2).
    """

    province_levels: frozenset[int]
    province_owners: frozenset[InstitutionOwner]
    city_extra_levels: dict[str, frozenset[int]] = msgspec.field(default_factory=dict)

    def city_may_file(self, city_region: str, level: int) -> bool:
        """Whether a city centre of ``city_region`` may file an institution assessing ``level``."""
        return level not in self.province_levels or level in self.city_extra_levels.get(city_region, frozenset())


class ProvinceProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything that differs between provinces (docs/rules.md items marked *policy*, and NUMBERING.md)."""

    code: str
    name_zh: str
    name_en: str
    #: GB/T 2260 code of the province (``430000``).
    province_region: str
    #: Rule 8: minimum days of public notice before issue.
    notice_days: int = 7
    #: Rule 7: kinds whose results, at every level, go city first review → province review (002 §4(3));
    #: special-ability results are confirmed by the city centre alone (003 §3(3)).
    province_review_kinds: frozenset[CertificateKind] = frozenset(
        {CertificateKind.QUALIFICATION, CertificateKind.SKILL_LEVEL}
    )
    #: Rule 4: the highest level (smallest number) each kind of technical school may certify.
    school_top_level: dict[InstitutionKind, int] = msgspec.field(default_factory=dict)
    #: Rule 5: who may file what; ``None`` where the province has no such rule.
    filing_authority: FilingAuthorityPolicy | None = None
    #: Rule 2: the longest window, in years, of a filing by institution kind; a kind not listed (and then
    #: ``default_filing_validity_years``, ``None``: none) has no cap. Only where a document sets one.
    filing_validity_years: dict[InstitutionKind, int] = msgspec.field(default_factory=dict)
    default_filing_validity_years: int | None = None
    #: Rule 2: the longest window of a *pilot* filing (a school's skill-level pilot, 002:45) by kind.
    pilot_filing_validity_years: dict[InstitutionKind, int] = msgspec.field(default_factory=dict)
    #: Rule 2: owners whose filings' window their approving department sets (000:20 industry stations).
    validity_set_by_owners: frozenset[InstitutionOwner] = frozenset()
    #: Rule 5a: levels a school certifies only with the province centre's consent (Hunan: 3, 2, 1).
    school_consent_levels: frozenset[int] = frozenset()
    #: Rule 6: a project in its pilot phase is valid at most this many months from publication.
    pilot_max_months: int = 6
    #: NUMBERING.md: the rule of each certificate kind.
    numbering: dict[CertificateKind, NumberingRule] = msgspec.field(default_factory=dict)
    #: Rules the province used before; numbers issued under them still parse (guarantee 4).
    legacy_numbering: tuple[NumberingRule, ...] = ()
    #: Number layouts of the sources of certificates issued before the registry that no segment rule
    #: describes, declared per source (NUMBERING.md, "Certificates issued before the registry").
    legacy_formats: tuple[FreeFormat, ...] = ()
    #: Package data file of the province's GB/T 2260 regions (``registry/data/…``).
    regions_file: str = ""
    #: RULES.md 15: the identity documents a holder may be certified under (``docs/identity.md``).
    document_types: tuple[DocumentType, ...] = ALL_DOCUMENT_TYPES
    #: Rule 9 / NUMBERING.md: kinds whose 补发 keeps the number and prints it again under a new print serial
    #: (qualification: the ministry's notice, item 7); the other kinds get a new number.
    reissue_keeps_number: frozenset[CertificateKind] = frozenset({CertificateKind.QUALIFICATION})
    #: NUMBERING.md "Print serial and reissue": the shape of the serials the registry allocates.
    print_serial: PrintSerialRule = msgspec.field(default_factory=PrintSerialRule)

    def __post_init__(self) -> None:
        if not is_region_code(self.province_region) or not self.province_region.endswith("0000"):
            raise ValueError(f"province_region {self.province_region!r} is not a province code")
        if self.notice_days < 0 or self.pilot_max_months < 0:
            raise ValueError("notice_days and pilot_max_months cannot be negative")
        if not self.school_consent_levels <= _LEVELS:
            raise ValueError("levels are 1 to 5")
        if not set(self.school_top_level.values()) <= _LEVELS:
            raise ValueError("levels are 1 to 5")
        caps = [*self.filing_validity_years.values(), *self.pilot_filing_validity_years.values()]
        if any(years < 1 for years in caps) or (self.default_filing_validity_years or 1) < 1:
            raise ValueError("a filing validity cap is at least one year")
        if any(not kind.is_school for kind in self.school_top_level):
            raise ValueError("school_top_level lists technical schools only")
        for kind, rule in self.numbering.items():
            if rule.kind is not kind:
                raise ValueError(f"numbering[{kind.value}] holds a rule for {rule.kind.value}")
        if not self.document_types or len(set(self.document_types)) != len(self.document_types):
            raise ValueError("document_types lists at least one type, each once")

    def needs_province_review(self, kind: CertificateKind | str) -> bool:
        """Rule 7: whether results of ``kind`` go to the province review after the city's (every level)."""
        return kind in self.province_review_kinds

    def school_allows(self, kind: InstitutionKind, level: int) -> bool:
        """Rule 4: whether an institution of ``kind`` may certify ``level`` (non-schools: always)."""
        top = self.school_top_level.get(kind)
        return top is None or level >= top

    def filing_cap_years(self, kind: InstitutionKind, owner: InstitutionOwner, *, pilot: bool) -> int | None:
        """Rule 2: the longest window, in years, of a filing of an institution of ``kind`` and ``owner``
        (``pilot``: a school's skill-level pilot filing); ``None`` where no document sets one."""
        if owner in self.validity_set_by_owners:
            return None
        if pilot and kind in self.pilot_filing_validity_years:
            return self.pilot_filing_validity_years[kind]
        return self.filing_validity_years.get(kind, self.default_filing_validity_years)

    def filing_valid_to(
        self, kind: InstitutionKind, valid_from: date, *, owner: InstitutionOwner = InstitutionOwner.LOCAL,
        pilot: bool = False,
    ) -> date | None:  # fmt: skip
        """Rule 2: the last day a filing starting ``valid_from`` may run to; ``None``: no cap."""
        years = self.filing_cap_years(kind, owner, pilot=pilot)
        return None if years is None else period_end(valid_from, 12 * years)

    def reissue_keeps(self, kind: CertificateKind) -> bool:
        """Whether a 补发 of ``kind`` keeps its number (and is printed again under a new print serial)."""
        return kind in self.reissue_keeps_number

    def pilot_deadline(self, published_on: date, pilot_ends: date | None) -> date:
        """Rule 6: the last day a pilot project may be assessed: six months from publication at most.

        "试点期不超过6个月，从考核项目发布之日起计算": published 15 Jan → last day 14 Jul. An earlier
        ``pilot_ends`` set by the province wins.
        """
        deadline = period_end(published_on, self.pilot_max_months)
        return deadline if pilot_ends is None else min(deadline, pilot_ends)

    def rule_for(self, kind: CertificateKind) -> NumberingRule:
        """The numbering rule of ``kind``; :class:`RuleError` ``number.no_rule`` when there is none."""
        rule = self.numbering.get(kind)
        if rule is None:
            raise RuleError(violation("number.no_rule", field="kind", kind=KIND_LABELS_EN[kind]))
        return rule

    def to_json(self) -> bytes:
        """The profile as JSON (the form :meth:`from_json` reads)."""
        return msgspec.json.encode(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> ProvinceProfile:
        """A profile from JSON; :class:`RuleError` ``profile.invalid`` naming the fault when it is not one."""
        try:
            return msgspec.json.decode(data, type=cls)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError too
            raise RuleError(violation("profile.invalid", detail=str(exc))) from None
