"""A batch issued the whole way, through the issuer's own services: upload → city review → province review
(rule 7, when the profile asks for it) → public notice (rule 8) → issue, each step by its own operator
(separation of duties), exactly as the routes and ``certreg`` drive them. For tests whose subject is what
the workflow leaves behind (events, actors, numbers); read-path tests use the lighter
:func:`tests.factories.certificates.issue_test_certificates`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from issuer.auth import Principal, Role
from issuer.batches import submission, transitions
from issuer.batches.workflow import needs_province
from issuer.issuing.service import IssueResult, issue_batch
from issuer.keystore import KeyStore
from registry.config import Settings
from registry.db import Database
from registry.rules.profiles import get_profile
from registry.vocab import CertificateKind
from tests.factories.world import CITY, ELECTRICIAN, PROVINCE, SKILL_INSTITUTION

HEADER = ("姓名", "身份证号", "职业编码", "等级")
SPECIAL_HEADER = ("姓名", "身份证号", "专项职业能力项目编码")
#: Who does each step: never the same operator twice in a row of the chain (docs/rules.md rule 7).
SUBMITTER = Principal.for_operator("institution", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
CITY_REVIEWER = Principal.for_operator("city", role=Role.CITY_REVIEWER, org_code=CITY, region_code=CITY)
PROVINCE_REVIEWER = Principal.for_operator("reviewer", role=Role.PROVINCE_REVIEWER, org_code=PROVINCE)
ISSUER = Principal.for_operator("admin", role=Role.PROVINCE_ADMIN, org_code=PROVINCE)


class Result(NamedTuple):
    """One row of a results file: who, and what they passed (``level`` is ignored for special ability)."""

    name: str
    id_number: str
    subject: str
    level: int


def results_file(kind: CertificateKind, rows: Sequence[Result]) -> bytes:
    """The results CSV of a batch of ``kind`` (a special-ability file has a project column and no level)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if kind is CertificateKind.SPECIAL_ABILITY:
        writer.writerow(SPECIAL_HEADER)
        writer.writerows([row.name, row.id_number, row.subject] for row in rows)
    else:
        writer.writerow(HEADER)
        writer.writerows([row.name, row.id_number, row.subject, str(row.level)] for row in rows)
    return out.getvalue().encode()


async def batch_through_workflow(
    database: Database,
    settings: Settings,
    rows: Sequence[Result],
    *,
    institution: str = SKILL_INSTITUTION,
    kind: CertificateKind = CertificateKind.SKILL_LEVEL,
    assessed_on: date = date(2025, 6, 1),
    notice_starts: datetime | None = None,
    under_notice: bool = True,
    excluded: Sequence[int] = (),
    held: Sequence[int] = (),
) -> int:
    """Upload ``rows`` as a batch of ``institution`` (row numbers from 2, under the header) by its own operator;
    leave out the rows ``excluded``; then, with ``under_notice``, the city review, the province review when the
    profile asks for it (rule 7), and the public notice (rule 8) from ``notice_starts`` (default now), during
    which an objection holds the rows ``held``. Each step by its own operator, as the routes and ``certreg``
    drive them. Returns the batch id. Raises what the services raise (a row the upload check refuses stops the
    chain at the city review: 409, bad rows left)."""
    now = datetime.now(UTC)
    starts = notice_starts or now
    submitter = Principal.for_operator("institution", role=Role.INSTITUTION, org_code=institution)
    upload = submission.Upload(
        data=results_file(kind, rows), file_name="results.csv", institution=institution, kind=kind,
        assessed_on=assessed_on,
    )  # fmt: skip
    profile = get_profile(settings.issuing.profile)
    batch_id = (await submission.submit_batch(database, settings, submitter, upload, profile=profile, now=now)).batch_id
    if excluded:
        await submission.exclude_rows(database, submitter, batch_id, list(excluded), "不参加本批 / not in this batch")
    if not under_notice:
        return batch_id
    await transitions.review_batch(database, CITY_REVIEWER, batch_id, "approve", "", profile=profile)
    if needs_province(profile, kind.value):
        await transitions.approve_batch(database, PROVINCE_REVIEWER, batch_id, "approve", "", profile=profile)
    await transitions.start_notice(
        database, submitter, batch_id, profile=profile, notice_setting=settings.issuing.notice_days, now=starts
    )
    if held:
        await transitions.record_objection(
            database, CITY_REVIEWER, batch_id, list(held), "异议 / objection", now=starts
        )
    return batch_id


async def issue_through_workflow(
    database: Database,
    settings: Settings,
    store: KeyStore,
    holders: Sequence[tuple[str, str]],
    *,
    subject: str = ELECTRICIAN,
    level: int = 3,
    assessed_on: date = date(2025, 6, 1),
    now: datetime | None = None,
) -> IssueResult:
    """Upload ``holders`` as a skill-level batch of :data:`SKILL_INSTITUTION`, review, publish and issue it
    (the notice starts at ``now`` and the issue comes the day after it ends); see
    :func:`batch_through_workflow`."""
    now = now or datetime.now(UTC)
    rows = [Result(name, id_number, subject, level) for name, id_number in holders]
    batch_id = await batch_through_workflow(database, settings, rows, assessed_on=assessed_on, notice_starts=now)
    profile = get_profile(settings.issuing.profile)
    after_notice = now + timedelta(days=(settings.issuing.notice_days or profile.notice_days) + 2)
    return await issue_batch(database, store, profile, batch_id, caller=ISSUER, now=after_notice)
