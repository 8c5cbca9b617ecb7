"""The batch QR writers: same pixels as segno's, same modules in the SVG, codes that scan, pool in order."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from issuer.qr import FIXED_MASK, make_code, png_bytes, png_from_matrix, render_many, render_pair, svg_from_matrix
from registry.vocab import CertificateKind
from tests.unit.documents.sample import document


def _urls() -> list[str]:
    return [document(kind).qr_url for kind in CertificateKind] + ["HTTPS://X.CN/Q/AB", "https://zs.example.cn/c/S1"]


@pytest.mark.parametrize("url", _urls())
def test_the_direct_png_has_exactly_segnos_pixels_and_scans(url: str) -> None:
    code = make_code(url, mask=FIXED_MASK)
    assert code.mask == FIXED_MASK
    ours = Image.open(io.BytesIO(png_from_matrix(code.matrix)))
    theirs = Image.open(io.BytesIO(png_bytes(code)))
    assert ours.mode == "1"
    assert ours.size == theirs.size
    assert ours.convert("L").tobytes() == theirs.convert("L").tobytes()
    assert [r.text for r in zxingcpp.read_barcodes(ours.convert("L"))] == [url]


@pytest.mark.parametrize("url", _urls())
def test_the_svg_path_draws_exactly_the_dark_modules(url: str) -> None:
    matrix = make_code(url, mask=FIXED_MASK).matrix
    svg = svg_from_matrix(matrix, title="S<1>").decode()
    assert "<title>S&lt;1&gt;</title>" in svg
    size = len(matrix)
    drawn = [[0] * size for _ in range(size)]
    path = re.search(r' d="([^"]*)"', svg)
    assert path
    x = y = 0
    for command, first, second in re.findall(r"([Mhm])(\d+)(?: (\d+)\.?5?)?", path.group(1)):
        if command == "M":  # start of a row: module centres at y + .5
            x, y = int(first) - 4, int(second) - 4
        elif command == "m":
            x += int(first)
        else:
            for _ in range(int(first)):
                drawn[y][x] = 1
                x += 1
    assert drawn == [list(row) for row in matrix]


def test_render_many_draws_every_code_in_order_on_several_processes() -> None:
    urls = _urls() * 3
    results = list(render_many(((url, f"n{i}") for i, url in enumerate(urls)), processes=2, chunk=2))
    assert len(results) == len(urls)
    for url, (png, svg), index in zip(urls, results, range(len(urls)), strict=True):
        assert (png, svg) == render_pair(url, f"n{index}")
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))] == [url]


def test_without_a_mask_segno_picks_the_best_one() -> None:
    url = _urls()[0]
    best = make_code(url)
    assert make_code(url, mask=best.mask).matrix == best.matrix
