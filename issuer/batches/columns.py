"""Which column of an uploaded table holds what: Chinese or English headers, and their common variants.

Institutions keep results in their own spreadsheets, so headers vary: ``身份证号``, ``公民身份号码``,
``证件号码``, ``ID number``, ``职业（工种）编码``, the template's two-language ``姓名\\nname`` … A header is
normalised (NFKC, lower case, spaces, punctuation and bracketed notes such as ``（必填）`` removed) and
looked up in :data:`ALIASES`; failing that, its Chinese and Latin runs are looked up separately and must
agree. Unknown columns (序号, 备注 …) are ignored and reported back.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import msgspec

from registry.labels import LabelledEnum
from registry.rules.document_shapes import redact_document_numbers
from registry.tabular import Table, TableError, display_header, header_below_title
from registry.vocab import CertificateKind


class Field(LabelledEnum):
    NAME = "name", "姓名 name"
    ID_NUMBER = "id_number", "身份证号 id_number"
    ID_TYPE = "id_type", "证件类型 id_type"
    OCCUPATION = "occupation_code", "职业编码 occupation_code"
    PROJECT = "project_code", "专项职业能力项目编码 project_code"
    LEVEL = "level", "等级 level"
    #: Optional: the batch's date is the upload form's ``assessed_on``; a file's column must agree with it.
    ASSESSED_ON = "assessed_on", "考核日期 assessed_on"
    #: Optional: a sheet exported with every candidate says who passed; only they get a certificate.
    RESULT = "result", "考核结果 result"


ALIASES: Final[dict[Field, tuple[str, ...]]] = {
    Field.NAME: ("姓名", "名字", "考生姓名", "学员姓名", "人员姓名", "持证人姓名", "name", "fullname", "holdername"),
    Field.ID_NUMBER: (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "身份证",
        "身份证件号码",
        "证件号码",
        "证件号",
        "idnumber",
        "id",
        "idno",
        "idcard",
        "idcardnumber",
        "residentid",
        "residentidnumber",
    ),
    Field.ID_TYPE: ("证件类型", "证件种类", "证件类别", "idtype", "documenttype", "doctype"),
    Field.OCCUPATION: ("职业编码", "职业代码", "工种编码", "职业工种编码", "职业工种代码", "occupationcode"),
    Field.PROJECT: (
        "专项职业能力项目编码",
        "专项职业能力考核项目编码",
        "专项职业能力编码",
        "项目编码",
        "考核项目编码",
        "项目代码",
        "projectcode",
    ),
    Field.LEVEL: (
        "等级",
        "技能等级",
        "职业技能等级",
        "级别",
        "鉴定等级",
        "认定等级",
        "申报等级",
        "level",
        "skilllevel",
    ),
    Field.ASSESSED_ON: (
        "考核日期",
        "鉴定日期",
        "考试日期",
        "评价日期",
        "认定日期",
        "考核时间",
        "鉴定时间",
        "assessedon",
        "assessmentdate",
        "examdate",
    ),
    Field.RESULT: (
        "考核结果",
        "鉴定结果",
        "认定结果",
        "评价结果",
        "考试结果",
        "成绩结果",
        "结果",
        "是否合格",
        "合格与否",
        "是否通过",
        "result",
        "passed",
        "passfail",
    ),
}
_LOOKUP: Final = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
_BRACKETS: Final = re.compile(r"\([^)]*\)|\[[^]]*\]|【[^】]*】")
_NOISE: Final = re.compile(r"[\s_\-*:：.#/|\\]+")
_RUNS: Final = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]+")
#: A header as an error message echoes it: at most this many characters (the message is logged).
_SHOWN_HEADER: Final = 40


class ColumnMap(msgspec.Struct, frozen=True):
    """Index of each field's column in the table, its header as written, and the ignored headers."""

    index: dict[Field, int]
    headers: dict[Field, str]
    ignored: tuple[str, ...]

    def cell(self, cells: tuple[str, ...], field: Field) -> str:
        """The cell of ``field`` in a row (``""`` when the field has no column or the row is short)."""
        at = self.index.get(field)
        return cells[at] if at is not None and at < len(cells) else ""

    def header(self, field: Field) -> str:
        return self.headers.get(field, field.label_zh)


