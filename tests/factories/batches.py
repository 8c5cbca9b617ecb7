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
#: Who does each step: never the same operator twice in a row of the chain (docs/rules.md rule 7).
SUBMITTER = Principal.for_operator("institution", role=Role.INSTITUTION, org_code=SKILL_INSTITUTION)
CITY_REVIEWER = Principal.for_operator("city", role=Role.CITY_REVIEWER, org_code=CITY, region_code=CITY)
PROVINCE_REVIEWER = Principal.for_operator("reviewer", role=Role.PROVINCE_REVIEWER, org_code=PROVINCE)
ISSUER = Principal.for_operator("admin", role=Role.PROVINCE_ADMIN, org_code=PROVINCE)


def results_file(holders: Sequence[tuple[str, str]], *, subject: str, level: int) -> bytes:
    """A results CSV as institutions upload it: one row per ``(name, id_number)``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows([name, id_number, subject, str(level)] for name, id_number in holders)
    return out.getvalue().encode()


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
    (the notice starts at ``now`` and the issue comes the day after it ends). Raises what the services
    raise: a row the upload check refuses stops the chain at the city review (409, bad rows left)."""
    now = now or datetime.now(UTC)
    upload = submission.Upload(
        data=results_file(holders, subject=subject, level=level), file_name="results.csv",
        institution=SKILL_INSTITUTION, kind=CertificateKind.SKILL_LEVEL, assessed_on=assessed_on,
    )  # fmt: skip
    profile = get_profile(settings.issuing.profile)
    batch_id = (await submission.submit_batch(database, settings, SUBMITTER, upload, profile=profile, now=now)).batch_id
    await transitions.review_batch(database, CITY_REVIEWER, batch_id, "approve", "", profile=profile)
    if needs_province(profile, CertificateKind.SKILL_LEVEL.value):
        await transitions.approve_batch(database, PROVINCE_REVIEWER, batch_id, "approve", "", profile=profile)
    await transitions.start_notice(
        database, SUBMITTER, batch_id, profile=profile, notice_setting=settings.issuing.notice_days, now=now
    )
    after_notice = now + timedelta(days=(settings.issuing.notice_days or profile.notice_days) + 2)
    return await issue_batch(database, store, profile, batch_id, caller=ISSUER, now=after_notice)
