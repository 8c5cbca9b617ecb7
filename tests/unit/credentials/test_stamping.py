"""Credentials filled in from a stamp are byte for byte the credentials built and signed one by one."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from keys.signing import SigningKey
from registry.credentials.credential import build_credential
from registry.credentials.errors import BadProofSignatureError
from registry.credentials.signing import sign_as_authority, verify_authority_document
from registry.credentials.stamping import CredentialStamp
from registry.credentials.status_list import status_position
from registry.vocab import CertificateKind
from tests.unit.credentials.world import ACTIVE, ACTIVE_INFO, KEYSET, PUBLIC_URL, at, view

CREATED = at(date(2026, 3, 2))
HOLDERS = [("4300012026000001", "张三", 1), ("4300012026000002", "李四", 131_072), ("43000-2026", "王 五", 131_073)]


def _general(number: str, name: str, value: int, kind: CertificateKind, salt: str, public_url: str) -> bytes:
    one = msgspec.structs.replace(view(kind=kind), number=number, holder_name=name, status=status_position(value))
    document = build_credential(one, public_url=public_url, salt=salt)
    return sign_as_authority(document, public_url=public_url, key=ACTIVE_INFO, sign=ACTIVE.sign, created=CREATED)


@pytest.mark.parametrize("kind", list(CertificateKind))
@pytest.mark.parametrize("public_url", [PUBLIC_URL, "https://zs.example.cn:8443/hn"])
def test_stamped_credentials_are_the_general_bytes(kind: CertificateKind, public_url: str) -> None:
    stamp = CredentialStamp(view(kind=kind), public_url=public_url, key=ACTIVE_INFO, sign=ACTIVE.sign, created=CREATED)
    for number, name, value in HOLDERS * 2:  # the first goes the general way, the others from the template
        salt = f"{value:032x}"
        stamped = stamp.sign(number, name, value, salt=salt)
        assert stamped.data == _general(number, name, value, kind, salt, public_url)
        assert stamped.status == status_position(value)


def test_a_stamped_credential_verifies_and_fresh_salts_differ() -> None:
    stamp = CredentialStamp(view(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=CREATED)
    first, second = (stamp.sign("4300012026000001", "张三", 7) for _ in range(2))
    assert first.data != second.data
    for stamped in (first, second):
        verify_authority_document(
            stamped.data, keyset=KEYSET, public_url=PUBLIC_URL, expected_type="OpenBadgeCredential"
        )


def test_a_number_that_would_need_escaping_is_refused() -> None:
    stamp = CredentialStamp(view(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=CREATED)
    with pytest.raises(ValueError, match="letters, digits"):
        stamp.sign('43"0001', "张三", 1)


def test_a_signer_of_another_key_is_refused_on_the_first_credential() -> None:
    other = SigningKey.from_seed(bytes([9]) * 32)
    stamp = CredentialStamp(view(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=other.sign, created=CREATED)
    with pytest.raises(BadProofSignatureError):
        stamp.sign("4300012026000001", "张三", 1)
