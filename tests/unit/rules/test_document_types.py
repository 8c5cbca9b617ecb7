"""The type column (证件类型) of uploads and the API: names, abbreviations, English, national codes."""

from __future__ import annotations

import pytest

from registry.rules.document_types import (
    ALL_DOCUMENT_TYPES,
    DEFAULT_DOCUMENT_TYPE,
    DocumentType,
    parse_document_type,
)
from registry.rules.errors import RuleError

T = DocumentType


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("居民身份证", T.RESIDENT_ID),
        ("身份证", T.RESIDENT_ID),
        ("居民身份证（二代）", T.RESIDENT_ID),
        ("(护照)", T.PASSPORT),
        ("Resident ID Card", T.RESIDENT_ID),
        ("111", T.RESIDENT_ID),
        ("resident_id", T.RESIDENT_ID),
        ("港澳居民来往内地通行证", T.HK_MACAO_PERMIT),
        ("回乡证", T.HK_MACAO_PERMIT),
        ("Home Return Permit", T.HK_MACAO_PERMIT),
        ("516", T.HK_MACAO_PERMIT),
        ("台湾居民来往大陆通行证", T.TAIWAN_PERMIT),
        ("台胞证", T.TAIWAN_PERMIT),
        (" ５１１ ", T.TAIWAN_PERMIT),  # full-width digits and spaces
        ("港澳台居民居住证", T.RESIDENCE_PERMIT),
        ("台湾居民居住证", T.RESIDENCE_PERMIT),
        ("Residence permit for Hong Kong, Macao and Taiwan residents", T.RESIDENCE_PERMIT),
        ("护照", T.PASSPORT),
        ("PASSPORT", T.PASSPORT),
        ("414", T.PASSPORT),
        ("外国人永久居留身份证", T.FOREIGN_PERMANENT_RESIDENT),
        ("永居证", T.FOREIGN_PERMANENT_RESIDENT),
        ("外国人永久居留证", T.FOREIGN_PERMANENT_RESIDENT),
        ("553", T.FOREIGN_PERMANENT_RESIDENT),
    ],
)
def test_names_abbreviations_english_and_codes(cell: str, expected: DocumentType) -> None:
    assert parse_document_type(cell) is expected


@pytest.mark.parametrize("cell", [None, "", "   ", "\u3000"])
def test_an_absent_or_empty_cell_is_a_resident_id(cell: str | None) -> None:
    assert parse_document_type(cell) is DEFAULT_DOCUMENT_TYPE is T.RESIDENT_ID


@pytest.mark.parametrize(
    "cell",
    [
        "港澳通行证",  # usually the mainland residents' 往来港澳通行证: never guessed
        "居住证",  # the mainland residence permit
        "驾驶证",
        "1",
        "x" * 200,
    ],
)
def test_other_documents_are_refused_with_a_bilingual_message(cell: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_document_type(cell)
    violation = caught.value.violation
    assert (violation.code, violation.field) == ("document.type_unknown", "id_type")
    assert "居民身份证" in violation.message_zh
    assert "passport" in violation.message_en
    assert len(violation.message_en) < 400  # a long cell is cut, not echoed whole


@pytest.mark.parametrize("doc_type", ALL_DOCUMENT_TYPES)
def test_every_type_parses_from_its_own_labels(doc_type: DocumentType) -> None:
    assert parse_document_type(doc_type.label_zh) is doc_type
    assert parse_document_type(doc_type.label_en) is doc_type
    assert parse_document_type(doc_type.value) is doc_type
    if doc_type.national_code is not None:
        assert parse_document_type(doc_type.national_code) is doc_type


def test_national_codes_are_those_of_ga_t_517() -> None:
    assert {t.national_code for t in ALL_DOCUMENT_TYPES} == {"111", "516", "511", "414", "553", None}
    assert T.RESIDENCE_PERMIT.national_code is None
