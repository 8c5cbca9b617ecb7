"""Checking one row of an imported file against every rule that can be judged from the row alone.

Pure: the :class:`RowChecker` is given the reference data of the batch (the institution's
:class:`EligibilityContext`, the occupations and projects the file names) and turns each
:class:`registry.tabular.Row` into a :class:`CheckedRow`. Duplicates are judged over all rows afterwards
(:mod:`issuer.batches.importer`). The row keeps its keyed digest and masked form; the checked document
(type and canonical number) rides along only until it is sealed in the import's transaction
(:mod:`issuer.identity.sealer`) and is never stored or shown in clear — and a number typed in another column
(an ID in the name column) is masked before it is kept or echoed in any message (rule ``text``,
docs/rules.md "Typed text").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Final

import msgspec

from issuer.batches.columns import ColumnMap, Field
from issuer.batches.problems import RowProblem, from_violation, problem
from registry.holders import NAME_MAX_LENGTH, normalise_name
from registry.identity.index import holder_digest
from registry.rules.document_shapes import document_numbers_in, redact_document_numbers
from registry.rules.documents import HolderDocument, holder_document, normalise_document_number
from registry.rules.eligibility import EligibilityContext
from registry.rules.errors import RuleError
from registry.rules.formats import check_occupation_code, normalise_occupation_code, occupation_of, parse_level
from registry.rules.freetext import text_violation
from registry.rules.messages import violation
from registry.rules.views import OccupationView, ProjectView
from registry.tabular import Row, in_scientific_notation, rounded_by_excel, without_invisibles, without_text_mark
from registry.vocab import CertificateKind

#: Stored for an ID number that is not valid: no digest of a wrong number is kept.
NO_DIGEST: Final = bytes(32)
_NAME_MARKS: Final = frozenset("·' -.")
_NO_LEVEL: Final = frozenset({"", "0", "无", "-", "—", "/", "不适用", "n/a"})
_SUBJECT_MAX: Final = 32  # batch_row.subject_code
#: The dates a 考核日期 cell is written in: 2025-06-01, 2025/6/1, 2025.6.1, 2025年6月1日, 20250601 (an XLSX date cell
#: is read as 2025-06-01; a time after it, 2025-06-01 00:00:00, is allowed).
_CELL_DATE: Final = re.compile(
    r"(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
#: The dashes an occupation code is typed with besides ``-`` (WPS and Word make en and em dashes of it; NFKC
#: already reads the full-width ones): one character each, as ``-`` is.
_DASHES: Final = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
#: An occupation code typed without its dashes (``6310103``, ``631010301`` with a trade): 1+2+2+2 (+2) digits.
_CODE_GROUPS: Final = re.compile(r"(\d)(\d{2})(\d{2})(\d{2})(\d{2})?")
#: Day 0 of Excel's serial dates (the 1900 date system, for serials past its phantom 29 February 1900).
_EXCEL_EPOCH: Final = date(1899, 12, 30)
#: A cell's text as a message echoes it: at most this many characters.
_SHOWN_VALUE: Final = 40
#: What a 考核结果 cell says for a pass, and for no pass (NFKC, no spaces, lower case); anything else is no result.
_PASSED: Final = frozenset({"合格", "通过", "已通过", "及格", "是", "pass", "passed", "yes", "y", "√", "✓", "✔"})
_NOT_PASSED: Final = frozenset(
    {
        "不合格",
        "未通过",
        "不通过",
        "不及格",
        "否",
        "缺考",
        "弃考",
        "作弊",
        "违纪",
        "fail",
        "failed",
        "no",
        "n",
        "×",
        "✗",
        "✘",
    }
)
#: How rule ``text`` messages name a column's content.
_WHAT: Final = {
    Field.NAME: ("姓名", "The name"),
    Field.OCCUPATION: ("职业编码", "The occupation code"),
    Field.PROJECT: ("项目编码", "The project code"),
    Field.LEVEL: ("等级", "The level"),
}


class CheckedRow(msgspec.Struct, kw_only=True):
    """A row as stored: normalised name, ID digest and mask, subject, level (0 for none), problems."""

    row_no: int
    holder_name: str
    holder_id_digest: bytes
    holder_id_masked: str
    subject_code: str
    level: int
    problems: list[RowProblem]
    #: Whether ID, subject and level are all valid, so the row can be compared with others for duplicates.
    comparable: bool = False
    #: The checked document, to be sealed (``None`` when the number is not valid); its ``repr`` hides the number.
    document: HolderDocument | None = None
    #: The sealed identity's id, once :func:`issuer.identity.sealer.seal_documents` stored it.
    holder_identity_id: str | None = None

    @property
    def key(self) -> tuple[bytes, str, int]:
        return (self.holder_id_digest, self.subject_code, self.level)


def subject_key(kind: CertificateKind, text: str) -> str:
    """The canonical subject code of a cell: an occupation code (NFKC, any dash read as ``-``, the 7 or 9
    digits of a code typed without dashes grouped as the code) or an upper-case project code."""
    if kind.has_level:
        code = normalise_occupation_code(text)
        if not code.isascii():  # the common cell (6-31-01-03) is neither this nor digits only: no more work
            code = code.translate(_DASHES)
        grouped = _CODE_GROUPS.fullmatch(code) if code.isdigit() else None
        return "-".join(group for group in grouped.groups() if group) if grouped else code
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


class RowChecker:
    """Checks the rows of one batch; built once, with the batch's reference data."""

    def __init__(
        self,
        *,
        kind: CertificateKind,
        assessed_on: date,
        today: date,
        secret: bytes,
        columns: ColumnMap,
        context: EligibilityContext,
        occupations: dict[str, OccupationView],
        projects: dict[str, ProjectView],
    ) -> None:
        self._kind, self._assessed_on, self._today, self._secret = kind, assessed_on, today, secret
        self._columns, self._context = columns, context
        self._occupations, self._projects = occupations, projects

    def check(self, row: Row) -> CheckedRow:
        """Every problem of ``row`` that the row alone shows (never raises for bad input)."""
        found: list[RowProblem] = []
        name = self._name(row, found)
        digest, masked, document = self._id_number(row, found)
        subject, occupation, project = self._subject(row, found)
        level = self._level(row, found)
        self._assessment_date(row, found)
        self._result(row, found)
        judged = (occupation or project) is not None and level is not None
        if judged:
            for violation in self._context.check(
                kind=self._kind,
                occupation=occupation,
                project=project,
                level=level or None,
                assessed_on=self._assessed_on,
            ):
                field = violation.field or "row"
                found.append(from_violation(violation, column=self._column_of(field), field=field))
        return CheckedRow(
            row_no=row.number,
            holder_name=name[:NAME_MAX_LENGTH],
            holder_id_digest=digest,
            holder_id_masked=masked,
            subject_code=subject[:_SUBJECT_MAX],
            level=level or 0,
            problems=[msgspec.structs.replace(p, row=row.number) for p in found],
            comparable=judged and digest != NO_DIGEST,
            document=document,
        )

    def _column_of(self, field: str) -> str:
        """The header of the cell a violation is about; "" for the form (institution, assessment date)."""
        if field in ("occupation", "project", "subject"):
            return self._columns.header(Field.OCCUPATION if self._kind.has_level else Field.PROJECT)
        if field in ("level", "id_number", "id_type", "name"):
            return self._columns.header(Field(field))
        return ""

    def _required(self, row: Row, field: Field, found: list[RowProblem]) -> str:
        """The cell's text; a document number typed in it (outside the ID column) comes back masked, with the
        problem ``text.document_number``, so no later message or stored field can repeat it."""
        text = self._columns.cell(row.cells, field)
        if not text:
            found.append(problem("cell.required", column=self._columns.header(field), field=field.value))
        elif field is not Field.ID_NUMBER and document_numbers_in(text):
            what_zh, what_en = _WHAT[field]
            typed = violation("text.document_number", rule="text", field=field.value, what_zh=what_zh, what_en=what_en)
            found.append(from_violation(typed, column=self._columns.header(field), field=field.value))
            return redact_document_numbers(text)
        return text

    def _name(self, row: Row, found: list[RowProblem]) -> str:
        before = len(found)
        raw = self._required(row, Field.NAME, found)
        name = normalise_name(raw)
        column = self._columns.header(Field.NAME)
        if raw and len(found) > before:  # a document number, masked: one problem is enough
            return name
        typed = text_violation(name, field="name", what=_WHAT[Field.NAME])
        if typed is not None:  # invisible characters, a formula start
            found.append(from_violation(typed, column=column, field="name"))
        elif raw and not name:
            found.append(problem("cell.required", column=column, field="name"))
        elif len(name) > NAME_MAX_LENGTH:
            found.append(problem("name.too_long", column=column, field="name", max=NAME_MAX_LENGTH))
        elif any(unicodedata.category(ch).startswith("N") for ch in name):
            found.append(problem("name.digits", column=column, field="name"))
        else:
            bad = sorted({ch for ch in name if ch not in _NAME_MARKS and unicodedata.category(ch)[0] not in "LM"})
            if bad:
                found.append(problem("name.characters", column=column, field="name", chars=" ".join(bad[:5])))
        return name

    def _id_number(self, row: Row, found: list[RowProblem]) -> tuple[bytes, str, HolderDocument | None]:
        raw = self._required(row, Field.ID_NUMBER, found)
        if not raw:
            return NO_DIGEST, "", None
        column = self._columns.header(Field.ID_NUMBER)
        raw = without_text_mark(without_invisibles(raw))
        if not raw:
            found.append(problem("cell.required", column=column, field=Field.ID_NUMBER.value))
            return NO_DIGEST, "", None
        if in_scientific_notation(raw):
            found.append(problem("id.scientific", column=column, field=Field.ID_NUMBER.value))
            return NO_DIGEST, "", None
        type_cell = self._columns.cell(row.cells, Field.ID_TYPE)
        try:
            document = holder_document(self._context.profile, type_cell, raw, today=self._today)
        except RuleError as exc:
            field = exc.violation.field or "id_number"
            if exc.violation.code == "id.checksum" and rounded_by_excel(normalise_document_number(raw)):
                found.append(problem("id.rounded", column=column, field=Field.ID_NUMBER.value))
            else:
                found.append(from_violation(exc.violation, column=self._column_of(field), field=field))
            return NO_DIGEST, loose_mask(raw), None
        return holder_digest(self._secret, document), document.masked, document

    def _subject(self, row: Row, found: list[RowProblem]) -> tuple[str, OccupationView | None, ProjectView | None]:
        field = Field.OCCUPATION if self._kind.has_level else Field.PROJECT
        raw = self._required(row, field, found)
        if not raw:
            return "", None, None
        code, column = subject_key(self._kind, raw), self._columns.header(field)
        if not self._kind.has_level:
            project = self._projects.get(code)
            if project is None:
                found.append(problem("project.unknown", column=column, field=field.value, rule="6", value=code))
            return code, None, project
        shape = check_occupation_code(code)
        if shape is not None:
            found.append(from_violation(shape, column=column, field=field.value))
            return code, None, None
        occupation = self._occupations.get(code) or self._occupations.get(occupation_of(code))
        if occupation is None:
            found.append(problem("occupation.unknown", column=column, field=field.value, rule="3", value=code))
        return code, occupation, None

    def _level(self, row: Row, found: list[RowProblem]) -> int | None:
        """The level (0 for a special-ability row without one), or ``None`` when it is unusable."""
        column = self._columns.header(Field.LEVEL)
        if not self._kind.has_level:
            text = self._columns.cell(row.cells, Field.LEVEL)
            if unicodedata.normalize("NFKC", text).strip().lower() in _NO_LEVEL:
                return 0
            found.append(problem("level.not_applicable", column=column, field="level", rule="1"))
            return None
        raw = self._required(row, Field.LEVEL, found)
        if not raw:
            return None
        try:
            return parse_level(raw)
        except RuleError as exc:
            found.append(from_violation(exc.violation, column=column, field="level"))
            return None

    def _assessment_date(self, row: Row, found: list[RowProblem]) -> None:
        """A 考核日期 cell, when the file has one and it is filled: a date, not after today, and the batch's
        own (the upload form's ``assessed_on``, which rules 1–6 judge every row on and the certificates
        carry). A file's column had been ignored, so a row assessed on another day was judged and certified
        on the form's date without a word (docs/batches.md, "Row checks")."""
        text = unicodedata.normalize("NFKC", self._columns.cell(row.cells, Field.ASSESSED_ON)).strip()
        if not text:
            return
        column = self._columns.header(Field.ASSESSED_ON)
        on = cell_date(text)
        serial = excel_serial_date(text) if on is None else None
        if serial is not None:
            found.append(
                problem("assessed_on.serial", column=column, field="assessed_on", value=text, date=serial.isoformat())
            )
        elif on is None:
            found.append(problem("assessed_on.format", column=column, field="assessed_on", value=shown_value(text)))
        elif on > self._today:
            found.append(problem("assessed_on.future", column=column, field="assessed_on", value=on.isoformat()))
        elif on != self._assessed_on:
            found.append(
                problem(
                    "assessed_on.other",
                    column=column,
                    field="assessed_on",
                    value=on.isoformat(),
                    batch=self._assessed_on.isoformat(),
                )
            )

    def _result(self, row: Row, found: list[RowProblem]) -> None:
        """A 考核结果 cell, when the file has one and it is filled: a pass, or the row is bad — only those who
        passed are certified (000 §1(1), 002 §4(4) "合格人员核发"). Ignored, a sheet exported with every
        candidate certified those marked 不合格 too."""
        text = self._columns.cell(row.cells, Field.RESULT)
        said = "".join(unicodedata.normalize("NFKC", text).split()).lower()
        if not said or said in _PASSED:
            return
        column = self._columns.header(Field.RESULT)
        shown = shown_value(text)
        if said in _NOT_PASSED:
            found.append(problem("result.not_passed", column=column, field=Field.RESULT.value, rule="9", value=shown))
        else:
            found.append(problem("result.unknown", column=column, field=Field.RESULT.value, value=shown))


