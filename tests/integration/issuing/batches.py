"""Batches as the batches side leaves them (``under_notice``, rows ``ok``/``held``/``excluded``).

:func:`workflow_batch` makes one through the real pipeline (upload → check → reviews → notice, each step by its
own operator: :func:`tests.factories.batches.batch_through_workflow`); every test whose batch the workflow can
make uses it. :func:`make_batch` writes the rows directly, one multi-row insert per 5,000 rows: for the benches
(a million certificates in large batches) and for the states the workflow refuses to make, which the issuing
side must still refuse by itself (the same holder pending in two batches, a ``bad`` row under notice).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final, TypedDict, Unpack

import msgspec
from sqlalchemy import insert, select

from issuer.auth import Principal, Role
from registry.calendar import province_day
from registry.db import Database
from registry.models import AbilityProject, Batch, BatchRow, Filing, FilingScope
from registry.rules.ids import mask_resident_id
from registry.rules.numbering import format_number
from registry.rules.parts import NumberParts
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import CITY, ELECTRICIAN, EMBROIDERY, HOLDER_IDS, SITE, SKILL_INSTITUTION, id_digest
from tests.factories.batches import Result, batch_through_workflow
from tests.factories.world import holder_name, resident_id
from tests.support import make_settings

#: The province administrator who issues these batches, as an operator of ``certreg`` (no token).
OPERATOR = Principal.for_operator("t", role=Role.PROVINCE_ADMIN, org_code="430000")


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One batch row; ``holder_id`` is a real ID number (digest and mask are derived) or ``None`` for a
    synthetic holder of a large batch."""

    name: str
    holder_id: str | None = None
    subject: str = ELECTRICIAN
    level: int = 3
    status: str = "ok"


def rows_of(count: int, *, subject: str = ELECTRICIAN, level: int = 3, status: str = "ok") -> list[Row]:
    """``count`` distinct holders: the first four with real ID numbers, the rest synthetic."""
    return [
        Row(
            name=holder_name(i),
            holder_id=HOLDER_IDS[i] if i < len(HOLDER_IDS) else None,
            subject=subject,
            level=level,
            status=status,
        )
        for i in range(count)
    ]


def _row_values(batch_id: int, row_no: int, row: Row) -> dict[str, object]:
    if row.holder_id is not None:
        digest, masked = id_digest(row.holder_id), mask_resident_id(row.holder_id)
    else:
        digest, masked = hashlib.sha256(f"holder-{row_no}-{row.name}".encode()).digest(), "430102********0000"
    return {
        "batch_id": batch_id,
        "row_no": row_no,
        "holder_name": row.name,
        "holder_id_digest": digest,
        "holder_id_masked": masked,
        "subject_code": row.subject,
        "level": row.level,
        "status": row.status,
        "problems": "",
        "certificate_number": None,
    }


class BatchOptions(TypedDict, total=False):
    """What a test batch is besides its rows, the keyword arguments of both batch makers; what is not given
    is as :data:`BATCH_DEFAULTS` says."""

    institution: str
    kind: str
    state: str
    notice_ends_at: datetime | None  # ``None``: an hour ago
    assessed_on: date


#: A skill-level batch of the factories' institution, assessed on 2025-06-01, under a notice that has ended.
BATCH_DEFAULTS: Final[BatchOptions] = {
    "institution": SKILL_INSTITUTION,
    "kind": "skill_level",
    "state": "under_notice",
    "notice_ends_at": None,
    "assessed_on": date(2025, 6, 1),
}


async def make_batch(database: Database, rows: Sequence[Row], **options: Unpack[BatchOptions]) -> int:
    """A batch with ``rows`` (numbered from 2, as in a file with a header row); returns its id. The notice
    ended an hour ago unless ``notice_ends_at`` says otherwise."""
    spec: BatchOptions = {**BATCH_DEFAULTS, **options}
    institution = spec["institution"]
    ends = spec["notice_ends_at"] or datetime.now(UTC) - timedelta(hours=1)
    async with database.transaction() as session:
        batch = Batch(
            institution_code=institution,
            kind=spec["kind"],
            assessed_on=spec["assessed_on"],
            state=spec["state"],
            file_name="results.csv",
            file_sha256=hashlib.sha256(b"results").digest(),
            row_count=len(rows),
            submitted_by=f"cli:uploader:institution:{institution}",  # no test token (separation of duties)
            notice_starts_at=ends - timedelta(days=7),
            notice_ends_at=ends,
        )
        session.add(batch)
        await session.flush()
        values = [_row_values(batch.id, number, row) for number, row in enumerate(rows, start=2)]
        for start in range(0, len(values), 5000):
            await session.execute(insert(BatchRow), values[start : start + 5000])
        return batch.id


