"""Screen readers pick their voice from ``lang``: every text of the public pages in the other language than the
page's (the language toggle, the demo banner's other half, the registry's Chinese names on an English page)
sits in an element that says its language, so a Chinese voice does not spell out "English" letter by letter
and an English voice does not skip 张三."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from issuer.issuing.changes import ChangeOrder, reissue_certificate
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import HOLDER_IDS, STATION, WELDER, issue_test_certificates
from tests.integration.issuing.batches import OPERATOR
from tests.integration.verify.person.helpers import NOBODY, OPEN, person_form
from tests.integration.verify.world import World, verify_client

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
#: An operator's free text (a revocation reason), which may itself be written in both languages.
FREE_TEXT = {"change-reason"}
VOID = {"meta", "link", "input", "br", "img", "hr", "source", "wbr"}


class _Texts(HTMLParser):
    """Each text node of the body with the language in force where it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str, bool]] = []  # tag, lang, inside free text or style/script
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        values = dict(attrs)
        lang, skip = self.stack[-1][1:] if self.stack else ("", False)
        lang = values.get("lang") or lang
        skip = skip or tag in {"style", "script", "title", "head"} or values.get("id") in FREE_TEXT
        self.stack.append((tag, lang or "", skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack and not self.stack[-1][2] and data.strip():
            self.texts.append((self.stack[-1][1], data.strip()))


def mislabelled(html: str) -> list[tuple[str, str]]:
    """Texts whose words are not in the language their element declares."""
    parser = _Texts()
    parser.feed(html)
    foreign = {"en": HAN, "zh": LATIN_WORD}
    return [(lang, text) for lang, text in parser.texts if foreign[lang[:2]].search(text)]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_text_in_the_other_language_says_so(world: World, lang: str) -> None:
    query = {"lang": "en"} if lang == "en" else {}
    async with verify_client(world.database.url, demo_mode=True) as client:
        pages = {
            "form": await client.get("/", params=query),
            "short": await client.get(f"/c/{world.valid.number}", params=query),
            "valid": await client.get("/", params={"number": world.valid.number, "name": "张三"} | query),
            "revoked": await client.get(f"/q/{world.revoked.token}", params=query),
            "bad number": await client.get("/", params={"number": "S12", "name": "张三"} | query),
        }
    for what, page in pages.items():
        assert page.status_code in (200, 400), what
        assert f'<html lang="{"en" if lang == "en" else "zh-CN"}">' in page.text
        assert mislabelled(page.text) == [], what


async def test_the_reprint_notes_chinese_words_on_the_english_page_say_so(world: World) -> None:
    """The English note of a 补发 names the words printed on the certificate (补发 under 备注): in Chinese, so
    marked as such."""
    (cert,) = await issue_test_certificates(
        world.database, world.store, [("钱七", HOLDER_IDS[3])], kind=CertificateKind.QUALIFICATION,
        subject=WELDER, institution=STATION,
    )  # fmt: skip
    order = ChangeOrder(reason="遗失补发", caller=OPERATOR)
    await reissue_certificate(world.database, world.store, HUNAN, cert.number, order=order, print_serial="A00012345")
    async with verify_client(world.database.url) as client:
        en = await client.get(f"/Q/{cert.token}", params={"lang": "en"})
        zh = await client.get(f"/Q/{cert.token}")
    assert 'id="reprint-note"' in en.text
    assert mislabelled(en.text) == []
    assert "此前印制的证书已作废：有效的证书在备注栏注明“补发”。" in zh.text


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_person_pages_mark_their_other_language_too(world: World, lang: str) -> None:
    query = {"lang": "en"} if lang == "en" else {}
    async with verify_client(world.database.url, demo_mode=True, **OPEN) as client:
        form = await client.get("/", params={"mode": "person"} | query)
        found = await person_form(client, "张三", HOLDER_IDS[0], lang=lang)
        missing = await person_form(client, "张三", NOBODY, lang=lang)
    assert 'data-result="found"' in found.text
    for page in (form, found, missing):
        assert mislabelled(page.text.split("<script>")[0] + page.text.split("</script>")[-1]) == []
