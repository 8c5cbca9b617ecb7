"""QR images of issued certificates (zip of a batch, one at a time) and the NDJSON export feed."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
import pytest
from sqlalchemy import event, select, update

import issuer.issuing.exports
import issuer.issuing.qrcodes
from issuer.issuing.exports import export_lines
from issuer.issuing.service import issue_batch
from registry.log.store import log_size
from registry.models import Certificate
from registry.qrtoken import encode_token, short_url, token_url
from registry.rules.profiles import HUNAN
from tests.integration.issuing.batches import OPERATOR, rows_of, workflow_batch
from tests.integration.issuing.conftest import Api
from tests.support import read_qr

PUBLIC_URL = "http://testserver"  # tests.support.make_settings


async def _issued(api: Api, count: int) -> tuple[int, list[Certificate]]:
    world = api.world
    batch_id = await workflow_batch(world.database, rows_of(count))
    await issue_batch(world.database, world.store, HUNAN, batch_id, caller=OPERATOR)
    async with world.database.reader() as session:
        query = select(Certificate).where(Certificate.batch_id == batch_id).order_by(Certificate.batch_row_no)
        return batch_id, list((await session.scalars(query)).all())


async def test_batch_qr_zip_holds_an_svg_and_a_png_per_certificate(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(issuer.issuing.qrcodes, "PAGE", 2)  # several pages: keyset pagination is exercised
    batch_id, certificates = await _issued(api, 5)
    response = await api.client.get(f"/v1/batches/{batch_id}/qr.zip", headers=api.headers["institution"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert f"batch-{batch_id}-qr.zip" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    expected = [name for c in certificates for name in (f"{c.number}.svg", f"{c.number}.png")]
    assert archive.namelist() == [*expected, "manifest.csv"]
    manifest = archive.read("manifest.csv").decode("utf-8-sig").splitlines()
    assert manifest == ["number,svg,png", *(f"{c.number},{c.number}.svg,{c.number}.png" for c in certificates)]
    cert = certificates[3]
    assert read_qr(archive.read(f"{cert.number}.png")) == token_url(
        PUBLIC_URL, encode_token(cert.statement, cert.signature)
    )
    svg = archive.read(f"{cert.number}.svg")
    assert svg.startswith(b"<?xml")
    assert cert.number.encode() in svg  # its title


async def test_the_short_mode_archive_has_a_name_of_its_own(api: Api) -> None:
    """Both archives of a batch saved in one folder: the short links' one was also batch-N-qr.zip, and the
    browser kept it as 'batch-N-qr (1).zip', one easily printed for the other."""
    batch_id, certificates = await _issued(api, 1)
    response = await api.client.get(f"/v1/batches/{batch_id}/qr.zip?mode=short", headers=api.headers["institution"])
    assert response.status_code == 200, response.text
    assert f'filename="batch-{batch_id}-qr-short.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert read_qr(archive.read(f"{certificates[0].number}.png")) == f"{PUBLIC_URL}/c/{certificates[0].number}"


async def test_qr_zip_file_names_never_hold_a_star(api: Api) -> None:
    """``*`` (a MOD 37-2 check character) is not allowed in a Windows file name: it is written ``_x``."""
    batch_id, certificates = await _issued(api, 2)
    starred = certificates[1].number[:-1] + "*"
    async with api.world.database.transaction() as session:
        await session.execute(
            update(Certificate).where(Certificate.number == certificates[1].number).values(number=starred)
        )
    response = await api.client.get(f"/v1/batches/{batch_id}/qr.zip", headers=api.headers["institution"])
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    stem = starred[:-1] + "_x"
    assert archive.namelist()[2:] == [f"{stem}.svg", f"{stem}.png", "manifest.csv"]
    assert not any(set(name) & set('*<>:"/\\|?') for name in archive.namelist())
    assert archive.read("manifest.csv").decode("utf-8-sig").splitlines()[2] == f"{starred},{stem}.svg,{stem}.png"
    assert starred.encode() in archive.read(f"{stem}.svg")  # the title keeps the real number


async def test_one_qr_code_and_the_short_mode(api: Api) -> None:
    _, certificates = await _issued(api, 1)
    cert = certificates[0]
    headers = api.headers["city"]
    png = await api.client.get(f"/v1/certificates/{cert.number}/qr.png", headers=headers)
    short = await api.client.get(f"/v1/certificates/{cert.number}/qr.png?mode=short", headers=headers)
    svg = await api.client.get(f"/v1/certificates/{cert.number.lower()}/qr.svg", headers=headers)
    bad_mode = await api.client.get(f"/v1/certificates/{cert.number}/qr.png?mode=tiny", headers=headers)
    assert (png.headers["content-type"], svg.headers["content-type"]) == ("image/png", "image/svg+xml")
    assert read_qr(png.content) == token_url(PUBLIC_URL, encode_token(cert.statement, cert.signature))
    assert read_qr(short.content) == short_url(PUBLIC_URL, cert.number)
    assert svg.status_code == 200  # a number typed in lower case is normalised
    assert bad_mode.status_code == 400


async def test_qr_zip_of_a_batch_not_issued_or_missing(api: Api) -> None:
    batch_id = await workflow_batch(api.world.database, rows_of(1))
    admin = api.headers["province_admin"]
    assert (await api.client.get(f"/v1/batches/{batch_id}/qr.zip", headers=admin)).status_code == 409
    assert (await api.client.get("/v1/batches/424242/qr.zip", headers=admin)).status_code == 404


async def _export(api: Api, since: str | None = None) -> list[dict[str, object]]:
    query = "" if since is None else f"?since={since}"
    response = await api.client.get(f"/v1/exports/certificates{query}", headers=api.headers["province_reviewer"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


async def test_export_is_resumable_from_the_last_event_id(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(issuer.issuing.exports, "PAGE", 2)
    _, certificates = await _issued(api, 3)
    admin = api.headers["province_admin"]
    first, second = certificates[0].number, certificates[1].number
    await api.client.post(f"/v1/certificates/{first}/revoke", json={"reason": "撤销 / fraud"}, headers=admin)
    reissued = await api.client.post(
        f"/v1/certificates/{second}/reissue", json={"reason": "补发 / lost"}, headers=admin
    )
    successor = reissued.json()["number"]
    lines = await _export(api)
    assert [(line["event"], line["number"], line["status"]) for line in lines] == [
        ("certificate.issued", first, "valid"),
        ("certificate.issued", second, "valid"),
        ("certificate.issued", certificates[2].number, "valid"),
        ("certificate.revoked", first, "revoked"),
        ("certificate.issued", successor, "valid"),
        ("certificate.reissued", second, "superseded"),
    ]
    ids = [int(str(line["event_id"])) for line in lines]
    assert ids == sorted(ids)
    assert lines[5]["superseded_by"] == successor
    assert lines[4]["supersedes"] == second
    assert lines[3]["reason"] == "撤销 / fraud"
    assert {"holder_name", "holder_id_masked", "subject_code", "level", "institution_code", "authority_code",
            "assessed_on", "issued_on", "at", "kind"} <= set(lines[0])  # fmt: skip
    assert "holder_id_digest" not in lines[0]
    assert await _export(api, since=str(ids[2])) == lines[3:]  # resumes after the last id seen
    assert await _export(api, since=str(ids[-1])) == []


async def test_export_refuses_a_bad_since(api: Api) -> None:
    answers = {}
    for since in ("-1", "abc", "1.5", "1e3", "", "99999999999999999999", "０"):
        response = await api.client.get(
            f"/v1/exports/certificates?since={since}", headers=api.headers["province_admin"]
        )
        body = msgspec.json.decode(response.content)
        answers[since] = (response.status_code, body["code"], body["field"], " / " in body["error"])
    assert set(answers.values()) == {(400, "since.format", "since", True)}


async def test_export_refuses_a_since_past_the_newest_event(api: Api) -> None:
    """A consumer resuming after an event the log does not hold yet (a mistyped cursor) got 200 and nothing,
    then, once the log grew past it, never the events in between."""
    await _issued(api, 1)
    async with api.world.database.reader() as session:
        newest = await log_size(session) - 1
    admin = api.headers["province_admin"]
    assert (await api.client.get(f"/v1/exports/certificates?since={newest}", headers=admin)).status_code == 200
    response = await api.client.get(f"/v1/exports/certificates?since={newest + 1}", headers=admin)
    assert response.status_code == 400
    body = msgspec.json.decode(response.content)
    assert (body["code"], body["field"]) == ("since.beyond_log", "since")
    assert body["message_zh"] == f"since {newest + 1} 超出透明日志末尾（最新事件编号 {newest}），之后的事件将不会被导出"
    assert f"past the end of the log (newest event {newest})" in body["message_en"]


async def test_export_reads_only_the_columns_it_writes_one_query_a_page(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ORM certificate per line and no second query for the prints (issue 12): one Core query per page
    that never selects the statement, signature or ID digest."""
    monkeypatch.setattr(issuer.issuing.exports, "PAGE", 2)
    await _issued(api, 3)
    database = api.world.database
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    # on PostgreSQL a page is read through asyncpg itself (no SQLAlchemy event sees it): a spy on its fetch
    real_fetch = asyncpg.Connection.fetch

    async def spied_fetch(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        statements.append(query)
        return await real_fetch(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "fetch", spied_fetch)
    event.listen(database.read_engine.sync_engine, "before_cursor_execute", seen)
    try:
        lines = [line async for chunk in export_lines(database, 0) for line in chunk.splitlines()]
    finally:
        event.remove(database.read_engine.sync_engine, "before_cursor_execute", seen)
    assert len(lines) == 3
    assert [msgspec.json.decode(line)["print_serial"] is not None for line in lines] == [True] * 3
    assert len(statements) == 2, statements  # two pages of at most 2
    for unwritten in ("certificate.statement", "certificate.signature", "holder_id_digest"):
        assert unwritten not in statements[0]
