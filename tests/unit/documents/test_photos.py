"""Holder photos are checked by content, size and dimensions, each problem with a stable code and zh/en text."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from issuer.documents.photos import MAX_BYTES, check_photo
from tests.unit.documents.sample import photo_jpeg


def _codes(data: bytes) -> list[str]:
    return [problem.code for problem in check_photo(data)]


def _png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, "PNG")
    return out.getvalue()


def test_good_jpeg_and_png_photos_pass() -> None:
    assert check_photo(photo_jpeg()) == []
    assert check_photo(_png((300, 400))) == []
    assert check_photo(_png((300, 400), "RGBA")) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "photo.empty"),
        (b"GIF89a" + bytes(100), "photo.type"),
        (b"%PDF-1.7 not a photo", "photo.type"),
        (photo_jpeg()[:300], "photo.corrupt"),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), "photo.corrupt"),
        (photo_jpeg((100, 130)), "photo.too_small"),
        (photo_jpeg((2100, 2800)), "photo.too_large_pixels"),
        (photo_jpeg((400, 300)), "photo.aspect"),
    ],
)
def test_each_bad_photo_gets_its_code(data: bytes, code: str) -> None:
    problems = check_photo(data)
    assert code in [p.code for p in problems]
    assert all(p.message_zh and p.message_en for p in problems)


def test_a_photo_over_200_kb_is_refused_with_its_size() -> None:
    noise = random.Random(7).randbytes(600 * 800 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (600, 800), noise).save(out, "PNG")
    data = out.getvalue()
    assert len(data) > MAX_BYTES
    problems = check_photo(data)
    assert [p.code for p in problems] == ["photo.too_large"]
    assert "200 KB" in problems[0].message_zh
    assert f"{len(data) // 1024} KB" in problems[0].message_en


def test_a_cmyk_jpeg_is_refused_and_the_name_of_the_file_does_not_matter() -> None:
    out = io.BytesIO()
    Image.new("CMYK", (300, 400), (0, 0, 0, 0)).save(out, "JPEG")
    assert _codes(out.getvalue()) == ["photo.color_mode"]
    assert _codes(_png((300, 400))) == []  # judged by content: no file name is involved at all


def test_a_truncated_png_fails_the_full_decode() -> None:
    data = _png((300, 400))
    assert _codes(data[: len(data) - 30]) == ["photo.corrupt"]
