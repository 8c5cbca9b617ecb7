"""``certreg verify-qr``: a photo or scan of a certificate's QR code, verified offline (exit 0 only when
valid, 1 when not genuine, 2 when the image or the key set is unusable)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import segno
from click.testing import CliRunner
from PIL import Image, ImageFilter

from issuer.cli import main
from registry.certificates import revoke
from registry.db import Database
from registry.qrtoken import token_url
from tests.factories import HOLDER_IDS, add_keys, issue_test_certificates, key_store, seed_world
from tests.support import empty_tables
from tests.unit.statement.world import KEYSET, token


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_bytes(KEYSET.to_json())
    return path


def qr_image(path: Path, text: str, *, photo: bool = False) -> Path:
    """A QR code of ``text`` as a clean scan, or as a rough phone photo (rotated, blurred, JPEG)."""
    png = path.with_suffix(".png")
    segno.make(text, error="m", micro=False).save(str(png), scale=6, border=4)
    if not photo:
        return png
    with Image.open(png) as clean:
        picture = clean.convert("RGB").resize((clean.width * 2, clean.height * 2))
    picture = picture.rotate(8, expand=True, fillcolor=(235, 230, 220)).filter(ImageFilter.GaussianBlur(1.2))
    jpeg = path.with_suffix(".jpg")
    picture.save(jpeg, quality=70)
    return jpeg


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify-qr", *args], env=env)
    return result.exit_code, result.output


def test_a_scan_and_a_photo_of_a_valid_code_exit_0(tmp_path: Path, keys_file: Path) -> None:
    url = token_url("https://zscx.rst.example.gov.cn", token())
    for photo in (False, True):
        code, output = run(str(qr_image(tmp_path / f"code-{photo}", url, photo=photo)), "--keys", str(keys_file))
        assert code == 0, output
        assert "张三丰" in output
        assert "签名有效 / SIGNATURE VALID" in output
    assert "只证明签名" in output


def test_a_forged_code_exits_1(tmp_path: Path, keys_file: Path) -> None:
    genuine = token()
    position = len(genuine) - 20  # inside the signature
    forged = genuine[:position] + ("B" if genuine[position] != "B" else "C") + genuine[position + 1 :]
    code, output = run(
        str(qr_image(tmp_path / "forged", token_url("https://x.cn", forged))), "--keys", str(keys_file), "--json"
    )
    assert code == 1
    assert '"reason":"bad_signature"' in output


def test_a_short_mode_code_says_it_carries_no_signature(tmp_path: Path, keys_file: Path) -> None:
    """A short-mode code (``/c/{number}``, docs/qr.md) holds a number and no statement: it was reported as a
    "malformed token", as if it had been tampered with."""
    image = qr_image(tmp_path / "short", "HTTPS://ZSCX.RST.EXAMPLE.GOV.CN/C/S000043000101264000005")
    for args in (("--keys", str(keys_file)), ("--keys", str(keys_file), "--json")):
        code, output = run(str(image), *args)
        assert code == 1, output
        assert "malformed" not in output
    text = " ".join(run(str(image), "--keys", str(keys_file))[1].split())
    assert "短码，只含证书编号 S000043000101264000005" in text
    assert "short mode: it holds only the certificate number S000043000101264000005" in text
    assert '"reason":"short_mode"' in run(str(image), "--keys", str(keys_file), "--json")[1]


def test_unusable_images_exit_2(tmp_path: Path, keys_file: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (300, 300), 255).save(blank)
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"not an image at all")
    for image, message in (
        (blank, "没有可识别的二维码"),
        (garbage, "无法读取图片"),
        (tmp_path / "missing.png", "无法读取图片"),
    ):
        code, output = run(str(image), "--keys", str(keys_file))
        assert code == 2, output
        assert message in output


def issue_two(tmp_path: Path, url: str) -> tuple[str, str]:
    """Tokens of two certificates issued into ``url``'s registry; the second one is then revoked."""

    async def issue() -> tuple[str, str]:
        database = Database(url)
        await empty_tables(database)
        await seed_world(database)
        store = key_store(tmp_path / "keys")
        await add_keys(database, store)
        valid, revoked = await issue_test_certificates(
            database, store, [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1])]
        )
        async with database.transaction() as session:
            await revoke(session, revoked.number, reason="测试撤销", actor="test")
        await database.dispose()
        return valid.token, revoked.token

    return asyncio.run(issue())


def checked_by_the_registry(tmp_path: Path, sqlite_url: str, *, revoked: bool) -> tuple[Path, int, str]:
    """The QR image of :func:`issue_two`'s valid or revoked certificate, and ``verify-qr``'s exit code and
    output for it with the registry (``CERTREG_DATABASE_URL``) at hand and no key set file."""
    valid_token, revoked_token = issue_two(tmp_path, sqlite_url)
    name, token = ("revoked", revoked_token) if revoked else ("issued", valid_token)
    image = qr_image(tmp_path / name, token_url("http://127.0.0.1:8000", token))
    code, output = run(str(image), env={"CERTREG_DATABASE_URL": sqlite_url})
    return image, code, output


def test_without_keys_the_key_set_comes_from_the_registry(tmp_path: Path, sqlite_url: str) -> None:
    _, code, output = checked_by_the_registry(tmp_path, sqlite_url, revoked=False)
    assert code == 0, output
    assert "张三" in output
    assert "登记库查验结果 / Verdict of the registry: 有效 / VALID" in output


def test_a_revoked_certificate_is_reported_revoked_by_the_registry_and_signature_only_offline(
    tmp_path: Path, sqlite_url: str
) -> None:
    """With the registry at hand the status is reported (exit 1); with a key set file alone the check says
    plainly that it proves the signature only (issue 10, item 4)."""
    image, code, output = checked_by_the_registry(tmp_path, sqlite_url, revoked=True)
    assert code == 1, output
    assert "登记库查验结果 / Verdict of the registry: 已撤销 / REVOKED" in output
    assert "(revoked)" in output
    assert "有效 / VALID" not in output
    code, output = run(str(image), "--json", env={"CERTREG_DATABASE_URL": sqlite_url})
    assert code == 1
    assert '"valid":false,"result":"revoked","reason":"revoked"' in output
    keys = tmp_path / "exported.json"
    exported = CliRunner().invoke(main, ["keys", "export-public"], env={"CERTREG_DATABASE_URL": sqlite_url})
    keys.write_text(exported.output)
    code, output = run(str(image), "--keys", str(keys))
    assert code == 0, output
    assert "签名有效 / SIGNATURE VALID" in output
    assert "不能证明证书此后未被撤销" in output