#: Synthetic holders' ID numbers: each holder without ``holder_id`` is another person, in every batch.
_SYNTHETIC = itertools.count(50_000)


async def workflow_batch(database: Database, rows: Sequence[Row], **options: Unpack[BatchOptions]) -> int:
    """:func:`make_batch`'s batch, made through the pipeline: ``rows`` uploaded (row numbers from 2; a
    holder without ``holder_id`` gets an ID number no other holder has), rows ``excluded`` left out, and unless
    ``state`` is ``submitted``, reviewed and under a notice that ended an hour ago (or ends at
    ``notice_ends_at``), rows ``held`` held by an objection during it. The workflow makes no ``bad`` row under
    notice, no empty batch, no second pending batch of a holder: those are :func:`make_batch`'s."""
    spec: BatchOptions = {**BATCH_DEFAULTS, **options}
    state = spec["state"]
    assert all(row.status in ("ok", "held", "excluded") for row in rows), "the workflow makes no bad row under notice"
    assert state in ("submitted", "under_notice"), state
    settings = make_settings(database_url=database.url)
    ends = spec["notice_ends_at"] or datetime.now(UTC) - timedelta(hours=1)
    days = settings.issuing.notice_days or HUNAN.notice_days
    results = [Result(row.name, row.holder_id or resident_id(next(_SYNTHETIC)), row.subject, row.level) for row in rows]
    return await batch_through_workflow(
        database,
        settings,
        results,
        institution=spec["institution"],
        kind=CertificateKind(spec["kind"]),
        assessed_on=spec["assessed_on"],
        notice_starts=ends - timedelta(days=days),
        under_notice=state == "under_notice",
        excluded=[number for number, row in enumerate(rows, start=2) if row.status == "excluded"],
        held=[number for number, row in enumerate(rows, start=2) if row.status == "held"],
    )


def special_rows(count: int) -> list[Row]:
    """Rows of a special-ability batch (project 湘绣制作, no level)."""
    return rows_of(count, subject=EMBROIDERY, level=0)


SPECIAL: Final[BatchOptions] = {"institution": SITE, "kind": "special_ability"}


def clean_projects(count: int, *, sequences: int = 6) -> list[str]:
    """Project codes whose first ``sequences`` special-ability numbers of this year have no ``*`` check
    character. Works around a reported bug: MOD 37-2 gives ``*`` for about one number in eight of these
    sequences, and statement v1 (frozen) forbids ``*`` in a number, so such a number cannot be signed."""
    rule = HUNAN.rule_for(CertificateKind.SPECIAL_ABILITY)
    year = province_day(datetime.now(UTC)).year
    found = []
    for index in range(10, 100):
        code = f"HN{index}"
        parts = NumberParts(kind=CertificateKind.SPECIAL_ABILITY, region_code=CITY, year=year, project_code=code)
        numbers = [format_number(rule, msgspec.structs.replace(parts, sequence=s)) for s in range(1, sequences + 1)]
        if all(n[-1] != "*" for n in numbers):
            found.append(code)
        if len(found) == count:
            return found
    raise AssertionError("not enough clean project codes")


async def add_projects(database: Database, codes: Sequence[str]) -> None:
    """Catalogue projects ``codes`` and file them in the special-ability site's scope."""
    async with database.transaction() as session:
        filing_id = await session.scalar(select(Filing.id).where(Filing.institution_code == SITE))
        for code in codes:
            session.add(
                AbilityProject(
                    code=code, name=f"项目{code}", status="active", published_on=date(2022, 3, 1),
                    pilot_ends=None, withdrawn_on=None,
                )
            )  # fmt: skip
            session.add(
                FilingScope(
                    filing_id=filing_id, subject_type="project", subject_code=code, levels="", kinds="special_ability"
                )
            )
