"""Print serials (印制流水码, NUMBERING.md "Print serial and reissue", issue 11): every certificate carries one,
apart from its number; a qualification certificate reissued after loss (补发) keeps its number and gets a
new print serial — the old print void, both logged, the certificate still valid, the audit clean."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from click.testing import CliRunner
from sqlalchemy import func, select

from issuer.cli import main
from registry.audit.findings import AuditReport
from registry.audit.run import run_audit
from registry.calendar import province_day
from registry.certificates import status_of
from registry.db import Database
from registry.events import decode_entry
from registry.models import Certificate, CertificatePrint, Event
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind, CertificateStatus
from tests.factories import CITY, HOLDER_IDS, STATION, WELDER, TestCertificate, issue_test_certificates, key_store
from tests.integration.issuing.batches import rows_of, workflow_batch
from tests.integration.issuing.conftest import Api
from tests.integration.issuing.test_cli import _env, _prepare
from tests.integration.log.tampering import log_seeded_filings
from tests.support import make_settings

REASON = "证书遗失，登报声明作废 / lost, declared void in the press"


def this_year() -> int:
    """The province's current year (print serials carry it), read when a test needs it: a constant read at
    import (collection) named the old year in a run that went on past the province's midnight on 31 December
    (16:00 UTC)."""
    return province_day(datetime.now(UTC)).year


async def audit(api: Api) -> AuditReport:
    """The whole audit, as ``certreg audit`` runs it (the seeded filings logged as a reference load would)."""
    if not await logged_filings(api.world.database):
        await log_seeded_filings(api.world.database)
    return await run_audit(api.world.database, make_settings().transparency.log_origin)


async def logged_filings(database: Database) -> int:
    async with database.reader() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Event).where(Event.kind == "filing.created")) or 0
        )


async def qualification(api: Api, count: int = 1) -> list[TestCertificate]:
    holders = [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1]), ("王五", HOLDER_IDS[2])][:count]
    return await issue_test_certificates(
        api.world.database, api.world.store, holders, kind=CertificateKind.QUALIFICATION, subject=WELDER,
        institution=STATION, authority=CITY,
    )  # fmt: skip


async def prints(api: Api, number: str) -> Any:
    response = await api.client.get(f"/v1/certificates/{number}/prints", headers=api.headers["province_admin"])
    assert response.status_code == 200, response.text
    return response.json()


async def events_of(api: Api, number: str) -> list[tuple[str, dict[str, Any]]]:
    async with api.world.database.reader() as session:
        rows = (await session.scalars(select(Event.data).where(Event.subject == number).order_by(Event.idx))).all()
    return [(entry.kind, entry.details) for entry in map(decode_entry, rows)]


async def test_every_certificate_gets_a_print_serial_from_its_authoritys_counter(api: Api) -> None:
    made = await qualification(api, 3)
    serials = [(await prints(api, cert.number))["print_serial"] for cert in made]
    # the Hunan profile's shape: the authority's region, the year, an 8-digit gap-free sequence, in row order
    assert serials == [f"{CITY}{this_year()}{n:08d}" for n in (1, 2, 3)]
    assert all(serial not in cert.number for serial, cert in zip(serials, made, strict=True))  # never the number
    kind, details = (await events_of(api, made[0].number))[0]
    assert (kind, details["print_serial"]) == ("certificate.issued", serials[0])


async def test_a_qualification_reissue_keeps_its_number_and_gets_a_new_print_serial(api: Api) -> None:
    (cert,) = await qualification(api)
    first = (await prints(api, cert.number))["print_serial"]
    response = await api.client.post(
        f"/v1/certificates/{cert.number}/reissue", json={"reason": REASON}, headers=api.headers["province_admin"]
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["old_number"], body["number"], body["change"]) == (cert.number, cert.number, "reprinted")
    assert (body["voided_print_serial"], body["print_serial"]) == (first, f"{CITY}{this_year()}{2:08d}")
    async with api.world.database.reader() as session:
        assert (await session.scalars(select(Certificate.number))).all() == [cert.number]  # no new number
        assert (await status_of(session, cert.number)).status is CertificateStatus.VALID
    listed = await prints(api, cert.number)
    assert listed["status"] == "valid"
    assert listed["print_serial"] == body["print_serial"]
    assert [(p["serial"], p["void"], p["reason"]) for p in listed["prints"]] == [
        (first, True, ""),
        (body["print_serial"], False, REASON),
    ]
    assert [kind for kind, _ in await events_of(api, cert.number)] == ["certificate.issued", "certificate.reprinted"]
    reprinted = (await events_of(api, cert.number))[1][1]
    assert reprinted == {"serial": body["print_serial"], "replaces": first, "given": False}
    verdict = (await api.client.get(f"/v1/qr/{cert.token}")).json()  # the same QR code still verifies
    assert verdict["result"] == "valid"
    report = await audit(api)
    assert report.clean, report.discrepancies
    assert report.prints == 2


async def test_a_serial_given_for_a_pre_printed_blank(api: Api) -> None:
    """000:35: qualification blanks are controlled stock with their own serial, which the operator gives."""
    first, second = await qualification(api, 2)
    admin = api.headers["province_admin"]
    given = await api.client.post(
        f"/v1/certificates/{first.number}/reissue", json={"reason": REASON, "print_serial": " hn 0012345 "},
        headers=admin,
    )  # fmt: skip
    assert given.status_code == 201, given.text
    assert given.json()["print_serial"] == "HN0012345"
    async with api.world.database.reader() as session:
        row = await session.scalar(select(CertificatePrint).where(CertificatePrint.serial == "HN0012345"))
        assert row is not None
        assert row.given
    cases = {
        "HN0012345": (409, "already used"),  # one blank, one print
        "HN-0012345": (400, "serial.format"),
        f"{CITY}{this_year()}00000099": (400, "serial.reserved"),  # the shape the registry allocates
    }
    for serial, (status, what) in cases.items():
        answer = await api.client.post(
            f"/v1/certificates/{second.number}/reissue", json={"reason": REASON, "print_serial": serial}, headers=admin
        )
        assert answer.status_code == status, (serial, answer.text)
        assert what in answer.text
    report = await audit(api)
    assert report.clean, report.discrepancies


async def test_other_kinds_are_reissued_under_a_new_number_and_print(api: Api) -> None:
    holders = [("张三", HOLDER_IDS[0])]
    (cert,) = await issue_test_certificates(api.world.database, api.world.store, holders)
    admin = api.headers["province_admin"]
    refused = await api.client.post(
        f"/v1/certificates/{cert.number}/reissue", json={"reason": REASON, "print_serial": "HN0012345"}, headers=admin
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "serial.not_applicable"
    response = await api.client.post(f"/v1/certificates/{cert.number}/reissue", json={"reason": REASON}, headers=admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["change"] == "reissued"
    assert body["number"] != cert.number
    assert body["print_serial"] == (await prints(api, body["number"]))["print_serial"]
    assert body["print_serial"] != (await prints(api, cert.number))["print_serial"]


async def test_the_profile_decides_which_kinds_keep_their_number(api: Api) -> None:
    assert HUNAN.reissue_keeps(CertificateKind.QUALIFICATION)
    assert not HUNAN.reissue_keeps(CertificateKind.SKILL_LEVEL)
    assert not HUNAN.reissue_keeps(CertificateKind.SPECIAL_ABILITY)
    changed = msgspec.structs.replace(HUNAN, reissue_keeps_number=frozenset())
    assert not changed.reissue_keeps(CertificateKind.QUALIFICATION)
    assert msgspec.json.decode(changed.to_json(), type=type(HUNAN)) == changed


async def test_the_export_carries_the_print_serial_and_the_reprint(api: Api) -> None:
    (cert,) = await qualification(api)
    first = (await prints(api, cert.number))["print_serial"]
    admin = api.headers["province_admin"]
    reissued = await api.client.post(f"/v1/certificates/{cert.number}/reissue", json={"reason": REASON}, headers=admin)
    second = reissued.json()["print_serial"]
    await api.client.post(f"/v1/certificates/{cert.number}/revoke", json={"reason": "舞弊 / fraud"}, headers=admin)
    export = await api.client.get("/v1/exports/certificates", headers=admin)
    assert export.status_code == 200
    lines = [msgspec.json.decode(line) for line in export.content.splitlines()]
    assert [(x["event"], x["status"], x["print_serial"], x["voided_print_serial"]) for x in lines] == [
        ("certificate.issued", "valid", first, None),
        ("certificate.reprinted", "valid", second, first),
        ("certificate.revoked", "revoked", second, None),
    ]


async def test_an_operator_sees_each_rows_print_serial_in_the_batch(api: Api) -> None:
    batch_id = await workflow_batch(api.world.database, rows_of(3))
    issued = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["province_admin"])
    assert issued.status_code == 200, issued.text
    detail = await api.client.get(f"/v1/batches/{batch_id}", headers=api.headers["institution"])
    assert detail.status_code == 200, detail.text
    rows = detail.json()["rows"]["items"]
    assert [row["print_serial"] for row in rows] == [f"{CITY}{this_year()}{n:08d}" for n in (1, 2, 3)]
    assert [row["certificate_number"] for row in rows] == issued.json()["numbers"]


def test_the_cli_shows_print_serials_and_reissues_on_a_pre_printed_blank(empty_db_url: str, tmp_path: Path) -> None:
    batch_id = _prepare(empty_db_url, tmp_path / "keys", rows=2)
    env = _env(empty_db_url, tmp_path / "keys")
    runner = CliRunner()
    assert runner.invoke(main, ["issue-batch", str(batch_id)], env=env).exit_code == 0
    shown = runner.invoke(main, ["batches", "show", str(batch_id)], env=env)
    assert shown.exit_code == 0, shown.output
    assert f"{CITY}{this_year()}00000001" in shown.output
    assert f"{CITY}{this_year()}00000002" in shown.output

    async def qualification_certificate() -> str:
        async with Database(empty_db_url) as database:
            made = await issue_test_certificates(
                database, key_store(tmp_path / "keys"), [("张三", HOLDER_IDS[0])],
                kind=CertificateKind.QUALIFICATION, subject=WELDER, institution=STATION, authority=CITY,
            )  # fmt: skip
            return made[0].number

    number = asyncio.run(qualification_certificate())
    args = ["certificates", "reissue", number, "--reason", REASON, "--print-serial", "HN0012345"]
    reissued = runner.invoke(main, args, env=env)
    assert reissued.exit_code == 0, reissued.output
    assert "HN0012345" in reissued.output
    assert f"void: {CITY}{this_year()}00000003" in reissued.output
    listed = runner.invoke(main, ["certificates", "prints", number], env=env)
    assert listed.exit_code == 0, listed.output
    assert "作废 void" in listed.output
    assert "有效 valid" in listed.output
    bad = runner.invoke(main, [*args[:-1], "HN-1"], env=env)
    assert bad.exit_code != 0
    assert "serial.format" in bad.output or "malformed" in bad.output
