"""The batch QR encoder gives exactly segno's symbols (fixed mask), at every version and at capacity edges."""

from __future__ import annotations

import random

import pytest
import segno

from issuer.qr import FIXED_MASK, fast_matrix, make_code
from issuer.qrmatrix import ALPHANUMERIC, alphanumeric_matrix, choose_version


def _segno(text: str) -> list[list[int]]:
    code = segno.make(text, error="m", boost_error=False, micro=False, mask=FIXED_MASK, mode="alphanumeric")
    return [list(row) for row in code.matrix]


def _edges() -> list[int]:
    """For every version, the longest text it holds and one character more (the next version)."""
    lengths = []
    length = 1
    for version in range(1, 41):
        while length < 3391 and choose_version(length + 1) == version:
            length += 1
        lengths += [length, min(length + 1, 3391)]
    return sorted(set(lengths))


@pytest.mark.parametrize("length", [*range(1, 40), *_edges()])
def test_every_version_and_capacity_edge_matches_segno(length: int) -> None:
    text = "".join(random.Random(length).choice(ALPHANUMERIC) for _ in range(length))
    assert [list(row) for row in alphanumeric_matrix(text)] == _segno(text)


def test_text_past_version_40_and_other_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        alphanumeric_matrix("A" * 3392)
    with pytest.raises(ValueError, match="not QR alphanumeric"):
        alphanumeric_matrix("https://lower.case/")


@pytest.mark.parametrize(
    "url",
    ["HTTPS://ZSCX.RST.EXAMPLE.GOV.CN/Q/ABCDEF234567", "https://zs.example.cn/c/S000043000123253000011", "1234567"],
)
def test_fast_matrix_is_make_code_with_the_fixed_mask_whatever_the_mode(url: str) -> None:
    assert [list(row) for row in fast_matrix(url)] == [list(row) for row in make_code(url, mask=FIXED_MASK).matrix]
