"""QR token: strict base32, size limits checked before decoding, URLs, and the QR size target."""

from __future__ import annotations

import base64
import io

import pytest
import segno
import zxingcpp
from PIL import Image

from registry.qrtoken import (
    MAX_TOKEN_CHARS,
    MIN_TOKEN_CHARS,
    NonCanonicalTokenError,
    TokenAlphabetError,
    TokenError,
    TokenTooLongError,
    TokenTooShortError,
    decode_token,
    encode_token,
    short_url,
    token_from_text,
    token_url,
)
from registry.statement import MAX_STATEMENT_BYTES
from tests.unit.statement.world import signed, token

TOKEN = token()


def test_round_trip_and_alphabet() -> None:
    data, signature = signed()
    assert base64.b32encode(data + signature).rstrip(b"=").decode() == TOKEN
    assert decode_token(TOKEN) == (data, signature)
    assert set(TOKEN) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_limits_cover_the_largest_statement() -> None:
    largest = encode_token(b"\x01" * MAX_STATEMENT_BYTES, b"\x02" * 64)
    assert len(largest) == MAX_TOKEN_CHARS
    assert len(encode_token(b"\x01", b"\x02" * 64)) == MIN_TOKEN_CHARS


@pytest.mark.parametrize(
    ("statement", "signature"),
    [(b"", b"\x00" * 64), (b"\x01", b"\x00" * 63), (b"\x01" * (MAX_STATEMENT_BYTES + 1), b"\x00" * 64)],
)
def test_encode_refuses_impossible_contents(statement: bytes, signature: bytes) -> None:
    with pytest.raises(TokenError):
        encode_token(statement, signature)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (TOKEN.lower(), TokenAlphabetError),
        (TOKEN + "=" * (-len(TOKEN) % 8 or 8), TokenAlphabetError),  # padding
        (TOKEN[:50] + "0" + TOKEN[51:], TokenAlphabetError),  # 0, 1, 8, 9 are not base32
        (TOKEN[:50] + "1" + TOKEN[51:], TokenAlphabetError),
        (TOKEN[:50] + " " + TOKEN[51:], TokenAlphabetError),
        (TOKEN + "\n", TokenAlphabetError),
        ("令牌" * 100, TokenAlphabetError),
        (b"ABC", TokenAlphabetError),
        ("A" * (MIN_TOKEN_CHARS - 1), TokenTooShortError),
        ("", TokenTooShortError),
        ("A" * (MAX_TOKEN_CHARS + 1), TokenTooLongError),
        ("!" * (MAX_TOKEN_CHARS + 1), TokenTooLongError),  # length is checked before anything else
        ("A" * 209, NonCanonicalTokenError),  # 209 = 8n + 1: no bytes have this length
        ("A" * 211, NonCanonicalTokenError),
    ],
)
def test_decode_errors(text: str, error: type[TokenError]) -> None:
    with pytest.raises(error):
        decode_token(text)


def test_non_zero_trailing_bits_are_not_canonical() -> None:
    """Python's decoder ignores trailing bits, so two strings would give the same bytes; we refuse one."""
    data, signature = signed()
    canonical = encode_token(data, signature)
    assert len(canonical) % 8 != 0  # there are unused bits in the last character
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    sibling = canonical[:-1] + alphabet[alphabet.index(canonical[-1]) + 1]
    assert base64.b32decode(sibling + "=" * (-len(sibling) % 8)) == data + signature  # lenient decoder
    with pytest.raises(NonCanonicalTokenError):
        decode_token(sibling)


def test_urls() -> None:
    assert token_url("https://zs.example.cn", "ABC") == "HTTPS://ZS.EXAMPLE.CN/Q/ABC"
    assert token_url("https://zs.example.cn/", "ABC") == "HTTPS://ZS.EXAMPLE.CN/Q/ABC"
    assert short_url("https://zs.example.cn", "S000043000123253000011") == (
        "https://zs.example.cn/c/S000043000123253000011"
    )
    assert short_url("https://zs.example.cn", "4301002025018900001*") == (
        "https://zs.example.cn/c/4301002025018900001*"
    )
    for bad in ("S0/1", "", "A" * 33, "S 1"):
        with pytest.raises(TokenError, match=r"0-9 A-Z a-z - \*"):
            short_url("https://zs.example.cn", bad)


@pytest.mark.parametrize(
    "text",
    [
        "ABC",
        "  ABC\n",
        "HTTPS://ZS.EXAMPLE.CN/Q/ABC",
        "https://zs.example.cn/q/ABC?utm=1",
        "https://zs.example.cn/q/ABC#top",
        "https://zs.example.cn/prefix/Q/ABC",
    ],
)
def test_token_from_text(text: str) -> None:
    assert token_from_text(text) == "ABC"


def _qr(text: str) -> tuple[int, int, str]:
    qr = segno.make(text, error="m", boost_error=False, micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4)
    buffer.seek(0)
    found = zxingcpp.read_barcodes(Image.open(buffer))
    return int(qr.version), int(qr.symbol_size(border=0)[0]), found[0].text if found else ""


def test_typical_record_fits_version_10_at_m_all_alphanumeric_and_scans() -> None:
    url = token_url("https://zscx.rst.example.gov.cn", TOKEN)
    version, modules, scanned = _qr(url)
    assert segno.make(url, error="m").mode == "alphanumeric"
    assert (version, modules) == (10, 57)  # docs/qr.md; the target is version <= 12
    assert scanned == url


def test_short_mode_fits_version_4() -> None:
    url = short_url("https://zscx.rst.example.gov.cn", "S000043000123253000011")
    assert _qr(url) == (4, 33, url)
