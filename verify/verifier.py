"""Offline verification of a QR token against a public key set: pure, no I/O, never raises for bad input.

A failed verification is data, not an exception: :func:`verify_token` returns a :class:`Verdict` whose
``reason`` is a stable code (listed in ``REASONS`` with Chinese and English text) that pages, the API and
metrics can rely on. Offline verification proves who signed what and when; it cannot know whether the
certificate was later revoked or superseded: only the server adds that current status.
"""

from __future__ import annotations

from typing import ClassVar, Final

import msgspec

from keys.errors import SignatureVerificationError
from keys.keyset import KeySet
from registry.i18n import Texts, catalogue
from registry.qrtoken import TokenError, decode_token
from registry.statement import Statement, StatementError, decode_statement, verify_statement

#: Every reason code a verdict can carry, with the text a person reads (Chinese, English): section
#: ``verdicts`` of the package's catalogue, ``answers.toml`` (:mod:`registry.i18n`).
REASONS: Final = catalogue("verify", "answers.toml")["verdicts"]


class Reasoned:
    """The texts a person reads of a struct's stable ``reason`` code, from its class's table ``TEXTS``: one home
    for the accessors of :class:`Verdict` and :class:`verify.answers.Answer`. A mixin, not a base struct, so
    each struct keeps ``reason`` where its encoded field order has it (the API's bytes)."""

    __slots__ = ()
    TEXTS: ClassVar[Texts]
    reason: str

    @property
    def text_zh(self) -> str:
        """The reason in Chinese."""
        return self.TEXTS[self.reason][0]

    @property
    def text_en(self) -> str:
        """The reason in English."""
        return self.TEXTS[self.reason][1]


class Verdict(msgspec.Struct, Reasoned, frozen=True, kw_only=True):
    """The outcome of an offline check.

    ``statement`` is the decoded statement whenever the bytes decoded, even if the signature failed;
    it is trustworthy only when ``valid`` is true.
    """

    TEXTS = REASONS
    valid: bool
    reason: str
    statement: Statement | None = None


def verify_token(token: str, keyset: KeySet) -> Verdict:
    """Verify a QR token (``statement || signature`` in base32) offline against ``keyset``.

    Never raises for bad input: a malformed token, a malformed statement or a signature the key set does
    not vouch for each give a verdict with ``valid=False`` and the matching reason code.
    """
    try:
        data, signature = decode_token(token)
    except TokenError as exc:
        return Verdict(valid=False, reason=exc.reason)
    try:
        statement = decode_statement(data)
        # Decodes again (about a microsecond): the contract function, not a copy of its checks.
        verify_statement(data, signature, keyset)
    except StatementError as exc:
        return Verdict(valid=False, reason=exc.reason)
    except SignatureVerificationError as exc:
        return Verdict(valid=False, reason=exc.reason, statement=statement)
    return Verdict(valid=True, reason="ok", statement=statement)
