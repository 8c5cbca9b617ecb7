"""Domain: one row of a legacy file → a checked :class:`LegacyRecord`, or every problem it has (pure, no I/O).

A legacy file (CSV, XLSX or JSON) lists certificates issued before the registry, as the old system recorded
them. Columns (Chinese or English headers; ``docs/legacy.md``): number, kind, name, document type (optional,
default resident ID), document number, occupation or project code, level, institution code, the authority as
recorded, issue date, print serial (optional), status (valid or revoked) with the revocation date and reason.
Each row is checked in full — every problem of every row is reported, with its row, column, code and a
bilingual message — and a checked record keeps the document only until it is sealed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Final, Generic, TypeVar

import msgspec

from issuer.batches.problems import RowProblem, from_violation, problem, rule_of
from issuer.text_checks import REASON_MAX_LENGTH
from registry.holders import NAME_MAX_LENGTH, normalise_name
from registry.rules.documents import HolderDocument, holder_document, normalise_document_number
from registry.rules.errors import RuleError, Violation
from registry.rules.formats import check_occupation_code, normalise_occupation_code, parse_iso_date, parse_level
from registry.rules.legacy import ImportedNumber, LegacyNumbers
from registry.rules.policy import ProvinceProfile
from registry.tabular import Row, in_scientific_notation, rounded_by_excel, without_invisibles
from registry.vocab import CertificateKind


class Column(StrEnum):
    NUMBER = "number"
    KIND = "kind"
    NAME = "name"
    ID_TYPE = "id_type"
    ID_NUMBER = "id_number"
    SUBJECT = "subject_code"
    LEVEL = "level"
    INSTITUTION = "institution"
    AUTHORITY = "authority"
    ISSUED_ON = "issued_on"
    PRINT_SERIAL = "print_serial"
    STATUS = "status"
    REVOKED_ON = "revoked_on"
    REVOKE_REASON = "revoke_reason"
    #: Recognised so that a file's photos are reported as not imported (``docs/legacy.md``), never read.
    PHOTO = "photo"


REQUIRED: Final = (
    Column.NUMBER,
    Column.KIND,
    Column.NAME,
    Column.ID_NUMBER,
    Column.SUBJECT,
    Column.INSTITUTION,
    Column.ISSUED_ON,
)
ALIASES: Final[dict[Column, tuple[str, ...]]] = {
    Column.NUMBER: ("证书编号", "证书号", "证书号码", "number", "certificatenumber"),
    Column.KIND: ("证书类别", "证书类型", "证书种类", "kind"),
    Column.NAME: ("姓名", "持证人姓名", "name", "holdername"),
    Column.ID_TYPE: ("证件类型", "证件种类", "idtype", "documenttype"),
    Column.ID_NUMBER: ("证件号码", "身份证号", "身份证号码", "公民身份号码", "idnumber", "documentnumber"),
    Column.SUBJECT: (
        "职业编码",
        "项目编码",
        "职业或项目编码",
        "职业工种编码",
        "subjectcode",
        "occupationcode",
        "projectcode",
    ),
    Column.LEVEL: ("等级", "技能等级", "level"),
    Column.INSTITUTION: ("机构编码", "评价机构编码", "鉴定机构编码", "institution", "institutioncode"),
    Column.AUTHORITY: ("发证机构", "发证机关", "发证单位", "authority", "issuingauthority"),
    Column.ISSUED_ON: ("发证日期", "颁证日期", "issuedon", "issuedate"),
    Column.PRINT_SERIAL: ("印制流水码", "印刷流水号", "流水号", "printserial"),
    Column.STATUS: ("状态", "证书状态", "status"),
    Column.REVOKED_ON: ("撤销日期", "revokedon"),
    Column.REVOKE_REASON: ("撤销原因", "revokereason", "revocationreason"),
    Column.PHOTO: ("照片", "相片", "证件照", "头像", "photo", "picture", "portrait"),
}
_KINDS: Final = {
    "qualification": CertificateKind.QUALIFICATION,
    "职业资格证书": CertificateKind.QUALIFICATION,
    "职业资格": CertificateKind.QUALIFICATION,
    "skill_level": CertificateKind.SKILL_LEVEL,
    "职业技能等级证书": CertificateKind.SKILL_LEVEL,
    "职业技能等级": CertificateKind.SKILL_LEVEL,
    "special_ability": CertificateKind.SPECIAL_ABILITY,
    "专项职业能力证书": CertificateKind.SPECIAL_ABILITY,
    "专项职业能力": CertificateKind.SPECIAL_ABILITY,
}
_KIND_LOOKUP: Final = {"".join(key.split()).lower().replace("_", ""): kind for key, kind in _KINDS.items()}
_VALID: Final = frozenset({"", "valid", "有效", "正常"})
_REVOKED: Final = frozenset({"revoked", "撤销", "已撤销", "注销", "已注销"})
_NO_LEVEL: Final = frozenset({"", "0", "无", "-", "—", "/", "不适用", "n/a"})


class LegacyRecord(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A checked legacy certificate. ``document`` hides its number from ``repr``; sealed at load, never stored
    in clear. ``gc=False``: only immutable values in it, so no cycle can pass through it; untracked, the
    collector no longer walks the one made (or decoded) per row of a legacy import (issue 13)."""

    row: int
    number: ImportedNumber
    holder_name: str
    document: HolderDocument
    subject_code: str
    level: int
    institution_code: str
    recorded_authority: str
    issued_on: date
    print_serial: str | None
    revoked_on: date | None
    revoke_reason: str


