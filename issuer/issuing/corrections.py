"""Domain: checking what an operator types for a revocation, a reissue or a replacement (换发).

A replacement corrects content, so its fields are checked as strictly as a row of an imported file: the
name normalised the same way (:func:`registry.holders.normalise_name`), an ID number through the full
GB 11643 check, an occupation code and a level through the rules' validators. Every failure is an
:class:`InvalidInputError` (answered 400) with a stable code and a Chinese / English message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Final

import msgspec

from issuer.errors import ReasonRequiredError
from issuer.issuing.errors import InvalidInputError
from issuer.text_checks import check_reason_length, check_typed
from registry import holders
from registry.identity.index import holder_digest
from registry.rules.document_types import DocumentType
from registry.rules.documents import HolderDocument, holder_document, lifelong_number
from registry.rules.errors import RuleError
from registry.rules.formats import parse_level, validate_occupation_code
from registry.rules.ids import validate_resident_id
from registry.rules.masks import mask_document
from registry.rules.numbering import normalise_number, parse_any
from registry.rules.policy import ProvinceProfile
from registry.rules.serials import check_given_serial
from registry.vocab import CertificateKind

#: Besides letters (any script) and combining marks: the middle dot of minority names, and the space,
#: apostrophe, hyphen and full stop of names written in Latin letters.
_NAME_EXTRAS: Final = frozenset("· '-.")
_PROJECT: Final = re.compile(r"[0-9A-Z]{1,32}")


def _says(zh: str, en: str) -> msgspec.Meta:
    """What the OpenAPI document says of a corrected field: the checks :func:`check_correction` makes (after
    the certificate is found; a refusal is a 400 naming the field)."""
    return msgspec.Meta(description=f"{zh} / {en}")


class Correction(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The corrected fields of a replacement; a field left out keeps the certificate's value."""

    holder_name: (
        Annotated[
            str,
            _says(
                f"更正后的姓名：1–{holders.NAME_MAX_LENGTH} 个文字，可含间隔号和空格",
                f"the corrected name: 1–{holders.NAME_MAX_LENGTH} letters (any script; the middle dot, space, "
                "apostrophe, hyphen and full stop too)",
            ),
        ]
        | None
    ) = None
    holder_id: (
        Annotated[
            str,
            _says(
                "更正后的证件号码，按证件类型校验（居民身份证含校验码）",
                "the corrected document number, checked as its type's (a resident ID with its check digit)",
            ),
        ]
        | None
    ) = None
    #: The corrected document's type (证件类型: a name, code or wire value as uploads accept); with
    #: ``holder_id`` only, default resident ID.
    holder_id_type: (
        Annotated[
            str,
            _says(
                "证件类型（名称、代码或取值，同上传文件）；仅更正号码时默认居民身份证",
                "the document's type (its name, code or value, as uploads take it); with holder_id only, a resident ID",
            ),
        ]
        | None
    ) = None
    subject_code: (
        Annotated[
            str,
            _says(
                "更正后的职业（工种）编码；专项职业能力证书为项目编码（1–32 位大写字母或数字）",
                "the corrected occupation code; for a special-ability certificate the project code (1–32 "
                "capital letters or digits)",
            ),
        ]
        | None
    ) = None
    level: (
        Annotated[
            int | str,
            _says(
                "更正后的等级：1–5、数字文本或等级名称（三级、高级工…）；专项职业能力证书没有等级",
                "the corrected level: 1–5, as a number, digits or its name (三级, 高级工 …); a special-ability "
                "certificate has none",
            ),
        ]
        | None
    ) = None


class Content(msgspec.Struct, frozen=True, kw_only=True):
    """What a certificate says about its holder and subject (a successor's content)."""

    holder_name: str
    holder_id_digest: bytes
    holder_id_masked: str
    subject_code: str
    level: int
    #: The corrected document (to be sealed with the successor); ``None`` when the document is not corrected.
    document: HolderDocument | None = None


