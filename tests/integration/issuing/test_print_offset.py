"""The operator's print offset (issue 15): ``CERTREG_PRINT_OFFSET_MM`` moves every print render and the kept
print files follow it; the test page from the route and the CLI (docs/certificates.md, "Adjusting the print
offset")."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate
from sqlalchemy import select

from issuer.app import create_app
from issuer.cli import main
from registry.models import BuiltArtefact
from tests.factories import HOLDER_IDS
from tests.integration.issuing.batches import Row
from tests.integration.issuing.conftest import Api
from tests.integration.issuing.sealed import sealed_batch
from tests.support import make_settings
from tests.unit.documents.sample import pdf_text, poppler
from tests.unit.documents.test_glyphs import _absent_extension_b, _fallback_font

MM: float = 72 / 25.4  # points per millimetre


def _position(pdf: bytes, word: str) -> tuple[float, float]:
    """Where pdftotext places ``word`` on page 1 (points from the top left)."""
    html = poppler("pdftotext", "-bbox", "-l", "1", "-enc", "UTF-8", "-", "-", data=pdf).decode()
    match = re.search(rf'<word xMin="([0-9.]+)" yMin="([0-9.]+)"[^>]*>{re.escape(word)}</word>', html)
    assert match, f"{word} not on the page"
    return float(match.group(1)), float(match.group(2))


async def _built(api: Api, batch_id: int, kind: str, variant: str) -> BuiltArtefact:
    async with api.world.database.reader() as session:
        row = await session.scalar(
            select(BuiltArtefact).where(
                BuiltArtefact.batch_id == batch_id, BuiltArtefact.kind == kind, BuiltArtefact.variant == variant
            )
        )
    assert row is not None
    return row


async def test_changed_offset_redraws_kept_print_files(api: Api) -> None:
    batch_id, certificates = await sealed_batch(api)
    number = certificates[0].number
    admin = api.headers["province_admin"]
    run_url = f"/v1/batches/{batch_id}/certificates.pdf"
    zip_url = f"/v1/batches/{batch_id}/certificates.zip"
    before = (await api.client.get(run_url, headers=admin)).content
    before_one = await api.client.get(f"/v1/certificates/{number}/certificate.pdf?variant=print", headers=admin)
    assert (await api.client.get(zip_url, headers=admin)).status_code == 200  # electronic, kept
    electronic_built = (await _built(api, batch_id, "certificates_zip", "electronic")).built_at
    assert _position(before, number) == _position(before_one.content, number)  # the profile's offset, both

    moved_settings = make_settings(
        database_url=api.world.database.url, key_dir=str(api.world.key_dir), print_offset_mm="5, -3"
    )  # same database and file store: what a restart with the new setting finds
    async with AsyncTestClient(create_app(moved_settings)) as client:
        after = await client.get(run_url, headers=admin)
        one = await client.get(f"/v1/certificates/{number}/certificate.pdf?variant=print", headers=admin)
        electronic = await client.get(zip_url, headers=admin)
        printed = await client.get(f"{zip_url}?variant=print", headers=admin)
    assert after.status_code == one.status_code == electronic.status_code == printed.status_code == 200
    assert after.content != before  # not the kept file drawn at the old offset
    assert (await _built(api, batch_id, "certificates_pdf", "print")).rendered == len(certificates)
    (x0, y0), (x1, y1) = _position(before, number), _position(after.content, number)
    assert x1 - x0 == pytest.approx(5 * MM, abs=0.05)  # 5 mm right
    assert y1 - y0 == pytest.approx(-3 * MM, abs=0.05)  # 3 mm up
    assert _position(one.content, number) == (x1, y1)  # one certificate's print variant too
    archive = zipfile.ZipFile(io.BytesIO(printed.content))
    assert _position(archive.read(f"{number}.pdf"), number) == (x1, y1)  # and the print zip
    kept = await _built(api, batch_id, "certificates_zip", "electronic")
    assert kept.built_at == electronic_built  # an offset does not move the electronic design: served as kept


async def test_the_test_print_route_draws_the_ruler_at_the_offset_asked(api: Api) -> None:
    url = "/v1/documents/test-print.pdf"
    for role in ("institution", "city", "province_admin"):
        answer = await api.client.get(f"{url}?kind=skill_level&offset=1.5,-2", headers=api.headers[role])
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.content)
    assert "试打印页" in text
    assert "x = +1.5 mm, y = -2.0 mm" in text
    for label in ("10", "50", "100", "200"):  # the millimetre ruler's labels
        assert re.search(rf"(?m)^\s*{label}\s*$", text), label
    default = await api.client.get(f"{url}?kind=qualification", headers=api.headers["site"])
    assert "x = +0.0 mm, y = +0.0 mm" in pdf_text(default.content)  # the profile's offset

    refused = await api.client.get(f"{url}?kind=skill_level", headers=api.headers["province_reviewer"])
    assert refused.status_code == 403
    assert " / " in refused.json()["error"]
    assert (await api.client.get(f"{url}?kind=skill_level")).status_code == 401
    for query, code in (("kind=poster", "kind.unknown"), ("", "kind.unknown"),
                        ("kind=skill_level&offset=25,0", "offset.invalid"),
                        ("kind=skill_level&offset=abc", "offset.invalid"),
                        ("kind=skill_level&offset=1,2,3", "offset.invalid"),
                        ("kind=skill_level&offset=nan,0", "offset.invalid")):  # fmt: skip
        bad = await api.client.get(f"{url}?{query}", headers=api.headers["province_admin"])
        assert bad.status_code == 400, query
        assert bad.json()["code"] == code
        assert " / " in bad.json()["error"]  # zh + en
        if code == "kind.unknown":  # the Chinese half names the kinds too (it ended at 须为以下之一)
            assert bad.json()["message_zh"] == "kind 须为以下之一：qualification, skill_level, special_ability"

    document = (await api.client.get("/schema/openapi.json")).json()
    validate(document)
    operation = document["paths"]["/v1/documents/test-print.pdf"]["get"]
    assert operation["security"] == [{"issuerBearer": []}]
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"kind", "offset"}


def test_the_test_print_command_uses_the_setting_or_the_offset_given(tmp_path: Path) -> None:
    runner = CliRunner()
    output = tmp_path / "t.pdf"
    env = {"CERTREG_PRINT_OFFSET_MM": "2,1", "CERTREG_KEY_DIR": str(tmp_path / "keys")}
    result = runner.invoke(main, ["certificates", "test-print", "--kind", "skill_level", "-o", str(output)], env=env)
    assert result.exit_code == 0, result.output
    assert "x = +2.0 mm, y = +1.0 mm" in result.output
    text = pdf_text(output.read_bytes())
    assert "试打印页" in text
    assert "x = +2.0 mm, y = +1.0 mm" in text
    assert re.search(r"(?m)^\s*100\s*$", text)  # a ruler label

    args = ["certificates", "test-print", "--kind", "special_ability", "--offset", "-1,0.5", "-o", str(output)]
    assert runner.invoke(main, args, env=env).exit_code == 0
    assert "x = -1.0 mm, y = +0.5 mm" in pdf_text(output.read_bytes())

    bad = runner.invoke(main, [*args[:4], "--offset", "0,21", "-o", str(output)], env=env)
    assert bad.exit_code == 2
    assert "±20" in bad.output
    refused = runner.invoke(main, args, env={**env, "CERTREG_PRINT_OFFSET_MM": "0;3"})
    assert refused.exit_code != 0
    assert "CERTREG_PRINT_OFFSET_MM" in refused.output


async def test_the_fallback_fonts_setting_reaches_every_render(api: Api, tmp_path: Path) -> None:
    codepoint = _absent_extension_b()
    name = "王" + chr(codepoint) + "明"
    batch_id, certificates = await sealed_batch(api, [Row(name=name, holder_id=HOLDER_IDS[0])])
    number, admin = certificates[0].number, api.headers["province_admin"]
    url = f"/v1/certificates/{number}/certificate.pdf"
    without = await api.client.get(url, headers=admin)
    assert without.status_code == 409  # no font has the character: refused, never an empty box
    assert f"U+{codepoint:04X}" in without.json()["error"]
    assert name not in without.json()["error"]

    font = _fallback_font(tmp_path / "second.ttf", codepoint)
    settings = make_settings(
        database_url=api.world.database.url, key_dir=str(api.world.key_dir), fallback_fonts=str(font)
    )
    async with AsyncTestClient(create_app(settings)) as client:
        for variant in ("electronic", "print"):
            answer = await client.get(f"{url}?variant={variant}", headers=admin)
            assert answer.status_code == 200, answer.text
            assert name in pdf_text(answer.content)
        run = await client.get(f"/v1/batches/{batch_id}/certificates.pdf", headers=admin)  # the batch's build
        assert run.status_code == 200, run.text
        assert name in pdf_text(run.content)
