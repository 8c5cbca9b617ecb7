"""The downloadable results template (``GET /v1/batches/template.xlsx``). Pure: bytes out.

One sheet for the results, headed in Chinese and English (``姓名`` over ``name`` in one cell, which the
importer reads as either), the ID column formatted as text so Excel keeps all 18 digits (a number loses
the last three), and a notes sheet the importer ignores.
"""

from __future__ import annotations

import io
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from issuer.batches.columns import Field, required_fields
from registry.vocab import KIND_LABELS_ZH, CertificateKind

TEXT_ROWS: Final = 5000  # rows pre-formatted as text below the header
_HEADERS: Final = {
    Field.NAME: ("姓名", "name", 12),
    Field.ID_NUMBER: ("身份证号", "id_number", 22),
    Field.ID_TYPE: ("证件类型", "id_type", 16),
    Field.OCCUPATION: ("职业编码", "occupation_code", 18),
    Field.PROJECT: ("专项职业能力项目编码", "project_code", 22),
    Field.LEVEL: ("等级", "level", 10),
}
_NOTES: Final = {
    Field.NAME: ("与身份证一致；不得含数字", "As on the ID card; no digits", "张三"),
    Field.ID_NUMBER: (
        "18位公民身份号码，本列为文本格式，请勿改为数字",
        "18-character resident ID number; the column is text: do not turn it into a number",
        "430102199003071234",
    ),
    Field.ID_TYPE: (
        "可不填（默认居民身份证）；或填 港澳居民来往内地通行证、台湾居民来往大陆通行证、"
        "港澳台居民居住证、护照、外国人永久居留身份证",
        "Optional (empty: resident ID card); or hk_macao_permit, taiwan_permit, residence_permit, passport, "
        "foreign_permanent_resident",
        "居民身份证",
    ),
    Field.OCCUPATION: (
        "职业分类大典编码，如 6-31-01-03，须在本机构备案范围内",
        "Occupation code of the national classification, within the institution's filed scope",
        "6-31-01-03",
    ),
    Field.PROJECT: ("本省专项职业能力考核项目编码", "Code of the province's special-ability project", "HN01"),
    Field.LEVEL: ("1–5 或 三级、高级工 等", "1 to 5, or a name such as 三级 / 高级工", "三级"),
}


def template_fields(kind: CertificateKind) -> tuple[Field, ...]:
    """The required fields, with the optional document type after the document number."""
    fields = list(required_fields(kind))
    fields.insert(fields.index(Field.ID_NUMBER) + 1, Field.ID_TYPE)
    return tuple(fields)


def build_template(kind: CertificateKind) -> bytes:
    """The XLSX template for ``kind`` (the importer reads it back with no bad row)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "成绩 results"
    fields = template_fields(kind)
    for column, field in enumerate(fields, start=1):
        zh, en, width = _HEADERS[field]
        cell = sheet.cell(row=1, column=column, value=f"{zh}\n{en}")
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = width
        if field in (Field.ID_NUMBER, Field.ID_TYPE):
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, TEXT_ROWS + 2):
                sheet.cell(row=row, column=column).number_format = "@"
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"
    _notes(workbook, kind, fields)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _notes(workbook: Workbook, kind: CertificateKind, fields: tuple[Field, ...]) -> None:
    notes = workbook.create_sheet("填写说明 notes")
    notes.append(["说明 / notes"])
    notes.append([f"证书类别：{KIND_LABELS_ZH[kind]}（{kind.value}）。每行一人；表头请勿修改。"])
    notes.append(["One person per row; keep the header row. CSV (UTF-8 or GB18030) with the same headers works too."])
    notes.append(["不得使用公式；单个文件最多 100,000 行、20 MB。/ No formulas; at most 100,000 rows and 20 MB."])
    notes.append([])
    notes.append(["列 column", "说明", "notes", "示例 example"])
    for field in fields:
        zh, en, _ = _HEADERS[field]
        note_zh, note_en, example = _NOTES[field]
        notes.append([f"{zh} {en}", note_zh, note_en, example])
    for letter, width in (("A", 30), ("B", 44), ("C", 60), ("D", 22)):
        notes.column_dimensions[letter].width = width
