"""The OpenBadgeCredential of a certificate: what it says, what it never says, and how it is stored."""

from __future__ import annotations

import json
from datetime import date

import pytest

from registry.credentials.credential import (
    OB3_CONTEXT,
    build_credential,
    holder_identity,
    identity_hash,
    level_labels,
    names_holder,
    new_salt,
    new_salts,
)
from registry.credentials.jcs import JsonObject, canonicalize, parse
from registry.credentials.signing import sign_as_authority
from registry.vocab import CertificateKind
from tests.unit.credentials.world import ACTIVE, ACTIVE_INFO, PUBLIC_URL, SALT, at, tree, view


def _credential(**kwargs: object) -> JsonObject:
    return build_credential(view(**kwargs), public_url=PUBLIC_URL, salt=SALT)  # type: ignore[arg-type]


def test_types_contexts_issuer_and_validity() -> None:
    credential = _credential()
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": "did:web:zs.example.cn:authorities:430000",
        "type": ["Profile"],
        "name": "湖南省职业技能鉴定中心",
    }
    assert credential["validFrom"] == "2026-03-02T00:00:00+08:00"
    assert credential["id"] == "https://zs.example.cn/v1/certificates/4300012026000001"


def test_subject_carries_number_achievement_and_level_in_chinese_and_english() -> None:
    subject = _credential()["credentialSubject"]
    assert isinstance(subject, dict)
    assert subject["type"] == ["AchievementSubject"]
    assert subject["licenseNumber"] == "4300012026000001"
    achievement = subject["achievement"]
    assert isinstance(achievement, dict)
    assert achievement["name"] == "电工 三级/高级工"
    assert achievement["humanCode"] == "6-31-01-03"
    assert achievement["description"] == (
        "职业技能等级证书：电工（6-31-01-03），三级/高级工 / "
        "Vocational skill level certificate: 6-31-01-03, Level 3 / Senior worker"
    )
    assert achievement["achievementType"] == "Certification"
    assert subject["source"] == {
        "id": "https://zs.example.cn/institutions/S4301001",
        "type": ["Profile"],
        "name": "长沙市第一职业技能鉴定站",
    }


def test_a_special_ability_certificate_has_no_level() -> None:
    achievement = tree(_credential(kind=CertificateKind.SPECIAL_ABILITY))["credentialSubject"]["achievement"]
    assert achievement["name"] == "湘绣制作"
    assert achievement["achievementType"] == "Certificate"
    assert "专项职业能力证书" in achievement["description"]
    assert "Level" not in achievement["description"]


@pytest.mark.parametrize(
    ("level", "zh", "en"),
    [(1, "一级/高级技师", "Level 1 / Senior technician"), (5, "五级/初级工", "Level 5 / Junior worker")],
)
def test_level_labels(level: int, zh: str, en: str) -> None:
    assert level_labels(CertificateKind.SKILL_LEVEL, level) == (zh, en)


def test_a_level_outside_0_to_5_is_refused() -> None:
    with pytest.raises(ValueError, match="0-5"):
        level_labels(CertificateKind.SKILL_LEVEL, 6)


def test_the_holder_is_a_salted_name_hash_and_no_id_number_appears() -> None:
    credential = _credential()
    identity = tree(credential)["credentialSubject"]["identifier"]
    assert identity == [holder_identity("张三", SALT)]
    assert identity[0]["identityHash"] == identity_hash("张三", SALT)
    text = json.dumps(credential, ensure_ascii=False)
    assert "张三" not in text  # the name is not readable from the credential
    assert "430104" not in text
    assert "*" not in text
    assert names_holder(identity[0], "张三")
    assert not names_holder(identity[0], "张四")
    assert not names_holder({"identityType": "name", "hashed": True, "salt": 1, "identityHash": "x"}, "张三")


def test_salts_are_fresh_so_two_credentials_of_one_person_are_not_linkable() -> None:
    first, second = new_salt(), new_salt()
    assert first != second
    assert len(first) == 32
    assert identity_hash("张三", first) != identity_hash("张三", second)


def test_salts_made_together_are_as_fresh_and_as_long_as_salts_made_one_by_one() -> None:
    salts = new_salts(1000)
    assert len(salts) == len(set(salts)) == 1000
    assert {len(salt) for salt in salts} == {32}
    assert all(int(salt, 16) >= 0 for salt in salts)  # hex, as new_salt's
    assert new_salts(0) == []


def test_credential_status_points_at_the_authoritys_list() -> None:
    status = _credential(sequence_value=131_073)["credentialStatus"]
    assert status == {
        "id": "https://zs.example.cn/v1/status/430000/2#0",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "0",
        "statusListCredential": "https://zs.example.cn/v1/status/430000/2",
    }


def test_stored_bytes_are_the_canonical_bytes_that_were_signed() -> None:
    data = sign_as_authority(
        _credential(), public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(date(2026, 3, 2))
    )
    secured = parse(data)
    assert canonicalize(secured) == data  # one byte string, no whitespace, sorted members
    assert isinstance(secured, dict)
    assert {name: value for name, value in secured.items() if name != "proof"} == _credential()
