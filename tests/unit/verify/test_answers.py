"""What a scan or a query is told: every verifier reason has its texts; genuine means signed AND held AND
identical."""

from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec
import pytest

from keys.keyinfo import PROVINCE_TZ
from keys.keyset import KeySet, compromise
from tests.support import certificate_view
from tests.unit.statement.world import INFO, KEYSET, signed
from verify.answers import REASON_TEXTS, Result, certificate_answer, not_genuine, status_answer, token_answer
from verify.schemas import result_of
from verify.verifier import REASONS, Verdict
from verify.views import NEGATIVE, UndecodableViewError, decode_view, encode_view

VIEW = certificate_view(statement=signed()[0], signature=signed()[1])
SIGNED = VIEW.statement
OK = Verdict(valid=True, reason="ok")


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_verifier_reason_has_both_texts(reason: str) -> None:
    zh, en = REASON_TEXTS[reason]
    assert zh
    assert en
    assert not_genuine(reason).result is Result.NOT_GENUINE


def test_a_valid_signature_is_not_enough() -> None:
    bad = Verdict(valid=False, reason="bad_signature")
    assert token_answer(bad, b"x", VIEW, KEYSET).reason == "bad_signature"
    assert token_answer(OK, SIGNED, None, KEYSET).reason == "not_in_registry"
    assert token_answer(OK, b"other bytes", VIEW, KEYSET).reason == "statement_mismatch"
    answer = token_answer(OK, SIGNED, VIEW, KEYSET)
    assert (answer.result, answer.view) == (Result.VALID, VIEW)


def test_a_certificate_whose_key_was_compromised_since_is_judged_so_on_every_route() -> None:
    """The one verdict function: a stored signature no longer vouched for is "cannot be verified" whether
    the certificate was reached by its token or by its number (issue 10, item 3)."""
    compromised = KeySet(keys=(compromise(INFO, datetime(2025, 1, 1, tzinfo=PROVINCE_TZ), "all"),))
    for answer in (certificate_answer(VIEW, compromised), token_answer(OK, SIGNED, VIEW, compromised)):
        assert (answer.result, answer.reason) == (Result.NOT_GENUINE, "key_compromised")
    revoked = msgspec.structs.replace(VIEW, status="revoked", status_change="revoked")
    assert certificate_answer(revoked, compromised).reason == "key_compromised"
    assert certificate_answer(revoked, KEYSET).reason == "revoked"
    assert certificate_answer(VIEW, KEYSET).result is Result.VALID


def test_status_answers() -> None:
    at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    revoked = msgspec.structs.replace(VIEW, status="revoked", status_change="revoked", status_at=at, status_reason="r")
    replaced = msgspec.structs.replace(
        VIEW, status="superseded", status_change="replaced", status_at=at, superseded_by="S000043000101263000002"
    )
    assert status_answer(VIEW).result is Result.VALID
    assert (status_answer(revoked).result, status_answer(revoked).reason) == (Result.REVOKED, "revoked")
    assert (status_answer(replaced).result, status_answer(replaced).reason) == (Result.SUPERSEDED, "replaced")
    data = result_of(status_answer(revoked))
    assert data.status is not None
    assert data.status.changed_on == date(2026, 3, 1)  # the province's calendar day (UTC+8)
    assert data.message.startswith("已撤销：")


def test_views_round_trip_and_junk_is_a_miss() -> None:
    assert decode_view(encode_view(VIEW)) == VIEW
    assert encode_view(None) == NEGATIVE
    assert decode_view(NEGATIVE) is None
    with pytest.raises(UndecodableViewError):
        decode_view(b"\x93\x01\x02\x03")
