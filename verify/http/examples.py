"""Example bodies of the verify JSON routes for the OpenAPI document (invented holders; the OpenAPI tests
validate each against the schema the document gives it, so an example that drifts from the code fails)."""

from __future__ import annotations

from typing import Any, Final

NUMBER: Final = "S000043000101262000001"
_HASH: Final = "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

_PUBLIC: Final[dict[str, Any]] = {
    "number": NUMBER,
    "kind": "skill_level",
    "kind_label": "职业技能等级证书 / Vocational skill level certificate",
    "subject_type": "occupation",
    "subject_code": "6-31-01-03",
    "subject_name": "电工",
    "level": 3,
    "level_label": "三级/高级工 / Level 3 / Senior worker",
    "institution_code": "S4301001",
    "institution_name": "长沙市第一职业技能鉴定站",
    "authority_code": "430000",
    "authority_name": "湖南省职业技能鉴定中心",
    "issued_on": "2026-03-02",
    "log_index": 41,
    "log_proof": "/v1/log/proof/inclusion?index=41&size=42",
}
_CERTIFICATE: Final[dict[str, Any]] = {
    **_PUBLIC,
    "holder_name": "张三",
    "holder_id_masked": "430102********1234",
    "log_inclusion": {"pending": False, "tree_size": 42, "root_hash": _HASH, "leaf_hash": _HASH, "proof": [_HASH]},
}
_VALID: Final = {"status": "valid"}
_MESSAGE: Final = "有效：证书有效 / Valid: the certificate is valid"

VERIFY_REQUEST: Final = {"number": NUMBER, "name": "张三"}
VERIFY_RESULT: Final[dict[str, Any]] = {
    "result": "valid",
    "reason": "valid",
    "message": _MESSAGE,
    "certificate": _CERTIFICATE,
    "status": _VALID,
}
BATCH_REQUEST: Final = {
    "items": [VERIFY_REQUEST, {"name": "李四", "id_type": "resident_id", "id_number": "430102199003071234"}]
}
_PERSON_CERTIFICATE: Final[dict[str, Any]] = {
    **{k: _PUBLIC[k] for k in ("number", "kind", "kind_label", "subject_type", "subject_code", "subject_name")},
    **{k: _PUBLIC[k] for k in ("level", "level_label")},
    "result": "valid",
    "reason": "valid",
    "verdict_label": "有效 / Valid",
    **{k: _PUBLIC[k] for k in ("issued_on", "institution_code", "institution_name")},
    "holder_id_masked": "430102********1234",
    "status": _VALID,
    "check": f"/c/{NUMBER}",
}
BATCH_RESPONSE: Final[dict[str, Any]] = {
    "count": 2,
    "results": [
        VERIFY_RESULT,
        {
            "result": "found",
            "reason": "found",
            "message": "查到 1 张证书 / 1 certificate(s) found",
            "count": 1,
            "certificates": [_PERSON_CERTIFICATE],
        },
    ],
}
PUBLIC_CERTIFICATE: Final[dict[str, Any]] = {
    "result": "valid",
    "reason": "valid",
    "message": _MESSAGE,
    "certificate": _PUBLIC,
    "status": _VALID,
}
CREDENTIAL_REQUEST: Final = VERIFY_REQUEST

#: ``GET /v1/keys``: an active statement key and a retired one (real key ids of their public keys).
KEY_SET: Final[dict[str, Any]] = {
    "keys": [
        {
            "kid": "aLy-chj9Bnw",
            "authority": "430000",
            "purpose": "statement",
            "algorithm": "Ed25519",
            "public_key": "3jdtjLaY5S02ECtb10HH8B3PS9RTyXmZwwGz92kmruU",
            "valid_from": "2026-03-01T00:00:00Z",
            "valid_to": None,
            "status": "active",
            "compromised_at": None,
            "compromise_scope": None,
        },
        {
            "kid": "BeOSRSJY-wc",
            "authority": "431200",
            "purpose": "statement",
            "algorithm": "Ed25519",
            "public_key": "zjK6Z9IcMnKXQQN0cZa1QpVeHandFi9wap2p6yCJayc",
            "valid_from": "2025-03-01T00:00:00Z",
            "valid_to": "2026-03-01T00:00:00Z",
            "status": "retired",
            "compromised_at": None,
            "compromise_scope": None,
        },
    ]
}
