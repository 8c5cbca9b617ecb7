"""Holder identities sealed at rest (issue 13 phase 2, docs/identity.md), through the HTTP API and the CLI.

An upload with a document-type column (resident ID, passport, Hong Kong/Macao permit) is stored and issued;
afterwards a raw dump of every table holds no full document number, in any encoding; only the province admin
reads one certificate's full identity, and every read is an ``identity.read`` event naming who, whose and
why; a KEK rotation re-wraps every data key, leaves every sealed value as it was, and the old KEK is gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text, update

from issuer.app import create_app
from issuer.auth import Role
from keys.kek import read_kek_file_header
from registry.config import Settings
from registry.db import Database
from registry.models import Base, Batch, BatchRow, Certificate, DataKeyRow, Event, HolderIdentity
from registry.rules.document_types import DocumentType
from registry.rules.masks import mask_document
from tests.factories import PROVINCE, add_keys, key_store, seed_world
from tests.factories.tokens import WORKFLOW_HOLDERS, make_tokens
from tests.factories.world import resident_id
from tests.integration.batches.helpers import csv_file, post_batch
from tests.integration.cli.support import command_env, invoke
from tests.support import ID_HASH_KEY, make_settings

HEADER = ("姓名", "身份证号", "证件类型", "职业编码", "等级")
PASSPORT = "E12345678"
HK_PERMIT = "H1234567801"  # the 1999–2012 form: lifelong H12345678, two renewal digits
ROWS = [
    ["张三", resident_id(1), "", "6-31-01-03", "3"],
    ["John Smith", PASSPORT, "护照", "6-31-01-03", "3"],
    ["陈大文", HK_PERMIT, "回乡证", "6-31-01-03", "3"],
    ["李四", f" {resident_id(2)} ", "居民身份证", "6-31-01-03", "3"],
]
NUMBERS = (resident_id(1), PASSPORT, HK_PERMIT, resident_id(2))


class World:
    def __init__(self, database: Database, settings: Settings, client: AsyncTestClient, tokens: dict[Role, str]):  # type: ignore[type-arg]
        self.database, self.settings, self.client, self.tokens = database, settings, client, tokens

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> AsyncIterator[World]:
    await seed_world(database)
    await add_keys(database, key_store(tmp_path / "keys"))
    tokens = await make_tokens(database, WORKFLOW_HOLDERS)
    settings = make_settings(database_url=database.url, key_dir=str(tmp_path / "keys"))
    async with AsyncTestClient(create_app(settings)) as client:
        yield World(database, settings, client, tokens)


async def _upload_and_issue(world: World) -> list[str]:
    """Upload the rows, let the batch stand under a notice that has ended (the review chain is not this
    test's subject), issue it; returns the numbers in row order."""
    uploaded = await post_batch(
        world.client, world.tokens[Role.INSTITUTION], csv_file(ROWS, header=HEADER), name="results.csv"
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["bad_rows"] == [], uploaded.text
    batch_id = uploaded.json()["batch"]["id"]
    async with world.database.transaction() as session:
        await session.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(state="under_notice", notice_ends_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    issued = await world.client.post(f"/v1/batches/{batch_id}/issue", headers=world.auth(Role.PROVINCE_ADMIN))
    assert issued.status_code == 200, issued.text
    numbers: list[str] = issued.json()["numbers"]
    assert len(numbers) == len(ROWS)
    return numbers


async def _dump(database: Database) -> list[tuple[str, object]]:
    """Every value of every table (the registry's and Alembic's), as the database returns it."""
    values: list[tuple[str, object]] = []
    tables = [table.name for table in Base.metadata.sorted_tables] + ["alembic_version"]
    async with database.write_engine.connect() as conn:
        for table in tables:
            for row in await conn.execute(text(f"SELECT * FROM {table}")):
                values.extend((table, value) for value in row)
    return values


def _holds(value: object, number: str) -> bool:
    """Whether ``value`` contains ``number`` in any form a dump could show it: text, UTF-8/UTF-16/ASCII
    bytes, hexadecimal."""
    forms = [number.encode(), number.encode("utf-16-le"), number.encode().hex().encode()]
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return any(form in value for form in forms) or number.encode().hex() in value.hex()
    return number in str(value) or number.lower() in str(value).lower()


async def test_a_raw_dump_of_every_table_holds_no_full_document_number(world: World) -> None:
    numbers = await _upload_and_issue(world)
    dump = await _dump(world.database)
    assert len(dump) > 200  # the dump really read the tables
    leaks = [(table, number) for table, value in dump for number in NUMBERS if _holds(value, number)]
    assert leaks == []
    async with world.database.reader() as session:
        identities = list(await session.scalars(select(HolderIdentity)))
        certificates = list(await session.scalars(select(Certificate).where(Certificate.number.in_(numbers))))
        rows = list(await session.scalars(select(BatchRow)))
    assert sorted(i.document_type for i in identities) == ["hk_macao_permit", "passport", "resident_id", "resident_id"]
    assert {c.holder_identity_id for c in certificates} == {i.id for i in identities}  # issuing sealed nothing again
    assert {r.holder_identity_id for r in rows} == {i.id for i in identities}
    masks = {i.document_type: i.masked for i in identities if i.document_type != "resident_id"}
    assert masks == {
        "passport": mask_document(DocumentType.PASSPORT, PASSPORT),
        "hk_macao_permit": mask_document(DocumentType.HK_MACAO_PERMIT, HK_PERMIT),
    }
    by_id = {i.id: i for i in identities}
    for certificate in certificates:  # the certificate's index and mask are its identity's
        identity = by_id[certificate.holder_identity_id or ""]
        assert (certificate.holder_id_digest, certificate.holder_id_masked) == (identity.index_digest, identity.masked)


async def test_only_the_province_admin_reads_a_full_identity_and_every_read_is_logged(world: World) -> None:
    numbers = await _upload_and_issue(world)
    url = f"/v1/certificates/{numbers[1]}/identity"
    body = {"reason": "国家库数据核对 / national registry check"}
    for role in (Role.INSTITUTION, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER):
        refused = await world.client.post(url, json=body, headers=world.auth(role))
        assert refused.status_code == 403, refused.text
    assert (
        await world.client.post(url, json={"reason": " "}, headers=world.auth(Role.PROVINCE_ADMIN))
    ).status_code == 400
    assert (await world.client.post(url, json=body)).status_code == 401
    unknown = await world.client.post(
        "/v1/certificates/NOPE/identity", json=body, headers=world.auth(Role.PROVINCE_ADMIN)
    )
    assert unknown.status_code == 404

    read = await world.client.post(url, json=body, headers=world.auth(Role.PROVINCE_ADMIN))
    assert read.status_code == 200, read.text
    assert read.headers["cache-control"] == "no-store"
    answer = read.json()
    assert (answer["document_type"], answer["document_number"], answer["holder_name"]) == (
        "passport",
        PASSPORT,
        "John Smith",
    )
    resident = await world.client.post(
        f"/v1/certificates/{numbers[3]}/identity", json=body, headers=world.auth(Role.PROVINCE_ADMIN)
    )
    gender = "male" if int(resident_id(2)[16]) % 2 else "female"  # GB 11643: odd 17th digit, male
    assert (resident.json()["document_number"], resident.json()["gender"]) == (resident_id(2), gender)

    async with world.database.reader() as session:
        reads = list(await session.scalars(select(Event).where(Event.kind == "identity.read").order_by(Event.idx)))
    assert [(e.subject, e.reason) for e in reads] == [(numbers[1], body["reason"]), (numbers[3], body["reason"])]
    assert all(e.actor.startswith("token:") and e.actor.endswith(f":province_admin:{PROVINCE}") for e in reads)
    assert reads[0].idx == answer["event_id"]
    # the refused and failed attempts read nothing and logged nothing; the log never holds the number
    assert not any(_holds(e.data, PASSPORT) for e in reads)


def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = command_env(settings.database.database_url, settings.keys.key_dir, CERTREG_ID_HASH_KEY=ID_HASH_KEY)
    result = invoke(env, *args)
    return result.exit_code, result.output


async def test_a_kek_rotation_rewraps_every_data_key_and_every_identity_still_opens(
    world: World, tmp_path: Path
) -> None:
    numbers = await _upload_and_issue(world)
    kek_file = Path(world.settings.keys.key_dir) / "identity.kek"
    old_kek = read_kek_file_header(kek_file).kek_id
    async with world.database.reader() as session:
        sealed_before = {i.id: i.number_sealed for i in await session.scalars(select(HolderIdentity))}
        wraps_before = {k.dk_id: k.wrapped for k in await session.scalars(select(DataKeyRow))}
    assert set(wraps_before)
    assert sealed_before

    code, output = await asyncio.to_thread(
        _cli, world.settings, "identity", "rotate-kek", "--reason", "年度轮换 / yearly rotation"
    )
    assert code == 0, output
    new_kek = read_kek_file_header(kek_file).kek_id
    assert new_kek != old_kek
    assert not kek_file.with_name("identity.kek.new").exists()
    async with world.database.reader() as session:
        sealed_after = {i.id: i.number_sealed for i in await session.scalars(select(HolderIdentity))}
        keys_after = list(await session.scalars(select(DataKeyRow)))
        rotation = await session.scalar(select(Event).where(Event.kind == "identity.kek_rotated"))
    assert sealed_after == sealed_before  # no sealed value changed
    assert {k.dk_id for k in keys_after} == set(wraps_before)
    assert all(k.kek_id == new_kek and k.wrapped != wraps_before[k.dk_id] for k in keys_after)
    assert rotation is not None
    assert rotation.subject == f"kek:{new_kek}"

    code, output = await asyncio.to_thread(
        _cli, world.settings, "identity", "show", numbers[2], "--reason", "核对 / check"
    )
    assert code == 0, output
    assert HK_PERMIT in output
    assert "港澳居民来往内地通行证" in output


async def test_a_running_app_follows_a_kek_rotated_by_another_process(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``certreg identity rotate-kek`` runs in a process of its own: the issuer app kept the KEK it had opened,
    so every identity read and every upload was a 503 "data key … is wrapped under KEK new, not old" until
    a restart (and a data key made meanwhile would have been wrapped under a KEK no file holds any more)."""
    numbers = await _upload_and_issue(world)
    body = {"reason": "国家库数据核对 / national registry check"}
    url = f"/v1/certificates/{numbers[1]}/identity"
    assert (await world.client.post(url, json=body, headers=world.auth(Role.PROVINCE_ADMIN))).status_code == 200
    monkeypatch.setattr("issuer.identity.rotation.forget", lambda settings: None)  # another process: not told
    code, output = await asyncio.to_thread(
        _cli, world.settings, "identity", "rotate-kek", "--reason", "年度轮换 / yearly rotation"
    )
    assert code == 0, output

    read = await world.client.post(url, json=body, headers=world.auth(Role.PROVINCE_ADMIN))
    assert read.status_code == 200, read.text
    assert read.json()["document_number"] == PASSPORT
    uploaded = await post_batch(
        world.client,
        world.tokens[Role.INSTITUTION],
        csv_file([["王五", resident_id(3), "", "6-31-01-03", "3"]], header=HEADER),
        name="more.csv",
    )
    assert uploaded.status_code == 201, uploaded.text


async def test_a_bad_document_type_cell_is_a_row_problem_naming_the_column(world: World) -> None:
    rows = [["王五", PASSPORT, "港澳通行证", "6-31-01-03", "3"], ["赵六", resident_id(3), "", "6-31-01-03", "3"]]
    uploaded = await post_batch(
        world.client, world.tokens[Role.INSTITUTION], csv_file(rows, header=HEADER), name="results.csv"
    )
    assert uploaded.status_code == 201, uploaded.text
    bad = uploaded.json()["bad_rows"]
    found = [(r["row"], p["column"], p["field"], p["code"]) for r in bad for p in r["problems"]]
    assert found == [(2, "证件类型", "id_type", "document.type_unknown")]
    async with world.database.reader() as session:
        assert len(list(await session.scalars(select(HolderIdentity)))) == 1  # the good row only
