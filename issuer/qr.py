"""QR code images of certificates (segno): the URL a phone opens, as SVG for print and PNG for screens.

The code carries :func:`registry.qrtoken.token_url` — upper case, so segno encodes it in alphanumeric
mode — at error correction M, never boosted, so every certificate of a batch gets the same error level
and a predictable size (version 10 for a typical record, ``docs/qr.md``). The short mode encodes
``{PUBLIC_URL}/c/{number}`` instead: a tiny code, but no offline proof. The mask is segno's best choice
(ISO/IEC 18004 penalty rules), which costs most of the ~10 ms a certificate takes to draw; batch
rendering (:func:`render_many`) uses :data:`FIXED_MASK` instead, measured safe for our URLs by
``bench/qr_mask.py`` (``docs/certificates.md``), and writes PNG and SVG from the module matrix itself
(:func:`png_from_matrix`, :func:`svg_from_matrix`); token URLs are encoded by :mod:`issuer.qrmatrix`
(same symbols as segno's, several times faster), and the work is spread over every core by a process pool.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Generator, Iterable, Sequence
from enum import StrEnum
from typing import Final
from xml.sax.saxutils import escape as xml_escape

import segno

from issuer.qrmatrix import alphanumeric_matrix, is_alphanumeric
from issuer.workers import pool_map
from registry.qrtoken import encode_token, short_url, token_url

#: Pixels per module of the PNG (a version-10 code of 57 modules + 2 × 4 quiet zone → 260 px square).
PNG_SCALE: Final = 4
#: SVG user units per module (scalable: print software sizes it).
SVG_SCALE: Final = 4
QUIET_ZONE: Final = 4
#: The data mask of batch-rendered codes (``bench/qr_mask.py``: its penalty score stays close to the best
#: mask's over a sample of real tokens, and every sampled symbol decodes).
FIXED_MASK: Final = 2
#: Tokens handed to a worker process at a time by :func:`render_many`.
POOL_CHUNK: Final = 256


class Mode(StrEnum):
    """What the code carries: the offline-verifiable token URL (default) or the short look-up URL."""

    TOKEN = "token"  # noqa: S105 - the name of a QR mode, not a secret
    SHORT = "short"


def qr_url(public_url: str, *, number: str, statement: bytes, signature: bytes, mode: Mode = Mode.TOKEN) -> str:
    """The URL the QR code of a certificate carries in ``mode``."""
    if mode is Mode.SHORT:
        return short_url(public_url, number)
    return token_url(public_url, encode_token(statement, signature))


#: Characters a certificate number may hold that are not allowed in a Windows file name, and what stands
#: for them in file names: the MOD 37-2 check character ``*``. Numbers never hold ``_`` or lower case,
#: so the replacement cannot collide with another number's file name.
FILE_NAME_ESCAPES: Final = {"*": "_x"}


def file_stem(number: str) -> str:
    """The file name (without extension) of a certificate's QR images: the number, ``*`` written ``_x``."""
    for char, escape in FILE_NAME_ESCAPES.items():
        number = number.replace(char, escape)
    return number


def make_code(url: str, *, mask: int | None = None) -> segno.QRCode:
    """The QR symbol of ``url`` at error correction M (alphanumeric mode whenever ``url`` allows it), with
    data ``mask`` 0–7, or the best of the eight by the ISO/IEC 18004 penalty rules when ``None``."""
    return segno.make(url, error="m", boost_error=False, micro=False, mask=mask)


def svg_bytes(code: segno.QRCode, *, title: str = "") -> bytes:
    """The symbol as a standalone SVG document (black on white, ``title`` for screen readers)."""
    out = io.BytesIO()
    code.save(out, kind="svg", scale=SVG_SCALE, border=QUIET_ZONE, title=title or None, xmldecl=True)
    return out.getvalue()


