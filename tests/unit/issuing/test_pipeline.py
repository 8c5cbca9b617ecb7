"""Numbering and signing of a batch's rows, without a database."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import msgspec
import pytest

from issuer.batches.rows import CheckedRow
from issuer.issuing.pipeline import IssueTemplate, ScopePlan, number_all, plan_scopes, sign_chunk
from keys.keyinfo import PublicKeyInfo
from keys.keyset import KeySet
from keys.kid import b64url_encode
from keys.signing import SigningKey
from registry.calendar import PROVINCE_TZ
from registry.qrtoken import encode_token
from registry.rules.numbering import format_number, sequence_scope
from registry.rules.parts import NumberParts
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import HUNAN, SICHUAN
from registry.statement import Statement, StatementError, verify_statement
from registry.vocab import CertificateKind
from tests.unit.rules.records import institution
from verify.verifier import verify_token

INSTITUTION = institution("S000043000101", region="430102", authority="430100")
KEY = SigningKey.from_seed(bytes(range(32)))


def _row(row_no: int, *, subject: str = "6-31-01-03", level: int = 3, name: str = "张三") -> CheckedRow:
    return CheckedRow(
        row_no=row_no, holder_name=name, holder_id_digest=hashlib.sha256(str(row_no).encode()).digest(),
        holder_id_masked="430102********1234", subject_code=subject, level=level, problems=[], comparable=True,
    )  # fmt: skip


def test_rows_are_grouped_by_sequence_scope_in_row_order() -> None:
    rows = [_row(2), _row(3, level=4), _row(4), _row(5, subject="4-10-01-05")]
    plans = plan_scopes(
        HUNAN, CertificateKind.SKILL_LEVEL, institution=INSTITUTION, authority_region="430100", year=2026, rows=rows
    )
    # the skill-level scope is institution + year + level: the subject does not split it
    assert {scope: plan.positions for scope, plan in plans.items()} == {
        "skill_level|institution=S000043000101|year=2026|level=3": [0, 2, 3],
        "skill_level|institution=S000043000101|year=2026|level=4": [1],
    }


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        (CertificateKind.SKILL_LEVEL, {"institution_code": "S000043000101", "level": 3}),
        (CertificateKind.QUALIFICATION, {"institution_code": "43012001", "level": 4}),
        (CertificateKind.SPECIAL_ABILITY, {"region_code": "430100", "project_code": "HN01"}),  # check character
    ],
)
def test_numbers_of_a_scope_are_what_format_number_gives(kind: CertificateKind, parts: dict[str, object]) -> None:
    rule = HUNAN.rule_for(kind)
    base = NumberParts(kind=kind, year=2026, **parts)  # type: ignore[arg-type]
    sequences = range(9_990, 10_011)  # across a change in the number of digits
    plan = ScopePlan(scope=sequence_scope(rule, base), parts=base, positions=list(range(len(sequences))))
    numbers = [""] * len(sequences)
    number_all(rule, plan, sequences, numbers)
    assert numbers == [format_number(rule, msgspec.structs.replace(base, sequence=s)) for s in sequences]


def test_signed_rows_verify_with_the_public_key_only() -> None:
    template = IssueTemplate(
        kind=CertificateKind.SKILL_LEVEL, institution_code=INSTITUTION.code, authority_code="430100",
        assessed_on=date(2026, 6, 1), issued_on=date(2026, 11, 24), batch_id=7,
    )  # fmt: skip
    rows = [_row(2), _row(3, name="x" * 65), _row(4)]  # the second breaks the statement's 64-character bound
    made, problems = sign_chunk(template, rows, ["S000043000101263000001", "S000043000101263000002",
                                                 "S000043000101263000003"], KEY)  # fmt: skip
    assert [(p.row, p.code) for p in problems] == [(3, "statement.field")]
    assert [(c.number, c.batch_row_no) for c in made] == [("S000043000101263000001", 2), ("S000043000101263000003", 4)]
    info = PublicKeyInfo(
        kid=KEY.kid, authority="430100", purpose="statement", algorithm="Ed25519",
        public_key=b64url_encode(KEY.public_key), valid_from=datetime(2026, 1, 1, tzinfo=PROVINCE_TZ),
    )  # fmt: skip
    keyset = KeySet.from_json(KeySet(keys=(info,)).to_json())
    for cert in made:
        assert verify_statement(cert.statement, cert.signature, keyset).number == cert.number
        assert verify_token(encode_token(cert.statement, cert.signature), keyset).valid


@pytest.mark.parametrize("profile", [HUNAN, SICHUAN], ids=["hunan", "sichuan"])
def test_every_special_ability_number_fits_a_statement(profile: ProvinceProfile) -> None:
    """MOD 37-2 check characters include '*' (one number in 37): a statement must carry every one."""
    rule = profile.rule_for(CertificateKind.SPECIAL_ABILITY)
    base = NumberParts(kind=CertificateKind.SPECIAL_ABILITY, region_code="430100", year=2026, project_code="HN01")
    for sequence in range(1, 2_000):
        number = format_number(rule, msgspec.structs.replace(base, sequence=sequence))
        try:
            msgspec.msgpack.Decoder(Statement).decode(
                msgspec.msgpack.encode(Statement(1, number, 3, "张三", "4301", "HN01", 0, "S", "430100", 1, KEY.kid))
            )
        except msgspec.ValidationError as exc:
            raise StatementError(f"{number}: {exc}") from None