def _from_rule(exc: RuleError, field: str) -> InvalidInputError:
    v = exc.violation
    return InvalidInputError(f"{v.message_zh} / {v.message_en}", field=v.field or field, code=v.code)


def check_number(profile: ProvinceProfile, text: str, *, today: date) -> str:
    """The canonical form of a certificate number, checked under the profile's rules before any look-up;
    raises :class:`InvalidInputError` (``number.*``) for a malformed one."""
    try:
        parse_any(profile, text, today=today)
    except RuleError as exc:
        raise _from_rule(exc, "number") from None
    return normalise_number(text)


def check_print_serial(profile: ProvinceProfile, text: str) -> str:
    """The canonical form of an operator-given print serial (a blank of pre-printed stock, 000:35); raises
    :class:`InvalidInputError` (``serial.format``, ``serial.reserved``) before any look-up."""
    try:
        return check_given_serial(profile.print_serial, text)
    except RuleError as exc:
        raise _from_rule(exc, "print_serial") from None


def check_reason(text: str) -> str:
    """A reason, trimmed: required, at most :data:`~issuer.text_checks.REASON_MAX_LENGTH` characters, no
    control characters but line breaks."""
    reason = text.strip()
    if not reason:
        raise ReasonRequiredError
    check_reason_length(reason)
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in reason):
        raise InvalidInputError(
            "原因含控制字符 / the reason contains control characters", field="reason", code="reason.characters"
        )
    # shown on the public page: no bidi control may reorder it, no document number may sit in it
    return check_typed(reason, field="reason", what=("原因", "The reason"), formula_checked=False)


def check_resident_id(text: str, *, today: date) -> str:
    """The canonical form of a resident ID number, through the full GB 11643 check; raises
    :class:`InvalidInputError` (field ``holder_id``) for a malformed one."""
    try:
        return validate_resident_id(text, today=today)
    except RuleError as exc:
        raise _from_rule(exc, "holder_id") from None


def check_name(text: str) -> str:
    """A holder's name as the registry keeps it (normalised); letters of any script, combining marks and
    the separators of :data:`_NAME_EXTRAS` only, 1–64 characters."""
    name = holders.normalise_name(text)
    if not name:
        raise InvalidInputError("姓名不能为空 / the name is empty", field="holder_name", code="name.required")
    if len(name) > holders.NAME_MAX_LENGTH:
        raise InvalidInputError(
            f"姓名不能超过{holders.NAME_MAX_LENGTH}个字 / the name is longer than {holders.NAME_MAX_LENGTH} characters",
            field="holder_name",
            code="name.too_long",
        )
    check_typed(name, field="holder_name", what=("姓名", "The name"))
    if any(not unicodedata.category(c).startswith(("L", "M")) and c not in _NAME_EXTRAS for c in name):
        raise InvalidInputError(
            "姓名只能包含文字、间隔号和空格 / a name holds letters, the middle dot and spaces only",
            field="holder_name",
            code="name.characters",
        )
    return name


def _subject(kind: CertificateKind, text: str) -> str:
    if kind.has_level:
        try:
            return validate_occupation_code(text)
        except RuleError as exc:
            raise _from_rule(exc, "subject_code") from None
    code = unicodedata.normalize("NFKC", text).strip().upper()
    if not _PROJECT.fullmatch(code):
        raise InvalidInputError(
            f"项目编码{text}格式错误 / project code {text!r} is malformed",
            field="subject_code",
            code="project.format",
        )
    return code


def _level(kind: CertificateKind, value: int | str) -> int:
    if not kind.has_level:
        if value in (0, "0", ""):
            return 0
        raise InvalidInputError(
            "专项职业能力证书没有等级 / a special-ability certificate has no level",
            field="level",
            code="kind.level_not_applicable",
        )
    try:
        return parse_level(value)
    except RuleError as exc:
        raise _from_rule(exc, "level") from None


