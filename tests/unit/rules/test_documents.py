"""Holders' identity documents: every type's valid and invalid numbers (every code), normalisation, masks."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.rules.checkdigits import mod11_2
from registry.rules.document_types import ALL_DOCUMENT_TYPES, DocumentType
from registry.rules.documents import (
    check_document,
    holder_document,
    implied_gender,
    lifelong_number,
    normalise_document_number,
    validate_document,
)
from registry.rules.errors import RuleError
from registry.rules.ids import mask_resident_id
from registry.rules.masks import MASK_RULES, mask_document
from registry.rules.messages import MESSAGES
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN, PROFILES
from registry.rules.regions import PROVINCE_PREFIXES

TODAY = date(2025, 6, 1)
T = DocumentType


def with_check(first17: str) -> str:
    return first17 + mod11_2(first17)


RESIDENT = "11010519491231002X"  # GB 11643's example
PERMIT_HK = with_check("81000019900101123")
PERMIT_TW = with_check("83000020011231002")
FOREIGNER_NEW = with_check("93184019800101123")  # 9, Shanghai (31), USA (840), born 1980-01-01


def wrong_check(value: str) -> str:
    return value[:17] + ("1" if value[17] == "0" else "0")


FOREIGNER_OLD = "USA311980010112"

GOOD = [
    (T.RESIDENT_ID, RESIDENT),
    (T.RESIDENT_ID, with_check("43010219900307123")),
    (T.RESIDENCE_PERMIT, PERMIT_HK),
    (T.RESIDENCE_PERMIT, with_check("82000019751130456")),
    (T.RESIDENCE_PERMIT, PERMIT_TW),
    (T.HK_MACAO_PERMIT, "H12345678"),  # the card of 2013
    (T.HK_MACAO_PERMIT, "M87654321"),
    (T.HK_MACAO_PERMIT, "H1234567801"),  # 1999-2012: lifelong 8 + renewals 2
    (T.TAIWAN_PERMIT, "12345678"),  # lifelong number, 2008 onwards and the 2015 card
    (T.TAIWAN_PERMIT, "1234567801"),  # booklet: + issue count
    (T.TAIWAN_PERMIT, "1234567801(B)"),  # booklet: + issuing office code
    (T.PASSPORT, "E12345678"),  # Chinese e-passport before April 2017
    (T.PASSPORT, "EA1234567"),  # after April 2017
    (T.PASSPORT, "G12345678"),  # before the e-passport
    (T.PASSPORT, "X1234"),  # 5: the shortest
    (T.PASSPORT, "AB123456789012345"),  # 17: the longest
    (T.FOREIGN_PERMANENT_RESIDENT, FOREIGNER_NEW),
    (T.FOREIGN_PERMANENT_RESIDENT, FOREIGNER_OLD),
]


@pytest.mark.parametrize(("doc_type", "value"), GOOD)
def test_good_numbers(doc_type: DocumentType, value: str) -> None:
    assert check_document(doc_type, value, today=TODAY) is None
    assert validate_document(doc_type, value, today=TODAY) == value


BAD = [
    (T.RESIDENT_ID, "", "document.empty"),
    (T.PASSPORT, "", "document.empty"),
    (T.RESIDENT_ID, "11010519491231002", "id.format"),
    (T.RESIDENT_ID, with_check("99010519491231002"), "id.region"),
    (T.RESIDENT_ID, with_check("43010219900230123"), "id.birth_date"),
    (T.RESIDENT_ID, "110105194912310021", "id.checksum"),
    (T.RESIDENT_ID, PERMIT_HK, "document.other_type"),  # a residence permit is its own type now
    (T.RESIDENT_ID, FOREIGNER_NEW, "document.other_type"),
    (T.RESIDENT_ID, FOREIGNER_OLD, "document.other_type"),
    (T.RESIDENT_ID, "H12345678", "document.other_type"),
    (T.PASSPORT, RESIDENT, "document.other_type"),  # 18 characters: too long for a passport, an ID
    (T.RESIDENCE_PERMIT, RESIDENT, "document.other_type"),
    (T.RESIDENCE_PERMIT, "8100001990010112", "permit.format"),
    (T.RESIDENCE_PERMIT, with_check("84000019900101123"), "permit.region"),
    (T.RESIDENCE_PERMIT, with_check("81000019900230123"), "permit.birth_date"),
    (T.RESIDENCE_PERMIT, with_check("81000018991231123"), "permit.birth_date"),
    (T.RESIDENCE_PERMIT, with_check("81000020250602123"), "permit.birth_date"),  # after today
    (T.RESIDENCE_PERMIT, wrong_check(PERMIT_HK), "permit.checksum"),
    (T.RESIDENCE_PERMIT, with_check("83000020011231000"), "permit.order"),  # order code 000: never assigned
    (T.HK_MACAO_PERMIT, "H1234567", "hkmacao.format"),
    (T.HK_MACAO_PERMIT, "H123456789", "hkmacao.format"),
    (T.HK_MACAO_PERMIT, "A12345678", "hkmacao.format"),
    (T.HK_MACAO_PERMIT, "12345678", "hkmacao.format"),
    (T.TAIWAN_PERMIT, "1234567", "taiwan.format"),
    (T.TAIWAN_PERMIT, "123456789", "taiwan.format"),
    (T.TAIWAN_PERMIT, "12345678(B)", "taiwan.format"),
    (T.TAIWAN_PERMIT, "T12345678", "taiwan.format"),
    (T.PASSPORT, "E1234-5678", "passport.format"),
    (T.PASSPORT, "护照12345", "passport.format"),
    (T.PASSPORT, "E123", "passport.length"),
    (T.PASSPORT, "AB1234567890123456", "passport.length"),
    (T.FOREIGN_PERMANENT_RESIDENT, "US1234567890123", "foreigner.format"),
    (T.FOREIGN_PERMANENT_RESIDENT, "USA31198001011", "foreigner.format"),
    (T.FOREIGN_PERMANENT_RESIDENT, with_check("83184019800101123"), "foreigner.format"),  # not 9…
    (T.FOREIGN_PERMANENT_RESIDENT, with_check("99984019800101123"), "foreigner.province"),
    (T.FOREIGN_PERMANENT_RESIDENT, with_check("93184019800230123"), "foreigner.birth_date"),
    (
        T.FOREIGN_PERMANENT_RESIDENT,
        FOREIGNER_NEW[:17] + ("0" if FOREIGNER_NEW[17] != "0" else "1"),
        "foreigner.checksum",
    ),
]


@pytest.mark.parametrize(("doc_type", "value", "code"), BAD)
def test_bad_numbers_give_their_code_and_never_echo_the_number(doc_type: DocumentType, value: str, code: str) -> None:
    problem = check_document(doc_type, value, today=TODAY)
    assert problem is not None
    assert (problem.code, problem.field) == (code, "id_number")
    assert problem.message_zh
    assert problem.message_en
    if code.startswith(("document.", "permit.", "hkmacao.", "taiwan.", "passport.", "foreigner.")):
        for text in (problem.message_zh, problem.message_en):
            assert not value or value not in text
            assert not any(value[i : i + 6] in text for i in range(max(len(value) - 5, 0)) if len(value) >= 6)


def test_every_document_code_is_exercised() -> None:
    """The table above covers each code the document validators can emit."""
    emitted = {code for _, _, code in BAD}
    ours = {c for c in MESSAGES if c.startswith(("permit.", "hkmacao.", "taiwan.", "passport.", "foreigner."))}
    assert ours | {"document.empty", "document.other_type"} <= emitted


def test_other_type_names_the_right_type() -> None:
    problem = check_document(T.RESIDENT_ID, PERMIT_TW, today=TODAY)
    assert problem is not None
    assert "港澳台居民居住证" in problem.message_zh
    assert "residence permit for Hong Kong, Macao and Taiwan residents" in problem.message_en
    problem = check_document(T.RESIDENT_ID, FOREIGNER_OLD, today=TODAY)
    assert problem is not None
    assert "外国人永久居留身份证" in problem.message_zh


@pytest.mark.parametrize(
    ("doc_type", "typed", "canonical"),
    [
        (T.RESIDENT_ID, " 1101 0519 4912 3100 2x ", RESIDENT),
        (T.RESIDENT_ID, "１１０１０５１９４９１２３１００２Ｘ", RESIDENT),
        (T.HK_MACAO_PERMIT, "h 1234 5678", "H12345678"),
        (T.HK_MACAO_PERMIT, "Ｈ１２３４５６７８", "H12345678"),
        (T.TAIWAN_PERMIT, "１２３４５６７８０１（ｂ）", "1234567801(B)"),
        (T.PASSPORT, "ea1234567", "EA1234567"),
        (T.PASSPORT, "E\u300012345678", "E12345678"),  # an ideographic space
        (T.FOREIGN_PERMANENT_RESIDENT, "usa 311980010112", FOREIGNER_OLD),
    ],
)
def test_normalisation_of_what_people_type(doc_type: DocumentType, typed: str, canonical: str) -> None:
    assert normalise_document_number(typed) == canonical
    assert validate_document(doc_type, typed, today=TODAY) == canonical


def test_validate_raises_the_violation() -> None:
    with pytest.raises(RuleError) as caught:
        validate_document(T.HK_MACAO_PERMIT, "X1", today=TODAY)
    assert caught.value.code == "hkmacao.format"
    assert "X1" not in str(caught.value)


@pytest.mark.parametrize(
    ("doc_type", "value", "masked"),
    [
        (T.RESIDENT_ID, RESIDENT, "110105********002X"),
        (T.RESIDENCE_PERMIT, PERMIT_HK, f"810000********{PERMIT_HK[-4:]}"),
        (T.FOREIGN_PERMANENT_RESIDENT, FOREIGNER_NEW, f"931840********{FOREIGNER_NEW[-4:]}"),
        (T.FOREIGN_PERMANENT_RESIDENT, FOREIGNER_OLD, "USA*********112"),
        (T.HK_MACAO_PERMIT, "H12345678", "H*****678"),
        (T.HK_MACAO_PERMIT, "H1234567801", "H*******801"),
        (T.TAIWAN_PERMIT, "12345678", "12****78"),
        (T.TAIWAN_PERMIT, "1234567801(B)", "12*********B)"),
        (T.PASSPORT, "AB123456789012345", "AB************345"),
        (T.PASSPORT, "E12345678", "E1*****78"),  # 2 + 3 would show more than half
        (T.PASSPORT, "X1234", "X***4"),
    ],
)
def test_masks(doc_type: DocumentType, value: str, masked: str) -> None:
    assert mask_document(doc_type, value) == masked


def test_empty_numbers_are_never_masked() -> None:
    with pytest.raises(RuleError, match=r"document\.empty"):
        mask_document(T.PASSPORT, "")


@pytest.mark.parametrize("doc_type", ALL_DOCUMENT_TYPES)
def test_every_type_has_a_mask_rule(doc_type: DocumentType) -> None:
    assert None in MASK_RULES[doc_type]


def test_lifelong_number_survives_a_renewal() -> None:
    assert lifelong_number(T.HK_MACAO_PERMIT, "H1234567801") == lifelong_number(T.HK_MACAO_PERMIT, "H12345678")
    assert lifelong_number(T.TAIWAN_PERMIT, "1234567802(C)") == lifelong_number(T.TAIWAN_PERMIT, "12345678")
    assert lifelong_number(T.PASSPORT, "E12345678") == "E12345678"
    assert lifelong_number(T.RESIDENT_ID, RESIDENT) == RESIDENT


def test_implied_gender() -> None:
    assert implied_gender(T.RESIDENT_ID, RESIDENT) == "female"  # …002X: 2 is even
    assert implied_gender(T.RESIDENT_ID, with_check("43010219900307123")) == "male"
    assert implied_gender(T.FOREIGN_PERMANENT_RESIDENT, FOREIGNER_NEW) == "male"
    assert implied_gender(T.FOREIGN_PERMANENT_RESIDENT, FOREIGNER_OLD) is None
    assert implied_gender(T.PASSPORT, "E12345678") is None


@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
def test_shipped_profiles_accept_all_six_types(profile: ProvinceProfile) -> None:
    assert profile.document_types == ALL_DOCUMENT_TYPES
    assert len(ALL_DOCUMENT_TYPES) == 6


def test_holder_document_applies_the_profile_list() -> None:
    found = holder_document(HUNAN, "回乡证", "h12345678", today=TODAY)
    assert (found.document_type, found.number, found.masked, found.lifelong) == (
        T.HK_MACAO_PERMIT,
        "H12345678",
        "H*****678",
        "H12345678",
    )
    assert "12345678" not in repr(found)
    assert holder_document(HUNAN, None, RESIDENT, today=TODAY).document_type is T.RESIDENT_ID
    narrow = msgspec.structs.replace(HUNAN, document_types=(T.RESIDENT_ID,))
    with pytest.raises(RuleError) as caught:
        holder_document(narrow, "护照", "E12345678", today=TODAY)
    assert (caught.value.code, caught.value.violation.field) == ("document.type_not_allowed", "id_type")
    assert "护照" in caught.value.violation.message_zh
    with pytest.raises(RuleError, match=r"document\.type_unknown"):
        holder_document(HUNAN, "驾驶证", RESIDENT, today=TODAY)


@pytest.mark.parametrize("bad", [(), (T.PASSPORT, T.PASSPORT)])
def test_a_profile_lists_types_once_and_at_least_one(bad: tuple[DocumentType, ...]) -> None:
    with pytest.raises(ValueError, match="document_types"):
        msgspec.structs.replace(HUNAN, document_types=bad)


# --- properties --------------------------------------------------------------------------------------------

_birth = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
_prefixes = st.sampled_from(sorted(PROVINCE_PREFIXES))
_mainland = st.sampled_from(sorted(set(PROVINCE_PREFIXES) - {"81", "82"}))
_SHAPES = {
    T.HK_MACAO_PERMIT: st.from_regex(r"[HM][0-9]{8}([0-9]{2})?", fullmatch=True),
    T.TAIWAN_PERMIT: st.from_regex(r"[0-9]{8}([0-9]{2}(\([0-9A-Z]\))?)?", fullmatch=True),
    T.PASSPORT: st.from_regex(r"[A-Z0-9]{5,17}", fullmatch=True),
    T.FOREIGN_PERMANENT_RESIDENT: st.from_regex(r"[A-Z]{3}[0-9]{12}", fullmatch=True),
}


@st.composite
def numbers(draw: st.DrawFn) -> tuple[DocumentType, str]:
    """A valid number of any type."""
    doc_type = draw(st.sampled_from(ALL_DOCUMENT_TYPES))
    # the order code 000 of a resident ID or a residence permit is never assigned (id.order, permit.order)
    born, order = draw(_birth), draw(st.integers(1, 999))
    if doc_type is T.RESIDENT_ID:
        body = f"{draw(_mainland)}{draw(st.integers(1, 99)):02d}{draw(st.integers(0, 99)):02d}"
        return doc_type, with_check(f"{body}{born:%Y%m%d}{order:03d}")
    if doc_type is T.RESIDENCE_PERMIT:
        return doc_type, with_check(f"{draw(st.sampled_from(['81', '82', '83']))}0000{born:%Y%m%d}{order:03d}")
    if doc_type is T.FOREIGN_PERMANENT_RESIDENT and draw(st.booleans()):
        nationality = draw(st.integers(4, 894))
        return doc_type, with_check(f"9{draw(_prefixes)}{nationality:03d}{born:%Y%m%d}{order:03d}")
    return doc_type, draw(_SHAPES[doc_type])


@given(numbers())
def test_any_valid_number_validates_masks_and_normalises(case: tuple[DocumentType, str]) -> None:
    doc_type, value = case
    assert check_document(doc_type, value, today=TODAY) is None
    assert validate_document(doc_type, f" {value.lower()} ", today=TODAY) == value
    masked = mask_document(doc_type, value)
    assert len(masked) == len(value)
    assert "*" in masked
    assert all(m in {v, "*"} for m, v in zip(masked, value, strict=True))
    if doc_type is T.PASSPORT:
        assert masked.count("*") * 2 >= len(value)
    if doc_type is T.RESIDENT_ID:
        assert masked == mask_resident_id(value)  # today's form, byte for byte


@given(numbers(), st.sampled_from(ALL_DOCUMENT_TYPES))
def test_a_number_of_a_distinct_shape_is_never_valid_under_another_type(
    case: tuple[DocumentType, str], other: DocumentType
) -> None:
    """The look-up index separates types; two distinct-shape types must also never accept the same number."""
    doc_type, value = case
    distinct = {T.RESIDENT_ID, T.RESIDENCE_PERMIT, T.HK_MACAO_PERMIT}
    if doc_type in distinct and other in distinct and other is not doc_type:
        problem = check_document(other, value, today=TODAY)
        assert problem is not None
        assert problem.code == "document.other_type"
