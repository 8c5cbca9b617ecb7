"""Certificates issued before the registry, imported with their numbers (issue 13 phase 2, docs/legacy.md):
over HTTP as the province admin, bad rows each reported with nothing stored, a re-run changing nothing, new
numbering never colliding with an imported number, and the statement verifying with the province key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from issuer.auth import Role
from keys.keyset import KeySet
from registry.calendar import province_day
from registry.certificates import status_of
from registry.db import Database
from registry.events import decode_entry
from registry.keyring import load_keyset
from registry.models import Certificate, CertificatePrint, Event, HolderIdentity
from registry.qrtoken import encode_token
from registry.rules.legacy import counter_floor
from registry.rules.profiles import HUNAN
from registry.sequences import peek
from registry.vocab import CertificateStatus
from tests.factories import PROVINCE, issue_test_certificates, key_store
from tests.integration.legacy.conftest import World
from tests.integration.legacy.files import csv_bytes, mixed_rows, skill_number, skill_rows
from verify.verifier import verify_token


async def _count(database: Database, model: type, *where: object) -> int:
    async with database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


async def test_an_import_signs_seals_and_logs_each_certificate_and_a_rerun_changes_nothing(world: World) -> None:
    rows = mixed_rows()
    answer = await world.post(csv_bytes(rows))
    assert answer.status_code == 201, answer.text
    assert {k: answer.json()[k] for k in ("rows", "imported", "already", "revoked")} == {
        "rows": 3, "imported": 3, "already": 0, "revoked": 1,
    }  # fmt: skip
    numbers = [row[0] for row in rows]
    async with world.database.reader() as session:
        certificates = {c.number: c for c in await session.scalars(select(Certificate))}
        keyset: KeySet = await load_keyset(session)
        origins = list(await session.scalars(select(Event).where(Event.kind == "certificate.imported")))
        revoked = await status_of(session, numbers[1])
        serial = await session.scalar(select(CertificatePrint).where(CertificatePrint.number == numbers[1]))
        identities = list(await session.scalars(select(HolderIdentity)))
    assert sorted(certificates) == sorted(numbers)
    for certificate in certificates.values():  # signed by the province centre's key, checked with the key set
        verdict = verify_token(encode_token(certificate.statement, certificate.signature), keyset)
        assert verdict.valid, verdict.reason
        assert verdict.statement is not None
        assert (verdict.statement.number, verdict.statement.authority_code) == (certificate.number, PROVINCE)
        assert certificate.holder_identity_id is not None
    assert {o.subject: decode_entry(o.data).details["source"] for o in origins} == dict.fromkeys(numbers, "hunan-osta")
    assert all(o.reason == "imported from hunan-osta" for o in origins)
    assert (revoked.status, revoked.reason) == (CertificateStatus.REVOKED, "考试作弊 / cheating")
    assert serial is not None
    assert (serial.serial, serial.given) == ("OSTA20150001", True)
    assert sorted(i.document_type for i in identities) == ["hk_macao_permit", "passport", "resident_id"]

    first = certificates[numbers[0]]  # the public page of its QR code names the origin
    page = await world.client.get(f"/Q/{encode_token(first.statement, first.signature)}")
    assert page.status_code == 200
    assert "登记系统上线前颁发，导入自 hunan-osta" in page.text
    page_en = await world.client.get(f"/Q/{encode_token(first.statement, first.signature)}?lang=en")
    assert "issued before the registry; imported from hunan-osta" in page_en.text

    events = await _count(world.database, Event)
    again = await world.post(csv_bytes(rows))
    assert again.status_code == 201, again.text
    assert (again.json()["imported"], again.json()["already"]) == (0, 3)
    assert await _count(world.database, Event) == events  # re-running the same file changes nothing
    assert await _count(world.database, HolderIdentity) == 3


async def test_every_bad_row_is_reported_and_nothing_is_stored(world: World) -> None:
    good = skill_rows(2)
    bad = [
        ["Y123", *good[0][1:]],  # a number of no rule
        [skill_number(50), "职业技能等级证书", "张三", "", "430102199003071235", "6-31-01-03", "3", "S000043000101",
         "", "2021-07-01", "", "有效", "", ""],  # wrong check character
        [skill_number(51), "职业技能等级证书", "李四", "港澳通行证", "H12345678", "6-31-01-03", "3", "NOPE", "",
         "2031-07-01", "", "撤销", "", ""],  # type refused, unknown institution, future date, no revocation data
        good[1],
        good[1],  # the same number twice
    ]  # fmt: skip
    answer = await world.post(csv_bytes(bad))
    assert answer.status_code == 422, answer.text
    found = {(p["row"], p["field"], p["code"]) for p in answer.json()["errors"]}
    assert {
        (2, "number", "number.length"),
        (3, "id_number", "id.checksum"),
        (4, "id_type", "document.type_unknown"),
        (4, "issued_on", "date.future"),
        (4, "revoked_on", "cell.required"),
        (4, "revoke_reason", "cell.required"),
        (6, "number", "number.duplicate"),
    } <= found, found
    assert all(p["message_zh"] and p["message_en"] for p in answer.json()["errors"])
    rules = {p["code"]: p["rule"] for p in answer.json()["errors"]}
    assert (rules["number.duplicate"], rules["number.length"]) == ("duplicate", "format")
    assert await _count(world.database, Certificate) == 0
    assert await _count(world.database, HolderIdentity) == 0

    unknown_institution = [[*good[0][:7], "S000043009999", *good[0][8:]]]
    answer = await world.post(csv_bytes(unknown_institution))
    assert answer.status_code == 422, answer.text
    assert [(p["row"], p["code"]) for p in answer.json()["errors"]] == [(2, "institution.unknown")]


async def test_only_the_province_admin_imports_and_files_of_every_format_load(world: World) -> None:
    refused = await world.post(csv_bytes(skill_rows(1)), role=Role.PROVINCE_REVIEWER)
    assert refused.status_code == 403, refused.text
    bad_source = await world.post(csv_bytes(skill_rows(1)), source="old system!")
    assert bad_source.status_code == 422, bad_source.text
    rows = skill_rows(2)
    keys = ("number", "kind", "name", "id_type", "id_number", "subject_code", "level", "institution", "authority",
            "issued_on", "print_serial", "status", "revoked_on", "revoke_reason")  # fmt: skip
    as_json = json.dumps([dict(zip(keys, row, strict=True)) for row in rows], ensure_ascii=False).encode()
    answer = await world.post(as_json, name="legacy.json")
    assert answer.status_code == 201, answer.text
    assert answer.json()["imported"] == 2


async def test_new_numbering_starts_after_the_highest_imported_sequence(world: World) -> None:
    # the province's day (from 16:00 UTC on 31 December its year is the next one), one reading for the imported
    # number and the certificate issued after it: a number carries the year of its issue there
    today = province_day(datetime.now(UTC))
    imported = skill_number(500, year=today.year)
    row = [imported, *skill_rows(1, issued_on=today)[0][1:]]
    answer = await world.post(csv_bytes([row]))
    assert answer.status_code == 201, answer.text
    scope, floor = counter_floor(HUNAN, imported) or ("", 0)
    async with world.database.reader() as session:
        assert await peek(session, scope) == floor == 501
    (issued,) = await issue_test_certificates(
        world.database, key_store(Path(world.settings.keys.key_dir)), [("王五", "430102199003071234")], issued_on=today
    )
    assert issued.number == skill_number(501, year=today.year)  # the counter's scope is the imported number's
