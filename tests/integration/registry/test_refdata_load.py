"""Loading reference data: the shipped files load, re-loading changes nothing, a bad file loads nothing."""

from __future__ import annotations

import io
from importlib.resources import files

import openpyxl
import pytest
from sqlalchemy import func, select

from registry.audit.run import run_audit
from registry.db import Database
from registry.errors import LoadError
from registry.events import LogEntry, decode_entry
from registry.models import Event, Filing, FilingScope, FilingStatusChange, Institution, Occupation, Region
from registry.refdata import load_reference_file
from registry.rules.profiles import HUNAN, SICHUAN
from tests.integration.registry.refworld import SCHOOL, STATION, WORLD, as_json, changed, world
from tests.integration.registry.test_rule_views import sichuan_world


def shipped(name: str) -> bytes:
    return (files("registry.data") / name).read_bytes()


async def count(database: Database, model: type) -> int:
    async with database.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def load_demo(database: Database) -> None:
    for name in ("regions_hunan.csv", "regions_sichuan.csv", "demo_hunan.json"):
        await load_reference_file(database, shipped(name), name)


async def test_shipped_data_loads_and_reloading_changes_nothing(database: Database) -> None:
    await load_demo(database)
    assert await count(database, Region) == 137 + 205
    assert await count(database, Institution) == 19
    events = await count(database, Event)
    assert events == 19 + 6  # one per filing created, one per status change
    report = await load_reference_file(database, shipped("demo_hunan.json"), "demo_hunan.json")
    assert report.added == {}
    assert report.changed == {}
    assert report.unchanged["filings"] == 19
    assert await count(database, Event) == events
    async with database.reader() as session:
        statuses = (
            await session.scalars(
                select(FilingStatusChange.status)
                .join(Filing, Filing.id == FilingStatusChange.filing_id)
                .where(Filing.institution_code == "43012002")
                .order_by(FilingStatusChange.effective_on)
            )
        ).all()
    assert statuses == ["active", "suspended"]


REGIONS_CSV = "code,name,parent_code\n430000,湖南省,\n430100,长沙市,430000\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_csv_encodings(database: Database, encoding: str) -> None:
    await load_reference_file(database, REGIONS_CSV.encode(encoding), "regions.csv")
    assert await count(database, Region) == 2


