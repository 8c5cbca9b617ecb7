"""All rows or none: a failure mid-way, an overflowing sequence or rows that broke the rules store nothing
and give the sequence numbers back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

import issuer.issuing.writer
from issuer.auth import Principal, Role
from issuer.issuing.errors import IneligibleError
from issuer.issuing.service import issue_batch
from issuer.keystore import KeyStore
from keys.signing import SigningKey
from registry.calendar import province_day
from registry.errors import SequenceOverflowError
from registry.models import (
    FilingStatusChange,
    SequenceCounter,
)
from registry.rules.numbering import parse_any
from registry.rules.profiles import HUNAN
from tests.factories import SKILL_INSTITUTION
from tests.integration.issuing.batches import make_batch, rows_of, workflow_batch
from tests.integration.issuing.conftest import Api, World
from tests.integration.issuing.snapshots import issue_state

OPERATOR = Principal.for_operator("tester", role=Role.PROVINCE_ADMIN, org_code="430000")


def scope_level_3() -> str:
    """The level-3 sequence scope of the province's current year, read when a test needs it: a constant read
    at import (collection) named the old year in a run that went on past the province's midnight on 31
    December (16:00 UTC)."""
    return f"skill_level|institution={SKILL_INSTITUTION}|year={province_day(datetime.now(UTC)).year}|level=3"


class ExplodingSigner:
    """FAKE: a signing key that fails after ``limit`` signatures — a fault (an HSM dropping out, a bug in
    the middle of the batch) that the real in-memory key cannot be made to show."""

    def __init__(self, real: SigningKey, limit: int) -> None:
        self.kid = real.kid
        self._real = real
        self._left = limit

    def sign(self, message: bytes) -> bytes:
        if self._left == 0:
            raise RuntimeError("signing device failed")
        self._left -= 1
        return self._real.sign(message)


class FaultyKeyStore(KeyStore):
    """FAKE: hands out :class:`ExplodingSigner` instead of the sealed key."""

    def __init__(self, real: KeyStore, limit: int) -> None:
        super().__init__(real.directory, b"test-passphrase", kdf="insecure-test-only")
        self._limit = limit

    def open(self, kid: str) -> SigningKey:
        return ExplodingSigner(super().open(kid), self._limit)  # type: ignore[return-value]


async def test_a_signer_failing_mid_way_fake_leaves_nothing_and_gives_numbers_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = world.database
    monkeypatch.setattr(issuer.issuing.writer, "MIN_CHUNK", 3)  # several chunks, so some are stored before the fault
    batch_id = await workflow_batch(database, rows_of(10))
    before = await issue_state(database, batch_id)
    seen: list[tuple[str, int]] = []
    with pytest.raises(RuntimeError, match="signing device failed"):
        await issue_batch(
            database, FaultyKeyStore(world.store, limit=7), HUNAN, batch_id, caller=OPERATOR, sign_workers=1,
            progress=lambda stage, done, _total: seen.append((stage, done)),
        )  # fmt: skip
    assert ("store", 6) in seen  # two chunks of certificates and events were written before the fault
    assert await issue_state(database, batch_id) == before  # … and rolled back with the numbers
    counters = before["counters"]
    assert isinstance(counters, dict)
    assert counters.get(scope_level_3(), 1) == 1  # level 3 still starts at 1
    assert before["rows_ok"] == 10
    result = await issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR)
    assert [parse_any(HUNAN, n)[1].sequence for n in result.numbers] == list(range(1, 11))


async def test_an_overflowing_sequence_stops_the_batch_before_anything_is_issued(world: World) -> None:
    database = world.database
    batch_id = await make_batch(database, [*rows_of(2, level=4), *rows_of(3)])
    async with database.transaction() as session:
        session.add(SequenceCounter(scope=scope_level_3(), next_value=999_998))  # two numbers left in level 3
    before = await issue_state(database, batch_id)
    with pytest.raises(SequenceOverflowError, match="3 numbers asked, 2 left"):
        await issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR)
    assert await issue_state(database, batch_id) == before
    async with database.reader() as session:  # the level-4 scope allocated first was rolled back too
        assert await session.scalar(select(func.count()).select_from(SequenceCounter)) == 1


async def test_overflow_is_a_clear_422_over_http(world: World, api: Api) -> None:
    batch_id = await workflow_batch(world.database, rows_of(3))
    async with world.database.transaction() as session:
        session.add(SequenceCounter(scope=scope_level_3(), next_value=999_999))
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert response.status_code == 422
    assert "nothing was issued" in response.json()["error"]
    assert "编号序列已满" in response.json()["error"]


async def test_rows_that_no_longer_pass_the_rules_stop_the_batch(world: World, api: Api) -> None:
    database = world.database
    batch_id = await workflow_batch(database, rows_of(3), assessed_on=date(2025, 6, 1))
    async with database.transaction() as session:  # the filing was revoked before the assessment date
        filing_id = await session.scalar(
            select(FilingStatusChange.filing_id).limit(1).order_by(FilingStatusChange.filing_id)
        )
        session.add(FilingStatusChange(filing_id=filing_id, status="revoked", effective_on=date(2025, 5, 1)))
    before = await issue_state(database, batch_id)
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert response.status_code == 422, response.text
    body = response.json()
    assert [(p["row"], p["code"]) for p in body["errors"]] == [
        (2, "filing.revoked"),
        (3, "filing.revoked"),
        (4, "filing.revoked"),
    ]
    assert "nothing was issued" in body["error"]
    assert await issue_state(database, batch_id) == before
    with pytest.raises(IneligibleError):
        await issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR)