def png_bytes(code: segno.QRCode) -> bytes:
    """The symbol as a PNG (1-bit greyscale, ``PNG_SCALE`` pixels per module)."""
    out = io.BytesIO()
    code.save(out, kind="png", scale=PNG_SCALE, border=QUIET_ZONE)
    return out.getvalue()


Matrix = Sequence[Sequence[int]]


def _row_text(row: Sequence[int]) -> str:
    """A row of modules as text: ``\x01`` dark, ``\x00`` light (for C-level translate and regex)."""
    return bytes(row).decode("latin-1")


def png_from_matrix(matrix: Matrix, *, scale: int = PNG_SCALE, border: int = QUIET_ZONE) -> bytes:
    """A 1-bit greyscale PNG of a module matrix (1 = dark), ``scale`` pixels a module, ``border`` modules
    of quiet zone: written directly with zlib, one bit a pixel (segno's writer is ~10× slower)."""
    size = (len(matrix) + 2 * border) * scale
    pad = "1" * (border * scale)
    tail = "1" * (-size % 8)
    widen = str.maketrans({"\x00": "1" * scale, "\x01": "0" * scale})  # PNG greyscale: 0 is black
    blank = b"\0" + b"\xff" * ((size + 7) // 8)
    rows: list[bytes] = [blank] * (border * scale)
    for row in matrix:
        bits = pad + _row_text(row).translate(widen) + pad + tail
        rows.extend([b"\0" + int(bits, 2).to_bytes(len(bits) // 8, "big")] * scale)
    rows.extend([blank] * (border * scale))
    header = size.to_bytes(4, "big") * 2 + bytes((1, 0, 0, 0, 0))  # 1 bit, greyscale, no interlace
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(rows), 6)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


_RUN: Final = re.compile("\x01+")


def dark_runs(row: Sequence[int]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of dark modules in ``row`` (found by a regex, not a Python loop)."""
    return [run.span() for run in _RUN.finditer(_row_text(row))]


def svg_from_matrix(matrix: Matrix, *, title: str = "", scale: int = SVG_SCALE, border: int = QUIET_ZONE) -> bytes:
    """A standalone SVG of a module matrix: one path of horizontal runs of dark modules on white."""
    size = len(matrix) + 2 * border
    runs = [
        f"M{start + border} {y + border}.5h{end - start}"
        for y, row in enumerate(matrix)
        for start, end in dark_runs(row)
    ]
    label = f"<title>{xml_escape(title)}</title>" if title else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{size * scale}" '
        f'height="{size * scale}" viewBox="0 0 {size} {size}">{label}<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path stroke="#000" d="{"".join(runs)}"/></svg>\n'
    ).encode()


def fast_matrix(url: str) -> Matrix:
    """The module matrix of ``url`` with :data:`FIXED_MASK`: exactly ``make_code(url, mask=FIXED_MASK)``'s,
    built by :mod:`issuer.qrmatrix` (~5× faster) when ``url`` is one alphanumeric segment — what token URLs
    are — and by segno otherwise."""
    if is_alphanumeric(url) and not url.isdigit():  # segno puts digits-only text in numeric mode
        return alphanumeric_matrix(url, mask=FIXED_MASK)
    return make_code(url, mask=FIXED_MASK).matrix


def render_pair(url: str, title: str = "") -> tuple[bytes, bytes]:
    """``(png, svg)`` of ``url``'s QR code with :data:`FIXED_MASK`, drawn with the fast writers."""
    matrix = fast_matrix(url)
    return png_from_matrix(matrix), svg_from_matrix(matrix, title=title)


def _render_chunk(items: Sequence[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [render_pair(url, title) for url, title in items]


def render_many(
    items: Iterable[tuple[str, str]], *, processes: int | None = None, chunk: int = POOL_CHUNK
) -> Generator[tuple[bytes, bytes], None, None]:
    """``(png, svg)`` for each ``(url, title)`` of ``items``, in order, drawn by a pool of ``processes``
    worker processes (default: every core), ``chunk`` items at a time."""
    return pool_map(_render_chunk, items, processes=processes, chunk=chunk)