def regions_book(*rows: list[str | None]) -> openpyxl.Workbook:
    """A workbook whose first sheet is the regions table: its header, then ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "regions"
    for row in (["code", "name", "parent_code"], *rows):
        sheet.append(row)
    return book


async def test_xlsx_with_one_sheet_per_table(database: Database) -> None:
    book = regions_book(["430000", "湖南省", None], ["430100", "长沙市", "430000"])
    occupations = book.create_sheet("职业")
    occupations.append(["职业编码", "职业名称", "国家职业资格目录", "准入类", "等级", "生效日期"])
    occupations.append(["6-31-01-03", "电工", "否", "否", "12345", "2015-07-29"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = await load_reference_file(database, buffer.getvalue(), "ref.xlsx")
    assert report.added == {"regions": 2, "occupations": 1}
    async with database.reader() as session:
        occupation = await session.get(Occupation, "6-31-01-03")
    assert occupation is not None
    assert (occupation.levels, occupation.in_qualification_catalogue) == ("12345", False)


#: The header line of each catalogue's CSV file.
HEADERS = {
    "regions": "code,name,parent_code",
    "occupations": "code,name,in_qualification_catalogue,access_type,levels,valid_from,valid_to",
    "projects": "code,name,status,published_on,pilot_ends,withdrawn_on",
}


def csv_file(table: str, *rows: str) -> tuple[str, str]:
    """(file name, text) of a CSV file of ``table``: its header, then ``rows``, each line ending in a newline."""
    return f"{table}.csv", "".join(f"{line}\n" for line in (HEADERS[table], *rows))


BAD_CASES = [
    (*csv_file("regions", "4300,湖南省,"), "region.format", 2),
    (*csv_file("regions", "430100,长沙市,430000"), "reference.unknown", 2),
    (*csv_file("regions", "430000,a,", "430000,b,"), "row.duplicate", 3),
    (*csv_file("occupations", "6-31-01,x,no,no,123,2015-01-01,"), "occupation.format", 2),
    (*csv_file("occupations", "6-31-01-03,x,maybe,no,67,15/01/2015,"), "value.boolean", 2),
]


@pytest.mark.parametrize(("name", "data", "code", "row"), BAD_CASES)
async def test_a_bad_row_is_reported_and_nothing_is_loaded(
    database: Database, name: str, data: str, code: str, row: int
) -> None:
    good = "code,name,parent_code\n510000,四川省,\n".encode()
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, data.encode(), name)
    problem = next(p for p in info.value.problems if p.code == code)
    assert problem.row == row
    assert await count(database, Region) == 0
    assert await count(database, Occupation) == 0
    await load_reference_file(database, good, "regions.csv")  # the database is still usable
    assert await count(database, Region) == 1


async def test_a_file_with_good_and_bad_rows_loads_nothing(database: Database) -> None:
    data = "code,name,parent_code\n430000,湖南省,\n430100,长沙市,430000\n431100,永州市,439900\n".encode()
    with pytest.raises(LoadError, match="1 problems, nothing loaded") as info:
        await load_reference_file(database, data, "regions.csv")
    assert [(p.row, p.field, p.code) for p in info.value.problems] == [(4, "parent_code", "reference.unknown")]
    assert await count(database, Region) == 0


async def test_a_filing_is_never_changed_in_place(database: Database) -> None:
    await load_demo(database)
    changed = shipped("demo_hunan.json").replace(b'"2027-05-31"', b'"2027-04-30"')
    with pytest.raises(LoadError, match=r"filing\.changed"):
        await load_reference_file(database, changed, "demo_hunan.json")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "regions.csv", "empty"),
        (b"\x00\x01\x02binary", "regions.csv", "binary"),
        (b"a,b\n1,2\n", "x.csv", "--table"),
        (b"[1, 2]", "x.json", "JSON must be an object"),
        (b"{not json", "x.json", "malformed JSON"),
        (b'{"planets": [{"code": "x"}]}', "x.json", "unknown table"),
        (b"code,name\n430000,x\n", "x.csv", "lacks column"),
        (b'code,name,parent_code\n430000,"unterminated\n430100,x,\n', "regions.csv", "line 2: malformed CSV"),
        (b'code,name,parent_code\n430000,a,\n430100,"x"y,430000\n', "regions.csv", "line 3: malformed CSV"),
        (b'code,name,parent_code\n430000,"a\nb",\n4301,"x\n', "regions.csv", "line 4: malformed CSV"),
        (b'{"regions": [{"code": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}", "x.json", "nested too deeply"),
        (b"[" * 100_000, "x.json", "nested too deeply"),
    ],
)
async def test_unusable_files_are_refused_clearly(database: Database, data: bytes, name: str, message: str) -> None:
    table = "occupations" if message == "lacks column" else None
    with pytest.raises(LoadError, match=message):
        await load_reference_file(database, data, name, table=table)


async def test_a_missing_column_is_named_as_the_header_may_write_it(database: Database) -> None:
    """``代码,名称`` under ``--table occupations`` said only "lacks column code": the Chinese header it wants is
    职业编码, which the message now names."""
    with pytest.raises(LoadError) as refused:
        await load_reference_file(database, "代码,名称\n6-31-01-03,电工\n".encode(), "x.csv", table="occupations")
    assert str(refused.value) == (
        "表 occupations 缺少列 职业编码（code）/ table occupations lacks column code (职业编码)"
    )


# Rule 2: a filing's window may not outlast the validity a document sets, where one does.


@pytest.mark.parametrize(
    ("index", "valid_to", "loads"),
    [
        (0, "2026-12-31", True),  # a station: three years
        (0, "2025-06-30", True),  # shorter is allowed
        (0, "2027-01-01", False),
        (0, "2034-12-31", False),
        (1, "2026-12-31", True),  # a technical school's skill-level pilot filing: one year
        (1, "2027-01-01", False),
    ],
)
async def test_a_filing_window_longer_than_the_profile_allows_is_refused(
    database: Database, index: int, valid_to: str, loads: bool
) -> None:
    data = as_json(changed("filings", index, valid_to=valid_to))
    if loads:
        await load_reference_file(database, data, "world.json")
        assert await count(database, Filing) == 2
        return
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, data, "world.json")
    assert [(p.table, p.row, p.field, p.code) for p in info.value.problems] == [
        ("filings", index + 1, "valid_to", "filing.too_long")
    ]
    years = 3 if index == 0 else 1
    assert f"at most {years} years" in str(info.value)
    assert "(rule 2)" in str(info.value)
    assert "规则 2" in str(info.value)
    assert await count(database, Filing) == 0


async def test_a_schools_filing_other_than_its_pilot_is_not_capped(database: Database) -> None:
    """Issue 11: the one-year cap is the skill-level *pilot* filing's (002:45), not every filing a school holds."""
    data = as_json(changed("filings", 1, pilot=False, valid_to="2030-12-31"))
    await load_reference_file(database, data, "world.json")
    async with database.reader() as session:
        school = (await session.scalars(select(Filing).where(Filing.institution_code == SCHOOL))).one()
    assert (school.pilot, school.valid_to.isoformat()) == (False, "2030-12-31")
    with pytest.raises(LoadError, match=r"filing\.too_long"):  # the same window as a pilot filing is refused
        await load_reference_file(database, as_json(changed("filings", 1, valid_to="2030-12-31")), "pilot.json")


