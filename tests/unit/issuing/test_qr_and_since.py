"""QR symbols (segno) decode to exactly the URL they carry; the export's ``since`` is strict."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from issuer.issuing.errors import InvalidInputError
from issuer.issuing.exports import MAX_EVENT_ID, parse_since
from issuer.qr import Mode, make_code, png_bytes, qr_url, svg_bytes

STATEMENT = bytes(range(120))
SIGNATURE = bytes(64)


def test_the_token_url_is_an_alphanumeric_code_at_level_m_that_reads_back() -> None:
    url = qr_url("https://cert.hrss.hunan.gov.cn", number="N1", statement=STATEMENT, signature=SIGNATURE)
    assert url.startswith("HTTPS://CERT.HRSS.HUNAN.GOV.CN/Q/")
    code = make_code(url)
    assert (code.mode, code.error) == ("alphanumeric", "M")
    assert isinstance(code.version, int)
    assert code.version <= 12  # DESIGN.md target for a typical record
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png_bytes(code))))
    assert [f.text for f in found] == [url]
    svg = svg_bytes(code, title="S000043000101253000001")
    assert b"<title>S000043000101253000001</title>" in svg


def test_the_short_mode_carries_the_look_up_url() -> None:
    url = qr_url("https://cert.example", number="S000043000101253000001", statement=b"", signature=b"", mode=Mode.SHORT)
    assert url == "https://cert.example/c/S000043000101253000001"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png_bytes(make_code(url)))))
    assert [f.text for f in found] == [url]


def test_since() -> None:
    assert parse_since(None) == 0  # from the first event
    assert parse_since("0") == 1  # after event 0
    assert parse_since(" 41 ") == 42
    assert parse_since(str(MAX_EVENT_ID)) == MAX_EVENT_ID + 1
    for bad in ("-1", "1.0", "0x10", "", "١", str(MAX_EVENT_ID + 1)):
        with pytest.raises(InvalidInputError) as caught:
            parse_since(bad)
        assert caught.value.code == "since.format"
