"""Take the signed token back out of an electronic certificate PDF, offline, with no PDF library.

The token sits in the XMP packet (``certreg:token``) and in the attached file ``certreg-token.txt``, both
written unfiltered, so a byte search finds them in our own files. A PDF re-saved by another program may
compress its streams; then every Flate stream is inflated and searched too. The token found is only a
claim: check it like a scanned QR code (``registry.statement.verify_statement`` with the key set).
"""

from __future__ import annotations

import re
import zlib
from typing import Final

from issuer.documents.errors import TokenNotFoundError
from issuer.documents.pdfa import ATTACHMENT

_XMP: Final = re.compile(rb"<certreg:token>([A-Z2-7]{1,1000})</certreg:token>")
_STREAM: Final = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
#: Inflated streams are capped, so a crafted PDF cannot make the search use unbounded memory.
MAX_INFLATED: Final = 4 * 1024 * 1024


def _inflated(pdf: bytes) -> list[bytes]:
    streams = []
    for match in _STREAM.finditer(pdf):
        inflater = zlib.decompressobj()
        try:
            streams.append(inflater.decompress(match.group(1), MAX_INFLATED))
        except zlib.error:
            continue
    return streams


def extract_token(pdf: bytes) -> str:
    """The token embedded in ``pdf``. Raises :class:`TokenNotFoundError` when there is none, or when the
    XMP packets of the file disagree (a token must be one token)."""
    found = {match.group(1) for match in _XMP.finditer(pdf)}
    if not found:
        for stream in _inflated(pdf):
            found |= {match.group(1) for match in _XMP.finditer(stream)}
    if len(found) != 1:
        reason = "没有" if not found else "多个不一致的"
        raise TokenNotFoundError(
            f"PDF 中{reason}证书令牌 / the PDF holds {'no' if not found else 'conflicting'} certreg token "
            f"(XMP certreg:token, attachment {ATTACHMENT})"
        )
    return found.pop().decode("ascii")