async def test_an_industry_station_has_no_cap_in_hunan(database: Database) -> None:
    """000:20: an industry station's window is set by its approving department, not by the province."""
    industry = changed("filings", 0, valid_to="2034-12-31")
    industry["institutions"][0]["owner"] = "industry"
    await load_reference_file(database, as_json(industry), "industry.json")
    assert await count(database, Filing) == 2


async def test_a_sichuan_filing_has_no_validity_cap(database: Database) -> None:
    """004 sets no validity period: a Sichuan station filed for ten years loads; Hunan caps a station at three."""
    await load_reference_file(database, shipped("regions_sichuan.csv"), "regions_sichuan.csv")
    data = sichuan_world("510700", "510700", kind="station", valid_to="2033-12-31")
    with pytest.raises(LoadError, match=r"filing\.too_long"):
        await load_reference_file(database, data, "sichuan.json", profile=HUNAN)
    await load_reference_file(database, data, "sichuan.json", profile=SICHUAN)
    async with database.reader() as session:
        filing = (await session.scalars(select(Filing))).one()
    assert filing.valid_to.isoformat() == "2033-12-31"


async def test_a_filing_window_is_judged_by_the_kind_already_in_the_registry(database: Database) -> None:
    await load_reference_file(database, as_json(world(filings=[], filing_status=[])), "world.json")
    filing = dict(WORLD["filings"][1], valid_to="2027-12-31")  # the school, already in the registry
    with pytest.raises(LoadError, match=r"filing\.too_long"):
        await load_reference_file(database, as_json({"filings": [filing]}), "filings.json")


# Rule 2: a filing's status history must be one that can happen.


def status(state: str, day: str, reference: str = "长人社鉴备〔2024〕1号") -> dict[str, str]:
    return {"institution_code": STATION, "reference": reference, "status": state, "effective_on": day}