def missing_columns_message(lacking: list[Column]) -> str:
    """The refusal of a header without ``lacking``, naming each column in both languages (its first alias is
    the Chinese header the template and docs/legacy.md use)."""
    zh = "、".join(ALIASES[c][0] for c in lacking)
    en = ", ".join(c.value for c in lacking)
    return f"缺少必需的列：{zh} / missing required columns: {en}"


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower().replace("-", "").replace("_", "")


_LOOKUP: Final = {_fold(alias): column for column, aliases in ALIASES.items() for alias in aliases}
_LOOKUP.update({_fold(column.value): column for column in Column})


def map_header(header: tuple[str, ...]) -> tuple[dict[Column, int], list[Column]]:
    """Column positions by field, and the required fields that have none."""
    index: dict[Column, int] = {}
    for at, text in enumerate(header):
        column = _LOOKUP.get(_fold(text.split("\n")[0])) or _LOOKUP.get(_fold(text))
        if column is not None and column not in index:
            index[column] = at
    return index, [c for c in REQUIRED if c not in index]


_T = TypeVar("_T")


class _Memo(Generic[_T]):
    """A pure function of a cell's text, computed once for each text a file repeats (its kinds, statuses,
    levels, subject codes, dates: a handful of values over a million rows). At most ``limit`` texts are kept;
    a text whose function raises is never kept (it raises again, each time)."""

    __slots__ = ("_found", "_function", "_limit")

    def __init__(self, function: Callable[[str], _T], limit: int = 4096) -> None:
        self._function, self._limit = function, limit
        self._found: dict[str, _T] = {}

    def __call__(self, text: str) -> _T:
        try:
            return self._found[text]
        except KeyError:
            value = self._function(text)
            if len(self._found) < self._limit:
                self._found[text] = value
            return value


def _date_or_none(text: str) -> date | None:
    """The date of ``text`` (``parse_iso_date``), ``None`` when it is none (the caller asks again for the error,
    naming its own column)."""
    try:
        return parse_iso_date(text)
    except RuleError:
        return None


def _occupation(text: str) -> tuple[str, Violation | None]:
    """An occupation code cell normalised, and its problem."""
    code = normalise_occupation_code(text)
    return code, check_occupation_code(code)