def normalise_header(text: str) -> str:
    """NFKC, lower case, bracketed notes and separators removed: ``职业（工种）编码`` → ``职业编码``."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _NOISE.sub("", _BRACKETS.sub("", folded))


def shown_header(header: str) -> str:
    """A header as a logged error message lists it: a document number masked (a data row taken for the
    header would otherwise put one in the log, rule ``text``), and no longer than :data:`_SHOWN_HEADER`."""
    text = redact_document_numbers(display_header(header))
    return text if len(text) <= _SHOWN_HEADER else f"{text[: _SHOWN_HEADER - 1]}…"


def field_of(header: str) -> Field | None:
    """The field a header names, or ``None``; the Chinese and Latin parts of a mixed header must agree."""
    key = normalise_header(header)
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    found = {_LOOKUP[run] for run in _RUNS.findall(key) if run in _LOOKUP}
    return found.pop() if len(found) == 1 else None


def required_fields(kind: CertificateKind) -> tuple[Field, ...]:
    if kind.has_level:
        return (Field.NAME, Field.ID_NUMBER, Field.OCCUPATION, Field.LEVEL)
    return (Field.NAME, Field.ID_NUMBER, Field.PROJECT)


def _used_fields(kind: CertificateKind) -> frozenset[Field]:
    """Fields read for ``kind``: the level is read for special ability too, to refuse a filled one; the
    document type is optional (no column, or an empty cell: resident ID, docs/identity.md); so is the
    assessment date (no column, or an empty cell: the form's ``assessed_on``, docs/batches.md), and so is the
    result (no column, or an empty cell: the file lists who passed)."""
    return frozenset(required_fields(kind)) | {Field.LEVEL, Field.ID_TYPE, Field.ASSESSED_ON, Field.RESULT}


def map_columns(table: Table, kind: CertificateKind) -> ColumnMap:
    """Locate the fields ``kind`` needs in ``table``'s header.

    Raises :class:`TableError` ``file.no_header`` when no header is recognised, ``file.header_duplicate``
    when two columns name the same field, and ``file.header_missing`` naming each missing column.
    """
    index: dict[Field, int] = {}
    headers: dict[Field, str] = {}
    ignored: list[str] = []
    used = _used_fields(kind)
    for at, written in enumerate(table.header):
        header = display_header(written)
        field = field_of(header)
        if field is None or field not in used:
            if header:
                ignored.append(header)
            continue
        if field in index:
            raise TableError(
                "file.header_duplicate",
                f"“{headers[field]}”和“{header}”两列都表示{field.label_zh}，请只保留一列 / "
                f"columns {headers[field]!r} and {header!r} both hold {field.value}; keep one",
            )
        index[field], headers[field] = at, header
    if not index:
        raise TableError(
            "file.no_header",
            "第一行不是可识别的表头（应含 姓名、身份证号、职业编码、等级 等列） / the first non-empty row is not "
            "a recognisable header (expected columns such as name, id_number, occupation_code, level)",
            row=1,
        )
    missing = [f for f in required_fields(kind) if f not in index]
    if missing:
        names = "、".join(f.label_zh for f in missing)
        found = ", ".join(shown_header(h) for h in table.header if h.strip()) or "—"
        raise TableError(
            "file.header_missing",
            f"缺少必需的列：{names}（表头为：{found}） / missing required columns: "
            f"{', '.join(f.value for f in missing)} (the header row has: {found})",
            row=1,
        )
    return ColumnMap(index=index, headers=headers, ignored=tuple(ignored))


def _below_title(table: Table, kind: CertificateKind, no_header: TableError) -> tuple[Table, ColumnMap]:
    """The table under up to :data:`~registry.tabular.TITLE_ROWS` title rows, when its first row
    (``no_header``) names no field: the first row that does is the header (whatever is wrong with it is then
    the error)."""
    rows = iter(table.rows)
    row = header_below_title(rows, lambda cells: any(field_of(display_header(cell)) is not None for cell in cells))
    if row is None:
        raise no_header
    below = msgspec.structs.replace(table, header=row.cells, rows=tuple(rows))
    try:
        return below, map_columns(below, kind)
    except TableError as found:
        found.row = row.number
        raise


def pick_table(tables: list[Table], kind: CertificateKind) -> tuple[Table, ColumnMap]:
    """The one table (sheet) whose header is recognisable (below a title row or two); a notes sheet beside it
    is ignored.

    A sheet headed in its first row is preferred to one whose header sits under a title (a notes sheet may
    hold an example table under its own title). Raises the most telling :class:`TableError` when none is
    recognisable (one naming some columns, in the first row, then under a title, over one naming none), and
    ``file.sheets`` when several sheets hold results (a result split over sheets is easy to half-import by
    mistake), and first ``file.hidden_sheet`` when a hidden sheet does (results nobody saw, or a sheet the
    issuer cannot find by the name ``file.sheets`` gives; a hidden list of codes for drop-downs is no results
    table and harmless).
    """
    top: list[tuple[Table, ColumnMap]] = []
    titled: list[tuple[Table, ColumnMap]] = []
    errors: list[tuple[int, TableError]] = []
    for table in tables:
        try:
            top.append((table, map_columns(table, kind)))
            continue
        except TableError as exc:
            if exc.code != "file.no_header":
                errors.append((2, exc))
                continue
            no_header = exc
        try:
            titled.append(_below_title(table, kind, no_header))
        except TableError as exc:
            errors.append((0 if exc is no_header else 1, exc))
    hidden = [table.name for table, _ in (*top, *titled) if table.hidden_sheet]
    if hidden:
        sheets_are = f"sheet {hidden[0]!r} is" if len(hidden) == 1 else f"sheets {', '.join(map(repr, hidden))} are"
        raise TableError(
            "file.hidden_sheet",
            f"工作表 {'、'.join(hidden)} 被隐藏却含有成绩数据：请取消隐藏、核对后再上传，或删除该工作表 / {sheets_are} "
            "hidden but hold results; unhide and check them, or delete them, then upload again",
        )
    found = top or titled
    if len(found) > 1:
        names = "、".join(table.name for table, _ in found)
        raise TableError(
            "file.sheets",
            f"多个工作表含有成绩数据（{names}），请合并为一个 / several sheets hold results ({names}); use one",
        )
    if not found:
        assert errors  # read_tables never returns an empty list
        raise max(errors, key=lambda ranked: ranked[0])[1]  # the first of the best rank
    return found[0]