@pytest.mark.parametrize(
    ("rows", "row", "code"),
    [
        ([status("revoked", "2025-01-01"), status("active", "2025-03-01")], 2, "filing.status_final"),
        ([status("active", "2025-01-01"), status("withdrawn", "2025-01-01")], None, None),
        ([status("withdrawn", "2025-01-01"), status("active", "2025-01-01")], 2, "filing.status_final"),
        ([status("expired", "2026-06-30"), status("suspended", "2026-07-01")], 2, "filing.status_final"),
        ([status("suspended", "2023-12-31")], 1, "filing.status_outside_window"),
        ([status("suspended", "2027-01-01")], 1, "filing.status_outside_window"),
        ([status("expired", "2027-01-01")], None, None),  # the day after the last day
        ([status("expired", "2027-01-02")], 1, "filing.status_outside_window"),
        ([status("suspended", "2025-01-01"), status("active", "2025-02-01")], None, None),
    ],
)
async def test_a_status_history_that_cannot_happen_is_refused(
    database: Database, rows: list[dict[str, str]], row: int | None, code: str | None
) -> None:
    data = as_json(world(filing_status=rows))
    if code is None:
        await load_reference_file(database, data, "world.json")
        assert await count(database, FilingStatusChange) == 2 + len(rows)
        return
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, data, "world.json")
    assert [(p.table, p.row, p.code) for p in info.value.problems] == [("filing_status", row, code)]
    assert "(rule 2)" in str(info.value)
    assert await count(database, Filing) == 0


async def test_a_revoked_filing_cannot_be_set_back_to_active_by_a_later_file(database: Database) -> None:
    await load_reference_file(database, as_json(world(filing_status=[status("revoked", "2025-01-01")])), "a.json")
    events = await count(database, Event)
    later = {"filing_status": [status("revoked", "2025-01-01"), status("active", "2025-06-01")]}
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, as_json(later), "b.json")
    assert [(p.row, p.code) for p in info.value.problems] == [(2, "filing.status_final")]
    assert "became revoked on 2025-01-01" in str(info.value)
    assert await count(database, FilingStatusChange) == 2 + 1
    assert await count(database, Event) == events


async def test_a_final_status_cannot_be_slipped_in_before_recorded_changes(database: Database) -> None:
    restored = [status("suspended", "2025-01-01"), status("active", "2025-03-01")]
    await load_reference_file(database, as_json(world(filing_status=restored)), "a.json")
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, as_json({"filing_status": [status("revoked", "2025-02-01")]}), "b.json")
    assert [(p.row, p.code) for p in info.value.problems] == [(1, "filing.status_final")]


# A catalogue row changed in place leaves its old values in the log.


async def logged(database: Database, kind: str) -> list[LogEntry]:
    async with database.reader() as session:
        rows = (await session.scalars(select(Event.data).where(Event.kind == kind).order_by(Event.idx))).all()
    return [decode_entry(data) for data in rows]


async def test_a_catalogue_row_changed_in_place_is_an_event_with_old_and_new_values(database: Database) -> None:
    await load_reference_file(database, as_json(WORLD), "world.json")
    assert await logged(database, "reference.changed") == []
    document = changed("occupations", 0, name="电工（新）", valid_to="2030-12-31")
    document["institutions"][0]["address"] = "长沙市芙蓉区示例路 1 号"
    report = await load_reference_file(database, as_json(document), "world.json", actor="cli:test")
    assert report.changed == {"occupations": 1, "institutions": 1}
    entries = await logged(database, "reference.changed")
    assert [(e.subject, e.actor) for e in entries] == [
        ("occupations:6-31-01-03", "cli:test"),
        (f"institutions:{STATION}", "cli:test"),
    ]
    assert entries[0].details == {
        "table": "occupations",
        "code": "6-31-01-03",
        "fields": "name,valid_to",
        "old.name": "电工",
        "new.name": "电工（新）",
        "old.valid_to": None,
        "new.valid_to": "2030-12-31",
    }
    assert entries[1].details["fields"] == "address"
    assert (entries[1].details["old.address"], entries[1].details["new.address"]) == ("", "长沙市芙蓉区示例路 1 号")
    events = await count(database, Event)
    await load_reference_file(database, as_json(document), "world.json")  # the same again: nothing changes
    assert await count(database, Event) == events
    report_of_audit = await run_audit(database, "test.origin")
    assert report_of_audit.clean, report_of_audit.discrepancies


# Cells: the optional owner may be blank or absent; dates and regions by the domain's validators;
# a blank yes/no is an error; rows whose dates or status disagree are reported.


