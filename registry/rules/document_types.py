"""Holders' identity document types (证件类型) and the parser of the upload's type column.

A skill-level certificate shows 姓名, 证件类型 and 证件号码 (RULES.md 15, national practice), so a holder is
identified by a document *type* and number, not only by a resident ID. The six types are a profile list
(``ProvinceProfile.document_types``); the validators are in :mod:`registry.rules.documents`, the masks in
:mod:`registry.rules.masks`. Values are stable wire and database strings: never rename one.

National code values are those of GA/T 517-2004 《常用证件代码》, which the public-security and
human-resources systems use for 证件类型: 111 居民身份证, 414 普通护照 (411–413 the other passports),
516 港澳居民来往内地通行证, 511 台湾居民来往大陆通行证, 553 外国人永久居留身份证. The standard predates the
港澳台居民居住证 (2018), which therefore has no code here. See ``docs/identity.md`` for the sources.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from registry.labels import LabelledEnum
from registry.rules.errors import RuleError
from registry.rules.messages import violation


class DocumentType(LabelledEnum):
    """A kind of identity document a holder may be certified under."""

    RESIDENT_ID = "resident_id", "居民身份证", "resident identity card"  # GB 11643
    HK_MACAO_PERMIT = (  # 回乡证
        "hk_macao_permit",
        "港澳居民来往内地通行证",
        "Mainland travel permit for Hong Kong and Macao residents",
    )
    TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents"  # 台胞证
    RESIDENCE_PERMIT = (
        "residence_permit",
        "港澳台居民居住证",
        "residence permit for Hong Kong, Macao and Taiwan residents",
    )
    PASSPORT = "passport", "护照", "passport"
    FOREIGN_PERMANENT_RESIDENT = (
        "foreign_permanent_resident",
        "外国人永久居留身份证",
        "foreign permanent resident ID card",
    )

    @property
    def national_code(self) -> str | None:
        """The GA/T 517-2004 code of the type, or ``None`` where the standard has none."""
        return NATIONAL_CODES.get(self)


NATIONAL_CODES: Final = {
    DocumentType.RESIDENT_ID: "111",
    DocumentType.HK_MACAO_PERMIT: "516",
    DocumentType.TAIWAN_PERMIT: "511",
    DocumentType.PASSPORT: "414",
    DocumentType.FOREIGN_PERMANENT_RESIDENT: "553",
}
#: Every type, in the order forms and templates list them; the shipped profiles accept all six.
ALL_DOCUMENT_TYPES: Final = tuple(DocumentType)
#: The type of a row whose upload has no type column, or leaves the cell empty.
DEFAULT_DOCUMENT_TYPE: Final = DocumentType.RESIDENT_ID

_NAMES: Final[dict[DocumentType, tuple[str, ...]]] = {
    DocumentType.RESIDENT_ID: (
        "身份证",
        "居民身份证",
        "二代身份证",
        "第二代居民身份证",
        "中华人民共和国居民身份证",
        "内地居民身份证",
        "id card",
        "resident id",
        "resident id card",
        "resident identity card",
        "111",
    ),
    DocumentType.HK_MACAO_PERMIT: (
        "港澳居民来往内地通行证",
        "港澳居民往来内地通行证",
        "港澳同胞回乡证",
        "回乡证",
        "回乡卡",
        "home return permit",
        "mainland travel permit for hong kong and macao residents",
        "516",
    ),
    DocumentType.TAIWAN_PERMIT: (
        "台湾居民来往大陆通行证",
        "台湾居民往来大陆通行证",
        "台湾同胞来往大陆通行证",
        "台胞证",
        "mainland travel permit for taiwan residents",
        "511",
    ),
    DocumentType.RESIDENCE_PERMIT: (
        "港澳台居民居住证",
        "港澳居民居住证",
        "台湾居民居住证",
        "residence permit for hong kong macao and taiwan residents",
    ),
    DocumentType.PASSPORT: ("护照", "中国护照", "外国护照", "普通护照", "passport", "411", "412", "413", "414"),
    DocumentType.FOREIGN_PERMANENT_RESIDENT: (
        "外国人永久居留身份证",
        "外国人永久居留证",
        "永久居留身份证",
        "永居证",
        "五星卡",
        "foreign permanent resident id card",
        "permanent resident id card",
        "553",
    ),
}
#: Punctuation and spacing ignored when a type is matched.
_IGNORED: Final = re.compile(r"[\s()·._\-/,，、]+")
#: A remark in brackets (``居民身份证（二代）``, ``台湾居民来往大陆通行证(台胞证)``) is not part of the name.
_REMARK: Final = re.compile(r"\([^()]*\)")


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKC", text).casefold()
    return _IGNORED.sub("", _REMARK.sub("", plain) or plain)


_ALIASES: Final[dict[str, DocumentType]] = {
    _key(name): doc_type for doc_type, names in _NAMES.items() for name in (*names, doc_type.value)
}


def parse_document_type(value: str | None) -> DocumentType:
    """The document type named by an upload's type cell: a Chinese name or common abbreviation (回乡证,
    台胞证, 永居证 …), an English name, a GA/T 517 code or the wire value; an empty cell is the default type.

    Names that mean another document are refused rather than guessed: 港澳通行证 usually means the
    mainland residents' 往来港澳通行证, and a bare 居住证 the mainland residence permit. Raises
    :class:`RuleError` ``document.type_unknown``.
    """
    if value is None or not value.strip():
        return DEFAULT_DOCUMENT_TYPE
    found = _ALIASES.get(_key(value))
    if found is None:
        raise RuleError(violation("document.type_unknown", field="id_type", value=value.strip()[:20]))
    return found
