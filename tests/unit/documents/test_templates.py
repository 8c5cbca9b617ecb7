"""Layouts are data: every shipped one loads; a bad one is refused naming the file and the field."""

from __future__ import annotations

import pytest

from issuer.documents.errors import TemplateError
from issuer.documents.fields import Field, chinese_date, field_text, level_text, occupation_text
from issuer.documents.layout import REQUIRED_FIELDS, load_profile_layout, load_template, parse_template
from registry.vocab import CertificateKind
from tests.unit.documents.sample import ISSUED, document

SKILL = "templates/hunan/skill_level.toml"


def _shipped() -> str:
    from importlib import resources

    return resources.files("issuer.documents").joinpath(SKILL).read_text(encoding="utf-8")


@pytest.mark.parametrize("profile", ["hunan", "sichuan"])
@pytest.mark.parametrize("kind", list(CertificateKind))
def test_every_profile_has_a_valid_template_for_every_kind(profile: str, kind: CertificateKind) -> None:
    template = load_template(profile, kind)
    assert template.kind is kind
    assert REQUIRED_FIELDS[kind] <= {box.field for box in template.fields}
    assert template.page_width_mm == 210
    assert template.page_height_mm == 297
    assert load_profile_layout(profile).print_offset_x_mm == 0


def test_a_mistyped_value_names_the_file_and_the_field() -> None:
    bad = _shipped().replace("x_mm = 68\ny_mm = 92", 'x_mm = "left"\ny_mm = 92', 1)
    with pytest.raises(TemplateError) as caught:
        parse_template(SKILL, bad.encode())
    message = str(caught.value)
    assert SKILL in message
    assert "$.fields[1].x_mm" in message


def test_an_unknown_key_or_field_name_is_refused() -> None:
    with pytest.raises(TemplateError, match=r"unknown field `colour` - at `\$\.fields\[0\]`"):
        parse_template(
            SKILL, _shipped().replace('label = "姓　　名"', 'label = "姓　　名"\ncolour = "red"', 1).encode()
        )
    with pytest.raises(TemplateError, match=r"fields\[0\]\.field"):
        parse_template(SKILL, _shipped().replace('field = "holder_name"', 'field = "nickname"', 1).encode())


def test_a_template_without_a_required_field_is_refused() -> None:
    text = _shipped().replace('field = "print_serial"', 'field = "remark"')
    with pytest.raises(TemplateError, match="print_serial") as caught:
        parse_template(SKILL, text.encode())
    assert SKILL in str(caught.value)


def test_a_box_off_the_page_and_a_wrong_kind_are_refused() -> None:
    with pytest.raises(TemplateError, match=r"fields\[0\] \(holder_name\).*leaves the page"):
        parse_template(SKILL, _shipped().replace("width_mm = 78", "width_mm = 178", 1).encode())
    with pytest.raises(TemplateError, match="must be 'qualification'"):
        parse_template(SKILL, _shipped().encode(), kind=CertificateKind.QUALIFICATION)
    with pytest.raises(TemplateError, match="invalid"):
        parse_template(SKILL, b"kind = [unclosed")


def test_an_unknown_profile_has_no_layout() -> None:
    with pytest.raises(TemplateError, match=r"templates/atlantis/skill_level\.toml"):
        load_template("atlantis", CertificateKind.SKILL_LEVEL)


def test_values_are_written_in_the_reference_style() -> None:
    assert level_text(4) == "四级/中级工"
    assert level_text(1) == "一级/高级技师"
    assert level_text(0) == ""
    assert chinese_date(ISSUED) == "2025年6月30日"
    assert occupation_text("电工", "维修电工") == "电工（维修电工）"
    assert occupation_text("电工", "") == "电工"
    doc = document()
    assert field_text(doc, Field.DOCUMENT_NUMBER) == "430102199001011234"
    assert field_text(doc, Field.LEVEL) == "四级/中级工"
    assert all(isinstance(field_text(doc, field), str) for field in Field)
