"""Revoke (撤销), reissue (补发) and replace (换发): stored, signed, logged, announced to verifiers at once."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select

from keys.keyset import KeySet
from registry.certificates import status_of
from registry.keyring import load_keyset
from registry.models import Certificate, Event
from registry.rules.numbering import parse_any
from registry.rules.profiles import HUNAN
from registry.statement import verify_statement
from registry.vocab import CertificateStatus
from tests import factories
from tests.factories import HOLDER_IDS, id_digest, issue_test_certificates
from tests.integration.issuing.conftest import Api
from verify.cache.invalidation import channel, decode_numbers, view_key

REASON = {"reason": "证书遗失 / lost"}


async def _issue(api: Api, count: int = 2) -> list[factories.TestCertificate]:
    holders = [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1]), ("王五", HOLDER_IDS[2]), ("赵六", HOLDER_IDS[3])]
    return await issue_test_certificates(api.world.database, api.world.store, holders[:count])


async def _certificate(api: Api, number: str) -> Certificate:
    async with api.world.database.reader() as session:
        row = await session.get(Certificate, number)
        assert row is not None
        return row


async def _keyset(api: Api) -> KeySet:
    async with api.world.database.reader() as session:
        return KeySet.from_json((await load_keyset(session)).to_json())


async def test_revoke_then_no_further_change(api: Api) -> None:
    first, _ = await _issue(api)
    admin = api.headers["province_admin"]
    response = await api.client.post(f"/v1/certificates/{first.number}/revoke", json=REASON, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    async with api.world.database.reader() as session:
        status = await status_of(session, first.number)
    assert (status.status, status.reason, status.event_index) == (
        CertificateStatus.REVOKED, REASON["reason"], response.json()["event_id"]
    )  # fmt: skip
    for action in ("revoke", "reissue", "replace"):
        body = {**REASON, "holder_name": "张叁"} if action == "replace" else REASON
        again = await api.client.post(f"/v1/certificates/{first.number}/{action}", json=body, headers=admin)
        assert again.status_code == 409, action
        assert "revoked" in again.json()["error"]


async def test_reissue_gives_a_new_number_with_the_same_content(api: Api) -> None:
    first, second = await _issue(api)
    response = await api.client.post(
        f"/v1/certificates/{first.number}/reissue", json=REASON, headers=api.headers["province_admin"]
    )
    assert response.status_code == 201, response.text
    body = response.json()
    new = await _certificate(api, body["number"])
    old = await _certificate(api, first.number)
    assert (body["old_number"], body["change"], new.supersedes) == (first.number, "reissued", first.number)
    # same scope (institution, year, level), next sequence after the two issued
    assert parse_any(HUNAN, new.number)[1].sequence == parse_any(HUNAN, second.number)[1].sequence + 1
    same = ("holder_name", "holder_id_digest", "holder_id_masked", "subject_code", "level", "institution_code",
            "authority_code", "assessed_on", "kind")  # fmt: skip
    assert [getattr(new, f) for f in same] == [getattr(old, f) for f in same]
    statement = verify_statement(new.statement, new.signature, await _keyset(api))
    assert statement.number == new.number
    async with api.world.database.reader() as session:
        status = await status_of(session, first.number)
        assert (await status_of(session, new.number)).status is CertificateStatus.VALID
    assert (status.status, status.superseded_by) == (CertificateStatus.SUPERSEDED, new.number)
    twice = await api.client.post(
        f"/v1/certificates/{first.number}/reissue", json=REASON, headers=api.headers["province_admin"]
    )
    assert twice.status_code == 409
    assert "superseded" in twice.json()["error"]


async def test_replace_corrects_content_under_a_new_number(api: Api) -> None:
    first, _ = await _issue(api)
    body = {"reason": "姓名录入错误 / name typo", "holder_name": " 张　叁 ", "level": "四级"}
    response = await api.client.post(
        f"/v1/certificates/{first.number}/replace", json=body, headers=api.headers["province_admin"]
    )
    assert response.status_code == 201, response.text
    new = await _certificate(api, response.json()["number"])
    assert (new.holder_name, new.level, new.supersedes) == ("张叁", 4, first.number)
    assert new.holder_id_digest == id_digest(HOLDER_IDS[0])
    assert parse_any(HUNAN, new.number)[1].level == 4  # numbered in the level-4 scope
    statement = verify_statement(new.statement, new.signature, await _keyset(api))
    assert (statement.holder_name, statement.level) == ("张叁", 4)
    async with api.world.database.reader() as session:
        kinds = (await session.scalars(select(Event.kind).where(Event.subject == first.number))).all()
    assert kinds == ["certificate.issued", "certificate.replaced"]


async def test_replace_with_a_new_id_number(api: Api) -> None:
    first, _ = await _issue(api)
    body = {"reason": "身份证号录入错误 / ID typo", "holder_id": HOLDER_IDS[3].lower()}
    response = await api.client.post(
        f"/v1/certificates/{first.number}/replace", json=body, headers=api.headers["province_admin"]
    )
    assert response.status_code == 201, response.text
    new = await _certificate(api, response.json()["number"])
    assert new.holder_id_digest == id_digest(HOLDER_IDS[3])
    assert new.holder_id_masked.endswith(HOLDER_IDS[3][-4:])


BAD_REPLACEMENTS: list[tuple[dict[str, object], int, str | list[str] | None]] = [
    ({}, 400, None),  # reason missing
    ({"reason": "   "}, 400, "reason.required"),
    ({"reason": "x" * 501}, 400, None),  # the body's maxLength (every reason's one limit, as on the batch routes)
    ({"reason": "bad\x00"}, 400, "reason.characters"),
    ({"reason": "r", "colour": "red"}, 400, None),  # unknown field
    ({"reason": "r"}, 400, "replace.nothing_changed"),
    ({"reason": "r", "holder_name": "张三"}, 400, "replace.nothing_changed"),
    ({"reason": "r", "holder_name": "  "}, 400, "name.required"),
    ({"reason": "r", "holder_name": "张三3"}, 400, "name.characters"),
    ({"reason": "r", "holder_name": "张" * 65}, 400, "name.too_long"),
    ({"reason": "r", "holder_id": "430102199003071235"}, 400, "id.checksum"),
    ({"reason": "r", "subject_code": "6-31-1-03"}, 400, "occupation.format"),
    ({"reason": "r", "level": "七级"}, 400, "level.range"),
    ({"reason": "r", "level": 1}, 422, "scope.level_not_filed"),  # the filing covers levels 2-5
    ({"reason": "r", "subject_code": "6-18-02-04"}, 422, ["catalogue.access_type_not_skill_level", "scope.not_filed"]),
    ({"reason": "r", "subject_code": "1-01-01-01"}, 422, "catalogue.unknown"),
]


async def test_replace_refuses_bad_input(api: Api) -> None:
    first, _ = await _issue(api)
    observed, expected = [], []
    for body, status, code in BAD_REPLACEMENTS:
        response = await api.client.post(
            f"/v1/certificates/{first.number}/replace", json=body, headers=api.headers["province_admin"]
        )
        answer = response.json()
        assert " / " in answer["error"], answer  # Chinese / English
        found = answer.get("code") if status == 400 else [p["code"] for p in answer.get("errors", [])]
        observed.append((response.status_code, found if code is not None else None))
        expected.append((status, [code] if isinstance(code, str) and status == 422 else code))
    assert observed == expected
    async with api.world.database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 2  # nothing new


async def test_replace_that_would_duplicate_a_valid_certificate_is_409(api: Api) -> None:
    first, _ = await _issue(api)
    lower = await issue_test_certificates(api.world.database, api.world.store, [("张三", HOLDER_IDS[0])], level=4)
    body = {"reason": "等级更正 / level", "level": 4}
    response = await api.client.post(
        f"/v1/certificates/{first.number}/replace", json=body, headers=api.headers["province_admin"]
    )
    assert response.status_code == 409
    assert lower[0].number in response.json()["error"]


NUMBERS = [
    ("S00004300010126300000", 400),  # one character short
    ("S000043000101263000000", 400),  # sequence 0
    ("S000051000101263000001", 400),  # another province
    ("S000043000101993000001", 400),  # a year in the future
    ("S000043000101253999999", 404),  # well formed, unknown
]


async def test_numbers_are_checked_before_any_look_up(api: Api) -> None:
    admin = api.headers["province_admin"]
    observed = {}
    for number, _ in NUMBERS:
        answers = [
            await api.client.post(f"/v1/certificates/{number}/revoke", json=REASON, headers=admin),
            await api.client.post(f"/v1/certificates/{number}/reissue", json=REASON, headers=admin),
            await api.client.get(f"/v1/certificates/{number}/qr.svg", headers=admin),
        ]
        observed[number] = [a.status_code for a in answers]
        if answers[0].status_code == 400:
            assert all(a.json()["code"].startswith("number.") for a in answers)
    assert observed == {number: [status] * 3 for number, status in NUMBERS}


@pytest.mark.redis
async def test_changes_are_announced_to_verifiers_at_once(api: Api, redis_url: str, redis_prefix: str) -> None:
    first, second = await _issue(api)
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel(redis_prefix))
    await pubsub.get_message(timeout=1)  # the subscription confirmation
    for number in (first.number, second.number):
        await client.set(view_key(redis_prefix, number), b"cached: valid")
    admin = api.headers["province_admin"]
    revoked = await api.client.post(f"/v1/certificates/{first.number}/revoke", json=REASON, headers=admin)
    reissued = await api.client.post(f"/v1/certificates/{second.number}/reissue", json=REASON, headers=admin)
    assert (revoked.status_code, reissued.status_code) == (200, 201)
    heard = []
    for _ in range(2):
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert message is not None
        heard.append(decode_numbers(message["data"]))
    assert heard == [[first.number], [second.number, reissued.json()["number"]]]
    assert await client.exists(view_key(redis_prefix, first.number), view_key(redis_prefix, second.number)) == 0
    await pubsub.aclose()
    await client.aclose()
    await asyncio.sleep(0)
