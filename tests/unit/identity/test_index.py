"""The look-up index: stable, keyed, type-separated, and unchanged for the rows stored before types existed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.holders import id_digest
from registry.identity.index import GB11643_TYPES, document_digest, holder_digest
from registry.rules.checkdigits import mod11_2
from registry.rules.document_types import ALL_DOCUMENT_TYPES, DocumentType
from registry.rules.documents import holder_document, lifelong_number
from registry.rules.profiles import HUNAN
from tests.support import ID_HASH_KEY

KEY = ID_HASH_KEY.encode()
T = DocumentType
RESIDENT = "11010519491231002X"
PERMIT = "810000199001011234"[:17] + mod11_2("81000019900101123")


def test_golden_values_pin_the_index_across_releases() -> None:
    """Changing either value orphans every stored row: these bytes must never change."""
    resident = "e021bb60586a8d6cbe21d96703607089b4b24161366ac49c102ac7a9b5af436f"
    passport = "b102f2c78bc987a0fd6145ca667877aba26c7e589cc82e165fee9ac0e115cee2"
    assert document_digest(KEY, T.RESIDENT_ID, RESIDENT).hex() == resident
    assert document_digest(KEY, T.PASSPORT, "E12345678").hex() == passport


def test_resident_ids_and_permits_keep_the_digest_of_existing_rows() -> None:
    """Rows stored before document types were digested with ``id_digest(key, number)``: still matched."""
    assert document_digest(KEY, T.RESIDENT_ID, RESIDENT) == id_digest(KEY, RESIDENT)
    assert document_digest(KEY, T.RESIDENCE_PERMIT, PERMIT) == id_digest(KEY, PERMIT)
    assert {T.RESIDENT_ID, T.RESIDENCE_PERMIT} == GB11643_TYPES


def test_other_types_hash_a_domain_separated_input() -> None:
    expected = hmac.new(KEY, b"certreg:holder-index:v1\x00taiwan_permit\x0012345678", hashlib.sha256).digest()
    assert document_digest(KEY, T.TAIWAN_PERMIT, "12345678") == expected


def test_types_are_separated() -> None:
    digests = {document_digest(KEY, t, "12345678") for t in (T.TAIWAN_PERMIT, T.PASSPORT)}
    assert len(digests) == 2
    assert document_digest(KEY, T.PASSPORT, "H12345678") != document_digest(KEY, T.HK_MACAO_PERMIT, "H12345678")


def test_the_key_matters() -> None:
    assert document_digest(KEY, T.PASSPORT, "E12345678") != document_digest(b"another key", T.PASSPORT, "E12345678")
    with pytest.raises(ValueError, match="id-hash key"):
        document_digest(b"", T.PASSPORT, "E12345678")


def test_a_renewed_permit_finds_the_same_holder() -> None:
    old, new = "H1234567801", "H12345678"
    assert document_digest(KEY, T.HK_MACAO_PERMIT, old) == document_digest(KEY, T.HK_MACAO_PERMIT, new)
    assert document_digest(KEY, T.TAIWAN_PERMIT, "1234567801(B)") == document_digest(KEY, T.TAIWAN_PERMIT, "12345678")


def test_typed_input_reaches_the_same_index_as_the_canonical_form() -> None:
    today = date(2025, 6, 1)
    typed = holder_document(HUNAN, "身份证", " 1101 0519 4912 3100 2x", today=today)
    assert holder_digest(KEY, typed) == document_digest(KEY, T.RESIDENT_ID, RESIDENT)


_numbers = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=5, max_size=17)


@given(st.sampled_from(ALL_DOCUMENT_TYPES), st.sampled_from(ALL_DOCUMENT_TYPES), _numbers, _numbers)
def test_different_type_or_lifelong_number_never_share_an_index(
    a_type: DocumentType, b_type: DocumentType, a: str, b: str
) -> None:
    same_space = a_type == b_type or {a_type, b_type} <= GB11643_TYPES
    if same_space and lifelong_number(a_type, a) == lifelong_number(b_type, b):
        return
    assert document_digest(KEY, a_type, a) != document_digest(KEY, b_type, b)
    assert len(document_digest(KEY, a_type, a)) == 32
