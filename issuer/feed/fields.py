"""The national field order of the exchange feed (``docs/feed.md``): one :class:`FeedRecord` per certificate
event, written as NDJSON (keys), CSV and XLSX (columns in this order, Chinese and English header)."""

from __future__ import annotations

from typing import Final

import msgspec

#: (field, Chinese header) in the national order; CSV and XLSX columns follow it, NDJSON keys too.
NATIONAL_FIELDS: Final = (
    ("event_id", "事件编号"),
    ("event", "事件类型"),
    ("event_at", "事件时间"),
    ("certificate_number", "证书编号"),
    ("certificate_kind", "证书类别"),
    ("holder_name", "姓名"),
    ("gender", "性别"),
    ("document_type_code", "证件类型代码"),
    ("document_type", "证件类型"),
    ("document_number", "证件号码"),
    ("subject_type", "职业或项目"),
    ("subject_code", "职业（工种）或项目编码"),
    ("level", "等级"),
    ("institution_code", "评价机构代码"),
    ("authority_code", "发证机构代码"),
    ("issued_on", "发证日期"),
    ("print_serial", "印制流水码"),
    ("status", "证书状态"),
    ("reason", "原因"),
    ("superseded_by", "新证书编号"),
    ("origin", "来源"),
)


class FeedRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the feed (field order = :data:`NATIONAL_FIELDS`)."""

    event_id: int
    event: str
    event_at: str
    certificate_number: str
    certificate_kind: str
    holder_name: str
    gender: str
    document_type_code: str
    document_type: str
    document_number: str
    subject_type: str
    subject_code: str
    level: int
    institution_code: str
    authority_code: str
    issued_on: str
    print_serial: str
    status: str
    reason: str
    superseded_by: str
    origin: str

    def cells(self) -> list[str | int]:
        return [getattr(self, name) for name, _ in NATIONAL_FIELDS]


assert tuple(FeedRecord.__struct_fields__) == tuple(name for name, _ in NATIONAL_FIELDS)
