"""The QR landing page (``/q/`` and ``/Q/``) and its JSON twin: every verdict a scan can give."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from issuer.issuing.changes import ChangeOrder, reissue_certificate
from registry.calendar import province_day
from registry.certificates import superseded_event
from registry.events import EventKind, append_events
from registry.qrtoken import MAX_TOKEN_CHARS, encode_token
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import HOLDER_IDS, STATION, WELDER, issue_test_certificates
from tests.integration.issuing.batches import OPERATOR
from tests.integration.verify.world import REVOKE_REASON, World, altered_token, flip, verify_client

LANGS = ("zh", "en")


def verdict_of(html: str) -> tuple[str, str]:
    match = re.search(r'id="verdict" data-result="([a-z_]+)" data-reason="([a-z_]+)"', html)
    assert match, html[:500]
    return match.group(1), match.group(2)


@pytest.mark.parametrize("prefix", ["/q/", "/Q/"])
async def test_valid_certificate_page_shows_the_certificate(world: World, prefix: str) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get(prefix + world.valid.token)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert verdict_of(page.text) == ("valid", "valid")
    for shown in (
        "<h1>有效</h1>",
        "张三",
        "430102********1234",  # masked ID: first 6 and last 4 digits only
        "职业技能等级证书",
        "电工",  # the occupation's name, not its code
        "三级/高级工",
        "湖南省家政服务职业技能评价中心",
        "长沙市职业技能鉴定中心",
        world.valid.number,
        'href="/log/',  # the readable inclusion proof
    ):
        assert shown in page.text
    assert "430102199003071234" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]


async def test_english_page(world: World) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get(f"/Q/{world.valid.token}?lang=en")
        json_twin = await client.get(f"/v1/qr/{world.valid.token}")
    assert '<html lang="en">' in page.text
    assert "<h1>Valid</h1>" in page.text
    assert "Level 3 / Senior worker" in page.text
    assert 'href="?lang=zh"' in page.text
    assert json_twin.json()["result"] == "valid"


async def test_revoked_page_says_when_and_why(world: World) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get(f"/Q/{world.revoked.token}")
        data = (await client.get(f"/v1/qr/{world.revoked.token}")).json()
    assert verdict_of(page.text) == ("revoked", "revoked")
    assert "<h1>已撤销</h1>" in page.text
    assert REVOKE_REASON in page.text
    assert re.search(r'id="changed-at">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）<', page.text)
    assert data["result"] == "revoked"
    assert data["status"]["change"] == "revoked"
    assert data["status"]["reason"] == REVOKE_REASON
    assert data["certificate"]["holder_name"] == "李四"


async def test_superseded_page_names_the_new_certificate(world: World) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get(f"/Q/{world.superseded.token}")
        data = (await client.get(f"/v1/qr/{world.superseded.token}")).json()
        successor = (await client.get(f"/v1/qr/{world.successor.token}")).json()
    assert verdict_of(page.text) == ("superseded", "reissued")
    assert "<h1>已补发</h1>" in page.text
    assert f'href="/c/{world.successor.number}">{world.successor.number}</a>' in page.text
    assert data["status"] == {
        "status": "superseded",
        "change": "reissued",
        "changed_at": data["status"]["changed_at"],
        "changed_on": data["status"]["changed_on"],
        "reason": "遗失补发",
        "superseded_by": world.successor.number,
    }
    assert successor["result"] == "valid"


async def test_tokens_the_registry_did_not_issue_are_not_genuine(world: World) -> None:
    token = world.valid.token
    cases = {  # what was done to the token: (token, the reason shown)
        "signature altered": (flip(token, len(token) - 20), "bad_signature"),
        "statement altered": (flip(token, 3), "malformed_statement"),
        "truncated to an impossible length": (token[:-1], "malformed_token"),
        "statement cut short": (encode_token(world.valid.statement[:-5], world.valid.signature), "malformed_statement"),
        "signed, unknown number": (
            await altered_token(world, world.valid, number=world.valid.number[:-4] + "9999"),
            "not_in_registry",
        ),
        "signed, other content": (await altered_token(world, world.valid, holder_name="赵六"), "statement_mismatch"),
    }
    async with verify_client(world.database.url) as client:
        for case, (forged, reason) in cases.items():
            page = await client.get(f"/Q/{forged}")
            data = (await client.get(f"/v1/qr/{forged}")).json()
            assert page.status_code == 200, case
            assert verdict_of(page.text) == ("not_genuine", reason), case
            assert "<h1>无法验证</h1>" in page.text
            assert data["result"] == "not_genuine"
            assert data["reason"] == reason
            assert "certificate" not in data, "an unverified claim is never shown"
            assert "张三" not in page.text


GARBAGE = {
    "one character too long": "A" * (MAX_TOKEN_CHARS + 1),
    "oversized": "A" * 20_000,
    "lower case": "abc" * 40,
    "outside base32": "A" * 200 + "1",
    "not ASCII": "%E5%BC%A0" * 20,
}


async def test_garbage_tokens_are_a_verdict_not_an_error(world: World) -> None:
    async with verify_client(world.database.url) as client:
        for case, token in GARBAGE.items():
            page = await client.get(f"/q/{token}")
            data = await client.get(f"/v1/qr/{token}")
            assert page.status_code == 200, case
            assert verdict_of(page.text) == ("not_genuine", "malformed_token"), case
            assert "二维码内容无法识别" in page.text
            assert data.status_code == 200
            assert data.json()["reason"] == "malformed_token"


async def test_reissue_and_replacement_each_have_their_own_words(world: World) -> None:
    """补发 (reissue after loss) and 换发 (replacement) are different acts: the page and the JSON say which
    one ended a certificate, in Chinese and English (issue 10, item 12; docs/rules.md)."""
    old, new = await issue_test_certificates(world.database, world.store, [("赵六", HOLDER_IDS[3])] * 2)
    async with world.database.transaction() as session:
        event = superseded_event(
            old.number, new.number, kind=EventKind.CERTIFICATE_REPLACED, reason="证书污损换发", actor="test"
        )
        await append_events(session, [event])
    async with verify_client(world.database.url) as client:
        pages = {
            (name, lang): await client.get(f"/Q/{cert.token}" + ("?lang=en" if lang == "en" else ""))
            for name, cert in (("reissued", world.superseded), ("replaced", old))
            for lang in ("zh", "en")
        }
        reissued_json = (await client.get(f"/v1/qr/{world.superseded.token}")).json()
        replaced_json = (await client.get(f"/v1/qr/{old.token}")).json()
    reissued, replaced = pages["reissued", "zh"].text, pages["replaced", "zh"].text
    assert verdict_of(reissued) == ("superseded", "reissued")
    assert "<h1>已补发</h1>" in reissued
    assert "<dt>补发时间</dt>" in reissued
    assert "遗失后已补发" in reissued
    assert "换发" not in reissued
    assert verdict_of(replaced) == ("superseded", "replaced")
    assert "<h1>已换发</h1>" in replaced
    assert "<dt>换发时间</dt>" in replaced
    assert "补发" not in replaced
    assert "<h1>Reissued</h1>" in pages["reissued", "en"].text
    assert "<dt>Reissued at</dt>" in pages["reissued", "en"].text
    assert "<h1>Replaced</h1>" in pages["replaced", "en"].text
    assert "<dt>Replaced at</dt>" in pages["replaced", "en"].text
    assert reissued_json["message"].startswith("已补发：")
    assert " / Reissued: " in reissued_json["message"]
    assert replaced_json["message"].startswith("已换发：")
    assert (replaced_json["status"]["change"], replaced_json["status"]["superseded_by"]) == ("replaced", new.number)


async def test_a_qualification_reissued_under_its_number_says_the_earlier_print_is_void(world: World) -> None:
    """补发 of a qualification certificate keeps its number and its QR code (rule 9): the lost print and the new one
    scan to the same page. The page says the certificate was reissued and that a print without 补发 in 备注 is
    void, so an employer holding the lost (void) paper can tell; the serial given from the blank is shown."""
    (cert,) = await issue_test_certificates(
        world.database, world.store, [("钱七", HOLDER_IDS[3])], kind=CertificateKind.QUALIFICATION,
        subject=WELDER, institution=STATION,
    )  # fmt: skip
    async with verify_client(world.database.url) as client:
        before = await client.get(f"/Q/{cert.token}")
    assert "补发" not in before.text  # never reprinted: nothing said
    order = ChangeOrder(reason="遗失补发", caller=OPERATOR)
    serial = "A00012345"
    await reissue_certificate(world.database, world.store, HUNAN, cert.number, order=order, print_serial=serial)
    async with verify_client(world.database.url) as client:
        pages = {lang: await client.get(f"/Q/{cert.token}" + ("?lang=en" if lang == "en" else "")) for lang in LANGS}
        status = (await client.get(f"/v1/qr/{cert.token}")).json()["status"]
    assert (status["status"], status["print_serial"]) == ("valid", serial)  # the JSON twin says it too
    assert status["reprinted_at"].startswith(str(province_day(datetime.now(UTC)).year))
    zh, en = pages["zh"].text, pages["en"].text
    assert verdict_of(zh) == ("valid", "valid")  # the certificate itself stays valid
    assert re.search(r'<dt>补发时间</dt><dd id="reprinted-at">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）<', zh)
    assert f'<dt>有效印制流水号</dt><dd id="print-serial">{serial}</dd>' in zh
    assert "此前印制的证书已作废：有效的证书在备注栏注明“补发”" in zh
    assert re.search(r'<dt>Reissued at</dt><dd id="reprinted-at">', en)
    assert f'<dt>Valid print serial</dt><dd id="print-serial">{serial}</dd>' in en
    assert re.search(
        r"Earlier prints are void: the valid certificate says <span lang=\"zh-CN\">补发</span> \(reissued\) "
        r"under <span lang=\"zh-CN\">备注</span> \(remarks\)",
        en,
    )


async def test_an_allocated_reprint_serial_is_not_shown(world: World) -> None:
    """A qualification blank has its serial pre-printed: a serial the registry allocated is on no paper, so the
    page of a reprint without a given serial names none (the employer would find it on no certificate)."""
    (cert,) = await issue_test_certificates(
        world.database, world.store, [("钱七", HOLDER_IDS[3])], kind=CertificateKind.QUALIFICATION,
        subject=WELDER, institution=STATION,
    )  # fmt: skip
    order = ChangeOrder(reason="遗失补发", caller=OPERATOR)
    await reissue_certificate(world.database, world.store, HUNAN, cert.number, order=order)
    async with verify_client(world.database.url) as client:
        page = (await client.get(f"/Q/{cert.token}")).text
    assert 'id="reprinted-at"' in page
    assert "有效的证书在备注栏注明“补发”" in page
    assert 'id="print-serial"' not in page