INSTITUTIONS_CSV = (
    "code,name,kind,uscc,region_code,filing_authority_code\n"
    "43012001,长沙市第一职业技能鉴定所,station,12430102445000011T,430102,430100\n"
)


@pytest.mark.parametrize(
    "data",
    [
        INSTITUTIONS_CSV,
        INSTITUTIONS_CSV.replace("code,name,kind,", "code,name,kind,owner,").replace(",station,", ",station,,"),
    ],
    ids=["no-owner-column", "blank-owner"],
)
async def test_the_optional_owner_column_may_be_absent_or_blank(database: Database, data: str) -> None:
    await load_reference_file(database, as_json(world(institutions=[], filings=[])), "world.json")
    report = await load_reference_file(database, data.encode(), "institutions.csv")
    assert report.added == {"institutions": 1}
    async with database.reader() as session:
        institution = await session.get(Institution, STATION)
    assert institution is not None
    assert institution.owner == "local"


CELL_CASES = [
    (*csv_file("regions", "999999,无此省,"), "region.format", "code"),
    (*csv_file("regions", "430000,湖南省,", "431100,x,990000"), "region.format", "parent_code"),
    (*csv_file("occupations", "6-31-01-03,电工,no,no,12345,2020-W01-1,"), "date.format", "valid_from"),
    (*csv_file("occupations", "6-31-01-03,电工,no,no,12345,20200101,"), "date.format", "valid_from"),
    (*csv_file("occupations", "6-31-01-03,电工,no,,12345,2020-01-01,"), "value.required", "access_type"),
    (*csv_file("occupations", "6-31-01-03,电工,no,no,12345,2020-01-01,2019-12-31"), "date.order", "valid_to"),
    (*csv_file("projects", "HN01,湘绣,pilot,2022-03-01,2022-02-28,"), "date.order", "pilot_ends"),
    (*csv_file("projects", "HN01,湘绣,withdrawn,2022-03-01,,2022-01-01"), "date.order", "withdrawn_on"),
    (*csv_file("projects", "HN01,湘绣,active,2022-03-01,,2023-01-01"), "project.status_inconsistent", "withdrawn_on"),
]


@pytest.mark.parametrize(("name", "data", "code", "field"), CELL_CASES)
async def test_a_bad_cell_or_row_is_reported_with_its_row_and_field(
    database: Database, name: str, data: str, code: str, field: str
) -> None:
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, data.encode(), name)
    assert [(p.row, p.field, p.code) for p in info.value.problems] == [(data.count("\n"), field, code)]
    assert await count(database, Region) == 0


# One bad row per table, in a JSON file (rows numbered from 1) and in an XLSX (header is row 1).


def _filing(**fields: str) -> dict[str, list[dict[str, object]]]:
    return changed("filings", 0, **fields)


_STATUS = {"institution_code": STATION, "reference": "长人社鉴备〔2024〕1号", "status": "suspended",
           "effective_on": "2025-01-01"}  # fmt: skip

