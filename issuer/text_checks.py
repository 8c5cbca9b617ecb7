"""The checks of typed text every route, console form and command shares (400, never a database error).

Text that reaches the database must hold no control characters: PostgreSQL refuses U+0000 in a text
column (``CharacterNotInRepertoireError``, a 500 if it got that far) and the others have no business in a
code, a query or a reason. :func:`check_text` is the one check every text field, query parameter and
reason goes through. Apart from :mod:`issuer.params` (the routes' parameters, litestar's) so that a command
checking a reason loads no web framework.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Final

import msgspec

from issuer.issuing.errors import InvalidInputError
from registry.rules.freetext import text_violation

#: The longest reason (trimmed) anyone gives for a step: a batch's (return, exclude, objection, hold, resolve,
#: notice, issue) or a certificate's (revoke, reissue, replace), the reading of an identity, a key's rotation.
#: One limit for the API's bodies (:data:`Reason`), the console's fields (their ``maxlength`` too) and the
#: services (:func:`check_reason_length`); a revocation's reason is shown on the public page.
REASON_MAX_LENGTH: Final = 500
#: A reason in a request body: longer than :data:`REASON_MAX_LENGTH` is a 400, and the OpenAPI document says so.
Reason = Annotated[str, msgspec.Meta(max_length=REASON_MAX_LENGTH)]


def check_reason_length(reason: str) -> str:
    """``reason`` unchanged; raises :class:`InvalidInputError` (400, ``reason.too_long``) when it is longer
    than :data:`REASON_MAX_LENGTH`."""
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidInputError(
            f"原因不能超过{REASON_MAX_LENGTH}字 / the reason is longer than {REASON_MAX_LENGTH} characters",
            field="reason",
            code="reason.too_long",
        )
    return reason


def has_control_characters(text: str, *, allowed: str = "") -> bool:
    """Whether ``text`` holds a control character (Unicode category Cc: U+0000–U+001F, U+007F–U+009F)
    other than those in ``allowed``."""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def check_text(text: str, *, field: str, allowed: str = "", what: tuple[str, str] | None = None) -> str:
    """``text`` unchanged; raises :class:`InvalidInputError` (400, code ``<field>.characters``) when it holds
    a control character other than those in ``allowed``. ``what`` names the field in Chinese and English as a
    form labels it (a console page); without it, the field's wire name (an API body)."""
    if has_control_characters(text, allowed=allowed):
        zh, en = what or (f"{field} ", field)
        raise InvalidInputError(
            f"{zh}含控制字符 / {en} contains control characters", field=field, code=f"{field}.characters"
        )
    return text


def check_typed(text: str, *, field: str, what: tuple[str, str], formula_checked: bool = True) -> str:
    """``text`` unchanged; raises :class:`InvalidInputError` (400, codes ``text.invisible``,
    ``text.document_number``, ``text.formula``) when it breaks rule ``text`` (docs/rules.md, "Typed text"):
    invisible format characters, something shaped like an identity document number, or (when
    ``formula_checked``) a spreadsheet formula start. ``what`` names the field in Chinese and English."""
    problem = text_violation(text, field=field, what=what, formula_checked=formula_checked)
    if problem is not None:
        raise InvalidInputError(f"{problem.message_zh} / {problem.message_en}", field=field, code=problem.code)
    return text
