"""Holders' names and ID numbers as the registry keeps and compares them.

Names are compared after one normalisation everywhere (import, verification), so "张三", "张三 " and "张　三"
(full-width space) are the same holder. ID numbers are never stored: only a keyed digest (to find duplicates
and the holder of a reissue) and the masked form the statement carries.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from typing import Final

_SPACES: Final = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
#: Chinese names have no spaces; for names written in Latin letters one ASCII space separates the parts.
#: Every block of Han characters counts, not only the common ones: rare characters in names are often in the
#: extensions (e.g. "𠀾" U+2003E, Extension B), and a space typed beside one must be dropped as beside "张".
_CJK: Final = re.compile(
    "["
    "\u2e80-\u2eff"  # CJK Radicals Supplement
    "\u2f00-\u2fdf"  # Kangxi Radicals
    "\u3005-\u3007"  # 々 〆 〇 (iteration mark, closing mark, ideographic zero: used in names)
    "\u31c0-\u31ef"  # CJK Strokes
    "\u3400-\u4dbf"  # Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U000323af"  # Extensions B, C, D, E, F, I (2EBF0–2EE5F), Compatibility Supplement, G, H
    "]"
)
NAME_MAX_LENGTH: Final = 64
#: The middle dots typed in minority names (买买提·艾力), as the one the registry keeps; the half-width ``･``
#: included, which NFKC would otherwise turn into ``・``.
_DOTS: Final = str.maketrans(dict.fromkeys("•．・･\u2027\u2219\u22c5", "·"))
#: A dot between two Han characters, spaces around it or not: the middle dot of a minority name, also typed as an
#: ASCII full stop (no Chinese name holds one; a Latin name's ``J. SMITH`` keeps it).
_DOT_BETWEEN_HAN: Final = re.compile(f"(?<={_CJK.pattern})[\\s\u3000]*[.·][\\s\u3000]*(?={_CJK.pattern})")


def normalise_name(name: str) -> str:
    """NFKC, trimmed, inner runs of any space (incl. full-width) removed between CJK characters and
    collapsed to one ASCII space elsewhere, middle dots unified (``·``; between two Han characters an ASCII
    full stop is one too, and spaces around the dot go).

    NFKC, not NFC: a Chinese IME in full-width mode types ``ＭＡＲＹ`` for ``MARY``, and the holder who types
    the name one way must be found under the other (docs/rules.md, "Holders' names are compared after one
    normalisation"). The dots are unified first: NFKC would make the full-width ``．`` an ASCII ``.``."""
    text = name.translate(_DOTS)  # the dots of minority names
    text = unicodedata.normalize("NFKC", text).strip()
    if "." in text or "·" in text:  # the common name has neither: no regex
        text = _DOT_BETWEEN_HAN.sub("·", text)
    parts = [p for p in _SPACES.split(text) if p]
    if not parts:
        return ""
    out = parts[0]
    for part in parts[1:]:
        joiner = "" if _CJK.search(out[-1]) and _CJK.search(part[0]) else " "
        out += joiner + part
    return out


def names_match(given: str, recorded: str) -> bool:
    """Whether ``given`` names the holder ``recorded`` (both normalised; constant time on equal lengths)."""
    return hmac.compare_digest(normalise_name(given).encode(), normalise_name(recorded).encode())


def id_digest(secret: bytes, id_number: str) -> bytes:
    """The keyed digest (HMAC-SHA256) of a canonical ID number; the secret is ``CERTREG_ID_HASH_KEY``."""
    return hmac.new(secret, id_number.encode("ascii"), hashlib.sha256).digest()
