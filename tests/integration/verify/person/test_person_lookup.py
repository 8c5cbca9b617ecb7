"""The person look-up (issue 14): name + document type + number → every certificate of that person, through
``POST /v1/verify``, ``POST /v1/verify/batch`` and the person tab of ``GET /`` (``POST /person``)."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from registry.models import Certificate
from registry.rules.document_types import DocumentType
from registry.rules.ids import resident_id_check_char
from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.verify.person.helpers import NOBODY, OPEN, person_form, person_json
from tests.integration.verify.test_batch import make_key
from tests.integration.verify.world import World, runtime_of, verify_app, verify_client
from verify.apikeys import hash_api_key as hash_key
from verify.person.texts import PERSON_UI


async def test_a_person_gets_every_certificate_with_its_verdict(world: World) -> None:
    async with verify_client(world.database.url, **OPEN) as client:
        one = await person_json(client, "张三", HOLDER_IDS[0])
        assert one["result"] == "found"
        assert one["count"] == 1
        (cert,) = one["certificates"]
        assert cert["number"] == world.valid.number
        assert cert["result"] == "valid"
        assert cert["verdict_label"] == "有效 / Valid"
        assert cert["holder_id_masked"] == "430102********1234"
        assert cert["subject_name"]
        assert cert["institution_name"]
        assert cert["issued_on"]
        assert cert["level_label"].startswith("三级")
        assert cert["check"] == f"/c/{world.valid.number}"
        revoked = await person_json(client, "李四", HOLDER_IDS[1])
        assert [c["verdict_label"] for c in revoked["certificates"]] == ["已撤销 / Revoked"]
        reissued = await person_json(client, " 王 五 ", HOLDER_IDS[2].lower())  # names and numbers normalised
        labels = {c["number"]: c["verdict_label"] for c in reissued["certificates"]}
        assert labels == {world.superseded.number: "已补发 / Reissued", world.successor.number: "有效 / Valid"}


def same_for_all(headers: Any) -> list[tuple[str, str]]:
    """The headers of an answer, but for the request id every response carries (``verify/http/edge.py``)."""
    return [(k, v) for k, v in headers.items() if k != "x-request-id"]


async def test_an_unknown_document_a_wrong_name_and_a_person_without_certificates_answer_alike(
    world: World,
) -> None:
    async with verify_client(world.database.url, **OPEN) as client:
        answers = []
        for name, number in (("张三", "430102199003074478"), ("李四", HOLDER_IDS[0]), ("张三", NOBODY)):
            response = await client.post(
                "/v1/verify", json={"name": name, "id_type": "resident_id", "id_number": number}
            )
            answers.append((response.status_code, same_for_all(response.headers), response.content))
            # and again, now from the cache
            again = await client.post("/v1/verify", json={"name": name, "id_type": "resident_id", "id_number": number})
            answers.append((again.status_code, same_for_all(again.headers), again.content))
        assert len(set(map(repr, answers))) == 1, answers
        assert answers[0][0] == 200
        assert b'"result":"not_found"' in answers[0][2]
        pages = [
            (r.status_code, r.headers.get("content-security-policy"), r.content)
            for r in [
                await person_form(client, "张三", "430102199003074478"),
                await person_form(client, "李四", HOLDER_IDS[0]),
                await person_form(client, "张三", NOBODY, work=False),
            ]
        ]
        assert len(set(pages)) == 1
        assert 'data-result="not_found"' in pages[0][2].decode()


async def test_a_malformed_document_is_a_precise_400_before_any_look_up(world: World) -> None:
    async with verify_client(world.database.url, **OPEN) as client:
        app = client.app
        bad = await client.post(
            "/v1/verify", json={"name": "张三", "id_type": "resident_id", "id_number": "430102199003071235"}
        )
        assert bad.status_code == 400
        assert "证件号码不正确" in bad.json()["error"]
        assert "invalid document number" in bad.json()["error"]
        assert bad.json()["errors"] == {"code": "id.checksum", "field": "id_number"}
        permit = await client.post("/v1/verify", json={"name": "张三", "id_type": "passport", "id_number": "E12"})
        assert permit.status_code == 400
        assert permit.json()["errors"]["code"] == "passport.length"
        wrong_type = await client.post(
            "/v1/verify", json={"name": "张三", "id_type": "driving_licence", "id_number": "E12345678"}
        )
        assert wrong_type.status_code == 400
        # the types it takes are named (msgspec names only the value it refused)
        types = ", ".join(t.value for t in DocumentType)
        assert wrong_type.json()["message_zh"] == f"请求参数无效：请求体 id_type 无效：须为以下之一：{types}"
        assert wrong_type.json()["message_en"].endswith(f"Invalid enum value 'driving_licence' (one of: {types})")
        both = await client.post(
            "/v1/verify",
            json={"name": "张三", "number": world.valid.number, "id_type": "resident_id", "id_number": HOLDER_IDS[0]},
        )
        assert both.status_code == 400
        assert "二选一" in both.text
        neither = await client.post("/v1/verify", json={"name": "张三", "id_type": "resident_id"})
        assert neither.status_code == 400
        page = await person_form(client, "张三", "430102199003071235", lang="en")
        assert page.status_code == 400
        assert "The document number is not valid" in page.text
        assert "430102199003071235" not in page.text  # the typed number is not echoed back
        assert 'id="person"' in page.text  # the form again
    assert runtime_of(app).metrics.requests.labels("person_api")._value.get() >= 2


async def test_the_query_uses_the_holder_index(world: World) -> None:
    """One statement on ``holder_id_digest``, the leading column of ``ix_certificate_holder``."""
    from verify.person.queries import _by_holder

    compiled = str(_by_holder.compile(compile_kwargs={"literal_binds": False}))
    assert "certificate.holder_id_digest = " in compiled
    async with world.database.reader() as session:
        digests = (await session.execute(select(Certificate.holder_id_digest))).scalars().all()
    assert len(set(digests)) == 3


async def test_the_batch_mixes_numbers_and_persons(world: World) -> None:
    from registry.models import ApiKey

    async with world.database.transaction() as session:
        session.add(ApiKey(name="某公司", key_hash=hash_key("crk_test_person"), rate_per_minute=None))
    async with verify_client(world.database.url, **OPEN) as client:
        items = [
            {"number": world.valid.number, "name": "张三"},
            {"name": "王五", "id_type": "resident_id", "id_number": HOLDER_IDS[2]},
            {"name": "王五", "id_type": "resident_id", "id_number": "430102199003071235"},
            {"name": "某某", "id_type": "resident_id", "id_number": NOBODY},
        ]
        response = await client.post(
            "/v1/verify/batch", json={"items": items}, headers={"X-API-Key": "crk_test_person"}
        )
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["result"] for r in results] == ["valid", "found", "invalid_id_number", "not_found"]
        assert results[1]["count"] == 2
        assert results[2]["reason"] == "id.checksum"
        unknown_type = await client.post(
            "/v1/verify/batch",
            json={"items": [items[0], {**items[1], "id_type": "passprot"}]},
            headers={"X-API-Key": "crk_test_person"},
        )
        assert unknown_type.status_code == 400
        assert "请求体 items[1].id_type 无效：须为以下之一：resident_id, " in unknown_type.json()["message_zh"]
        assert "Invalid enum value 'passprot' (one of: resident_id, " in unknown_type.json()["message_en"]
        too_many = await client.post(
            "/v1/verify/batch",
            json={"items": [items[1]] * 1001},
            headers={"X-API-Key": "crk_test_person"},
        )
        assert too_many.status_code == 400
        assert "1000" in too_many.json()["error"]


async def test_the_person_tab_lists_certificates_and_the_answer_page_links_to_it(world: World) -> None:
    async with verify_client(world.database.url, **OPEN) as client:
        form = await client.get("/", params={"mode": "person"})
        assert form.status_code == 200
        assert 'id="tab-person" aria-current="page"' in form.text
        assert "script-src 'sha256-" in form.headers["content-security-policy"]
        assert form.headers["cache-control"] == "no-store"
        page = await person_form(client, "王五", HOLDER_IDS[2])
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert page.text.count('class="card person"') == 2
        assert "已补发" in page.text
        assert "有效" in page.text
        assert HOLDER_IDS[2] not in page.text
        english = await person_form(client, "王五", HOLDER_IDS[2], lang="en")
        assert "Reissued" in english.text
        number_form = await client.get("/")
        assert 'id="tab-number" aria-current="page"' in number_form.text
        assert 'href="/?mode=person" id="tab-person"' in number_form.text  # offered: with the key, the tab is there
        verdict = await client.get("/", params={"number": world.valid.number, "name": "张三"})
        assert 'href="/?mode=person"' in verdict.text  # the person view, only through name + document
        assert HOLDER_IDS[0] not in verdict.text


async def test_without_an_id_hash_key_the_person_look_up_is_not_offered(world: World) -> None:
    async with verify_client(world.database.url, id_hash_key=None) as client:
        form = await client.get("/", params={"mode": "person"})  # a bookmark, a link from elsewhere
        assert form.status_code == 503
        assert "retry-after" not in form.headers  # not temporary: no retry helps
        assert "本服务未开通按证件查询 / look-up by identity document is not offered here" in form.text
        # a search that can only fail is not offered: no tab, no link to it, on any page
        pages = [
            form,
            await client.get("/"),
            await client.get("/", params={"lang": "en"}),
            await client.get("/", params={"number": world.valid.number, "name": "张三"}),
            await client.get("/", params={"number": world.valid.number, "name": "张三", "lang": "en"}),
        ]
        assert [(p.status_code, "mode=person" in p.text, "tab-person" in p.text) for p in pages[1:]] == [
            (200, False, False)
        ] * 4
        assert "mode=person" not in form.text
        assert 'id="query"' in pages[1].text  # the number search still is
        response = await client.post(
            "/v1/verify", json={"name": "张三", "id_type": "resident_id", "id_number": HOLDER_IDS[0]}
        )
        assert response.status_code == 503
        # it said the registry could not be read and to retry later (with a Retry-After): no retry helps
        assert response.json()["error"] == "本服务未开通按证件查询 / look-up by identity document is not offered here"
        assert "retry-after" not in response.headers
        # the database-down 503 has no code: a client tells "not offered here" (no retry helps) by this one
        assert response.json()["code"] == "person.not_offered"
        person_item = {"name": "张三", "id_type": "resident_id", "id_number": HOLDER_IDS[0]}
        batch = await client.post(
            "/v1/verify/batch", json={"items": [person_item]}, headers={"X-API-Key": await make_key(world.database)}
        )
        assert (batch.status_code, batch.json()["code"], "retry-after" in batch.headers) == (
            503, "person.not_offered", False,
        )  # fmt: skip
        assert (await client.post("/v1/verify", json={"name": "张三", "number": world.valid.number})).status_code == 200


async def test_a_new_certificate_and_a_revocation_show_within_a_second(world: World) -> None:
    """In process (no Redis): the change feed maps the new number to its holder."""
    from registry.certificates import revoke

    async with verify_client(world.database.url, change_poll_seconds=0.1, **OPEN) as client:
        assert (await person_json(client, "赵六", HOLDER_IDS[3]))["result"] == "not_found"
        await issue_test_certificates(world.database, world.store, [("赵六", HOLDER_IDS[3])])
        began = time.monotonic()
        while (await person_json(client, "赵六", HOLDER_IDS[3]))["result"] != "found":
            assert time.monotonic() - began < 1.0
            await asyncio.sleep(0.02)
        async with world.database.transaction() as session:
            await revoke(session, world.valid.number, reason="撤销", actor="test")
        began = time.monotonic()
        while (await person_json(client, "张三", HOLDER_IDS[0]))["certificates"][0]["result"] != "revoked":
            assert time.monotonic() - began < 1.0
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_malformed_form_bodies_are_400_not_500(world: World, lang: str) -> None:
    async with verify_client(world.database.url, **OPEN) as client:
        raw = await client.post(
            f"/person?lang={lang}", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert raw.status_code == 400
        assert PERSON_UI["zh" if lang == "zh" else "en"]["need_all"] in raw.text
        empty = await client.post("/person", data={"name": "", "id_type": "resident_id", "id_number": ""})
        assert empty.status_code == 400
        huge = await client.post("/person", content=b"a" * 10_000)
        assert huge.status_code == 413


def copy_database(primary: str, replica: Path) -> None:
    """A copy of an SQLite database as it is now (the write-ahead log holds what the main file does not)."""
    for suffix in ("", "-wal", "-shm"):
        if Path(primary + suffix).exists():
            shutil.copyfile(primary + suffix, f"{replica}{suffix}")


async def test_a_lagging_replica_does_not_bring_back_a_revoked_certificate(file_world: World, tmp_path: Path) -> None:
    """The replica is a copy of the registry taken before the revocation (a replica that has not replayed
    it); the change feed reads the primary, so the person is read from the primary after it."""
    from registry.certificates import revoke

    primary = file_world.database.url.removeprefix("sqlite+aiosqlite:///")
    replica = tmp_path / "replica.db"
    copy_database(primary, replica)
    app = verify_app(
        file_world.database.url, replica_url=f"sqlite+aiosqlite:///{replica}", change_poll_seconds=0.1, **OPEN
    )
    async with AsyncTestClient(app) as client:
        assert (await person_json(client, "张三", HOLDER_IDS[0]))["certificates"][0]["result"] == "valid"
        async with file_world.database.transaction() as session:
            await revoke(session, file_world.valid.number, reason="撤销", actor="test")
        began = time.monotonic()
        while (await person_json(client, "张三", HOLDER_IDS[0]))["certificates"][0]["result"] != "revoked":
            assert time.monotonic() - began < 1.0, "the replica's old answer came back"
            await asyncio.sleep(0.02)
        for _ in range(5):  # and it stays so, though the replica still says valid
            await asyncio.sleep(0.15)
            assert (await person_json(client, "张三", HOLDER_IDS[0]))["certificates"][0]["result"] == "revoked"


@pytest.mark.parametrize(
    "prefix",
    ["00", "01", "10", "16", "20", "24", "30", "38", "40", "47", "55", "60", "66", "72", "80", "83", "90", "99"],
)
async def test_a_resident_id_under_no_province_is_a_400_naming_the_address_code(world: World, prefix: str) -> None:
    """GB/T 2260: the first two digits are a province (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82);
    a number under any other prefix is refused as such, with a valid check character, before any look-up."""
    first17 = f"{prefix}0102199003071234"[:17]
    number = first17 + resident_id_check_char(first17)
    async with verify_client(world.database.url, **OPEN) as client:
        bad = await client.post("/v1/verify", json={"name": "张三", "id_type": "resident_id", "id_number": number})
    assert bad.status_code == 400, bad.text
    assert bad.json()["errors"] == {"code": "id.region", "field": "id_number"}


def _full_width(text: str) -> str:
    """What a Chinese IME in full-width mode types: ASCII letters and digits as ＡＢＣ１２３."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def test_full_width_input_is_read_as_its_ascii_and_finds_the_holder(world: World) -> None:
    """A holder typing on a Chinese IME: full-width digits, a full-width Ｘ, ideographic spaces (U+3000) in and
    around the name and the number. NFKC at the edge: found, exactly as the ASCII form is."""
    async with verify_client(world.database.url, **OPEN) as client:
        found = await person_json(client, "\u3000张\u3000三\u3000", "\u3000" + _full_width(HOLDER_IDS[0]) + "\u3000")
        assert found["result"] == "found", found
        assert [c["number"] for c in found["certificates"]] == [world.valid.number]
        nobody = await person_json(client, "张三", _full_width(NOBODY))  # ends in a full-width Ｘ
        assert nobody["result"] == "not_found", nobody
        page = await person_form(client, "张\u3000三", _full_width(HOLDER_IDS[0]))
        assert page.status_code == 200, page.text
        assert world.valid.number in page.text
