"""Legacy files for the tests and the bench: certificates numbered under the national layouts."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from registry.rules.numbering import format_number
from registry.rules.parts import NumberParts
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import CITY, ELECTRICIAN, SKILL_INSTITUTION, STATION, WELDER
from tests.factories.world import resident_id

HEADER = (
    "证书编号", "证书类别", "姓名", "证件类型", "证件号码", "职业编码", "等级", "机构编码", "发证机构", "发证日期",
    "印制流水码", "状态", "撤销日期", "撤销原因",
)  # fmt: skip


def _number(kind: CertificateKind, institution: str, *, sequence: int, year: int, level: int) -> str:
    """A number of ``kind`` for ``institution`` in the factories' city, by the Hunan rule (the national layout)."""
    parts = NumberParts(
        kind=kind, institution_code=institution, region_code=CITY, year=year, level=level, sequence=sequence
    )
    return format_number(HUNAN.rule_for(kind), parts)


def skill_number(sequence: int, *, year: int = 2021, level: int = 3) -> str:
    """A 22-character skill-level number of the factories' institution (the national layout)."""
    return _number(CertificateKind.SKILL_LEVEL, SKILL_INSTITUTION, sequence=sequence, year=year, level=level)


def qualification_number(sequence: int, *, year: int = 2015, level: int = 3) -> str:
    """A 16-digit qualification number of the factories' station."""
    return _number(CertificateKind.QUALIFICATION, STATION, sequence=sequence, year=year, level=level)


def skill_rows(count: int, *, start: int = 1, issued_on: date = date(2021, 7, 1)) -> list[list[str]]:
    """``count`` valid skill-level certificates with distinct holders (resident IDs)."""
    return [
        [skill_number(n), "职业技能等级证书", f"学员{n:07d}", "", resident_id(n), ELECTRICIAN, "3", SKILL_INSTITUTION,
         "湖南省职业技能鉴定中心", issued_on.isoformat(), "", "有效", "", ""]
        for n in range(start, start + count)
    ]  # fmt: skip


def mixed_rows() -> list[list[str]]:
    """A skill-level certificate, a revoked qualification held by a passport holder with its print serial,
    and a skill-level certificate of a Hong Kong resident."""
    return [
        skill_rows(1)[0],
        [qualification_number(7), "职业资格证书", "John Smith", "护照", "E12345678", WELDER, "三级", STATION,
         "长沙市职业技能鉴定中心", "2015-03-02", "OSTA20150001", "撤销", "2018-05-04", "考试作弊 / cheating"],
        [skill_number(9), "skill_level", "陈大文", "回乡证", "H12345678", ELECTRICIAN, "3", SKILL_INSTITUTION,
         "", "2021-07-01", "", "", "", ""],
    ]  # fmt: skip


def csv_bytes(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()
