"""Fixed keys and times shared by the keys tests (deterministic: seeds are constants)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from keys.keyinfo import PROVINCE_TZ, PublicKeyInfo
from keys.kid import b64url_encode
from keys.signing import SigningKey

KEY_A = SigningKey.from_seed(bytes([1]) * 32)
KEY_B = SigningKey.from_seed(bytes([2]) * 32)
KEY_LOG = SigningKey.from_seed(bytes([3]) * 32)
T0 = datetime(2024, 1, 1, 9, 0, tzinfo=PROVINCE_TZ)


def make_info(key: SigningKey, **overrides: Any) -> PublicKeyInfo:
    """An active statement key of authority 430000 valid from ``T0`` unless overridden."""
    fields: dict[str, Any] = {
        "kid": key.kid,
        "authority": "430000",
        "purpose": "statement",
        "algorithm": "Ed25519",
        "public_key": b64url_encode(key.public_key),
        "valid_from": T0,
    }
    fields.update(overrides)
    return PublicKeyInfo(**fields)
