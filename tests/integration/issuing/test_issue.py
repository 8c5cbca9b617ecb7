"""Issuing a batch under notice: numbers, signatures anyone can check, rows marked, idempotent, 409s."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select, update

from issuer.auth import Principal, Role
from issuer.errors import Forbidden
from issuer.issuing.service import issue_batch
from keys.keyset import KeySet
from registry.bulk import COPY_THRESHOLD
from registry.calendar import province_day
from registry.keyring import load_keyset
from registry.models import Batch, BatchRow, Certificate, Event
from registry.qrtoken import encode_token
from registry.rules.numbering import parse_any
from registry.rules.profiles import HUNAN
from registry.statement import verify_statement
from registry.vocab import CertificateKind
from tests.factories import CITY, ELECTRICIAN, EMBROIDERY, HOLDER_IDS, SITE, SKILL_INSTITUTION, id_digest
from tests.integration.issuing.batches import Row, make_batch, rows_of, special_rows, workflow_batch
from tests.integration.issuing.conftest import Api, World
from verify.cache.invalidation import channel, decode_numbers, view_key
from verify.verifier import verify_token

OPERATOR = Principal.for_operator("tester", role=Role.PROVINCE_ADMIN, org_code="430000")
COUNT = COPY_THRESHOLD + 100


async def _public_keyset(world: World) -> KeySet:
    """Only the public key set, as a verifier downloads it (JSON round trip)."""
    async with world.database.reader() as session:
        return KeySet.from_json((await load_keyset(session)).to_json())


async def _certificates(world: World, batch_id: int) -> list[Certificate]:
    async with world.database.reader() as session:
        query = select(Certificate).where(Certificate.batch_id == batch_id).order_by(Certificate.batch_row_no)
        return list((await session.scalars(query)).all())


async def _rows(world: World, batch_id: int) -> dict[int, tuple[str, str | None]]:
    async with world.database.reader() as session:
        result = await session.execute(
            select(BatchRow.row_no, BatchRow.status, BatchRow.certificate_number).where(BatchRow.batch_id == batch_id)
        )
        return {row_no: (status, number) for row_no, status, number in result}


async def test_issue_end_to_end_and_verify_with_public_keys_only(api: Api) -> None:
    world = api.world
    rows = [
        Row(name="张三", holder_id=HOLDER_IDS[0]),
        Row(name="李四", holder_id=HOLDER_IDS[1], level=4),
        Row(name="王五", holder_id=HOLDER_IDS[2], status="held"),
        Row(name="赵六", holder_id=HOLDER_IDS[3], status="excluded"),
        Row(name="钱七", status="excluded"),  # a bad row refuses the batch: test_a_batch_with_bad_rows_is_refused
        Row(name="孙八"),
    ]
    batch_id = await workflow_batch(world.database, rows)
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "issued"
    assert (body["issued_count"], body["held"]) == (3, 1)
    assert body["authority_code"] == CITY  # the institution's filing authority signs skill-level certificates
    certificates = await _certificates(world, batch_id)
    assert body["numbers"] == [c.number for c in certificates]
    assert [(c.batch_row_no, c.holder_name, c.level) for c in certificates] == [
        (2, "张三", 3),
        (3, "李四", 4),
        (7, "孙八", 3),
    ]
    assert certificates[0].holder_id_digest == id_digest(HOLDER_IDS[0])
    # level 3 and level 4 are separate scopes: both start at 1
    assert [parse_any(HUNAN, n)[1].sequence for n in body["numbers"]] == [1, 1, 2]
    assert await _rows(world, batch_id) == {
        2: ("issued", body["numbers"][0]),
        3: ("issued", body["numbers"][1]),
        4: ("held", None),
        5: ("excluded", None),
        6: ("excluded", None),
        7: ("issued", body["numbers"][2]),
    }
    keyset = await _public_keyset(world)
    for cert in certificates:
        statement = verify_statement(cert.statement, cert.signature, keyset)
        assert (statement.number, statement.holder_name, statement.authority_code) == (
            cert.number,
            cert.holder_name,
            CITY,
        )
        assert statement.certificate_kind is CertificateKind.SKILL_LEVEL
        assert statement.subject_code == ELECTRICIAN
        verdict = verify_token(encode_token(cert.statement, cert.signature), keyset)
        assert verdict.valid, verdict.reason
    async with world.database.reader() as session:
        batch = await session.get(Batch, batch_id)
        assert batch is not None
        assert (batch.state, batch.issued_at is not None) == ("issued", True)
        kinds = (await session.scalars(select(Event.kind).order_by(Event.idx))).all()
    assert kinds[-4:] == ["certificate.issued"] * 3 + ["batch.issued"]


async def test_special_ability_is_signed_by_the_city_centre_of_the_region(api: Api) -> None:
    world = api.world
    batch_id = await workflow_batch(world.database, special_rows(3), institution=SITE, kind="special_ability")
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["city"])
    assert response.status_code == 200, response.text
    assert response.json()["authority_code"] == CITY
    keyset = await _public_keyset(world)
    for cert in await _certificates(world, batch_id):
        kind, parts = parse_any(HUNAN, cert.number)
        assert (kind, parts.region_code, parts.project_code) == (CertificateKind.SPECIAL_ABILITY, CITY, EMBROIDERY)
        statement = verify_statement(cert.statement, cert.signature, keyset)
        assert (statement.level, statement.authority_code) == (0, CITY)


async def test_notice_not_ended_unknown_batch_and_wrong_state(api: Api) -> None:
    database = api.world.database
    future = await make_batch(database, rows_of(2), notice_ends_at=datetime.now(UTC) + timedelta(days=2))
    submitted = await make_batch(database, rows_of(2), state="submitted")
    admin = api.headers["province_admin"]
    early = await api.client.post(f"/v1/batches/{future}/issue", headers=admin)
    wrong = await api.client.post(f"/v1/batches/{submitted}/issue", headers=admin)
    missing = await api.client.post("/v1/batches/999999/issue", headers=admin)
    assert early.status_code == 409
    assert "public notice" in early.json()["error"]
    assert "公示期" in early.json()["error"]
    assert wrong.status_code == 409
    assert "submitted" in wrong.json()["error"]
    assert missing.status_code == 404
    async with database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 0


async def test_held_rows_are_issued_later_exactly_once(world: World) -> None:
    database = world.database
    batch_id = await workflow_batch(database, [*rows_of(3), Row(name="异议人", status="held")])
    first = await issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR)
    again = await issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR)
    assert (len(first.issued_now), first.held) == (3, 1)
    assert (again.issued_now, again.numbers) == ([], first.numbers)  # idempotent: same numbers, nothing new
    async with database.transaction() as session:  # the objection is resolved: the row is released
        await session.execute(update(BatchRow).where(BatchRow.row_no == 5).values(status="ok"))
    released = await issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR)
    repeat = await issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR)
    assert len(released.issued_now) == 1
    assert released.numbers == [*first.numbers, released.issued_now[0]]
    assert parse_any(HUNAN, released.issued_now[0])[1].sequence == 4  # continues the scope, no gap
    assert (repeat.issued_now, repeat.numbers, repeat.held) == ([], released.numbers, 0)
    assert len(await _certificates(world, batch_id)) == 4


async def test_concurrent_issue_calls_issue_once(world: World) -> None:
    database = world.database
    batch_id = await workflow_batch(database, rows_of(COUNT))  # PostgreSQL stores these by COPY
    one, two = await asyncio.gather(
        issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR),
        issue_batch(database, world.store, HUNAN, batch_id, caller=OPERATOR),
    )
    assert sorted([len(one.issued_now), len(two.issued_now)]) == [0, COUNT]
    assert one.numbers == two.numbers
    numbers = [c.number for c in await _certificates(world, batch_id)]
    assert numbers == one.numbers
    assert [parse_any(HUNAN, n)[1].sequence for n in numbers] == list(range(1, COUNT + 1))
    keyset = await _public_keyset(world)
    for cert in await _certificates(world, batch_id):
        verify_statement(cert.statement, cert.signature, keyset)


async def test_all_rows_held_is_409_and_nothing_is_issued(api: Api) -> None:
    batch_id = await workflow_batch(api.world.database, rows_of(2, status="held"))
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert response.status_code == 409
    assert "held" in response.json()["error"]


@pytest.mark.redis
async def test_issued_numbers_are_announced_so_stale_not_found_answers_drop(
    api: Api, redis_url: str, redis_prefix: str
) -> None:
    batch_id = await workflow_batch(api.world.database, rows_of(2))
    year = province_day(datetime.now(UTC)).year % 100
    expected = [f"{SKILL_INSTITUTION}{year:02d}3{sequence:06d}" for sequence in (1, 2)]
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel(redis_prefix))
    await pubsub.get_message(timeout=1)
    await client.set(view_key(redis_prefix, expected[0]), b"not found")  # someone looked it up too early
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert response.json()["numbers"] == expected
    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    assert message is not None
    assert decode_numbers(message["data"]) == expected
    assert await client.exists(view_key(redis_prefix, expected[0])) == 0
    await pubsub.aclose()
    await client.aclose()


async def _issued_reason(world: World, batch_id: int) -> str | None:
    async with world.database.reader() as session:
        return await session.scalar(
            select(Event.reason).where(Event.subject == f"batch:{batch_id}", Event.kind == "batch.issued")
        )


async def test_issuing_records_why(api: Api) -> None:
    world = api.world
    admin = api.headers["province_admin"]
    given = await workflow_batch(world.database, [Row(name="张三", holder_id=HOLDER_IDS[0])])
    default = await workflow_batch(world.database, [Row(name="李四", holder_id=HOLDER_IDS[1])])
    refused = await workflow_batch(world.database, [Row(name="王五", holder_id=HOLDER_IDS[2])])
    with_reason = await api.client.post(f"/v1/batches/{given}/issue", json={"reason": "异议已处理完毕"}, headers=admin)
    without = await api.client.post(f"/v1/batches/{default}/issue", headers=admin)
    assert (with_reason.status_code, without.status_code) == (200, 200), (with_reason.text, without.text)
    assert await _issued_reason(world, given) == "异议已处理完毕"
    assert await _issued_reason(world, default) == "按公示期满发证 / issued after the public notice ended"
    for body in ({"reason": "a\x00b"}, {"reason": "x" * 501}, {"why": "x"}):
        response = await api.client.post(f"/v1/batches/{refused}/issue", json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)
        assert " / " in response.json()["error"]
    assert await _issued_reason(world, refused) is None


async def test_an_empty_issue_reason_is_an_omitted_one(api: Api) -> None:
    """The reason is optional on /issue (omitted: the default), yet ``""`` or blanks were refused with
    "a reason is required": empty or blank now records the default, as an omitted one and the console's."""
    world = api.world
    admin = api.headers["province_admin"]
    for n, reason in enumerate(("", " \u3000\n")):
        batch = await workflow_batch(world.database, [Row(name="张三", holder_id=HOLDER_IDS[n])])
        response = await api.client.post(f"/v1/batches/{batch}/issue", json={"reason": reason}, headers=admin)
        assert response.status_code == 200, (reason, response.text)
        assert await _issued_reason(world, batch) == "按公示期满发证 / issued after the public notice ended"


