"""``CERTREG_PRINT_OFFSET_MM`` and ``CERTREG_FALLBACK_FONTS``: checked at start-up, refused with a zh + en
message naming the variable (docs/certificates.md, "Adjusting the print offset")."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuer.documents.fontstack import PRIMARY_FONT
from registry.config import SettingsError, load_settings


def test_the_offset_is_read_as_x_and_y_in_millimetres() -> None:
    assert load_settings({}).documents.print_offset() is None  # unset: the profile's
    assert load_settings({"CERTREG_PRINT_OFFSET_MM": ""}).documents.print_offset() is None
    assert load_settings({"CERTREG_PRINT_OFFSET_MM": " 1.5, -2 "}).documents.print_offset() == (1.5, -2.0)
    assert load_settings({"CERTREG_PRINT_OFFSET_MM": "-20,20"}).documents.print_offset() == (-20.0, 20.0)


@pytest.mark.parametrize(
    "value", ["20.5,0", "0,-21", "1", "1,2,3", "x,y", "nan,0", "inf,1", "1;2", ",", "1_0,2", "1e1,0", "١,2"]
)
def test_a_bad_offset_refuses_start_up(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"CERTREG_PRINT_OFFSET_MM": value})
    message = str(caught.value)
    assert "CERTREG_PRINT_OFFSET_MM" in message
    assert "偏移须为 x,y 毫米" in message  # zh
    assert "each from -20 to 20" in message  # en


def test_fallback_fonts_are_listed_in_order_and_must_load(tmp_path: Path) -> None:
    settings = load_settings({"CERTREG_FALLBACK_FONTS": f" {PRIMARY_FONT} , "})
    assert settings.documents.fallback_font_paths() == (str(PRIMARY_FONT),)
    assert load_settings({}).documents.fallback_font_paths() == ()

    with pytest.raises(SettingsError) as missing:
        load_settings({"CERTREG_FALLBACK_FONTS": str(tmp_path / "nowhere.ttf")})
    assert "CERTREG_FALLBACK_FONTS" in str(missing.value)
    assert "字体文件不存在 / no such font file" in str(missing.value)

    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_bytes(b"this is not a font")
    with pytest.raises(SettingsError) as broken:
        load_settings({"CERTREG_FALLBACK_FONTS": f"{PRIMARY_FONT},{not_a_font}"})
    assert "CERTREG_FALLBACK_FONTS" in str(broken.value)
    assert "字体无法加载" in str(broken.value)
    assert "does not load as a TrueType font" in str(broken.value)
