"""Plain helpers of the console tests: batches and certificates made through the services, and reading a
refusal off a page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from issuer.batches import submission
from issuer.issuing.service import issue_batch
from registry.config import Settings
from registry.db import Database
from registry.models import Batch
from registry.rules.profiles import HUNAN, get_profile
from registry.vocab import CertificateKind
from tests.factories import EMBROIDERY, SITE, SKILL_INSTITUTION, key_store
from tests.integration.batches.helpers import ADMIN, ASSESSED, INSTITUTION, csv_file, good_rows, reviewed
from tests.integration.issuing.batches import Row, workflow_batch

_REFUSAL = re.compile(r'<p class="refused" id="refusal" role="alert">(.*?)</p>', re.DOTALL)


async def submitted(database: Database, settings: Settings, rows: int = 3) -> int:
    """A batch of ``rows`` good rows (2…) submitted by the institution's operator."""
    upload = submission.Upload(
        data=csv_file(good_rows(rows)), file_name="r.csv", institution=SKILL_INSTITUTION,
        kind=CertificateKind.SKILL_LEVEL, assessed_on=ASSESSED,
    )  # fmt: skip
    return (
        await submission.submit_batch(
            database, settings, INSTITUTION, upload, profile=get_profile(settings.issuing.profile)
        )
    ).batch_id


async def issued_number(database: Database, keys: Path, holder_id: str) -> str:
    """A skill-level certificate issued by the province admin (a batch made through the workflow, notice ended)."""
    batch = await workflow_batch(database, [Row(name="王小明", holder_id=holder_id, level=4)])
    result = await issue_batch(database, key_store(keys), HUNAN, batch, caller=ADMIN)
    return result.numbers[0]


async def issued_special_number(database: Database, keys: Path, holder_id: str) -> str:
    """A special-ability certificate (湘绣制作, no level) of the Changsha site, issued by the province admin."""
    row = Row(name="王小明", holder_id=holder_id, subject=EMBROIDERY, level=0)
    batch = await workflow_batch(database, [row], institution=SITE, kind="special_ability")
    result = await issue_batch(database, key_store(keys), HUNAN, batch, caller=ADMIN)
    return result.numbers[0]


async def issued_batch(database: Database, settings: Settings) -> tuple[int, list[str]]:
    """A batch uploaded (identities sealed, so its documents can be drawn), reviewed, noticed and issued
    through the services, each step by its own operator; its id and numbers."""
    batch = await submitted(database, settings)
    await reviewed(database, settings, batch, notice=True)
    await notice_ends_now(database, batch)
    result = await issue_batch(database, key_store(Path(settings.keys.key_dir)), HUNAN, batch, caller=ADMIN)
    return batch, result.numbers


async def notice_ends_now(database: Database, batch_id: int) -> None:
    """Stand-in for the seven days of the notice passing (the test does not wait a week)."""
    async with database.transaction() as session:
        await session.execute(
            update(Batch).where(Batch.id == batch_id).values(notice_ends_at=datetime.now(UTC) - timedelta(seconds=1))
        )


def refusal(response: Any) -> str:
    """The message of a refusal page (unescaped)."""
    found = _REFUSAL.search(response.text)
    assert found is not None, response.text[:2000]
    return html.unescape(found.group(1)).strip()