def _project(text: str) -> str:
    """A project code cell normalised."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


class RecordChecker:
    """Checks the rows of one legacy file from ``source`` (the old system's name) under ``profile``."""

    def __init__(
        self, profile: ProvinceProfile, *, source: str, header: tuple[str, ...], index: dict[Column, int], today: date
    ) -> None:
        self._profile, self._source, self._header, self._index, self._today = profile, source, header, index, today
        self._positions = tuple(index.items())
        #: The cells of the row being checked, stripped, by column (each read once: ``check`` asks ~20 times).
        self._cells: dict[Column, str] = {}
        self._numbers = LegacyNumbers(profile, source)
        self._folded = _Memo(_fold)
        self._kinds = _Memo(lambda text: _KIND_LOOKUP.get(_fold(text)))
        self._levels = _Memo(parse_level)
        self._dates = _Memo(_date_or_none)
        self._occupations = _Memo(_occupation)
        self._projects = _Memo(_project)
        #: Rows (numbers) whose 18-digit ID number ends in 000 though its check character fits, since
        #: :meth:`take_rounded_alike`: alone, such a number may be someone's; in a file Excel demonstrably
        #: rounded (a row ``id.rounded``) it is one more rounded number (``issuer.legacy.service``).
        self._rounded_alike: list[int] = []

    def take_rounded_alike(self) -> list[int]:
        """The rows checked since the last call whose ID number reads as Excel's rounding (18 digits ending in
        000) though its check character fits."""
        found, self._rounded_alike = self._rounded_alike, []
        return found

    def _cell(self, row: Row, column: Column) -> str:
        return self._cells.get(column, "")

    def where(self, column: Column) -> str:
        """The header of ``column`` as the file writes it (its field name when the file has no such column)."""
        at = self._index.get(column)
        return self._header[at] if at is not None else column.value

    def _problem(self, row: Row, column: Column, violation: Violation) -> RowProblem:
        return from_violation(violation, row=row.number, column=self.where(column), field=column.value)

    def _own(self, row: Row, column: Column, code: str, zh: str, en: str) -> RowProblem:
        return RowProblem(
            row=row.number, column=self.where(column), field=column.value, code=code, message_zh=zh, message_en=en,
            rule=rule_of(code),
        )  # fmt: skip

    def check(self, row: Row) -> LegacyRecord | list[RowProblem]:
        """The record of ``row``, or every problem it has (never raises for bad input)."""
        cells, count = row.cells, len(row.cells)
        self._cells = got = {column: cells[at].strip() for column, at in self._positions if at < count}
        found: list[RowProblem] = []
        for column in REQUIRED:
            if not got.get(column):
                found.append(self._own(row, column, "cell.required", "必填项为空", "the cell is required"))
        kind_text = got.get(Column.KIND, "")
        kind = self._kinds(kind_text)
        if kind is None and kind_text:
            found.append(
                self._own(
                    row, Column.KIND, "legacy.kind", "证书类别无效（职业资格、职业技能等级、专项职业能力）",
                    "kind is not qualification, skill_level or special_ability",
                )
            )  # fmt: skip
        number = self._number(row, kind, found)
        name = normalise_name(got.get(Column.NAME, ""))
        if len(name) > NAME_MAX_LENGTH:
            found.append(self._own(row, Column.NAME, "name.too_long", "姓名过长", f"longer than {NAME_MAX_LENGTH}"))
        document = self._document(row, found)
        subject = self._subject(row, kind, found)
        level = self._level(row, kind, found)
        issued_on = self._date(row, Column.ISSUED_ON, found)
        if issued_on is not None and issued_on > self._today:
            found.append(
                self._own(row, Column.ISSUED_ON, "date.future", "发证日期晚于今天", "the issue date is in the future")
            )
        revoked_on, reason = self._status(row, issued_on, found)
        if found or number is None or document is None or issued_on is None or level is None:
            return found
        serial = unicodedata.normalize("NFKC", got.get(Column.PRINT_SERIAL, "")).strip().upper() or None
        return LegacyRecord(
            row=row.number,
            number=number,
            holder_name=name,
            document=document,
            subject_code=subject,
            level=level,
            institution_code=got.get(Column.INSTITUTION, ""),
            recorded_authority=got.get(Column.AUTHORITY, ""),
            issued_on=issued_on,
            print_serial=serial,
            revoked_on=revoked_on,
            revoke_reason=reason,
        )

    def _number(self, row: Row, kind: CertificateKind | None, found: list[RowProblem]) -> ImportedNumber | None:
        text = self._cell(row, Column.NUMBER)
        if not text or kind is None:
            return None
        try:
            return self._numbers.parse(text, kind=kind, today=self._today)
        except RuleError as exc:
            found.append(self._problem(row, Column.NUMBER, exc.violation))
            return None

    def _document(self, row: Row, found: list[RowProblem]) -> HolderDocument | None:
        """The holder's document; an ID number Excel damaged (scientific notation, rounded to 15 digits) is
        named so, as an upload names it (``id.scientific``, ``id.rounded``). A number that reads as rounded but
        whose check character fits is kept for the file to judge (:meth:`take_rounded_alike`)."""
        text = without_invisibles(self._cell(row, Column.ID_NUMBER))
        if not text:
            if self._cell(row, Column.ID_NUMBER):  # only zero-width characters
                found.append(self._own(row, Column.ID_NUMBER, "cell.required", "必填项为空", "the cell is required"))
            return None
        if in_scientific_notation(text):
            found.append(self._excel(row, "id.scientific"))
            return None
        try:
            document = holder_document(self._profile, self._cell(row, Column.ID_TYPE), text, today=self._today)
        except RuleError as exc:
            if exc.violation.code == "id.checksum" and rounded_by_excel(normalise_document_number(text)):
                found.append(self._excel(row, "id.rounded"))
                return None
            column = Column.ID_TYPE if exc.violation.field == "id_type" else Column.ID_NUMBER
            found.append(self._problem(row, column, exc.violation))
            return None
        number = document.number
        if len(number) == 18 and rounded_by_excel(number) and number.isdigit():
            self._rounded_alike.append(row.number)
        return document

    def _excel(self, row: Row, code: str) -> RowProblem:
        return problem(code, row=row.number, column=self.where(Column.ID_NUMBER), field=Column.ID_NUMBER.value)

    def _subject(self, row: Row, kind: CertificateKind | None, found: list[RowProblem]) -> str:
        text = self._cell(row, Column.SUBJECT)
        if not text or kind is None:
            return text
        if kind is CertificateKind.SPECIAL_ABILITY:
            return self._projects(text)
        code, problem = self._occupations(text)
        if problem is not None:
            found.append(self._problem(row, Column.SUBJECT, problem))
        return code

    def _level(self, row: Row, kind: CertificateKind | None, found: list[RowProblem]) -> int | None:
        text = self._cell(row, Column.LEVEL)
        if kind is None or not kind.has_level:
            if self._folded(text) in _NO_LEVEL:
                return 0
            zh, en = "专项职业能力证书没有等级", "a special-ability certificate has no level"
            found.append(self._own(row, Column.LEVEL, "level.not_applicable", zh, en))
            return None
        try:
            return self._levels(text)
        except RuleError as exc:
            found.append(self._problem(row, Column.LEVEL, exc.violation))
            return None

    def _date(self, row: Row, column: Column, found: list[RowProblem]) -> date | None:
        text = self._cell(row, column)
        if not text:
            return None
        try:
            return self._dates(text) or parse_iso_date(text, field=column.value)
        except RuleError as exc:
            found.append(self._problem(row, column, exc.violation))
            return None

    def _status(self, row: Row, issued_on: date | None, found: list[RowProblem]) -> tuple[date | None, str]:
        status = self._folded(self._cell(row, Column.STATUS))
        if status in _VALID:
            return None, ""
        if status not in _REVOKED:
            zh, en = "状态应为 有效 或 撤销", "the status must be valid or revoked"
            found.append(self._own(row, Column.STATUS, "legacy.status", zh, en))
            return None, ""
        revoked_on = self._date(row, Column.REVOKED_ON, found)
        reason = self._cell(row, Column.REVOKE_REASON)
        if revoked_on is None and not self._cell(row, Column.REVOKED_ON):
            zh, en = "撤销的证书须有撤销日期", "a revoked certificate needs its revocation date"
            found.append(self._own(row, Column.REVOKED_ON, "cell.required", zh, en))
        if not reason:
            zh, en = "撤销的证书须有撤销原因", "a revoked certificate needs its revocation reason"
            found.append(self._own(row, Column.REVOKE_REASON, "cell.required", zh, en))
        elif len(reason) > REASON_MAX_LENGTH or any(unicodedata.category(c) == "Cc" for c in reason):
            zh = f"撤销原因超过 {REASON_MAX_LENGTH} 个字符或含控制字符"
            en = f"the revocation reason is longer than {REASON_MAX_LENGTH} characters or holds control characters"
            found.append(self._own(row, Column.REVOKE_REASON, "reason.format", zh, en))
        if revoked_on is not None and issued_on is not None and not issued_on <= revoked_on <= self._today:
            found.append(
                self._own(row, Column.REVOKED_ON, "legacy.revoked_on", "撤销日期应在发证日期与今天之间",
                          "the revocation date must fall between the issue date and today")
            )  # fmt: skip
        return revoked_on, reason