def cell_date(text: str) -> date | None:
    """The date a 考核日期 cell names (see :data:`_CELL_DATE`), or ``None`` when it names none."""
    match = _CELL_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, compact_month, compact_day = match.groups()
    try:
        return date(int(year), int(month or compact_month), int(day or compact_day))
    except ValueError:  # 2025-02-30
        return None


def excel_serial_date(text: str) -> date | None:
    """The date Excel's serial number ``text`` stands for (a date column not formatted as dates shows
    ``45809`` for 2025-06-01), when it is one of the years a results sheet can hold (1990–2099); else None."""
    if not (text.isascii() and text.isdigit() and len(text) == 5):
        return None
    on = _EXCEL_EPOCH + timedelta(days=int(text))  # from 1900-03-01 on: Excel counts a 29 February 1900
    return on if 1990 <= on.year <= 2099 else None


def shown_value(text: str) -> str:
    """A cell as a problem's message echoes it: a document number masked (the message is kept and may be
    logged), and no longer than :data:`_SHOWN_VALUE`."""
    return redact_document_numbers(text if len(text) <= _SHOWN_VALUE else f"{text[: _SHOWN_VALUE - 1]}…")


def loose_mask(text: str) -> str:
    """A mask for a malformed ID number (so the report can show which row without storing the number)."""
    canonical = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if len(canonical) < 10:
        return "*" * min(len(canonical), 20)
    return f"{canonical[:6]}{'*' * min(len(canonical) - 10, 10)}{canonical[-4:]}"