async def test_whoever_submitted_a_batch_may_not_issue_it(world: World) -> None:
    """Separation of duties (docs/rules.md rule 7): no single token or operator walks a batch from upload
    to issue — not even a province admin, who holds every role's rights."""
    batch_id = await make_batch(world.database, rows_of(1))
    async with world.database.transaction() as session:
        await session.execute(update(Batch).where(Batch.id == batch_id).values(submitted_by=OPERATOR.actor))
    with pytest.raises(Forbidden, match="separation of duties: cli:tester submitted batch"):
        await issue_batch(world.database, world.store, HUNAN, batch_id, caller=OPERATOR)
    other = Principal.for_operator("another", role=Role.PROVINCE_ADMIN, org_code="430000")
    assert len((await issue_batch(world.database, world.store, HUNAN, batch_id, caller=other)).issued_now) == 1


async def test_a_batch_with_bad_rows_is_refused(api: Api) -> None:
    """The issuing service runs the workflow's own precondition (``require_issuable``, the tested one): a
    bad row left in the batch stops it. Before issue 11 it ran a copy that let the ``ok`` rows through."""
    batch_id = await make_batch(api.world.database, [*rows_of(2), Row(name="错误行", status="bad")])
    response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert response.status_code == 409, response.text
    assert "1 rows are bad" in response.json()["error"]
    async with api.world.database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 0
