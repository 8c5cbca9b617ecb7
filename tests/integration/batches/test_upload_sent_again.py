"""``POST /v1/batches`` sent again (a client retrying after a timeout): the file that already made a live
batch for the same institution, kind and date is refused with 409 naming that batch, as the console answers
with the batch's own page; returned (rejected), the same file may be uploaded again as a new batch."""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import func, select

from issuer.batches import submission, transitions
from issuer.batches.errors import SameUploadError
from registry.config import Settings
from registry.db import Database
from registry.models import Batch
from registry.rules.profiles import get_profile
from registry.vocab import CertificateKind
from tests.factories import SKILL_INSTITUTION
from tests.integration.batches.helpers import (
    ASSESSED,
    CITY_REVIEWER,
    FORM,
    INSTITUTION,
    Client,
    csv_file,
    good_rows,
    post_batch,
    resident_id,
    submit,
)


async def batches(database: Database) -> int:
    async with database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(Batch)) or 0)


async def test_the_same_file_sent_again_is_a_409_naming_the_batch_it_made(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    data = csv_file(good_rows(2))
    batch = (await submit(client, tokens["institution"], data))["batch"]["id"]
    for token in ("institution", "province_admin"):  # the retry, and an admin uploading it for the institution
        again = await post_batch(client, tokens[token], data)
        assert again.status_code == 409, again.text
        problem = again.json()
        assert problem["code"] == "batch.same_upload"
        assert f"批次 {batch}" in problem["message_zh"]
        assert f"batch {batch}" in problem["message_en"]
        assert "张三" not in again.text  # names no one of the file
        assert resident_id(0) not in again.text
    stranger = await post_batch(client, tokens["other_institution"], data)  # who may not submit hears of no batch
    assert stranger.status_code == 404  # the policy: another institution is "not found" to an institution
    assert "batch.same_upload" not in stranger.text
    assert await batches(world) == 1


async def test_another_date_or_another_file_is_another_batch(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    data = csv_file(good_rows(2))
    await submit(client, tokens["institution"], data)
    await submit(client, tokens["institution"], data, {**FORM, "assessed_on": "2025-06-02"})
    await submit(client, tokens["institution"], csv_file(good_rows(1, start=5)))
    assert await batches(world) == 3


async def test_a_returned_batch_frees_its_file_for_a_new_upload(
    client: Client, tokens: dict[str, str], world: Database, settings: Settings
) -> None:
    data = csv_file(good_rows(2))
    first = (await submit(client, tokens["institution"], data))["batch"]["id"]
    profile = get_profile(settings.issuing.profile)
    await transitions.review_batch(world, CITY_REVIEWER, first, "reject", "缺少照片", profile=profile)
    second = (await submit(client, tokens["institution"], data))["batch"]["id"]
    assert second != first
    assert (await post_batch(client, tokens["institution"], data)).status_code == 409


async def test_two_uploads_of_one_file_at_once_make_one_batch(world: Database, settings: Settings) -> None:
    """The retry arrives while the first upload is still being checked: all three pass the look-up before
    the file is read (they wait for each other while their rows are checked), and the write transaction's
    look-up (under a lock on PostgreSQL, the write lock on SQLite) refuses all but the first."""
    checking = threading.Barrier(3, timeout=30)

    def all_checking(stage: str, done: int, total: int) -> None:
        if stage == "check" and done == total:  # in the thread that checks the rows
            checking.wait()

    upload = submission.Upload(
        data=csv_file(good_rows(3)), file_name="r.csv", institution=SKILL_INSTITUTION,
        kind=CertificateKind.SKILL_LEVEL, assessed_on=ASSESSED,
    )  # fmt: skip
    profile = get_profile(settings.issuing.profile)
    outcomes = await asyncio.gather(
        *(
            submission.submit_batch(world, settings, INSTITUTION, upload, profile=profile, progress=all_checking)
            for _ in range(3)
        ),
        return_exceptions=True,
    )
    imported = [outcome for outcome in outcomes if isinstance(outcome, submission.Imported)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, SameUploadError)]
    assert (len(imported), len(refused)) == (1, 2), outcomes
    assert {error.batch_id for error in refused} == {imported[0].batch_id}
    assert await batches(world) == 1
