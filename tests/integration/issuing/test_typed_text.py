"""Reasons and names given to revoke, reissue and replace (shown on the public page) hold no bidi control,
no invisible character, no document number, and a name no formula start (issue 10, items 6 and 11; rule
``text``, docs/rules.md "Typed text"). Before, a right-to-left override in a revocation reason was kept and
shown on the public page, and a replacement's name could start with ``-``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.models import Event
from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.issuing.conftest import Api

#: Reasons a public page must never show: code → reasons.
BAD_REASONS = {
    "text.invisible": [
        "证书遗失\u202e失遗书证",  # right-to-left override
        "\u2066撤销\u2069",  # isolates
        "遗失\u200f",  # right-to-left mark
        "遗失\u061c",  # Arabic letter mark
        "遗\u200d失",  # zero-width joiner
        "遗失\u2028补办",  # line separator
    ],
    "text.document_number": [f"持证人身份证号{HOLDER_IDS[0]}", "护照E12345678遗失"],
}


@pytest.mark.parametrize("action", ["revoke", "reissue"])
async def test_a_reason_with_an_invisible_character_or_a_document_number_is_400(api: Api, action: str) -> None:
    (first,) = await issue_test_certificates(api.world.database, api.world.store, [("张三", HOLDER_IDS[0])])
    async with api.world.database.reader() as session:
        before = await session.scalar(select(func.count()).select_from(Event))
    for code, reasons in BAD_REASONS.items():
        for reason in reasons:
            response = await api.client.post(
                f"/v1/certificates/{first.number}/{action}",
                json={"reason": reason},
                headers=api.headers["province_admin"],
            )
            assert response.status_code == 400, (reason, response.text)
            body = response.json()
            assert (body["code"], body["field"]) == (code, "reason"), reason
            assert " / " in body["error"]
            assert HOLDER_IDS[0] not in response.text
            if code == "text.invisible":
                assert "U+" in body["error"]  # names the code point, never shows it
                assert not any(ch in body["error"] for ch in reason if ch not in "证书遗失撤销补办")
    async with api.world.database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == before
    # a plain reason with a line break still passes
    fine = await api.client.post(
        f"/v1/certificates/{first.number}/{action}", json={"reason": "证书遗失\n本人申请"},
        headers=api.headers["province_admin"],
    )  # fmt: skip
    assert fine.status_code in (200, 201), fine.text


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("-张三", "text.formula"),
        ("=张三", "text.formula"),
        ("+张三", "text.formula"),
        ("@张三", "text.formula"),
        ("＝张三", "text.formula"),
        ("张\u202e三", "text.invisible"),
        ("张三\u2066", "text.invisible"),
    ],
)
async def test_a_replacement_name_with_a_formula_start_or_a_bidi_control_is_400(api: Api, name: str, code: str) -> None:
    (first,) = await issue_test_certificates(api.world.database, api.world.store, [("张三", HOLDER_IDS[0])])
    response = await api.client.post(
        f"/v1/certificates/{first.number}/replace",
        json={"reason": "姓名更正", "holder_name": name},
        headers=api.headers["province_admin"],
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["field"]) == (code, "holder_name")
    assert " / " in body["error"]
