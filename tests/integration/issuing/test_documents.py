"""Certificate documents served to issuers (issue 15, phase 2): one certificate's PDF, a batch's zip and print
run, the QR archive, built once and kept; download events; what a change redraws; access and bad input."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from typing import Any

import pytest
import zxingcpp
from openapi_spec_validator import validate
from PIL import Image
from sqlalchemy import select

import issuer.artefacts.build
from issuer.documents.extract import extract_token
from issuer.issuing.changes import ChangeOrder, reissue_certificate, revoke_certificate
from issuer.issuing.service import issue_batch
from keys.keyset import KeySet
from registry.events import decode_entry
from registry.keyring import load_keyset
from registry.models import BuiltArtefact, Certificate, Event, HolderIdentity
from registry.qrtoken import encode_token, token_from_text, token_url
from registry.rules.profiles import HUNAN
from tests.factories import HOLDER_IDS, STATION, WELDER
from tests.integration.issuing.batches import (
    OPERATOR,
    SPECIAL,
    Row,
    add_projects,
    clean_projects,
    make_batch,
    rows_of,
    special_rows,
)
from tests.integration.issuing.conftest import Api
from tests.integration.issuing.sealed import sealed_batch
from tests.support import qr_only
from tests.unit.documents.sample import ARTIFACTS, page_png, pdf_text
from verify.verifier import verify_token

PUBLIC_URL = "http://testserver"


async def _keyset(api: Api) -> KeySet:
    async with api.world.database.reader() as session:
        return KeySet.from_json((await load_keyset(session)).to_json())


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def _events(api: Api, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    async with api.world.database.reader() as session:
        rows = (await session.scalars(select(Event).where(Event.kind == kind).order_by(Event.idx))).all()
    return [(row.actor, row.subject, decode_entry(row.data).details) for row in rows]


async def test_a_certificate_pdf_shows_every_field_its_qr_and_token_verify_and_the_read_is_logged(api: Api) -> None:
    _, certificates = await sealed_batch(api)
    cert = certificates[1]
    headers = api.headers["institution"]
    response = await api.client.get(f"/v1/certificates/{cert.number}/certificate.pdf", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    pdf = response.content
    text = _squeeze(pdf_text(pdf))
    expected_token = encode_token(cert.statement, cert.signature)
    for value in (cert.holder_name, "居民身份证", HOLDER_IDS[1], "电工", "三级/高级工", cert.number, "电子证书",
                  f"{cert.issued_on.year}年{cert.issued_on.month}月{cert.issued_on.day}日", PUBLIC_URL):  # fmt: skip
        assert _squeeze(value) in text, value
    assert extract_token(pdf) == expected_token
    keyset = await _keyset(api)
    assert verify_token(extract_token(pdf), keyset).valid
    png = page_png(pdf, ARTIFACTS / "served-skill_level-electronic.png")
    with Image.open(png) as page:
        codes = zxingcpp.read_barcodes(page, formats=qr_only())
    assert [code.text for code in codes] == [token_url(PUBLIC_URL, expected_token)]
    assert verify_token(token_from_text(codes[0].text), keyset).valid
    logged = await _events(api, "certificate.document")
    ((actor, subject, details),) = logged
    assert (subject, details) == (cert.number, {"variant": "electronic"})
    assert ":institution:" in actor  # who: the institution's token
    printed = await api.client.get(f"/v1/certificates/{cert.number}/certificate.pdf?variant=print", headers=headers)
    assert printed.status_code == 200
    assert "电子证书" not in pdf_text(printed.content)
    assert HOLDER_IDS[1] in _squeeze(pdf_text(printed.content))


async def test_a_special_ability_certificate_is_served_and_saved_as_an_artifact(api: Api) -> None:
    (project,) = clean_projects(1)
    await add_projects(api.world.database, [project])
    _, certificates = await sealed_batch(api, special_rows(2)[:2], **SPECIAL)
    number = certificates[0].number
    response = await api.client.get(f"/v1/certificates/{number}/certificate.pdf", headers=api.headers["city"])
    assert response.status_code == 200, response.text
    text = _squeeze(pdf_text(response.content))
    assert number in text
    assert "专项职业能力" in text
    page_png(response.content, ARTIFACTS / "served-special_ability-electronic.png")


async def test_bad_variant_number_or_batch_and_other_organisations(api: Api) -> None:
    batch_id, certificates = await sealed_batch(api)
    number = certificates[0].number
    own = api.headers["institution"]
    bad = await api.client.get(f"/v1/certificates/{number}/certificate.pdf?variant=poster", headers=own)
    assert bad.status_code == 400
    assert bad.json()["code"] == "variant.unknown"
    assert " / " in bad.json()["error"]
    assert (await api.client.get("/v1/certificates/12345/certificate.pdf", headers=own)).status_code == 400
    bad_zip = await api.client.get(f"/v1/batches/{batch_id}/certificates.zip?variant=x", headers=own)
    assert bad_zip.status_code == 400
    assert (await api.client.get("/v1/batches/987654/certificates.zip", headers=own)).status_code == 404
    other = api.headers["site"]  # another institution: the 404 of an unknown batch
    assert (await api.client.get(f"/v1/batches/{batch_id}/certificates.zip", headers=other)).status_code == 404
    assert (await api.client.get(f"/v1/certificates/{number}/certificate.pdf", headers=other)).status_code == 404
    city = await api.client.get(f"/v1/batches/{batch_id}/certificates.pdf", headers=api.headers["city"])
    assert city.status_code == 403  # a city centre hands out special-ability certificates only
    reviewer = api.headers["province_reviewer"]
    assert (await api.client.get(f"/v1/batches/{batch_id}/certificates.zip", headers=reviewer)).status_code == 403
    assert (await api.client.get(f"/v1/batches/{batch_id}/certificates.zip")).status_code == 401
    assert await _events(api, "batch.documents") == []  # nothing refused was logged


async def _artefact(api: Api, batch_id: int, kind: str) -> BuiltArtefact:
    async with api.world.database.reader() as session:
        row = await session.scalar(
            select(BuiltArtefact).where(BuiltArtefact.batch_id == batch_id, BuiltArtefact.kind == kind)
        )
    assert row is not None
    return row


async def test_the_zip_is_built_once_kept_and_a_revoke_redraws_nothing_else(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(issuer.artefacts.sources, "PAGE", 2)  # several pages: the page loader is exercised
    monkeypatch.setattr(issuer.artefacts.build, "PAGE", 2)
    batch_id, certificates = await sealed_batch(api)
    headers = api.headers["institution"]
    url = f"/v1/batches/{batch_id}/certificates.zip?variant=electronic"
    first, second = await asyncio.gather(api.client.get(url, headers=headers), api.client.get(url, headers=headers))
    assert first.status_code == second.status_code == 200, first.text
    assert first.content == second.content  # concurrent first requests: one build
    assert first.headers["content-length"] == str(len(first.content))
    archive = zipfile.ZipFile(io.BytesIO(first.content))
    names = [f"{c.number}.pdf" for c in certificates]
    assert archive.namelist() == [*names, "manifest.csv"]
    manifest = archive.read("manifest.csv").decode("utf-8-sig").splitlines()
    assert manifest[0] == "number,file,note"
    assert all("no photo" in line for line in manifest[1:])  # no photo uploaded: each box left empty, reported
    keyset = await _keyset(api)
    for cert, name in zip(certificates, names, strict=True):
        assert extract_token(archive.read(name)) == encode_token(cert.statement, cert.signature)
        assert verify_token(extract_token(archive.read(name)), keyset).valid
    built = await _artefact(api, batch_id, "certificates_zip")
    assert (built.rendered, built.members) == (3, 3)
    assert built.sha256.hex() == first.headers["etag"].strip('"')

    third = await api.client.get(url, headers=headers)  # served from the kept file: nothing drawn again
    assert third.content == first.content
    again = await _artefact(api, batch_id, "certificates_zip")
    assert (again.built_at, again.rendered, again.id) == (built.built_at, built.rendered, built.id)
    logged = await _events(api, "batch.documents")
    assert len(logged) == 3  # every download is an event: who, which batch, which variant
    assert {(subject, details["variant"], details["format"]) for _, subject, details in logged} == {
        (f"batch:{batch_id}", "electronic", "zip")
    }

    revoked = certificates[1].number
    await revoke_certificate(api.world.database, HUNAN, revoked, order=ChangeOrder(reason="伪造材料", caller=OPERATOR))
    after = await api.client.get(url, headers=headers)
    rebuilt = await _artefact(api, batch_id, "certificates_zip")
    assert rebuilt.rendered == 0  # the others are copied from the kept file, not drawn again
    archive2 = zipfile.ZipFile(io.BytesIO(after.content))
    assert archive2.namelist() == [names[0], names[2], "manifest.csv"]
    assert archive2.read(names[0]) == archive.read(names[0])
    assert f"{revoked},,revoked or superseded" in archive2.read("manifest.csv").decode("utf-8-sig").replace(
        "证书已撤销或已换发（补发），未包含 / ", ""
    )


async def test_a_photo_upload_redraws_and_a_qualification_reprint_redraws_only_that_one(api: Api) -> None:
    batch_id, certificates = await sealed_batch(api)
    headers = api.headers["institution"]
    url = f"/v1/batches/{batch_id}/certificates.zip?variant=print"
    assert (await api.client.get(url, headers=headers)).status_code == 200
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as archive:
        archive.writestr(f"{HOLDER_IDS[0]}.jpg", _photo())
    uploaded = await api.client.post(
        f"/v1/batches/{batch_id}/photos", files={"file": ("photos.zip", photos.getvalue())}, headers=headers
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["stored_rows"] == [2]
    assert uploaded.json()["rows_without_photo"] == [3, 4]
    after = await api.client.get(url, headers=headers)
    assert (await _artefact(api, batch_id, "certificates_zip")).rendered == 3  # a photo upload redraws the batch
    manifest = zipfile.ZipFile(io.BytesIO(after.content)).read("manifest.csv").decode("utf-8-sig").splitlines()
    assert manifest[1] == f"{certificates[0].number},{certificates[0].number}.pdf,"  # its photo is drawn
    assert "no photo" in manifest[2]
    pdf = zipfile.ZipFile(io.BytesIO(after.content)).read(f"{certificates[0].number}.pdf")
    assert b"/Subtype /Image" in pdf


def _photo(size: tuple[int, int] = (330, 440)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(out, "JPEG", quality=85)
    return out.getvalue()


async def test_bad_photos_get_problems_by_file_and_row_never_the_number(api: Api) -> None:
    batch_id, _ = await sealed_batch(api)
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as archive:
        archive.writestr(f"{HOLDER_IDS[0]}.jpg", _photo())
        archive.writestr(f"sub/{HOLDER_IDS[0].lower()}.png", _photo())  # the same row again
        archive.writestr("110101199003070011.jpg", _photo())  # nobody of this batch
        archive.writestr(f"{HOLDER_IDS[1]}.jpg", b"GIF89a not a photo")
        archive.writestr(f"{HOLDER_IDS[2]}.jpg", _photo((600, 400)))  # landscape
    headers = api.headers["institution"]
    response = await api.client.post(
        f"/v1/batches/{batch_id}/photos", files={"file": ("photos.zip", photos.getvalue())}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored_rows"] == [2]
    found = [(p["file"], p["row"], p["code"]) for p in body["problems"]]
    assert found == [
        (2, 2, "photo.duplicate"),
        (3, None, "photo.unknown"),
        (4, 3, "photo.type"),
        (5, 4, "photo.aspect"),
    ]
    assert all(" " in p["message_zh"] + p["message_en"] for p in body["problems"])
    assert not any(number in response.text for number in (*HOLDER_IDS, "110101199003070011"))
    not_zip = await api.client.post(
        f"/v1/batches/{batch_id}/photos", files={"file": ("photos.zip", b"plain text")}, headers=headers
    )
    assert not_zip.status_code == 422
    assert not_zip.json()["code"] == "upload.zip"
    other = await api.client.post(
        f"/v1/batches/{batch_id}/photos", files={"file": ("p.zip", photos.getvalue())}, headers=api.headers["site"]
    )
    assert other.status_code == 404


async def test_the_print_run_pdf_and_the_qr_zip_are_kept(api: Api) -> None:
    batch_id, certificates = await sealed_batch(api)
    admin = api.headers["province_admin"]
    run = await api.client.get(f"/v1/batches/{batch_id}/certificates.pdf", headers=admin)
    assert run.status_code == 200, run.text
    assert run.headers["content-type"] == "application/pdf"
    text = pdf_text(run.content)
    assert text.count("\f") == len(certificates)  # one page each
    assert all(c.number in text for c in certificates)
    qr = await api.client.get(f"/v1/batches/{batch_id}/qr.zip", headers=admin)
    again = await api.client.get(f"/v1/batches/{batch_id}/qr.zip", headers=admin)
    assert qr.content == again.content
    assert (await _artefact(api, batch_id, "qr_zip")).rendered == len(certificates)
    logged = await _events(api, "batch.documents")
    assert [(details["format"], details["variant"]) for _, _, details in logged] == [("pdf", "print")]
    bad = await api.client.get(f"/v1/batches/{batch_id}/qr.zip?mode=tiny", headers=admin)
    assert bad.status_code == 400


async def test_a_certificate_without_a_sealed_identity_gets_no_document(api: Api) -> None:

    batch_id = await make_batch(api.world.database, rows_of(1))
    await issue_batch(api.world.database, api.world.store, HUNAN, batch_id, caller=OPERATOR)
    async with api.world.database.reader() as session:
        number = await session.scalar(select(Certificate.number).where(Certificate.batch_id == batch_id))
    admin = api.headers["province_admin"]
    one = await api.client.get(f"/v1/certificates/{number}/certificate.pdf", headers=admin)
    assert one.status_code == 409
    assert "no full document number" in one.json()["error"]
    archive = zipfile.ZipFile(io.BytesIO((await api.client.get(f"/v1/batches/{batch_id}/certificates.zip",
                                                                headers=admin)).content))  # fmt: skip
    assert archive.namelist() == ["manifest.csv"]
    assert "document.unsealed" in archive.read("manifest.csv").decode("utf-8-sig")
    run = await api.client.get(f"/v1/batches/{batch_id}/certificates.pdf", headers=admin)
    assert run.status_code == 409  # not one page to print
    assert " / " in run.json()["error"]


async def test_a_revoked_or_superseded_certificate_gets_no_document(api: Api) -> None:
    """The batch's files leave out a revoked or superseded certificate; its own certificate.pdf was still
    drawn (a print page for blank stock, the holder's full number) and logged."""
    _, certificates = await sealed_batch(api)
    revoked, superseded = certificates[0].number, certificates[1].number
    await revoke_certificate(api.world.database, HUNAN, revoked, order=ChangeOrder(reason="伪造材料", caller=OPERATOR))
    successor = await reissue_certificate(
        api.world.database, api.world.store, HUNAN, superseded, order=ChangeOrder(reason="遗失补发", caller=OPERATOR)
    )
    headers = api.headers["institution"]
    new = successor.number  # a 补发 under a new number: the message names it, and does not call it 换发
    for number, zh, en in (
        (revoked, f"证书 {revoked} 当前状态为已撤销，不再生成证书文件",
         f"certificate {revoked} is revoked: no document is made for it"),
        (superseded, f"证书 {superseded} 已被新证书 {new} 取代（补发或换发），不再生成证书文件；"
         f"请下载 {new} 的证书文件",
         f"certificate {superseded} is superseded by {new}: no document is made for it; download {new}'s document"),
    ):  # fmt: skip
        for variant in ("electronic", "print"):
            refused = await api.client.get(
                f"/v1/certificates/{number}/certificate.pdf?variant={variant}", headers=headers
            )
            assert refused.status_code == 409, (number, variant)
            assert (refused.json()["message_zh"], refused.json()["message_en"]) == (zh, en)
    assert await _events(api, "certificate.document") == []  # nothing drawn, nothing logged
    served = await api.client.get(f"/v1/certificates/{successor.number}/certificate.pdf", headers=headers)
    assert served.status_code == 200, served.text


async def test_a_qualification_reprint_redraws_only_that_certificate(api: Api) -> None:
    rows = [Row(name=f"焊工{i}", holder_id=HOLDER_IDS[i], subject=WELDER, level=3) for i in range(3)]
    batch_id, certificates = await sealed_batch(api, rows, institution=STATION, kind="qualification")
    url = f"/v1/batches/{batch_id}/certificates.zip?variant=print"
    admin = api.headers["province_admin"]
    before = zipfile.ZipFile(io.BytesIO((await api.client.get(url, headers=admin)).content))
    number = certificates[2].number
    lost = ChangeOrder(reason="遗失补发", caller=OPERATOR)
    await reissue_certificate(
        api.world.database, api.world.store, HUNAN, number, order=lost
    )  # 补发 keeps the number of a qualification certificate: a new print serial, 备注 补发
    after = zipfile.ZipFile(io.BytesIO((await api.client.get(url, headers=admin)).content))
    assert (await _artefact(api, batch_id, "certificates_zip")).rendered == 1
    names = [f"{c.number}.pdf" for c in certificates]
    assert after.namelist() == [*names, "manifest.csv"]
    assert [after.read(n) == before.read(n) for n in names] == [True, True, False]
    assert "补发" in pdf_text(after.read(names[2]))
    page_png(after.read(names[2]), ARTIFACTS / "served-qualification-print.png")


async def test_the_openapi_document_describes_the_document_routes(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    validate(document)
    scheme = document["components"]["securitySchemes"]["issuerBearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path in ("/v1/certificates/{number}/certificate.pdf", "/v1/batches/{batch_id}/certificates.zip",
                 "/v1/batches/{batch_id}/certificates.pdf", "/v1/batches/{batch_id}/qr.zip"):  # fmt: skip
        operation = document["paths"][path]["get"]
        assert operation["security"] == [{"issuerBearer": []}]
        assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    assert "/v1/batches/{batch_id}/photos" in document["paths"]


async def test_a_sealed_number_that_does_not_open_is_a_503_and_nothing_is_logged(api: Api) -> None:
    _, certificates = await sealed_batch(api)
    first, second = (c.holder_identity_id for c in certificates[:2])
    async with api.world.database.transaction() as session:
        a, b = (await session.get(HolderIdentity, first), await session.get(HolderIdentity, second))
        assert a is not None
        assert b is not None
        a.number_sealed, b.number_sealed = b.number_sealed, a.number_sealed  # moved onto another row: no longer opens
    number = certificates[0].number
    response = await api.client.get(f"/v1/certificates/{number}/certificate.pdf", headers=api.headers["province_admin"])
    assert response.status_code == 503
    assert response.json()["code"] == "identity.unavailable"
    assert await _events(api, "certificate.document") == []


async def test_a_batch_whose_certificates_are_all_superseded_has_no_zip_as_it_has_no_print_run(api: Api) -> None:
    """certificates.pdf was a 409 while certificates.zip answered 200 with only a manifest: the same 409 now."""
    batch_id, certificates = await sealed_batch(api)
    for certificate in certificates:
        await reissue_certificate(
            api.world.database, api.world.store, HUNAN, certificate.number,
            order=ChangeOrder(reason="遗失补发", caller=OPERATOR),
        )  # fmt: skip
    headers = api.headers["institution"]
    answers = [
        await api.client.get(f"/v1/batches/{batch_id}/{name}", headers=headers)
        for name in ("certificates.pdf", "certificates.zip?variant=electronic", "certificates.zip?variant=print")
    ]
    assert [a.status_code for a in answers] == [409, 409, 409]
    assert {(a.json()["code"], a.json()["error"]) for a in answers} == {
        (
            "document.nothing_to_print",
            "批次中没有有效的证书可打印（均已撤销或已换发、补发）/ the batch has no valid certificate to print (each "
            "is revoked or superseded)",
        )
    }
    assert await _events(api, "batch.documents") == []  # nothing handed out, nothing logged