def _document(correction: Correction, number: str, *, profile: ProvinceProfile | None, today: date) -> HolderDocument:
    """The corrected document, checked as an upload's (``registry.rules.documents``); without a profile, a
    resident ID only (the type column is then refused)."""
    try:
        if profile is not None:
            return holder_document(profile, correction.holder_id_type, number, today=today)
        if correction.holder_id_type:
            raise InvalidInputError(
                "此处只能更正居民身份证号 / only a resident ID can be corrected here",
                field="holder_id_type",
                code="document.type_not_allowed",
            )
        canonical = validate_resident_id(number, today=today)
    except RuleError as exc:
        v = exc.violation
        field = "holder_id_type" if v.field == "id_type" else "holder_id"
        raise InvalidInputError(f"{v.message_zh} / {v.message_en}", field=field, code=v.code) from None
    resident = DocumentType.RESIDENT_ID
    return HolderDocument(
        document_type=resident,
        number=canonical,
        masked=mask_document(resident, canonical),
        lifelong=lifelong_number(resident, canonical),
    )


class CheckedCorrection(msgspec.Struct, frozen=True, kw_only=True):
    """A replacement's fields checked, each in its canonical form; ``None``: not corrected."""

    holder_name: str | None = None
    document: HolderDocument | None = None
    subject_code: str | None = None
    level: int | None = None


def _nothing_corrected() -> InvalidInputError:
    return InvalidInputError(
        "换发内容与原证书相同，遗失补发请用补发 / nothing is corrected: to replace a lost certificate use reissue",
        field="correction",
        code="replace.nothing_changed",
    )


def check_correction(
    correction: Correction, kind: CertificateKind, *, today: date, profile: ProvinceProfile | None = None
) -> CheckedCorrection:
    """Each corrected field checked, without the certificate: raises :class:`InvalidInputError` for a
    malformed field or when no field is given. The console checks a form with it before its confirmation
    page (a typo is said before "are you sure?", not after); :func:`corrected` then compares with the
    certificate."""
    if correction.holder_id is None and correction.holder_id_type is not None:
        raise InvalidInputError(
            "更正证件类型须同时填写证件号码 / a corrected document type needs the document number too",
            field="holder_id",
            code="document.empty",
        )
    checked = CheckedCorrection(
        holder_name=None if correction.holder_name is None else check_name(correction.holder_name),
        document=None
        if correction.holder_id is None
        else _document(correction, correction.holder_id, profile=profile, today=today),
        subject_code=None if correction.subject_code is None else _subject(kind, correction.subject_code),
        level=None if correction.level is None else _level(kind, correction.level),
    )
    if checked == CheckedCorrection():
        raise _nothing_corrected()
    return checked


def corrected(
    current: Content,
    correction: Correction,
    kind: CertificateKind,
    *,
    today: date,
    id_secret: bytes,
    profile: ProvinceProfile | None = None,
) -> Content:
    """The content after ``correction``; raises :class:`InvalidInputError` for a malformed field or when
    nothing changes (that is a reissue, not a replacement). A corrected document (any type the profile
    accepts) comes back in ``document``, to be sealed with the successor."""
    checked = check_correction(correction, kind, today=today, profile=profile)
    content = current
    if checked.holder_name is not None:
        content = msgspec.structs.replace(content, holder_name=checked.holder_name)
    if checked.document is not None:
        document = checked.document
        digest = holder_digest(id_secret, document)
        if digest != current.holder_id_digest or document.masked != current.holder_id_masked:
            content = msgspec.structs.replace(
                content, holder_id_digest=digest, holder_id_masked=document.masked, document=document
            )
    if checked.subject_code is not None:
        content = msgspec.structs.replace(content, subject_code=checked.subject_code)
    if checked.level is not None:
        content = msgspec.structs.replace(content, level=checked.level)
    if content == current:
        raise _nothing_corrected()
    return content
