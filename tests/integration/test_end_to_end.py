"""A batch from upload to verified certificates, through the public HTTP API only (issue 4's "done when").

Upload by the institution → city review → province approval (level 3) → public notice → an objection
holds one row → the notice ends → issue (the held row waits) → the objection is released → issue again
(that row only) → every certificate is checked with nothing but the public key set, its QR code read back
from the PNG the issuer serves, and the public verify routes and the log agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from issuer.app import create_app
from issuer.auth import Role
from keys.keyset import KeySet
from registry.db import Database
from registry.models import Batch
from registry.qrtoken import token_from_text
from tests.factories import SKILL_INSTITUTION, add_keys, key_store, seed_world
from tests.factories.tokens import WORKFLOW_HOLDERS, make_tokens
from tests.integration.batches.helpers import csv_file, good_rows
from tests.support import make_settings, read_qr
from verify.verifier import verify_token


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _notice_ends_now(database: Database, batch_id: int) -> None:
    """Stand-in for the seven days of the notice passing (the test does not wait a week)."""
    async with database.transaction() as session:
        await session.execute(
            update(Batch).where(Batch.id == batch_id).values(notice_ends_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def test_a_batch_from_upload_to_verified_certificates(database: Database, tmp_path: Path) -> None:
    await seed_world(database)
    await add_keys(database, key_store(tmp_path / "keys"))
    tokens = await make_tokens(database, WORKFLOW_HOLDERS)
    settings = make_settings(database_url=database.url, key_dir=str(tmp_path / "keys"), log_origin="e2e.test/log")
    rows = good_rows(5, level="3")
    async with AsyncTestClient(create_app(settings)) as client:
        uploaded = await client.post(
            "/v1/batches",
            files={"file": ("results.csv", csv_file(rows))},
            data={"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"},
            headers=_auth(tokens[Role.INSTITUTION]),
        )
        assert uploaded.status_code == 201, uploaded.text
        batch_id = uploaded.json()["batch"]["id"]
        path = f"/v1/batches/{batch_id}"
        approve = {"decision": "approve", "reason": "材料齐全 / complete"}
        steps = [
            (f"{path}/review", approve, Role.CITY_REVIEWER),
            (f"{path}/approve", approve, Role.PROVINCE_REVIEWER),
            (f"{path}/notice", {}, Role.INSTITUTION),
            (f"{path}/objections", {"rows": [3], "reason": "举报成绩存疑 / disputed"}, Role.CITY_REVIEWER),
        ]
        for url, body, role in steps:
            answer = await client.post(url, json=body, headers=_auth(tokens[role]))
            assert answer.status_code in (200, 201), (url, answer.text)

        too_early = await client.post(f"{path}/issue", headers=_auth(tokens[Role.PROVINCE_ADMIN]))
        assert too_early.status_code == 409  # the notice is never skipped (rule 8)
        await _notice_ends_now(database, batch_id)

        first = await client.post(f"{path}/issue", headers=_auth(tokens[Role.PROVINCE_ADMIN]))
        assert first.status_code == 200, first.text
        assert (first.json()["issued_count"], first.json()["held"]) == (4, 1)

        released = await client.post(
            f"{path}/objections/resolve",
            json={"rows": [3], "decision": "release", "reason": "核实无误 / checked"},
            headers=_auth(tokens[Role.CITY_REVIEWER]),
        )
        assert released.status_code == 200, released.text
        second = await client.post(f"{path}/issue", headers=_auth(tokens[Role.PROVINCE_ADMIN]))
        again = await client.post(f"{path}/issue", headers=_auth(tokens[Role.PROVINCE_ADMIN]))
        assert second.json()["issued_count"] == 1
        assert again.json()["issued_count"] == 0  # idempotent
        numbers = second.json()["numbers"]
        assert len(numbers) == len(set(numbers)) == 5

        # Only what a verifier has: the public key set and the QR code printed on the certificate.
        keyset = KeySet.from_json((await client.get("/v1/keys")).content)
        for number in numbers:
            png = await client.get(f"/v1/certificates/{number}/qr.png", headers=_auth(tokens[Role.INSTITUTION]))
            assert png.status_code == 200
            verdict = verify_token(token_from_text(read_qr(png.content)), keyset)
            assert verdict.valid, (number, verdict.reason)
            assert verdict.statement is not None
            assert verdict.statement.number == number
        for row, number in zip(rows, numbers, strict=True):
            answer = await client.post("/v1/verify", json={"number": number, "name": row[0]})
            assert answer.json()["result"] == "valid", answer.text

        detail = (await client.get(path, headers=_auth(tokens[Role.INSTITUTION]))).json()
        history = [event["kind"] for event in detail["history"]]
        for kind in ("batch.submitted", "batch.city_reviewed", "batch.province_approved", "batch.notice_started",
                     "batch.objection", "batch.objection_resolved", "batch.issued"):  # fmt: skip
            assert kind in history
        checkpoint = await client.get("/v1/log/checkpoint")
        assert checkpoint.status_code == 200  # published after the batch
