"""Certificate PDFs as a holder and a printer see them: every field in the text, the QR code and the
embedded token decode to the certificate's signed token and verify, page 1 saved as a PNG artifact."""

from __future__ import annotations

import re

import msgspec
import pytest
import zxingcpp
from PIL import Image

from issuer.documents.errors import FieldOverflowError
from issuer.documents.extract import extract_token
from issuer.documents.fields import Field, field_text
from issuer.documents.layout import load_template
from issuer.documents.model import CertificateDocument, Variant
from issuer.documents.render import render_certificate, render_print_run, render_test_print
from registry.qrtoken import decode_token, token_from_text
from registry.statement import verify_statement
from registry.vocab import CertificateKind
from tests.support import qr_only
from tests.unit.documents.sample import ARTIFACTS, document, page_png, pdf_text, poppler
from tests.unit.statement.world import KEYSET

KINDS = list(CertificateKind)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _values(doc: CertificateDocument, variant: Variant) -> dict[Field, str]:
    template = load_template("hunan", doc.kind)
    boxes = [box for box in template.fields if variant is Variant.ELECTRONIC or box.on_print]
    return {box.field: field_text(doc, box.field) for box in boxes}


def _verify(token: str, doc: CertificateDocument) -> None:
    statement = verify_statement(*decode_token(token), KEYSET)
    assert statement.number == doc.number
    assert statement.holder_name == doc.holder_name


@pytest.mark.parametrize("variant", list(Variant))
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_and_variant_shows_every_field_and_a_qr_that_verifies(
    kind: CertificateKind, variant: Variant
) -> None:
    doc = document(kind)
    pdf = render_certificate(doc, profile="hunan", variant=variant)
    assert pdf.startswith(b"%PDF-1.7")
    text = _squeeze(pdf_text(pdf))
    for field, value in _values(doc, variant).items():
        assert _squeeze(value) in text, f"{field} missing from the {variant} PDF"
    assert doc.document_number in text  # the holder's own certificate shows the full number
    template = load_template("hunan", kind)
    labels = [_squeeze(box.label) for box in template.fields if box.label]
    if variant is Variant.ELECTRONIC:
        assert "电子证书" in text
        assert all(label in text for label in labels)
        assert _squeeze(template.title) in text
    else:  # blank stock has the design: only the values are printed
        assert "电子证书" not in text
        assert not any(
            label in text for label in labels if label not in _squeeze(" ".join(_values(doc, variant).values()))
        )
    png = page_png(pdf, ARTIFACTS / f"hunan-{kind.value}-{variant.value}.png")
    with Image.open(png) as page:
        assert page.size in {(1240, 1754), (1241, 1754)}  # A4 (210 × 297 mm) at 150 dpi
        codes = zxingcpp.read_barcodes(page, formats=qr_only())
    assert [code.text for code in codes] == [doc.qr_url]
    _verify(token_from_text(codes[0].text), doc)


@pytest.mark.parametrize("kind", KINDS)
def test_the_electronic_certificate_embeds_the_token_in_xmp_and_as_an_attachment(kind: CertificateKind) -> None:
    doc = document(kind)
    pdf = render_certificate(doc, profile="hunan", variant=Variant.ELECTRONIC)
    token = extract_token(pdf)
    assert token == doc.token
    _verify(token, doc)
    listing = poppler("pdfdetach", "-list", "-", data=pdf).decode()
    assert "certreg-token.txt" in listing
    info = poppler("pdfinfo", "-meta", "-", data=pdf).decode()
    assert f"<certreg:token>{doc.token}</certreg:token>" in info
    assert "<pdfaid:part>3</pdfaid:part>" in info
    assert re.search(rb"/OutputIntents \[\s*<<.*?/S /GTS_PDFA1", pdf, re.DOTALL)
    assert b"/AFRelationship /Data" in pdf


def test_print_variant_carries_no_token_metadata_and_output_is_deterministic() -> None:
    doc = document()
    first = render_certificate(doc, profile="hunan", variant=Variant.PRINT)
    assert first == render_certificate(doc, profile="hunan", variant=Variant.PRINT)
    assert b"certreg:token" not in first
    electronic = render_certificate(doc, profile="hunan", variant=Variant.ELECTRONIC)
    assert electronic == render_certificate(doc, profile="hunan", variant=Variant.ELECTRONIC)


