"""Certificate layouts as data: one TOML file per province profile and kind, validated with msgspec at load.

``templates/{profile}/{kind}.toml`` holds a :class:`Template`; ``templates/{profile}/profile.toml`` the
:class:`ProfileLayout` (the print offset an operator adjusts to the blank stock of that province).
Coordinates are millimetres from the page's top-left corner; a text's ``y_mm`` is its baseline. A bad file
stops with :class:`TemplateError` naming the file and the field (msgspec's ``$.fields[2].x_mm`` path).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Annotated, Final, Literal

import msgspec

from issuer.documents.errors import TemplateError
from issuer.documents.fields import Field
from registry.vocab import CertificateKind

Align = Literal["left", "center", "right"]
Color = Annotated[str, msgspec.Meta(pattern=r"\A#[0-9A-Fa-f]{6}\Z")]
Mm = Annotated[float, msgspec.Meta(ge=0, le=500)]
Pt = Annotated[float, msgspec.Meta(gt=0, le=96)]
#: How far an operator may move the print on the stock (mm each way).
MAX_OFFSET_MM: Final = 20.0
Offset = Annotated[float, msgspec.Meta(ge=-MAX_OFFSET_MM, le=MAX_OFFSET_MM)]


class FieldBox(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where one field's value goes; ``label`` is drawn in the electronic design only (blank stock has it
    pre-printed). A value too wide shrinks down to ``min_size_pt``, then wraps onto up to ``max_lines``."""

    field: Field
    label: str = ""
    label_x_mm: Mm = 0.0
    label_size_pt: Pt = 12.0
    x_mm: Mm
    y_mm: Mm
    width_mm: Annotated[float, msgspec.Meta(gt=0, le=500)]
    size_pt: Pt = 12.0
    min_size_pt: Pt = 8.0
    max_lines: Annotated[int, msgspec.Meta(ge=1, le=4)] = 1
    align: Align = "left"
    bold: bool = False
    #: Drawn on blank stock too; ``false`` for what the stock has pre-printed (a qualification blank's serial).
    on_print: bool = True


class StaticText(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fixed text of the electronic design (title, notes, the 电子证书 mark)."""

    text: str
    x_mm: Mm
    y_mm: Mm
    size_pt: Pt = 12.0
    align: Align = "left"
    bold: bool = False
    color: Color = "#000000"


class Frame(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A rectangle of the electronic design (border, mark box)."""

    x_mm: Mm
    y_mm: Mm
    width_mm: Mm
    height_mm: Mm
    line_pt: Annotated[float, msgspec.Meta(gt=0, le=20)] = 1.0
    color: Color = "#000000"


class QrBox(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The QR code's square, quiet zone included (``size_mm`` holds the symbol plus 4 modules each side)."""

    x_mm: Mm
    y_mm: Mm
    size_mm: Annotated[float, msgspec.Meta(ge=20, le=120)]


class PhotoBox(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The photo's box; the photo is scaled to fit, centred. Empty (outlined in the design) without one."""

    x_mm: Mm
    y_mm: Mm
    width_mm: Annotated[float, msgspec.Meta(gt=0, le=100)]
    height_mm: Annotated[float, msgspec.Meta(gt=0, le=120)]
    caption: str = "照片"


class Template(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The layout of one kind of certificate for one province profile."""

    kind: CertificateKind
    title: str
    page_width_mm: Mm = 210.0
    page_height_mm: Mm = 297.0
    fields: tuple[FieldBox, ...]
    texts: tuple[StaticText, ...] = ()
    frames: tuple[Frame, ...] = ()
    qr: QrBox
    photo: PhotoBox | None = None
    electronic_mark: StaticText


class ProfileLayout(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Per-profile print settings: where the blank stock sits relative to the printer's page."""

    print_offset_x_mm: Offset = 0.0
    print_offset_y_mm: Offset = 0.0


#: What every kind shows: the holder and their document, the number, the date, the query URL, the print serial.
_EVERY_KIND: Final = frozenset(
    {
        Field.HOLDER_NAME,
        Field.DOCUMENT_TYPE,
        Field.DOCUMENT_NUMBER,
        Field.NUMBER,
        Field.ISSUED_ON,
        Field.QUERY_URL,
        Field.PRINT_SERIAL,
    }
)
#: What each kind must show: docs/rules.md, "Certificate documents: what each kind shows".
REQUIRED_FIELDS: Final = {
    CertificateKind.SKILL_LEVEL: _EVERY_KIND | {Field.OCCUPATION, Field.LEVEL, Field.INSTITUTION_NAME},
    CertificateKind.QUALIFICATION: _EVERY_KIND | {Field.OCCUPATION, Field.LEVEL, Field.AUTHORITY_NAME},
    CertificateKind.SPECIAL_ABILITY: _EVERY_KIND | {Field.SUBJECT_NAME, Field.AUTHORITY_NAME, Field.INSTITUTION_NAME},
}


def _read(profile: str, name: str) -> tuple[str, bytes]:
    path = f"templates/{profile}/{name}"
    try:
        return path, resources.files("issuer.documents").joinpath(path).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise TemplateError(f"版式文件不存在 / no layout file {path}") from None


def parse_template(path: str, data: bytes, *, kind: CertificateKind | None = None) -> Template:
    """Decode and check one template file. Raises :class:`TemplateError` naming ``path`` and the field."""
    try:
        template = msgspec.toml.decode(data, type=Template)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise TemplateError(f"版式文件 {path} 无效 / layout file {path} is invalid: {exc}") from None
    if kind is not None and template.kind is not kind:
        raise TemplateError(
            f"{path}: kind 应为 {kind.value} / `kind` must be {kind.value!r}, not {template.kind.value!r}"
        )
    _check(path, template)
    return template


def _check(path: str, template: Template) -> None:
    missing = REQUIRED_FIELDS[template.kind] - {box.field for box in template.fields}
    if missing:
        names = ", ".join(sorted(missing))
        raise TemplateError(f"{path}: 缺少字段 {names} / `fields` lacks {names}")
    for index, box in enumerate(template.fields):
        where = f"{path}: $.fields[{index}] ({box.field})"
        if box.min_size_pt > box.size_pt:
            raise TemplateError(f"{where}: min_size_pt 大于 size_pt / `min_size_pt` exceeds `size_pt`")
        if box.x_mm + box.width_mm > template.page_width_mm or box.y_mm > template.page_height_mm:
            raise TemplateError(f"{where}: 超出页面 / the box leaves the page")
    qr = template.qr
    if qr.x_mm + qr.size_mm > template.page_width_mm or qr.y_mm + qr.size_mm > template.page_height_mm:
        raise TemplateError(f"{path}: $.qr 超出页面 / the QR box leaves the page")


@functools.cache
def load_template(profile: str, kind: CertificateKind) -> Template:
    """The template of ``kind`` for ``profile`` (package data, read once per process)."""
    path, data = _read(profile, f"{kind.value}.toml")
    return parse_template(path, data, kind=kind)


@functools.cache
def load_profile_layout(profile: str) -> ProfileLayout:
    """The print settings of ``profile``. Raises :class:`TemplateError` naming the file and the field."""
    path, data = _read(profile, "profile.toml")
    try:
        return msgspec.toml.decode(data, type=ProfileLayout)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise TemplateError(f"版式文件 {path} 无效 / layout file {path} is invalid: {exc}") from None
