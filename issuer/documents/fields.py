"""The printable fields of a certificate and how each value is written (the 2022 reference style).

A template names fields by :class:`Field`; :func:`field_text` gives the text printed for one. Levels are
written "四级/中级工" (``registry.vocab.LEVEL_LABELS_ZH``), dates "2025年6月30日", the occupation with its
trade or direction in full-width brackets: "电工（维修电工）".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Final

from issuer.documents.model import CertificateDocument
from registry.vocab import LEVEL_LABELS_ZH


class Field(StrEnum):
    """Every value a template may place. Stable names: templates refer to them."""

    HOLDER_NAME = "holder_name"
    DOCUMENT_TYPE = "document_type"
    DOCUMENT_NUMBER = "document_number"
    OCCUPATION = "occupation"  # name（trade/direction）
    SUBJECT_NAME = "subject_name"
    SUBJECT_CODE = "subject_code"
    TRADE = "trade"
    LEVEL = "level"
    NUMBER = "number"
    INSTITUTION_NAME = "institution_name"
    INSTITUTION_CODE = "institution_code"
    AUTHORITY_NAME = "authority_name"
    ISSUED_ON = "issued_on"
    PRINT_SERIAL = "print_serial"
    QUERY_URL = "query_url"
    REMARK = "remark"


def chinese_date(day: date) -> str:
    """``2025年6月30日``: the way certificates write a date."""
    return f"{day.year}年{day.month}月{day.day}日"


def occupation_text(name: str, trade: str) -> str:
    """``电工（维修电工）``, or the name alone when there is no trade or direction."""
    return f"{name}（{trade}）" if trade else name


def level_text(level: int) -> str:
    """``四级/中级工`` for 4; empty for 0 (no level)."""
    return LEVEL_LABELS_ZH[level] if level else ""


_WRITERS: Final[dict[Field, Callable[[CertificateDocument], str]]] = {
    Field.HOLDER_NAME: lambda d: d.holder_name,
    Field.DOCUMENT_TYPE: lambda d: d.document_type,
    Field.DOCUMENT_NUMBER: lambda d: d.document_number,
    Field.OCCUPATION: lambda d: occupation_text(d.subject_name, d.trade),
    Field.SUBJECT_NAME: lambda d: d.subject_name,
    Field.SUBJECT_CODE: lambda d: d.subject_code,
    Field.TRADE: lambda d: d.trade,
    Field.LEVEL: lambda d: level_text(d.level),
    Field.NUMBER: lambda d: d.number,
    Field.INSTITUTION_NAME: lambda d: d.institution_name,
    Field.INSTITUTION_CODE: lambda d: d.institution_code,
    Field.AUTHORITY_NAME: lambda d: d.authority_name,
    Field.ISSUED_ON: lambda d: chinese_date(d.issued_on),
    Field.PRINT_SERIAL: lambda d: d.print_serial,
    Field.QUERY_URL: lambda d: d.query_url,
    Field.REMARK: lambda d: d.remark,
}


def field_text(document: CertificateDocument, field: Field) -> str:
    """The text printed for ``field`` of ``document`` (empty when the document has no such value)."""
    return _WRITERS[field](document)