JSON_BAD_ROWS = [
    (_filing(valid_from="2026-01-01", valid_to="2025-12-31"), "filings", 1, "valid_to", "date.order"),
    (_filing(levels=""), "filings", 1, "levels", "scope.levels_required"),
    (
        _filing(subject_type="project", subject_code="HN01", levels="3"),
        "filings",
        1,
        "levels",
        "scope.levels_not_allowed",
    ),
    (_filing(subject_code="9-99-99-99"), "filings", 1, "subject_code", "reference.unknown"),
    (_filing(filed_by="439900"), "filings", 1, "filed_by", "reference.unknown"),
    (
        world(
            filings=[
                *WORLD["filings"],
                dict(
                    WORLD["filings"][0],
                    subject_code="HN01",
                    subject_type="project",
                    levels="",
                    kinds=None,
                    valid_to="2026-06-30",
                ),
            ]
        ),
        "filings",
        3,
        "reference",
        "filing.inconsistent",
    ),
    (
        world(
            filing_status=[
                {
                    "institution_code": STATION,
                    "reference": "无此文号",
                    "status": "suspended",
                    "effective_on": "2025-01-01",
                }
            ]
        ),
        "filing_status",
        1,
        "reference",
        "reference.unknown",
    ),
    (
        {**changed("institutions", 0, uscc="12430102445000011X"), "filings": []},
        "institutions",
        1,
        "uscc",
        "uscc.checksum",
    ),
    ({**changed("institutions", 0, kind="university"), "filings": []}, "institutions", 1, "kind", "value.choice"),
    (
        changed("projects", 0, status="active", withdrawn_on="2023-01-01"),
        "projects",
        1,
        "withdrawn_on",
        "project.status_inconsistent",
    ),
    (changed("authorities", 0, level="county"), "authorities", 1, "level", "value.choice"),
    # Rule 1: an occupation row names the certificate kinds it allows; they must fit its subject.
    (_filing(kinds=""), "filings", 1, "kinds", "scope.kinds_required"),
    (_filing(kinds="diploma"), "filings", 1, "kinds", "kind.choice"),
    (_filing(kinds="special_ability"), "filings", 1, "kinds", "scope.kind_subject"),
    (
        _filing(subject_type="project", subject_code="HN01", levels="", kinds="", consent_on="2024-01-01"),
        "filings",
        1,
        "consent_on",
        "scope.consent_not_applicable",
    ),
    # Rule 2: only a suspension (or its lifting) names part of a filing, and a part the filing covers.
    (
        world(filing_status=[{**_STATUS, "status": "revoked", "subject_code": "6-31-01-03"}]),
        "filing_status",
        1,
        "subject_code",
        "filing.status_partial",
    ),
    (
        world(filing_status=[{**_STATUS, "subject_code": "4-10-01-05"}]),
        "filing_status",
        1,
        "subject_code",
        "scope.not_filed",
    ),
    # Rule 6: a project leaves its pilot phase after it is published.
    (changed("projects", 0, active_from="2021-01-01"), "projects", 1, "active_from", "date.order"),
]


@pytest.mark.parametrize(("document", "table", "row", "field", "code"), JSON_BAD_ROWS)
async def test_a_bad_row_of_a_json_file_is_reported_and_nothing_is_loaded(
    database: Database, document: dict[str, list[dict[str, object]]], table: str, row: int, field: str, code: str
) -> None:
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, as_json(document), "world.json")
    assert [(p.table, p.row, p.field, p.code) for p in info.value.problems] == [(table, row, field, code)]
    assert f"{table} row {row} [{field}] {code}" in str(info.value)
    for model in (Region, Institution, Filing, Event):
        assert await count(database, model) == 0


