"""What a scan or a query is told: every verifier reason has its texts; genuine means signed AND held AND
identical."""

from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec
import pytest

from verify.answers import REASON_TEXTS, Result, not_genuine, status_answer, token_answer
from verify.schemas import result_of
from verify.verifier import REASONS, Verdict
from verify.views import NEGATIVE, CertificateView, UndecodableViewError, decode_view, encode_view

VIEW = CertificateView(
    number="S000043000101263000001",
    kind="skill_level",
    holder_name="张三",
    holder_id_masked="430102********1234",
    subject_type="occupation",
    subject_code="6-31-01-03",
    subject_name="电工",
    level=3,
    institution_code="S000043000101",
    institution_name="评价中心",
    authority_code="430100",
    authority_name="长沙市职业技能鉴定中心",
    issued_on=date(2026, 1, 2),
    log_index=7,
    statement=b"signed bytes",
)
OK = Verdict(valid=True, reason="ok")


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_verifier_reason_has_both_texts(reason: str) -> None:
    zh, en = REASON_TEXTS[reason]
    assert zh
    assert en
    assert not_genuine(reason).result is Result.NOT_GENUINE


def test_a_valid_signature_is_not_enough() -> None:
    assert token_answer(Verdict(valid=False, reason="bad_signature"), b"x", VIEW).reason == "bad_signature"
    assert token_answer(OK, b"signed bytes", None).reason == "not_in_registry"
    assert token_answer(OK, b"other bytes", VIEW).reason == "statement_mismatch"
    answer = token_answer(OK, b"signed bytes", VIEW)
    assert (answer.result, answer.view) == (Result.VALID, VIEW)


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
