"""The JSON of the employer API and of ``GET /v1/qr/{token}``: msgspec Structs, documented in OpenAPI.

Requests are validated by their annotations at the edge (400 with a bilingual message on anything else);
answers are built from an :class:`verify.answers.Answer` by :func:`result_of`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, cast

import msgspec

from registry.calendar import province_day
from registry.rules.document_types import DocumentType
from registry.vocab import KIND_LABELS_EN, KIND_LABELS_ZH, LEVEL_LABELS_EN, LEVEL_LABELS_ZH, CertificateKind
from verify.answers import Answer
from verify.views import CertificateView

MAX_BATCH: Final = 1000
NumberText = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=64, description="证书编号 / certificate number", examples=["S000043000101253000011"]
    ),
]
NameText = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, description="持证人姓名 / holder's name", examples=["张三"])
]


class VerifyRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One certificate to check: its number and the holder's name (both required; no enumeration)."""

    number: NumberText
    name: NameText


IdNumberText = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=64, description="证件号码 / identity document number", examples=["430102199003071234"]
    ),
]


class VerifyQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One look-up, in either of two modes (both need the holder's name; no enumeration):

    * ``{number, name}``: one certificate by its number (answered with a :class:`VerifyResult`);
    * ``{name, id_type, id_number}``: every certificate of the person holding that identity document
      (answered with a ``PersonResult``: ``found`` with the list, or ``not_found``, which an unknown
      document, another name and a person without certificates all get alike).
    """

    name: NameText
    number: NumberText | None = None
    #: 证件类型: ``resident_id`` 居民身份证, ``hk_macao_permit`` 港澳居民来往内地通行证, ``taiwan_permit``
    #: 台湾居民来往大陆通行证, ``residence_permit`` 港澳台居民居住证, ``passport`` 护照,
    #: ``foreign_permanent_resident`` 外国人永久居留身份证.
    id_type: DocumentType | None = None
    id_number: IdNumberText | None = None

    def __post_init__(self) -> None:
        # Written "中文 / English": the refusal's Chinese half takes the Chinese (verify.http.errors).
        if self.number is not None:
            if self.id_type is not None or self.id_number is not None:
                raise ValueError("证书编号与证件二选一 / give either number or id_type + id_number, not both")
        elif self.id_type is None or self.id_number is None:
            raise ValueError("请提供证书编号，或证件类型和证件号码 / give number, or id_type and id_number")

    @property
    def by_number(self) -> VerifyRequest | None:
        """The number + name request this is, or ``None`` for a person look-up."""
        return None if self.number is None else VerifyRequest(number=self.number, name=self.name)


class BatchRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Up to 1,000 look-ups at once, either mode mixed freely (an employer API key is required)."""

    items: Annotated[list[VerifyQuery], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


class LogInclusion(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The issue event's RFC 9162 inclusion proof against the latest signed checkpoint (a C2SP signed note,
    verifiable with the log key of ``GET /v1/log/key``); ``pending`` until a checkpoint covers it. Hashes
    are base64."""

    pending: bool
    tree_size: int | None = None
    root_hash: bytes | None = None
    leaf_hash: bytes | None = None
    proof: list[bytes] = msgspec.field(default_factory=list)
    checkpoint: str | None = None


class CertificateHeading(msgspec.Struct, frozen=True, kw_only=True):
    """What every answer of the read path says first about a certificate: its number, kind, occupation or
    project and level, the kind and the level each with its bilingual label."""

    number: str
    kind: str
    kind_label: str
    subject_type: Literal["occupation", "project"]
    subject_code: str
    subject_name: str
    level: int
    level_label: str


class PublicCertificateInfo(CertificateHeading, frozen=True, kw_only=True):
    """A certificate as ``GET /v1/certificates/{number}`` shows it to an employer who has only its number:
    everything of :class:`CertificateInfo` but the holder (a number alone never yields a name; the holder's
    name is checked with ``POST /v1/verify``)."""

    institution_code: str
    institution_name: str
    authority_code: str
    authority_name: str
    issued_on: date
    #: Leaf index of the certificate's issue event in the transparency log.
    log_index: int
    log_proof: str


class CertificateInfo(PublicCertificateInfo, frozen=True, kw_only=True):
    """The certificate as the registry holds it, holder included (the ID number masked: first 6 and last 4
    digits), with its inclusion proof: the public view plus what only a name-and-ID check may show."""

    holder_name: str
    holder_id_masked: str
    log_inclusion: LogInclusion


class StatusInfo(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The current status; for revoked and superseded certificates, when, why and the new number."""

    status: Literal["valid", "revoked", "superseded"]
    change: Literal["revoked", "reissued", "replaced"] | None = None
    changed_at: datetime | None = None
    changed_on: date | None = None
    reason: str | None = None
    superseded_by: str | None = None
    #: A valid qualification certificate printed again under its number (补发, rule 9): when. Every earlier
    #: print is void (the valid one says 补发 in 备注) and carries the same QR code.
    reprinted_at: datetime | None = None
    #: The valid print's serial, when the operator gave it from the pre-printed blank.
    print_serial: str | None = None


class VerifyResult(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The verdict on one certificate.

    ``result``: ``valid``, ``revoked``, ``superseded``, ``not_found`` (a wrong name and an unknown number
    give exactly this same answer), ``invalid_number`` (batch items only; a single request gets 400), or for
    QR tokens ``not_genuine``. ``reason`` is a stable code saying why; ``message`` says it in Chinese and
    English.
    """

    result: Literal["valid", "revoked", "superseded", "not_genuine", "not_found", "invalid_number"]
    reason: str
    message: str
    certificate: CertificateInfo | None = None
    status: StatusInfo | None = None


class PersonCertificate(CertificateHeading, frozen=True, kw_only=True):
    """One certificate of the person and its verdict (有效 / 已撤销 / 已换发 / 已补发)."""

    result: Literal["valid", "revoked", "superseded", "not_genuine"]
    reason: str
    verdict_label: str
    issued_on: date
    institution_code: str
    institution_name: str
    holder_id_masked: str
    status: StatusInfo
    #: The page that checks this certificate alone (number filled in; the name is asked again).
    check: str


class PersonResult(msgspec.Struct, frozen=True, kw_only=True):
    """Every certificate of the person whose name and document were given, newest first.

    ``result`` is ``found`` or ``not_found``. An unknown document, a known document with another name and
    a person without certificates all get exactly the same ``not_found`` answer (no enumeration).
    """

    result: Literal["found", "not_found"]
    reason: str
    message: str
    count: int
    certificates: list[PersonCertificate]


class BatchItemResult(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One batch item's answer: a :class:`VerifyResult` for a number + name item (``certificate``,
    ``status``), a :class:`PersonResult` for a name + document item (``count``, ``certificates``).
    ``invalid_number``: the item's number is malformed; ``invalid_id_number``: its document is (``reason``
    is the rule's code); ``rate_limited``: that document was looked up too often (``retry_after``)."""

    result: Literal[
        "valid",
        "revoked",
        "superseded",
        "not_genuine",
        "not_found",
        "invalid_number",
        "found",
        "invalid_id_number",
        "rate_limited",
    ]
    reason: str
    message: str
    certificate: CertificateInfo | None = None
    status: StatusInfo | None = None
    count: int | None = None
    certificates: list[PersonCertificate] | None = None
    retry_after: int | None = None


class BatchResponse(msgspec.Struct, frozen=True, kw_only=True):
    """One result per item, in the order of the request's items (either mode, see :class:`BatchItemResult`)."""

    count: int
    results: list[BatchItemResult]


def proof_path(log_index: int, size: int | None) -> str:
    """Where the transparency log proves the inclusion of a certificate's issue event, in the tree of ``size``
    leaves (the checkpoint the answer states), so the link proves what the page says even after newer
    checkpoints; without a checkpoint yet, against whatever is latest when followed."""
    return f"/v1/log/proof/inclusion?index={log_index}" + (f"&size={size}" if size is not None else "")


def kind_label(kind: str) -> str:
    """``职业技能等级证书 / Vocational skill level certificate``: the kind as every answer labels it."""
    member = CertificateKind(kind)
    return f"{KIND_LABELS_ZH[member]} / {KIND_LABELS_EN[member]}"


def level_label(level: int) -> str:
    """``四级/中级工 / Level 4 / Intermediate worker``; a special-ability certificate's level 0 is
    ``无等级 / no level`` in every answer (the verdict and the person look-up once labelled it apart)."""
    return f"{LEVEL_LABELS_ZH.get(level, str(level))} / {LEVEL_LABELS_EN.get(level, '')}"


def heading_fields(view: CertificateView) -> dict[str, Any]:
    """The :class:`CertificateHeading` of ``view`` as keyword arguments: every answer that lists a
    certificate (the verdict, the public view, a person's listing) takes its heading from here."""
    return {
        "number": view.number,
        "kind": view.kind,
        "kind_label": kind_label(view.kind),
        "subject_type": "project" if view.subject_type == "project" else "occupation",
        "subject_code": view.subject_code,
        "subject_name": view.subject_name,
        "level": view.level,
        "level_label": level_label(view.level),
    }


def certificate_info(view: CertificateView) -> CertificateInfo:
    return CertificateInfo(
        **heading_fields(view),
        holder_name=view.holder_name,
        holder_id_masked=view.holder_id_masked,
        institution_code=view.institution_code,
        institution_name=view.institution_name,
        authority_code=view.authority_code,
        authority_name=view.authority_name,
        issued_on=view.issued_on,
        log_index=view.log_index,
        log_proof=proof_path(view.log_index, view.log.tree_size if view.log else None),
        log_inclusion=inclusion_of(view),
    )


def inclusion_of(view: CertificateView) -> LogInclusion:
    log = view.log
    if log is None:
        return LogInclusion(pending=True)
    return LogInclusion(pending=False, **msgspec.structs.asdict(log))  # the proof's fields, named alike


def status_info(view: CertificateView) -> StatusInfo:
    if view.status_change is None:
        return StatusInfo(status="valid", reprinted_at=view.reprinted_at, print_serial=view.given_print_serial or None)
    return msgspec.convert(
        {
            "status": view.status,
            "change": view.status_change,
            "changed_at": view.status_at,
            "changed_on": province_day(view.status_at) if view.status_at else None,
            "reason": view.status_reason or None,
            "superseded_by": view.superseded_by,
        },
        StatusInfo,
    )


def result_of(answer: Answer) -> VerifyResult:
    """The JSON form of ``answer``."""
    view = answer.view
    return VerifyResult(
        result=answer.result.value,
        reason=answer.reason,
        message=f"{answer.label_zh}：{answer.text_zh} / {answer.label_en}: {answer.text_en}",
        certificate=certificate_info(view) if view else None,
        status=status_info(view) if view else None,
    )


class PublicCertificateResult(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``GET /v1/certificates/{number}``: the verdict (``valid``, ``revoked``, ``superseded`` or
    ``not_genuine``), the public view and the current status."""

    result: Literal["valid", "revoked", "superseded", "not_genuine"]
    reason: str
    message: str
    certificate: PublicCertificateInfo
    status: StatusInfo


def public_result_of(answer: Answer, view: CertificateView) -> PublicCertificateResult:
    """The public form of ``answer`` about ``view`` (a certificate the registry holds; a ``not_genuine``
    answer still shows what the registry says of it)."""
    info = msgspec.structs.asdict(certificate_info(view))
    return PublicCertificateResult(
        result=cast(Literal["valid", "revoked", "superseded", "not_genuine"], answer.result.value),
        reason=answer.reason,
        message=f"{answer.label_zh}：{answer.text_zh} / {answer.label_en}: {answer.text_en}",
        certificate=PublicCertificateInfo(**{name: info[name] for name in PublicCertificateInfo.__struct_fields__}),
        status=status_info(view),
    )