def test_extension_b_names_render_and_extract() -> None:
    doc = document(holder_name="张𠀾丰")  # U+2003E, in the shipped font
    pdf = render_certificate(doc, profile="hunan", variant=Variant.ELECTRONIC)
    assert "张𠀾丰" in pdf_text(pdf)  # needs the surrogate-pair ToUnicode map
    _verify(extract_token(pdf), doc)


def _x_of(pdf: bytes, word: str) -> float:
    html = poppler("pdftotext", "-bbox", "-enc", "UTF-8", "-", "-", data=pdf).decode()
    match = re.search(rf'<word xMin="([0-9.]+)" yMin="([0-9.]+)"[^>]*>{re.escape(word)}</word>', html)
    assert match, f"{word} not found"
    return float(match.group(1)) + 1000 * float(match.group(2))


def test_the_print_offset_moves_every_value_by_that_many_millimetres() -> None:
    doc = document()
    plain = render_certificate(doc, profile="hunan", variant=Variant.PRINT, offset_mm=(0, 0))
    moved = render_certificate(doc, profile="hunan", variant=Variant.PRINT, offset_mm=(5, 3))
    html0 = poppler("pdftotext", "-bbox", "-enc", "UTF-8", "-", "-", data=plain).decode()
    html1 = poppler("pdftotext", "-bbox", "-enc", "UTF-8", "-", "-", data=moved).decode()
    pattern = re.compile(r'<word xMin="([0-9.]+)" yMin="([0-9.]+)"[^>]*>(S000043000123253000011)</word>')
    (x0, y0, _), (x1, y1, _) = pattern.findall(html0)[0], pattern.findall(html1)[0]
    assert float(x1) - float(x0) == pytest.approx(5 * 72 / 25.4, abs=0.05)
    assert float(y1) - float(y0) == pytest.approx(3 * 72 / 25.4, abs=0.05)


def test_the_test_print_page_shows_the_offset_and_every_printed_box() -> None:
    pdf = render_test_print("hunan", CertificateKind.SKILL_LEVEL, offset_mm=(2.5, -1))
    text = pdf_text(pdf)
    assert "试打印页" in text
    assert "x = +2.5 mm, y = -1.0 mm" in text
    assert "证书编号" in text
    page_png(pdf, ARTIFACTS / "hunan-skill_level-test-print.png")


def test_a_print_run_has_one_page_per_certificate() -> None:
    docs = [document(kind) for kind in KINDS]
    pdf = render_print_run(docs, profile="sichuan")
    assert "Pages:           3" in poppler("pdfinfo", "-", data=pdf).decode()
    text = _squeeze(pdf_text(pdf))
    assert all(doc.number in text for doc in docs)


def test_a_value_too_long_for_its_box_is_refused_without_echoing_it() -> None:
    name = "长沙" * 120 + "职业技能鉴定所"
    with pytest.raises(FieldOverflowError) as caught:
        render_certificate(document(institution_name=name), profile="hunan", variant=Variant.ELECTRONIC)
    assert caught.value.field == "institution_name"
    assert name not in str(caught.value)


def test_a_long_value_is_shrunk_and_wrapped_onto_its_lines() -> None:
    name = "湖南省长沙市某某职业技术学院职业技能等级认定中心（第二考点）分站"
    pdf = render_certificate(document(institution_name=name), profile="hunan", variant=Variant.ELECTRONIC)
    assert name in _squeeze(pdf_text(pdf))


def test_a_missing_photo_leaves_the_box_empty() -> None:
    with_photo = render_certificate(document(), profile="hunan", variant=Variant.ELECTRONIC)
    without = render_certificate(document(photo=None), profile="hunan", variant=Variant.ELECTRONIC)
    assert "jpeg" in poppler("pdfimages", "-list", "-", data=with_photo).decode()
    assert len(poppler("pdfimages", "-list", "-", data=without).decode().splitlines()) == 2  # header only
    assert "照片" in pdf_text(without)


def test_a_png_photo_with_transparency_is_flattened() -> None:
    import io

    out = io.BytesIO()
    Image.new("RGBA", (300, 400), (255, 0, 0, 128)).save(out, "PNG")
    pdf = render_certificate(document(photo=out.getvalue()), profile="hunan", variant=Variant.ELECTRONIC)
    listing = poppler("pdfimages", "-list", "-", data=pdf).decode()
    assert "smask" not in listing
    assert "rgb" in listing


def test_documents_are_msgspec_structs_that_survive_a_round_trip() -> None:
    doc = document()
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(doc), type=CertificateDocument) == doc
