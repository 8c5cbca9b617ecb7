"""``certreg verify-token`` / ``certreg verify-qr``: check a QR token, or a photo or scan of a QR code,
offline against a public key set.

No server: the key set comes from a file (``certreg keys export-public`` or ``GET /v1/keys``). Such an
offline check proves who signed what, never whether the certificate was revoked or superseded since, and
says so: its verdict is "signature valid", not "valid". ``verify-qr`` without ``--keys`` reads the registry
database of ``CERTREG_DATABASE_URL`` instead, and then reports what the public service would: the same
verdict function (:func:`verify.answers.token_answer`), so a revoked or superseded certificate is reported
as such (issue 10, item 4).

Exit codes: 0 only when the token is valid (offline: its signature; with the registry: the certificate),
1 when it is not, 2 when the input is unusable (an unreadable or invalid key set file, an image that cannot
be read or holds no QR code).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Final, NoReturn

import click
import msgspec

from keys.errors import KeySetError
from keys.keyset import KeySet
from registry.qrtoken import TokenError, decode_token, token_from_text
from registry.statement import Statement
from registry.vocab import (
    KIND_LABELS_EN,
    LEVEL_LABELS_EN,
    LEVEL_LABELS_ZH,
    CertificateKind,
    SubjectType,
    subject_type_of,
)
from verify.answers import Answer, Result, token_answer
from verify.verifier import Verdict, verify_token

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2
_NOTE = (
    "注意：离线查验只证明签名（谁签发了什么），不能证明证书此后未被撤销或换发、补发；当前状态请在线查询 / "
    "offline check: it proves the signature only (who signed what), not that the certificate was not revoked "
    "or superseded since; check its current status online."
)


def _load_keyset(path: Path) -> KeySet:
    """The key set in ``path``; exits with code 2 and a bilingual message when it is unusable."""
    try:
        return KeySet.from_json(path.read_bytes())
    except OSError as exc:
        message = f"无法读取密钥集 / cannot read key set {path}: {exc.strerror}"
    except KeySetError as exc:
        message = f"密钥集无效 / unusable key set {path}: {exc}"
    click.echo(f"错误 / error: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)


def _statement_lines(st: Statement) -> list[tuple[str, str]]:
    kind = CertificateKind.from_statement_code(st.kind)
    subject = "项目 / Project" if subject_type_of(kind) is SubjectType.PROJECT else "职业（工种）/ Occupation"
    return [
        ("证书编号 / Number", st.number),
        ("证书类别 / Kind", f"{kind.label_zh} / {KIND_LABELS_EN[kind]}"),
        ("姓名 / Holder", st.holder_name),
        ("证件号码 / ID (masked)", st.holder_id_masked),
        (subject, st.subject_code),
        ("等级 / Level", f"{LEVEL_LABELS_ZH[st.level]} / {LEVEL_LABELS_EN[st.level]}"),
        ("评价机构 / Institution", st.institution_code),
        ("发证机构 / Authority", st.authority_code),
        ("发证日期 / Issued on", st.issued_date.isoformat()),
        ("签发密钥 / Key id", st.kid),
    ]


def _print_verdict(verdict: Verdict) -> None:
    if verdict.statement is not None:
        title = "证书信息 / Certificate" if verdict.valid else "证书信息（未经验证）/ Certificate (UNVERIFIED)"
        click.echo(title)
        for label, value in _statement_lines(verdict.statement):
            click.echo(f"  {label}: {value}")
    state = "签名有效 / SIGNATURE VALID" if verdict.valid else "无效 / NOT VALID"
    click.echo(f"查验结果 / Verdict: {state} — {verdict.text_zh} / {verdict.text_en} ({verdict.reason})")
    click.echo(_NOTE)


@click.command("verify-token")
@click.argument("token")
@click.option(
    "--keys",
    "keys_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="公钥集 JSON 文件 / public key set JSON (certreg keys export-public)",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 结论 / print the verdict as JSON")
def verify_token_command(token: str, keys_path: Path, as_json: bool) -> None:
    """离线查验二维码令牌 / verify a QR token (or its full URL) offline against a key set file."""
    short = _SHORT_MODE.search(token)
    if short is not None:
        _short_mode(short.group(1), as_json)
    _check_and_exit(token, _load_keyset(keys_path), as_json)


def _check_and_exit(text: str, keyset: KeySet, as_json: bool) -> None:
    verdict = verify_token(token_from_text(text), keyset)
    if as_json:
        click.echo(msgspec.json.encode(verdict).decode("utf-8"))
    else:
        _print_verdict(verdict)
    sys.exit(EXIT_VALID if verdict.valid else EXIT_INVALID)


def _unusable(message: str) -> NoReturn:
    click.echo(f"错误 / error: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)


@click.command("verify-qr")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--keys",
    "keys_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="公钥集 JSON 文件（默认从登记库读取）/ key set JSON (default: from the registry database)",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 结论 / print the verdict as JSON")
def verify_qr_command(image: Path, keys_path: Path | None, as_json: bool) -> None:
    """离线查验二维码图片 / decode a photo or scan of a certificate's QR code and verify it offline."""
    text = read_qr_text(image)
    if not as_json:
        click.echo(f"二维码内容 / QR content: {text[:80]}{'…' if len(text) > 80 else ''}")
    short = _SHORT_MODE.search(text)
    if short is not None:
        _short_mode(short.group(1), as_json)
    if keys_path is not None:
        _check_and_exit(text, _load_keyset(keys_path), as_json)
    verdict, answer = _check_against_registry(token_from_text(text))
    if as_json:
        body = {"valid": answer.result is Result.VALID, "result": answer.result.value, "reason": answer.reason}
        click.echo(msgspec.json.encode(body | {"statement": verdict.statement}).decode("utf-8"))
    else:
        _print_registry_answer(verdict, answer)
    sys.exit(EXIT_VALID if answer.result is Result.VALID else EXIT_INVALID)


