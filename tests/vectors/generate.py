"""Generate ``statement_v1.json``: published test vectors for statement v1, its signature and QR token.

Deterministic: keys come from fixed seeds (SHA-256 of a label), dates are fixed, and Ed25519 signatures are
deterministic, so running this again gives identical bytes (a unit test checks that). Run from the
repository root: ``.venv/bin/python -m tests.vectors.generate``. The format is described in README.md.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec

from keys.keyinfo import PublicKeyInfo
from keys.keyset import KeySet, compromise, retire
from keys.kid import b64url_encode
from keys.signing import SigningKey
from registry.calendar import PROVINCE_TZ
from registry.qrtoken import encode_token, token_url
from registry.statement import DOMAIN, Statement, days_since_epoch

OUTPUT = Path(__file__).with_name("statement_v1.json")
PUBLIC_URL = "https://zs.example.cn"


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PROVINCE_TZ)


def seed_of(label: str) -> bytes:
    """The fixed seed of a vector key: SHA-256 of ``certreg test vector key <label>``."""
    return hashlib.sha256(f"certreg test vector key {label}".encode()).digest()


KEYS = {label: SigningKey.from_seed(seed_of(label)) for label in (
    "active", "retired", "compromised", "compromised-all", "future", "log", "outsider",
)}  # fmt: skip


def _info(label: str, authority: str, valid_from: datetime, purpose: str = "statement") -> PublicKeyInfo:
    key = KEYS[label]
    return msgspec.convert(
        {"kid": key.kid, "authority": authority, "purpose": purpose, "algorithm": "Ed25519",
         "public_key": b64url_encode(key.public_key), "valid_from": valid_from},
        PublicKeyInfo,
    )  # fmt: skip


def keyset() -> KeySet:
    """Every key but "outsider", each in the state its vectors need."""
    return KeySet(keys=(
        _info("active", "430000", _at(2024, 1, 1)),
        retire(_info("retired", "430100", _at(2023, 1, 1)), _at(2024, 6, 30, 18, 0)),
        compromise(_info("compromised", "430200", _at(2023, 1, 1)), _at(2024, 3, 15, 10, 0), "after"),
        compromise(_info("compromised-all", "430300", _at(2023, 1, 1)), _at(2024, 5, 1), "all"),
        _info("future", "430400", _at(2026, 1, 1)),
        _info("log", "430000", _at(2024, 1, 1), purpose="log"),
    ))  # fmt: skip


def statement(key: str, issued: date, **changes: Any) -> Statement:
    """The typical record signed by ``key`` on ``issued``, with ``changes``."""
    fields: dict[str, Any] = {
        "version": 1, "number": "S000043000123253000011", "kind": 2, "holder_name": "张三丰",
        "holder_id_masked": "430102********1234", "subject_code": "6-31-01-03", "level": 4,
        "institution_code": "S000043000123", "authority_code": "430000",
        "issued_on": days_since_epoch(issued), "kid": KEYS[key].kid,
    }  # fmt: skip
    return Statement(**(fields | changes))


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def vector(name: str, about: str, expect: str, signer: str, data: bytes, **kw: Any) -> dict[str, Any]:
    """One vector: ``data`` signed by ``signer``; ``signature``, ``token`` or ``st`` (the statement the
    bytes encode, if any) may be given to break or describe it. ``expect`` is the reason code a correct
    verifier returns, written here by hand, never computed by the code under test."""
    signature = kw.get("signature", KEYS[signer].sign(DOMAIN + data))
    token = kw.get("token", encode_token(data, signature))
    st: Statement | None = kw.get("st")
    return {
        "name": name, "description": about, "signed_by": signer,
        "statement": None if st is None else msgspec.to_builtins(msgspec.structs.asdict(st)),
        "issued_on_date": None if st is None else st.issued_date.isoformat(),
        "statement_hex": data.hex(), "signature_hex": signature.hex(), "token": token,
        "url": token_url(PUBLIC_URL, token), "expected": {"valid": expect == "ok", "reason": expect},
    }  # fmt: skip


def _of(name: str, about: str, expect: str, signer: str, st: Statement) -> dict[str, Any]:
    return vector(name, about, expect, signer, msgspec.msgpack.encode(st), st=st)


def _dated(key: str, issued: date, authority: str) -> Statement:
    return statement(key, issued, authority_code=authority)


def vectors() -> list[dict[str, Any]]:
    """Valid vectors first, then one per way to fail; vectors added later are appended at the end, so that
    no published vector moves or changes."""
    typical = statement("active", date(2025, 6, 30))
    good = msgspec.msgpack.encode(typical)
    sig = KEYS["active"].sign(DOMAIN + good)
    tok = encode_token(good, sig)
    special = statement(
        "active",
        date(2025, 1, 2),
        kind=3,
        level=0,
        holder_name="阿卜杜热合曼·买买提明",
        subject_code="Z-430000-0012",
    )
    bad_bits = tok[:-1] + _B32[_B32.index(tok[-1]) + 1]
    starred = statement("active", date(2025, 3, 3), kind=3, level=0, number="4301002025018900001*")
    return [
        _of("valid-typical", "typical skill-level certificate, active key", "ok", "active", typical),
        _of("valid-special-ability", "kind 3, level 0, long minority name", "ok", "active", special),
        _of("valid-retired-last-day", "retired key, issued on its valid_to day", "ok", "retired",
            _dated("retired", date(2024, 6, 30), "430100")),
        _of("retired-after-valid-to", "retired key, issued the day after valid_to", "key_not_valid_at_date",
            "retired", _dated("retired", date(2024, 7, 1), "430100")),
        _of("not-yet-valid", "key valid from 2026-01-01, statement dated 2025", "key_not_valid_at_date",
            "future", _dated("future", date(2025, 6, 30), "430400")),
        _of("compromised-before-t", "compromised at T (scope after), issued the day before", "ok",
            "compromised", _dated("compromised", date(2024, 3, 14), "430200")),
        _of("compromised-on-t-day", "issued on the day of T: the whole day is distrusted", "key_compromised",
            "compromised", _dated("compromised", date(2024, 3, 15), "430200")),
        _of("compromised-after-t", "issued after T", "key_compromised",
            "compromised", _dated("compromised", date(2024, 4, 1), "430200")),
        _of("compromised-all", "scope all: distrusted even before T", "key_compromised",
            "compromised-all", _dated("compromised-all", date(2024, 2, 1), "430300")),
        _of("wrong-purpose", "a transparency-log key signed a statement", "wrong_key_purpose",
            "log", statement("log", date(2025, 6, 30))),
        _of("wrong-key", "names the active key, signed by another", "bad_signature", "outsider", typical),
        _of("unknown-kid", "names a key not in the key set", "unknown_key",
            "outsider", statement("outsider", date(2025, 6, 30))),
        vector("flipped-statement-bit", "number's last character changed after signing", "bad_signature",
               "active", _flip(good, 23), signature=sig),
        vector("flipped-signature-bit", "lowest bit of signature byte 0 flipped", "bad_signature",
               "active", good, signature=_flip(sig, 0)),
        vector("unknown-version", "version 2 (same layout), validly signed", "unsupported_version",
               "active", b"\x9b\x02" + good[2:]),
        vector("truncated", "statement without its last byte, signed as is", "malformed_statement",
               "active", good[:-1]),
        vector("trailing-bytes", "statement followed by 0x00, signed as is", "malformed_statement",
               "active", good + b"\x00"),
        vector("non-canonical", "version 1 as uint8 0xcc01, signed as is", "malformed_statement",
               "active", b"\x9b\xcc\x01" + good[2:]),
        vector("token-lower-case", "the valid token in lower case", "malformed_token",
               "active", good, st=typical, token=tok.lower()),
        vector("token-trailing-bits", "last character with non-zero unused bits", "malformed_token",
               "active", good, st=typical, token=bad_bits),
        _of("valid-check-character-star", "number ends in '*', a MOD 37-2 check character", "ok",
            "active", starred),
        _of("wrong-authority", "claims authority 430000, signed by the valid key of 430200 (before its T)",
            "wrong_authority", "compromised", _dated("compromised", date(2024, 3, 14), "430000")),
        _of("wrong-authority-retired-key", "claims 430000, signed in its window by the retired key of 430100",
            "wrong_authority", "retired", _dated("retired", date(2024, 6, 1), "430000")),
    ]  # fmt: skip


def build() -> dict[str, Any]:
    """The whole vector document."""
    keys = {
        label: {"seed_hex": key.export_seed().hex(), "public_key_hex": key.public_key.hex(),
                "public_key_b64url": b64url_encode(key.public_key), "kid": key.kid}
        for label, key in KEYS.items()
    }  # fmt: skip
    return {
        "format": "certreg-statement-vectors-v1",
        "domain": DOMAIN.decode(),
        "token_encoding": "RFC 4648 base32, upper case, no padding, of statement || signature",
        "public_url": PUBLIC_URL,
        "keys": keys,
        "keyset": json.loads(keyset().to_json()),
        "vectors": vectors(),
    }


def render() -> bytes:
    """The exact bytes of ``statement_v1.json``."""
    return (json.dumps(build(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


if __name__ == "__main__":
    OUTPUT.write_bytes(render())
    print(f"wrote {OUTPUT}")
