"""What the public is told: the answer to a QR scan or a query, as data (pure, no I/O).

An :class:`Answer` has a ``result`` (what the page shows in large type) and a stable ``reason`` code (why;
counted in the metrics). A QR token is genuine only when its signature verifies against the key set **and**
the registry holds a certificate with that number **and** the signed bytes are exactly the stored
statement. Whatever the route (QR token, number + name, batch), the certificate the registry holds is then
judged by the one function :func:`certificate_answer`: its stored signature must verify against the
current key set (a key compromised or withdrawn since issue ends every certificate it vouched for), then
its current status is shown. Every reason has a Chinese and an English
text in :data:`REASON_TEXTS`, which includes every reason :func:`verify.verifier.verify_token` can give.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from keys.errors import SignatureVerificationError
from keys.keyset import KeySet
from registry.i18n import catalogue
from registry.statement import StatementError, verify_statement
from registry.vocab import CertificateStatus
from verify.verifier import REASONS, Reasoned, Verdict
from verify.views import CertificateView


class Result(StrEnum):
    VALID = "valid"  # 有效
    REVOKED = "revoked"  # 已撤销
    SUPERSEDED = "superseded"  # 已补发 (reissued after loss) or 已换发 (replaced): the reason says which
    NOT_GENUINE = "not_genuine"  # 无法验证 (the signature is not vouched for by the key set)
    NOT_FOUND = "not_found"  # 未查到 (number + name queries: wrong name and missing number alike)
    INVALID_NUMBER = "invalid_number"  # 编号格式错误


#: The texts are data: ``answers.toml`` beside this module (:mod:`registry.i18n`), read once at import.
_TEXTS: Final = catalogue("verify", "answers.toml")

#: What the page shows in large type, by result.
RESULT_LABELS: Final = {Result(value): labels for value, labels in _TEXTS["results"].items()}

#: Why, for every reason code: the offline verifier's, and those only the registry can give.
REASON_TEXTS: Final = {**REASONS, **_TEXTS["registry"]}

#: 补发 and 换发 are different acts (docs/rules.md "Reissue and replacement"): a superseded certificate's
#: label says which one ended it.
CHANGE_LABELS: Final = _TEXTS["changes"]


class Answer(msgspec.Struct, Reasoned, frozen=True, kw_only=True):
    """A verdict with the certificate it is about (``view`` only when the certificate is genuine)."""

    TEXTS = REASON_TEXTS
    result: Result
    reason: str
    view: CertificateView | None = None

    @property
    def label_zh(self) -> str:
        return CHANGE_LABELS.get(self.reason, RESULT_LABELS[self.result])[0]

    @property
    def label_en(self) -> str:
        return CHANGE_LABELS.get(self.reason, RESULT_LABELS[self.result])[1]


NOT_FOUND: Final = Answer(result=Result.NOT_FOUND, reason="not_found")


def certificate_answer(view: CertificateView, keyset: KeySet) -> Answer:
    """The verdict on a certificate the registry holds, the same on every route: "cannot be verified" when
    its stored signature is no longer vouched for by ``keyset`` (e.g. ``key_compromised``), else its
    current status."""
    try:
        verify_statement(view.statement, view.signature, keyset)
    except (StatementError, SignatureVerificationError) as exc:
        return not_genuine(exc.reason)
    return status_answer(view)


def status_answer(view: CertificateView) -> Answer:
    """The current status of a certificate the registry holds (its signature already checked)."""
    if view.status == CertificateStatus.REVOKED.value:
        return Answer(result=Result.REVOKED, reason="revoked", view=view)
    if view.status == CertificateStatus.SUPERSEDED.value:
        reason = "reissued" if view.status_change == "reissued" else "replaced"
        return Answer(result=Result.SUPERSEDED, reason=reason, view=view)
    return Answer(result=Result.VALID, reason="valid", view=view)


def not_genuine(reason: str) -> Answer:
    """A token the service cannot vouch for; raises ``KeyError`` for an unknown reason (a bug, not input)."""
    REASON_TEXTS[reason]
    return Answer(result=Result.NOT_GENUINE, reason=reason)


def token_answer(verdict: Verdict, signed: bytes, view: CertificateView | None, keyset: KeySet) -> Answer:
    """The answer to a QR token whose offline ``verdict`` is known, given the signed statement bytes and
    what the registry holds under the statement's number."""
    if not verdict.valid:
        return not_genuine(verdict.reason)
    if view is None:
        return not_genuine("not_in_registry")
    if view.statement != signed:
        return not_genuine("statement_mismatch")
    return certificate_answer(view, keyset)
