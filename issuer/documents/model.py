"""The input of a certificate document: every field as the registry gives it, and the two variants."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import msgspec

from registry.qrtoken import token_from_text
from registry.vocab import CertificateKind


class Variant(StrEnum):
    """``print``: only the variable fields, for pre-printed blank stock; ``electronic``: the full design."""

    PRINT = "print"
    ELECTRONIC = "electronic"


class CertificateDocument(msgspec.Struct, frozen=True, kw_only=True):
    """One certificate as it is printed. The holder's **full** document number is shown: the certificate is
    the holder's own (only public pages mask it).

    ``subject_*`` is the occupation (with ``trade``, the 工种/方向) or, for a special-ability certificate,
    the project. ``level`` is 1 (一级/高级技师) … 5 (五级/初级工), 0 for none. ``qr_url`` is exactly what the
    QR code carries (``{PUBLIC_URL}/Q/{token}``); ``query_url`` is the address printed for a manual query.
    """

    kind: CertificateKind
    number: str
    holder_name: str
    document_type: str
    document_number: str
    subject_name: str
    subject_code: str
    level: int
    institution_name: str
    institution_code: str
    authority_name: str
    issued_on: date
    qr_url: str
    query_url: str
    trade: str = ""
    print_serial: str = ""
    remark: str = ""
    photo: bytes | None = None

    @property
    def token(self) -> str:
        """The signed token the QR code carries (what the electronic PDF embeds)."""
        return token_from_text(self.qr_url)
