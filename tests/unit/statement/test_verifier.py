"""verify_token: one verdict per failure reason, never an exception."""

from __future__ import annotations

from datetime import date, datetime

import msgspec
import pytest

from keys.keyset import KeySet, compromise, retire
from registry.calendar import PROVINCE_TZ
from registry.qrtoken import encode_token
from registry.statement import days_since_epoch, encode_statement
from tests.unit.statement.world import INFO, KEY, KEYSET, OTHER_KEY, signed, token, typical
from verify.verifier import REASONS, Verdict, verify_token

T_COMPROMISE = datetime(2025, 7, 1, tzinfo=PROVINCE_TZ)


def on(day: date) -> str:
    return token(typical(issued_on=days_since_epoch(day)))


def test_valid_token() -> None:
    verdict = verify_token(token(), KEYSET)
    assert verdict == Verdict(valid=True, reason="ok", statement=typical())
    assert (verdict.text_zh, verdict.text_en) == REASONS["ok"]


def _version_2_token() -> str:
    data = encode_statement(typical())
    return encode_token(b"\x9b\x02" + data[2:], KEY.sign(b"x"))


CASES = [
    ("not a token!", KEYSET, "malformed_token"),
    (encode_token(b"\xc1", bytes(64)), KEYSET, "malformed_statement"),
    (_version_2_token(), KEYSET, "unsupported_version"),
    (token(), KeySet(), "unknown_key"),
    (on(date(2023, 12, 31)), KEYSET, "key_not_valid_at_date"),
    (
        on(date(2025, 7, 2)),
        KeySet(keys=(retire(INFO, datetime(2025, 7, 1, 12, tzinfo=PROVINCE_TZ)),)),
        "key_not_valid_at_date",
    ),
    (
        on(date(2025, 7, 1)),
        KeySet(keys=(compromise(INFO, datetime(2025, 7, 1, tzinfo=PROVINCE_TZ), "after"),)),
        "key_compromised",
    ),
    (encode_token(*signed()[:1], OTHER_KEY.sign(b"x")), KEYSET, "bad_signature"),
]


@pytest.mark.parametrize(("text", "keyset", "reason"), CASES)
def test_each_failure_is_a_verdict_with_its_reason(text: str, keyset: KeySet, reason: str) -> None:
    verdict = verify_token(text, keyset)
    assert (verdict.valid, verdict.reason) == (False, reason)
    assert reason in REASONS


def test_statement_is_shown_but_not_vouched_for_when_the_signature_fails() -> None:
    verdict = verify_token(on(date(2023, 12, 31)), KEYSET)
    assert verdict.statement is not None
    assert verdict.statement.issued_date == date(2023, 12, 31)
    assert verify_token("not a token!", KEYSET).statement is None


def test_compromise_before_the_issue_day_still_verifies() -> None:
    keyset = KeySet(keys=(compromise(INFO, T_COMPROMISE, "after"),))
    assert verify_token(on(date(2025, 6, 30)), keyset).valid


def test_verdict_serialises_for_the_api() -> None:
    encoded = msgspec.json.encode(verify_token(token(), KEYSET))
    assert encoded.startswith(b'{"valid":true,"reason":"ok","statement":[1,"S000043000123253000011"')


def test_non_string_input_is_a_verdict_too() -> None:
    assert verify_token(None, KEYSET).reason == "malformed_token"  # type: ignore[arg-type]