#: The short mode's URL (``/c/{number}``, docs/qr.md): a certificate number and nothing signed.
_SHORT_MODE: Final = re.compile(r"/[cC]/([0-9A-Za-z*]{1,40})/?$")


def _short_mode(number: str, as_json: bool) -> NoReturn:
    """Exit 1 for a short-mode code, saying what it is: it holds no statement and no signature, so there is
    nothing to verify offline (it was reported as a malformed token, as if it had been tampered with)."""
    if as_json:
        click.echo(msgspec.json.encode({"valid": False, "reason": "short_mode", "number": number}).decode())
    else:
        click.echo(
            f"查验结果 / Verdict: 无法离线验证 / CANNOT BE VERIFIED OFFLINE — 此二维码为短码，只含证书编号 {number}，"
            f"没有签名；请用证书编号和持证人姓名在线查验 / the code is the short mode: it holds only the certificate "
            f"number {number}, no signature; check it online with the number and the holder's name (short_mode)"
        )
    sys.exit(EXIT_INVALID)


def _print_registry_answer(verdict: Verdict, answer: Answer) -> None:
    if verdict.statement is not None:
        click.echo("证书信息 / Certificate" if verdict.valid else "证书信息（未经验证）/ Certificate (UNVERIFIED)")
        for label, value in _statement_lines(verdict.statement):
            click.echo(f"  {label}: {value}")
    click.echo(f"签名 / Signature: {verdict.text_zh} / {verdict.text_en} ({verdict.reason})")
    click.echo(
        f"登记库查验结果 / Verdict of the registry: {answer.label_zh} / {answer.label_en.upper()} — "
        f"{answer.text_zh} / {answer.text_en} ({answer.reason})"
    )


def read_qr_text(path: Path) -> str:
    """The text of the QR code in the image at ``path`` (the one carrying a ``/Q/`` URL when there are
    several); exits with code 2 when the image is unreadable or holds no QR code."""
    import zxingcpp
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            picture = ImageOps.exif_transpose(opened).convert("L")  # phone photos carry their rotation in EXIF
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as exc:
        _unusable(f"无法读取图片 / cannot read image {path}: {exc}")
    codes = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    texts = [code.text for code in codes if code.valid and code.text]
    if not texts:
        _unusable(f"图片中没有可识别的二维码 / no readable QR code in {path}")
    return next((t for t in texts if "/Q/" in t or "/q/" in t), texts[0])


def _check_against_registry(token: str) -> tuple[Verdict, Answer]:
    """The offline verdict and the registry's answer (current status included) for ``token``, from the
    database of ``CERTREG_DATABASE_URL``."""
    from issuer.cli._common import open_database, run, settings_from_env
    from registry.keyring import load_keyset
    from verify.queries import fetch_view

    settings = settings_from_env()

    async def _check() -> tuple[Verdict, Answer]:
        async with open_database(settings) as database:
            async with database.reader() as session:
                keyset = await load_keyset(session)
            verdict = verify_token(token, keyset)
            if not verdict.valid or verdict.statement is None:
                return verdict, token_answer(verdict, b"", None, keyset)
            try:
                signed, _ = decode_token(token)
            except TokenError:  # verify_token decoded it already
                return verdict, token_answer(verdict, b"", None, keyset)
            async with database.read_engine.connect() as conn:
                view = await fetch_view(conn, verdict.statement.number)
            return verdict, token_answer(verdict, signed, view, keyset)

    return run(_check)


COMMANDS: list[click.Command] = [verify_token_command, verify_qr_command]
