"""QR code images of certificates (segno): the URL a phone opens, as SVG for print and PNG for screens.

The code carries :func:`registry.qrtoken.token_url` — upper case, so segno encodes it in alphanumeric
mode — at error correction M, never boosted, so every certificate of a batch gets the same error level
and a predictable size (version 10 for a typical record, ``docs/qr.md``). The short mode encodes
``{PUBLIC_URL}/c/{number}`` instead: a tiny code, but no offline proof. The mask is segno's best choice
(ISO/IEC 18004 penalty rules), which costs most of the ~10 ms a certificate takes to draw.
"""

from __future__ import annotations

import io
from enum import StrEnum
from typing import Final

import segno

from registry.qrtoken import encode_token, short_url, token_url

#: Pixels per module of the PNG (a version-10 code of 57 modules + 2 × 4 quiet zone → 260 px square).
PNG_SCALE: Final = 4
#: SVG user units per module (scalable: print software sizes it).
SVG_SCALE: Final = 4
QUIET_ZONE: Final = 4


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


def make_code(url: str) -> segno.QRCode:
    """The QR symbol of ``url`` at error correction M (alphanumeric mode whenever ``url`` allows it)."""
    return segno.make(url, error="m", boost_error=False, micro=False)


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
