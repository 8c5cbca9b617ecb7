"""Bad input on the public forms: the message stands next to the field it is about and a screen reader hears
it with that field (``aria-describedby``, ``aria-invalid``); what was typed stays in the form (never the
document number), and the language toggle keeps the query."""

from __future__ import annotations

import re

import pytest

from tests.integration.verify.person.helpers import OPEN
from tests.integration.verify.world import World, verify_client


def field(html: str, field_id: str) -> str:
    match = re.search(rf'<input id="{field_id}"[^>]*>', html)
    assert match, html
    return match.group(0)


def described(html: str, field_id: str) -> str:
    """The text the field's ``aria-describedby`` points at ("" when it points nowhere)."""
    match = re.search(r'aria-describedby="([^"]+)"', field(html, field_id))
    if not match:
        return ""
    text = re.search(rf'id="{match.group(1)}"[^>]*>(.*?)</p>', html, re.DOTALL)
    return text.group(1) if text else ""


@pytest.mark.parametrize(
    ("number", "name", "bad", "good", "says"),
    [
        ("S12", "张三", "number", "name", "证书编号格式不正确"),
        ("S0000 43000101264000001x", "欧阳娜娜", "number", "name", "证书编号格式不正确"),
        ("", "张三", "number", "name", "请同时输入"),
        ("S000043000101264000001", "  ", "name", "number", "请同时输入"),
    ],
)
async def test_a_form_error_is_tied_to_its_field_and_the_typed_name_is_kept(
    world: World, number: str, name: str, bad: str, good: str, says: str
) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get("/", params={"number": number, "name": name})
    assert page.status_code == 400
    assert says in described(page.text, bad)
    assert 'aria-invalid="true"' in field(page.text, bad)
    assert "aria-invalid" not in field(page.text, good)
    if name.strip():
        assert f'value="{name}"' in field(page.text, "name"), "the name typed is kept"
        toggle = re.search(r'id="lang-toggle" href="([^"]+)"', page.text)
        assert toggle
        assert "name=" in toggle.group(1), "the toggle keeps the query"


async def test_a_person_form_error_is_tied_to_the_document_number_and_never_echoes_it(world: World) -> None:
    async with verify_client(world.database.url, **OPEN) as client:
        bad = await client.post(
            "/person", data={"name": "张三", "id_type": "resident_id", "id_number": "43010219900101123X9"}
        )
        empty = await client.post("/person", data={"name": "", "id_type": "resident_id", "id_number": ""})
    assert bad.status_code == 400
    assert "证件号码" in described(bad.text, "id-number")
    assert 'aria-invalid="true"' in field(bad.text, "id-number")
    assert 'value="张三"' in field(bad.text, "person-name")
    assert "43010219900101123X9" not in bad.text
    assert empty.status_code == 400
    assert described(empty.text, "person-name")
    assert 'aria-invalid="true"' in field(empty.text, "person-name")
