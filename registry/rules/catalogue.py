"""Rules 1, 3 and 6 on what a certificate is about: the inputs its kind needs, the occupation catalogue and
the special-ability project catalogue. Used by :mod:`registry.rules.eligibility`.
"""

from __future__ import annotations

from datetime import date

from registry.rules.errors import Violation
from registry.rules.formats import check_level
from registry.rules.messages import violation
from registry.rules.policy import ProvinceProfile
from registry.rules.views import OccupationView, ProjectView
from registry.vocab import KIND_LABELS_EN, KIND_LABELS_ZH, CertificateKind, ProjectStatus


def missing_inputs(
    kind: CertificateKind, occupation: OccupationView | None, project: ProjectView | None, level: int | None
) -> list[Violation]:
    """Rule 1: the subject and level the kind needs (an occupation and a level 1–5, or a project alone).

    When this returns violations nothing else can be judged, so the caller stops there.
    """
    labels = {"kind_zh": KIND_LABELS_ZH[kind], "kind_en": KIND_LABELS_EN[kind].lower()}
    found: list[Violation] = []
    if not kind.has_level:
        if project is None:
            found.append(violation("kind.project_required", rule="6", field="project"))
        if level not in (None, 0):
            found.append(violation("kind.level_not_applicable", rule="1", field="level"))
        return found
    if occupation is None:
        found.append(violation("kind.occupation_required", rule="1", field="occupation", **labels))
    if level is None:
        found.append(violation("kind.level_required", rule="1", field="level", **labels))
    elif check_level(level) is not None:
        found.append(violation("level.range", rule="1", field="level", value=level))
    return found


def catalogue_problems(kind: CertificateKind, occupation: OccupationView, level: int, day: date) -> list[Violation]:
    """Rule 3: the national catalogue, cancellation, access-type occupations, defined levels."""
    code, found = occupation.code, []
    if day < occupation.valid_from:
        found.append(
            violation(
                "catalogue.occupation_not_yet_valid",
                rule="3",
                field="occupation",
                occupation=code,
                valid_from=occupation.valid_from,
            )
        )
    if occupation.valid_to is not None and day > occupation.valid_to:
        found.append(
            violation(
                "catalogue.occupation_cancelled",
                rule="3",
                field="occupation",
                occupation=code,
                valid_to=occupation.valid_to,
            )
        )
    if kind is CertificateKind.QUALIFICATION and not occupation.in_qualification_catalogue:
        found.append(
            violation("catalogue.not_in_qualification_catalogue", rule="3", field="occupation", occupation=code)
        )
    if kind is CertificateKind.SKILL_LEVEL and occupation.access_type:
        found.append(violation("catalogue.access_type_not_skill_level", rule="3", field="occupation", occupation=code))
    if level not in occupation.levels:
        found.append(violation("catalogue.level_not_defined", rule="3", field="level", occupation=code, level=level))
    return found


def project_problems(profile: ProvinceProfile, project: ProjectView, day: date) -> list[Violation]:
    """Rule 6 (docs/rules.md): on ``day`` the project is published, not withdrawn, and either in general use
    or within its pilot phase. Six months limit the pilot phase, not the project: once in general use the
    project issues however long ago it was published."""
    code = project.code
    if day < project.published_on:
        return [
            violation(
                "project.not_yet_published",
                rule="6",
                field="project",
                project=code,
                published_on=project.published_on,
            )
        ]
    withdrawn = project.withdrawn_on
    if (withdrawn is not None and day >= withdrawn) or (
        withdrawn is None and project.status is ProjectStatus.WITHDRAWN
    ):
        return [violation("project.withdrawn", rule="6", field="project", project=code, date=withdrawn or "—")]
    if in_general_use(project, day):
        return []
    deadline = profile.pilot_deadline(project.published_on, project.pilot_ends)
    if day > deadline:
        return [
            violation("project.pilot_expired", rule="6", field="project", project=code, deadline=deadline, date=day)
        ]
    return []


def in_general_use(project: ProjectView, day: date) -> bool:
    """Whether the project had left its pilot phase by ``day``: from ``active_from`` when the catalogue dates
    it, otherwise whenever its status is not pilot (a project adopted from 部中心 or another province is in
    general use from publication, 003 §1(1))."""
    if project.active_from is not None:
        return day >= project.active_from
    return project.status is not ProjectStatus.PILOT
