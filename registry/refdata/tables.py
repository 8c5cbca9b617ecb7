"""The reference-data tables a file may hold, their columns, and how a table in a file is recognised.

A CSV holds one table, recognised by its header (or named with ``--table``); an XLSX holds one table per
sheet and a JSON file one list per key, both named by the table's name (English or Chinese).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import msgspec

from registry.errors import LoadError, Problem
from registry.refdata import columns as c
from registry.refdata.rows import ROW_CHECKS
from registry.tabular import Table
from registry.vocab import (
    AuthorityLevel,
    CertificateKind,
    FilingStatus,
    InstitutionKind,
    InstitutionOwner,
    ProjectStatus,
    SubjectType,
)


class Column(msgspec.Struct, frozen=True):
    field: str
    parse: c.Parser
    required: bool = True  # must appear in the header
    aliases: tuple[str, ...] = ()


class TableSpec(msgspec.Struct, frozen=True):
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]

    def header_index(self, header: Sequence[str]) -> dict[str, int]:
        """Column positions by field; raises :class:`LoadError` naming a missing required column."""
        normalised = [h.strip().lower().replace(" ", "_") for h in header]
        found: dict[str, int] = {}
        for column in self.columns:
            for name in (column.field, *column.aliases):
                if name in normalised:
                    found[column.field] = normalised.index(name)
                    break
            else:
                if column.required:
                    raise LoadError(_missing(self.name, column))
        return found


def _missing(table: str, column: Column) -> str:
    """The refusal of a header without ``column``, naming it as a Chinese header may write it too (the Chinese
    header is what a file of the province's catalogue has; a message naming only ``code`` left it to guess)."""
    chinese = next((alias for alias in column.aliases if not alias.isascii()), None)
    if chinese is None:
        return f"表 {table} 缺少列 {column.field} / table {table} lacks column {column.field}"
    return f"表 {table} 缺少列 {chinese}（{column.field}）/ table {table} lacks column {column.field} ({chinese})"


SPECS: Final = (
    TableSpec(
        "regions",
        ("region", "行政区划"),
        (
            Column("code", c.region_code, aliases=("代码",)),
            Column("name", c.text(64), aliases=("名称",)),
            Column("parent_code", c.optional_region_code, required=False, aliases=("上级代码",)),
        ),
    ),
    TableSpec(
        "authorities",
        ("authority", "鉴定中心"),
        (
            Column("code", c.code, aliases=("代码",)),
            Column("name", c.text(128), aliases=("名称",)),
            Column("level", c.enum(AuthorityLevel), aliases=("层级",)),
            Column("region_code", c.region_code, aliases=("行政区划代码",)),
        ),
    ),
    TableSpec(
        "occupations",
        ("occupation", "职业"),
        (
            Column("code", c.occupation_code, aliases=("职业编码",)),
            Column("name", c.text(128), aliases=("职业名称",)),
            Column("trade", c.optional_text(128), required=False, aliases=("工种",)),
            Column("in_qualification_catalogue", c.boolean, aliases=("国家职业资格目录",)),
            Column("access_type", c.boolean, aliases=("准入类",)),
            Column("levels", c.levels, aliases=("等级",)),
            Column("valid_from", c.iso_date, aliases=("生效日期",)),
            Column("valid_to", c.optional_date, required=False, aliases=("失效日期",)),
        ),
    ),
    TableSpec(
        "projects",
        ("project", "ability_projects", "专项职业能力项目"),
        (
            Column("code", c.code, aliases=("项目编码",)),
            Column("name", c.text(128), aliases=("项目名称",)),
            Column("status", c.enum(ProjectStatus), aliases=("状态",)),
            Column("published_on", c.iso_date, aliases=("发布日期",)),
            Column("pilot_ends", c.optional_date, required=False, aliases=("试点截止",)),
            Column("withdrawn_on", c.optional_date, required=False, aliases=("撤销日期",)),
            Column("active_from", c.optional_date, required=False, aliases=("正式推广日期", "转正日期")),
        ),
    ),
    TableSpec(
        "institutions",
        ("institution", "机构"),
        (
            Column("code", c.code, aliases=("机构编码",)),
            Column("name", c.text(128), aliases=("机构名称",)),
            Column("kind", c.enum(InstitutionKind), aliases=("类型",)),
            Column("owner", c.optional_enum(InstitutionOwner), required=False, aliases=("隶属",)),
            Column("uscc", c.uscc, aliases=("统一社会信用代码",)),
            Column("region_code", c.region_code, aliases=("行政区划代码",)),
            Column("filing_authority_code", c.code, aliases=("备案机关",)),
            Column("address", c.optional_text(256), required=False, aliases=("地址",)),
            Column("person_in_charge", c.optional_text(64), required=False, aliases=("负责人",)),
        ),
    ),
    TableSpec(
        "filings",
        ("filing", "备案"),
        (
            Column("institution_code", c.code, aliases=("机构编码",)),
            Column("reference", c.text(64), aliases=("备案文号",)),
            Column("filed_by", c.code, aliases=("备案机关",)),
            Column("valid_from", c.iso_date, aliases=("有效期起",)),
            Column("valid_to", c.iso_date, aliases=("有效期止",)),
            Column("subject_type", c.enum(SubjectType), aliases=("范围类型",)),
            Column("subject_code", c.code, aliases=("职业或项目编码",)),
            Column("levels", c.optional_levels, required=False, aliases=("等级",)),
            Column("kinds", c.optional_kinds, required=False, aliases=("证书类别", "证书种类", "certificate_kinds")),
            Column("consent_on", c.optional_date, required=False, aliases=("省中心同意日期", "同意日期")),
            Column("pilot", c.optional_boolean, required=False, aliases=("试点", "试点备案")),
        ),
    ),
    TableSpec(
        "filing_status",
        ("filing_statuses", "备案状态"),
        (
            Column("institution_code", c.code, aliases=("机构编码",)),
            Column("reference", c.text(64), aliases=("备案文号",)),
            Column("status", c.enum(FilingStatus), aliases=("状态",)),
            Column("effective_on", c.iso_date, aliases=("生效日期",)),
            Column("reason", c.optional_text(500), required=False, aliases=("原因",)),
            Column("subject_code", c.optional_code, required=False, aliases=("职业或项目编码",)),
            Column("levels", c.optional_levels, required=False, aliases=("等级",)),
            Column("kind", c.optional_enum(CertificateKind), required=False, aliases=("证书类别",)),
        ),
    ),
)
SPEC_BY_NAME: Final = {name: spec for spec in SPECS for name in (spec.name, *spec.aliases)}


def spec_for(table: Table, forced: str | None = None) -> TableSpec:
    """The spec of ``table``: by ``forced`` name, sheet name, or (CSV) the best-matching header."""
    for name in (forced, table.name.strip().lower() if table.name else None):
        if name:
            spec = SPEC_BY_NAME.get(name)
            if spec is None:
                known = ", ".join(s.name for s in SPECS)
                raise LoadError(f"未知的表 {name} / unknown table {name!r}; known tables: {known}")
            return spec
    header = {h.strip().lower().replace(" ", "_") for h in table.header}
    matches = [spec for spec in SPECS if _fits(spec, header)]
    # the most specific table wins: every table's header contains "code" and "name" of regions
    matches.sort(key=lambda spec: -sum(column.required for column in spec.columns))
    required = [sum(column.required for column in spec.columns) for spec in matches]
    if not matches or (len(matches) > 1 and required[0] == required[1]):
        raise LoadError(
            "无法从表头判断是哪张表，请用 --table 指定 / cannot tell the table from the header; "
            f"give --table (one of {', '.join(s.name for s in SPECS)})"
        )
    return matches[0]


def _fits(spec: TableSpec, header: set[str]) -> bool:
    return all(any(n in header for n in (col.field, *col.aliases)) for col in spec.columns if col.required)


def parse_rows(spec: TableSpec, table: Table, problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    """Typed rows of ``table``; each bad cell is added to ``problems`` (and its row left out)."""
    index = spec.header_index(table.header)
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row in table.rows:
        record: dict[str, Any] = {}
        ok = True
        for column in spec.columns:
            position = index.get(column.field)
            raw = row.cells[position] if position is not None and position < len(row.cells) else ""
            try:
                record[column.field] = column.parse(raw)
            except c.CellError as exc:
                problems.append(
                    Problem(table=spec.name, row=row.number, field=column.field, code=exc.code, message=str(exc))
                )
                ok = False
        if ok:
            found = ROW_CHECKS[spec.name](record) if spec.name in ROW_CHECKS else []
            for field, code, message in found:
                problems.append(Problem(table=spec.name, row=row.number, field=field, code=code, message=message))
            if not found:
                parsed.append((row.number, record))
    return parsed