async def test_bad_rows_of_an_xlsx_file_are_reported_by_sheet_and_row(database: Database) -> None:
    book = regions_book(["430000", "湖南省", None], ["999999", "无此省", None])
    occupations = book.create_sheet("职业")
    occupations.append(["职业编码", "职业名称", "国家职业资格目录", "准入类", "等级", "生效日期", "失效日期"])
    occupations.append(["6-31-01-03", "电工", "否", None, "12345", "2015-07-29", None])
    occupations.append(["6-18-02-04", "焊工", "是", "是", "12345", "2015-07-29", "2010-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(LoadError) as info:
        await load_reference_file(database, buffer.getvalue(), "ref.xlsx")
    assert [(p.table, p.row, p.field, p.code) for p in info.value.problems] == [
        ("occupations", 2, "access_type", "value.required"),
        ("occupations", 3, "valid_to", "date.order"),
        ("regions", 3, "code", "region.format"),
    ]
    assert await count(database, Region) == 0
    assert await count(database, Occupation) == 0


# Issue 11: what a scope row allows, the province centre's consent, a partial suspension, a project's
# general use — from a CSV with Chinese headers, logged, audited, and loaded once.

FILINGS_ZH = (
    "机构编码,备案文号,备案机关,有效期起,有效期止,范围类型,职业或项目编码,等级,证书类别,省中心同意日期,试点\n"
    f"{SCHOOL},长人社技备〔2026〕9号,430100,2026-01-01,2026-12-31,occupation,6-31-01-03,345,"
    "职业技能等级证书,2026-01-01,是\n"
    f"{STATION},长人社鉴备〔2024〕9号,430100,2024-01-01,2026-12-31,occupation,6-31-01-03,345,"
    "职业资格证书、职业技能等级证书,,\n"
)
STATUS_ZH = (
    "机构编码,备案文号,状态,生效日期,原因,职业或项目编码,等级,证书类别\n"
    f"{STATION},长人社鉴备〔2024〕9号,suspended,2025-03-01,整改,6-31-01-03,3,qualification\n"
)


async def test_scope_kinds_consent_and_a_partial_suspension_load_from_chinese_headers(database: Database) -> None:
    await load_reference_file(database, as_json(world(filings=[], filing_status=[])), "world.json")
    await load_reference_file(database, FILINGS_ZH.encode(), "备案.csv")
    await load_reference_file(database, STATUS_ZH.encode(), "备案状态.csv")
    async with database.reader() as session:
        rows = (
            await session.execute(
                select(Filing.institution_code, Filing.pilot, FilingScope.kinds, FilingScope.consent_on)
                .join(FilingScope, FilingScope.filing_id == Filing.id)
                .order_by(Filing.institution_code)
            )
        ).all()
        partial = (await session.scalars(select(FilingStatusChange).where(FilingStatusChange.kind.is_not(None)))).one()
    assert [(code, pilot, kinds, str(day)) for code, pilot, kinds, day in rows] == [
        (STATION, False, "qualification,skill_level", "None"),
        (SCHOOL, True, "skill_level", "2026-01-01"),
    ]
    assert (partial.subject_code, partial.levels, partial.kind) == ("6-31-01-03", "3", "qualification")
    created = await logged(database, "filing.created")
    assert {e.details["terms"] for e in created} == {
        "occupation:6-31-01-03:qualification,skill_level:",
        "occupation:6-31-01-03:skill_level:2026-01-01",
    }
    (suspension,) = await logged(database, "filing.status")
    assert suspension.details == {
        "status": "suspended", "effective_on": "2025-03-01", "subject": "6-31-01-03", "levels": "3",
        "kind": "qualification",
    }  # fmt: skip
    events = await count(database, Event)
    for data, name in ((FILINGS_ZH, "备案.csv"), (STATUS_ZH, "备案状态.csv")):
        await load_reference_file(database, data.encode(), name)  # again: nothing changes
    assert await count(database, Event) == events
    audit = await run_audit(database, "test.origin")
    assert audit.clean, audit.discrepancies


async def test_a_filing_loaded_again_with_other_kinds_is_a_change_in_place(database: Database) -> None:
    await load_reference_file(database, as_json(WORLD), "world.json")
    with pytest.raises(LoadError, match=r"filing\.changed"):
        await load_reference_file(database, as_json(_filing(kinds="qualification,skill_level")), "world.json")


async def test_an_xlsx_filing_sheet_names_its_kinds_in_chinese(database: Database) -> None:
    await load_reference_file(database, as_json(world(filings=[], filing_status=[])), "world.json")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "备案"
    sheet.append(
        ["机构编码", "备案文号", "备案机关", "有效期起", "有效期止", "范围类型", "职业或项目编码", "等级", "证书类别"]
    )
    sheet.append([STATION, "长人社鉴备〔2024〕8号", "430100", "2024-01-01", "2026-12-31", "occupation", "6-31-01-03",
                  "345", "职业资格证书"])  # fmt: skip
    sheet.append(
        [STATION, "长人社鉴备〔2024〕8号", "430100", "2024-01-01", "2026-12-31", "project", "HN01", None, None]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    report = await load_reference_file(database, buffer.getvalue(), "备案.xlsx")
    assert report.added == {"filings": 1}
    async with database.reader() as session:
        kinds = dict((await session.execute(select(FilingScope.subject_code, FilingScope.kinds))).all())
    assert kinds == {"6-31-01-03": "qualification", "HN01": "special_ability"}
