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
from registry.statement import StatementError, verify_statement
from registry.vocab import CertificateStatus
from verify.verifier import REASONS, Verdict
from verify.views import CertificateView


class Result(StrEnum):
    VALID = "valid"  # 有效
    REVOKED = "revoked"  # 已撤销
    SUPERSEDED = "superseded"  # 已补发 (reissued after loss) or 已换发 (replaced): the reason says which
    NOT_GENUINE = "not_genuine"  # 无法验证 (the signature is not vouched for by the key set)
    NOT_FOUND = "not_found"  # 未查到 (number + name queries: wrong name and missing number alike)
    INVALID_NUMBER = "invalid_number"  # 编号格式错误


RESULT_LABELS: Final[dict[Result, tuple[str, str]]] = {
    Result.VALID: ("有效", "Valid"),
    Result.REVOKED: ("已撤销", "Revoked"),
    Result.SUPERSEDED: ("已被取代", "Superseded"),
    Result.NOT_GENUINE: ("无法验证", "Cannot be verified"),
    Result.NOT_FOUND: ("未查到", "Not found"),
    Result.INVALID_NUMBER: ("编号格式错误", "Invalid number format"),
}

#: Why, for every reason code: the offline verifier's, and those only the registry can give.
REASON_TEXTS: Final[dict[str, tuple[str, str]]] = {
    **REASONS,
    "valid": ("证书有效", "the certificate is valid"),
    "revoked": ("证书已被撤销", "the certificate has been revoked"),
    "reissued": (
        "此证书遗失后已补发，请以补发的证书为准",
        "this certificate was reported lost and reissued; the reissued certificate is the one that counts",
    ),
    "replaced": (
        "此证书已换发（损坏、内容有误或旧版证书更换），请以换发的新证书为准",
        "this certificate was replaced (damaged, corrected or old-style); the new certificate is the one that counts",
    ),
    "not_in_registry": (
        "签名有效，但登记库中没有此编号的证书",
        "the signature is valid but the registry holds no certificate with this number",
    ),
    "statement_mismatch": (
        "签名有效，但内容与登记库中的证书不一致",
        "the signature is valid but the content differs from the certificate the registry holds",
    ),
    "not_found": (
        "没有查到与该编号和姓名相符的证书，请核对后重试",
        "no certificate matches this number and name; check both and try again",
    ),
    "invalid_number": ("证书编号格式不正确", "the certificate number is not in a valid format"),
}


#: 补发 and 换发 are different acts (docs/rules.md "Reissue and replacement"): a superseded certificate's
#: label says which one ended it.
CHANGE_LABELS: Final[dict[str, tuple[str, str]]] = {
    "reissued": ("已补发", "Reissued"),
    "replaced": ("已换发", "Replaced"),
}


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    """A verdict with the certificate it is about (``view`` only when the certificate is genuine)."""

    result: Result
    reason: str
    view: CertificateView | None = None

    @property
    def label_zh(self) -> str:
        return CHANGE_LABELS.get(self.reason, RESULT_LABELS[self.result])[0]

    @property
    def label_en(self) -> str:
        return CHANGE_LABELS.get(self.reason, RESULT_LABELS[self.result])[1]

    @property
    def text_zh(self) -> str:
        return REASON_TEXTS[self.reason][0]

    @property
    def text_en(self) -> str:
        return REASON_TEXTS[self.reason][1]


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
