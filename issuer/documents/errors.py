"""Errors of certificate documents: each message is Chinese + English and never holds personal data."""

from __future__ import annotations

from issuer.errors import BatchStateError, IssuerError


class DocumentError(IssuerError):
    """Base class of every error a certificate document raises on purpose; ``code`` is stable."""

    code = "document.invalid"


class NothingToPrintError(DocumentError, BatchStateError):
    """A print run with no page: none of its certificates can be drawn (no sealed document number, or none
    fits its layout). A state of the batch (409), not a fault of the server."""

    code = "document.nothing_to_print"


class TemplateError(DocumentError):
    """A layout file is missing or invalid; the message names the file and the field."""

    code = "document.template"


class MissingGlyphError(DocumentError):
    """A character of a field is in none of the fonts: the certificate would show an empty box (tofu).

    ``field`` and ``codepoint`` say which; the text itself is never in the message (it may be a name).
    """

    code = "document.missing_glyph"

    def __init__(self, *, field: str, codepoint: int, position: int) -> None:
        self.field = field
        self.codepoint = codepoint
        self.position = position
        super().__init__(
            f"字段 {field} 第 {position + 1} 个字符 U+{codepoint:04X} 无可用字形，无法打印 / "
            f"field {field}: character {position + 1} (U+{codepoint:04X}) is in none of the certificate fonts"
        )


class FieldOverflowError(DocumentError):
    """A value does not fit its box even at the smallest size and the most lines the template allows."""

    code = "document.overflow"

    def __init__(self, *, field: str, length: int) -> None:
        self.field = field
        super().__init__(
            f"字段 {field} 过长（{length} 字），超出证书版面 / field {field} ({length} characters) does not fit "
            "its box on the certificate"
        )


class TokenNotFoundError(DocumentError):
    """A PDF carries no certreg token (not one of ours, or its metadata was stripped)."""

    code = "document.no_token"
