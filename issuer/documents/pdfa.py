"""PDF/A-3B parts of the electronic certificate: XMP metadata with the signed token, the sRGB output intent
and the token as an attached file — written into a ReportLab document before it is saved.

The token is embedded twice so that anyone can take it out offline with common tools: as the XMP property
``certreg:token`` (declared in a PDF/A extension schema; the metadata stream is left unfiltered, so even a
text search finds it) and as the attached file ``certreg-token.txt`` (``pdfdetach -saveall``). Its check is
the QR code's: ``certreg verify-token`` with the public key set.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Final
from xml.sax.saxutils import escape

from PIL import ImageCms
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

NAMESPACE: Final = "https://certreg.example/ns/certificate/1.0/"
ATTACHMENT: Final = "certreg-token.txt"
PRODUCER: Final = "certreg (ReportLab)"
_CATALOG_KEYS: Final = ("OutputIntents", "AF", "Metadata", "Names")


@dataclass(frozen=True, kw_only=True, slots=True)
class PdfInfo:
    """What the document information dictionary and the XMP packet both say (PDF/A wants them equal)."""

    title: str
    author: str
    subject: str
    keywords: str
    day: date
    token: str

    @property
    def xmp_date(self) -> str:
        return f"{self.day.isoformat()}T00:00:00+08:00"

    @property
    def pdf_date(self) -> str:
        return f"D:{self.day:%Y%m%d}000000+08'00'"


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile made by LittleCMS (Pillow), the output intent of every electronic certificate."""
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def xmp_packet(info: PdfInfo) -> bytes:
    """The XMP metadata: PDF/A-3B identification, Dublin Core and PDF properties matching the information
    dictionary, and ``certreg:token`` with its extension-schema declaration."""
    e = escape
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(info.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{e(info.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(info.subject)}</rdf:li></rdf:Alt></dc:description>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreateDate>{info.xmp_date}</xmp:CreateDate><xmp:ModifyDate>{info.xmp_date}</xmp:ModifyDate>
<xmp:MetadataDate>{info.xmp_date}</xmp:MetadataDate><xmp:CreatorTool>certreg</xmp:CreatorTool>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>{PRODUCER}</pdf:Producer><pdf:Keywords>{e(info.keywords)}</pdf:Keywords>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:certreg="{NAMESPACE}">
<certreg:token>{e(info.token)}</certreg:token>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>certreg certificate</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{NAMESPACE}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>certreg</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>token</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>
<pdfaProperty:category>external</pdfaProperty:category>
<pdfaProperty:description>Signed statement and signature, base32: the QR code's token</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def _stream(dictionary: dict[str, object], content: bytes) -> pdfdoc.PDFStream:
    stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(dictionary), content)
    stream.filters = []  # left unfiltered: readable by anyone, and PDF/A wants the metadata so
    return stream


def apply(canvas: Canvas, info: PdfInfo) -> None:
    """Make ``canvas``'s document PDF/A-3B shaped: information dictionary, XMP, output intent, attachment."""
    canvas.setTitle(info.title)
    canvas.setAuthor(info.author)
    canvas.setSubject(info.subject)
    canvas.setKeywords(info.keywords)
    canvas.setCreator("certreg")
    canvas.setProducer(PRODUCER)
    doc = canvas._doc  # ReportLab has no public API for these catalogue entries
    doc.info._dateFormatter = lambda *_: info.pdf_date
    catalog = doc.Catalog
    catalog.__NoDefault__ = [*catalog.__NoDefault__, *(k for k in _CATALOG_KEYS if k not in catalog.__NoDefault__)]
    catalog.__Refs__ = [k for k in catalog.__NoDefault__ if k not in ("OutputIntents", "AF", "Names")]
    catalog.Metadata = _stream({"Type": pdfdoc.PDFName("Metadata"), "Subtype": pdfdoc.PDFName("XML")}, xmp_packet(info))
    icc = doc.Reference(_stream({"N": 3}, srgb_profile()))
    intent = pdfdoc.PDFDictionary(
        {
            "Type": pdfdoc.PDFName("OutputIntent"),
            "S": pdfdoc.PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": pdfdoc.PDFString("sRGB IEC61966-2.1"),
            "Info": pdfdoc.PDFString("sRGB IEC61966-2.1"),
            "DestOutputProfile": icc,
        }
    )
    catalog.OutputIntents = pdfdoc.PDFArray([intent])
    content = (info.token + "\n").encode("ascii")
    embedded = doc.Reference(
        _stream(
            {
                "Type": pdfdoc.PDFName("EmbeddedFile"),
                "Subtype": pdfdoc.PDFName("text/plain"),
                "Params": pdfdoc.PDFDictionary({"Size": len(content), "ModDate": pdfdoc.PDFString(info.pdf_date)}),
            },
            content,
        )
    )
    filespec = doc.Reference(
        pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("Filespec"),
                "F": pdfdoc.PDFString(ATTACHMENT),
                "UF": pdfdoc.PDFString(ATTACHMENT),
                "EF": pdfdoc.PDFDictionary({"F": embedded, "UF": embedded}),
                "AFRelationship": pdfdoc.PDFName("Data"),
                "Desc": pdfdoc.PDFString("certreg signed certificate token (base32)"),
            }
        )
    )
    catalog.AF = pdfdoc.PDFArray([filespec])
    names = pdfdoc.PDFArray([pdfdoc.PDFString(ATTACHMENT), filespec])
    catalog.Names = pdfdoc.PDFDictionary({"EmbeddedFiles": pdfdoc.PDFDictionary({"Names": names})})
