"""A fixed little world for the statement tests: one key, its key set, a typical statement."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from keys.keyset import KeySet
from keys.signing import SigningKey
from registry.calendar import PROVINCE_TZ
from registry.qrtoken import encode_token
from registry.statement import Statement, days_since_epoch, encode_statement, sign_statement
from tests.unit.keys.factory import make_info

KEY = SigningKey.from_seed(bytes([7]) * 32)
OTHER_KEY = SigningKey.from_seed(bytes([8]) * 32)
INFO = make_info(KEY, valid_from=datetime(2024, 1, 1, tzinfo=PROVINCE_TZ))
KEYSET = KeySet(keys=(INFO,))
ISSUED = date(2025, 6, 30)


def typical(**changes: Any) -> Statement:
    """The typical record of the QR measurements, with ``changes`` applied."""
    st = Statement(
        version=1,
        number="S000043000123253000011",
        kind=2,
        holder_name="张三丰",
        holder_id_masked="430102********1234",
        subject_code="6-31-01-03",
        level=4,
        institution_code="S000043000123",
        authority_code="430000",
        issued_on=days_since_epoch(ISSUED),
        kid=KEY.kid,
    )
    return msgspec.structs.replace(st, **changes)


def signed(st: Statement | None = None, key: SigningKey = KEY) -> tuple[bytes, bytes]:
    """(statement bytes, signature) of ``st`` (default: the typical statement)."""
    st = st or typical()
    return encode_statement(st), sign_statement(st, key)


def token(st: Statement | None = None) -> str:
    """The QR token of ``st`` (default: the typical statement) signed by ``KEY``."""
    return encode_token(*signed(st))
