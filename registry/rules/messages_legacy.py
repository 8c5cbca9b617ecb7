"""Violation texts of certificate numbers imported from before the registry (merged into
:data:`registry.rules.messages.MESSAGES`). A certificate number is not personal data: it is echoed."""

from __future__ import annotations

from typing import Final

LEGACY_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "legacy.charset": (
        "证书编号{value}含有来源“{source}”的编号格式不允许的字符",
        "Certificate number {value} has characters the number format of source {source!r} does not allow",
    ),
    "legacy.pattern": (
        "证书编号{value}不符合来源“{source}”声明的编号格式",
        "Certificate number {value} does not match the number format declared for source {source!r}",
    ),
}
