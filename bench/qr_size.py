"""Measure the QR code a typical certificate gives under each candidate token encoding.

For a typical record (skill-level certificate, 22-character number, 3-character Chinese name, masked ID
``430102********1234``, occupation ``6-31-01-03``, institution ``S000043000123``, authority ``430000``)
it signs a real statement, builds the QR URL in each candidate encoding, and reports the QR version and
module count at error correction M (segno, ``boost_error=False`` so M stays M). Every symbol is rendered
and read back with zxing-cpp, so a candidate that does not scan to the exact URL is flagged.

Candidates: base64url in byte mode; base32 upper case with the whole URL upper case (alphanumeric mode);
base32 upper case in an alphanumeric segment after a lower-case URL prefix in a byte segment (mixed);
base45 (RFC 9285) upper case (alphanumeric, but its space, ``%`` and ``/`` are unsafe in a URL path);
and the short mode (number only). Run: ``.venv/bin/python bench/qr_size.py``.
"""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any

import segno
import zxingcpp
from PIL import Image
from segno import consts

from keys.signing import SigningKey
from registry.statement import Statement, days_since_epoch, encode_statement, sign_statement

PUBLIC_URLS = ("https://zs.example.cn", "https://zscx.rst.example.gov.cn")
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


RECORDS = {
    "typical": ("S000043000123253000011", "张三丰"),
    "long name (11 chars)": ("S000043000123253000011", "阿卜杜热合曼·买买提明"),
}


def payload(number: str, name: str) -> bytes:
    """statement || signature of the typical record with ``number`` and ``name``, with a fixed key."""
    key = SigningKey.from_seed(bytes(range(32)))
    st = Statement(
        1, number, 2, name, "430102********1234", "6-31-01-03",
        4, "S000043000123", "430000", days_since_epoch(date(2025, 6, 30)), key.kid,
    )  # fmt: skip
    return encode_statement(st) + sign_statement(st, key)


def base45(data: bytes) -> str:
    """RFC 9285 base45 (measurement only; not used by the product)."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [_B45[n % 45], _B45[n // 45 % 45], _B45[n // 2025]]
    if len(data) % 2:
        out += [_B45[data[-1] % 45], _B45[data[-1] // 45]]
    return "".join(out)


def candidates(url: str, number: str, payload: bytes) -> dict[str, list[tuple[str, str]]]:
    """Name -> QR segments (text, mode) for each candidate."""
    b64 = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    b32 = base64.b32encode(payload).rstrip(b"=").decode()
    return {
        "base64url, byte mode": [(f"{url}/q/{b64}", "byte")],
        "base32, whole URL upper (alnum)": [(f"{url.upper()}/Q/{b32}", "alphanumeric")],
        "base32, mixed byte+alnum": [(f"{url}/q/", "byte"), (b32, "alphanumeric")],
        "base45, whole URL upper (alnum)": [(f"{url.upper()}/Q/{base45(payload)}", "alphanumeric")],
        "short mode, byte": [(f"{url}/c/{number}", "byte")],
        "short mode, upper (alnum)": [(f"{url.upper()}/C/{number}", "alphanumeric")],
    }


def measure(segments: list[tuple[str, str]]) -> tuple[int, int, bool]:
    """(version, modules per side, scans back to the same text) at error correction M."""
    modes = {"byte": consts.MODE_BYTE, "alphanumeric": consts.MODE_ALPHANUMERIC}
    content: Any = [(text, modes[mode]) for text, mode in segments]
    qr = segno.make(content, error="m", boost_error=False, micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4, border=4)
    buffer.seek(0)
    found = zxingcpp.read_barcodes(Image.open(buffer))
    text = "".join(s for s, _ in segments)
    return int(qr.version), int(qr.symbol_size(border=0)[0]), bool(found) and found[0].text == text


def main() -> None:
    for record, (number, name) in RECORDS.items():
        data = payload(number, name)
        print(f"\n## {record} record: statement+signature {len(data)} bytes (statement {len(data) - 64})")
        for url in PUBLIC_URLS:
            _table(url, number, data)


def _table(url: str, number: str, data: bytes) -> None:
    print(f"\nPUBLIC_URL = {url}")
    print(f"{'candidate':34} {'chars':>5} {'version':>7} {'modules':>7} {'scans':>5}")
    for name, segments in candidates(url, number, data).items():
        version, modules, scans = measure(segments)
        chars = sum(len(s) for s, _ in segments)
        print(f"{name:34} {chars:5} {version:7} {modules:7} {'yes' if scans else 'NO':>5}")


if __name__ == "__main__":
    main()
