"""Integers beyond what the database columns hold are refused at the edge with 400, never a 500 from the
driver (found by probing a running server: a batch id past 2**63 answered 500)."""

from __future__ import annotations

import pytest

from issuer.auth import Role, create_token
from registry.db import Database
from tests.factories import PROVINCE, seed_world
from tests.support import make_settings
from tests.support_apps import fresh_key_dir, issuer_client

HUGE = "99999999999999999999"  # > 2**63 - 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/v1/batches/{HUGE}", None),
        ("POST", f"/v1/batches/{HUGE}/issue", None),
        ("POST", f"/v1/batches/{HUGE}/review", {"decision": "approve", "reason": "ok"}),
        ("GET", f"/v1/batches/{HUGE}/qr.zip", None),
        ("GET", f"/v1/notice/{HUGE}", None),
        ("GET", "/v1/batches/0", None),
        ("POST", "/v1/batches/1/exclude", {"rows": [2**31], "reason": "x"}),
        ("POST", "/v1/batches/1/objections", {"rows": [int(HUGE)], "reason": "x"}),
    ],
)
async def test_out_of_range_integers_are_400(
    database: Database, method: str, path: str, body: dict[str, object] | None
) -> None:
    await seed_world(database)
    async with database.transaction() as session:
        token = await create_token(session, org_code=PROVINCE, role=Role.PROVINCE_ADMIN)
    settings = make_settings(database_url=database.url, key_dir=str(fresh_key_dir()))
    async with issuer_client(settings) as client:
        response = await client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400, response.text
    assert " / " in response.json()["error"]  # bilingual
