"""Header recognition: Chinese, English and mixed headers map to fields; unusable headers are 422s."""

from __future__ import annotations

import pytest

from issuer.batches.columns import Field, field_of, map_columns, pick_table
from registry.tabular import Row, Table, TableError
from registry.vocab import CertificateKind

SKILL = CertificateKind.SKILL_LEVEL
SPECIAL = CertificateKind.SPECIAL_ABILITY


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", Field.NAME),
        ("Name", Field.NAME),
        ("考生姓名（必填）", Field.NAME),
        ("姓名\nname", Field.NAME),
        ("身份证号", Field.ID_NUMBER),
        ("公民身份号码", Field.ID_NUMBER),
        ("身份证号码*", Field.ID_NUMBER),
        ("证件号码", Field.ID_NUMBER),
        ("ID number", Field.ID_NUMBER),
        ("id_number", Field.ID_NUMBER),
        ("身份证号 / ID", Field.ID_NUMBER),
        ("职业编码", Field.OCCUPATION),
        ("职业（工种）编码", Field.OCCUPATION),
        ("Occupation code", Field.OCCUPATION),
        ("专项职业能力项目编码", Field.PROJECT),
        ("project_code", Field.PROJECT),
        ("等级", Field.LEVEL),
        ("技能等级", Field.LEVEL),
        ("Level", Field.LEVEL),
        ("ＬＥＶＥＬ", Field.LEVEL),  # full-width letters
    ],
)
def test_headers_in_either_language_name_their_field(header: str, field: Field) -> None:
    assert field_of(header) is field


@pytest.mark.parametrize("header", ["序号", "备注", "职业名称 occupation name", "", "姓名 level"])
def test_other_headers_name_no_field(header: str) -> None:
    assert field_of(header) is None


def _table(*header: str, name: str = "") -> Table:
    return Table(name, tuple(header), (Row(2, tuple("x" for _ in header)),))


def test_columns_are_located_and_unknown_ones_reported() -> None:
    columns = map_columns(_table("序号", "name", "ID number", "职业编码", "等级", "备注"), SKILL)
    assert columns.index == {Field.NAME: 1, Field.ID_NUMBER: 2, Field.OCCUPATION: 3, Field.LEVEL: 4}
    assert columns.ignored == ("序号", "备注")
    assert columns.header(Field.ID_NUMBER) == "ID number"


def test_a_special_ability_file_needs_a_project_column_not_an_occupation() -> None:
    columns = map_columns(_table("姓名", "身份证号", "项目编码"), SPECIAL)
    assert Field.PROJECT in columns.index
    with pytest.raises(TableError) as caught:
        map_columns(_table("姓名", "身份证号", "职业编码"), SPECIAL)
    assert caught.value.code == "file.header_missing"
    assert "project_code" in str(caught.value)


def test_missing_columns_are_named_with_the_header_found() -> None:
    with pytest.raises(TableError) as caught:
        map_columns(_table("姓名", "职业编码"), SKILL)
    assert caught.value.code == "file.header_missing"
    message = str(caught.value)
    assert "身份证号" in message
    assert "id_number" in message
    assert "level" in message
    assert "姓名, 职业编码" in message  # what the header row has


def test_two_columns_for_one_field_are_refused() -> None:
    with pytest.raises(TableError) as caught:
        map_columns(_table("姓名", "name", "身份证号", "职业编码", "等级"), SKILL)
    assert caught.value.code == "file.header_duplicate"


def test_a_table_without_a_recognisable_header_is_refused() -> None:
    with pytest.raises(TableError) as caught:
        map_columns(_table("张三", "430102199003071234", "6-31-01-03", "3"), SKILL)
    assert caught.value.code == "file.no_header"
    assert " / " in str(caught.value)


def test_the_results_sheet_is_picked_and_a_notes_sheet_ignored() -> None:
    notes = _table("说明 / notes", name="notes")
    results = _table("姓名", "身份证号", "职业编码", "等级", name="results")
    table, _ = pick_table([notes, results], SKILL)
    assert table.name == "results"


def test_results_on_several_sheets_are_refused() -> None:
    a = _table("姓名", "身份证号", "职业编码", "等级", name="一")
    b = _table("姓名", "身份证号", "职业编码", "等级", name="二")
    with pytest.raises(TableError) as caught:
        pick_table([a, b], SKILL)
    assert caught.value.code == "file.sheets"


def test_the_most_telling_header_error_wins_over_a_notes_sheet() -> None:
    notes = _table("说明", name="notes")
    results = _table("姓名", "职业编码", name="results")
    with pytest.raises(TableError) as caught:
        pick_table([notes, results], SKILL)
    assert caught.value.code == "file.header_missing"


def _titled(title: str, *header: str, name: str) -> Table:
    """A sheet with a title row above its header and one data row."""
    return Table(name, (title,), (Row(2, header), Row(3, ("张三", "x", "6-31-01-03", "4"))))


def test_a_header_under_a_title_row_is_found() -> None:
    table, columns = pick_table(
        [_titled("2025年电工成绩表", "姓名", "身份证号", "职业编码", "等级", name="成绩")], SKILL
    )
    assert table.header == ("姓名", "身份证号", "职业编码", "等级")
    assert [row.number for row in table.rows] == [3]
    assert columns.index[Field.LEVEL] == 3


def test_a_sheet_headed_in_its_first_row_wins_over_an_example_under_a_notes_title() -> None:
    notes = _titled("填写说明", "姓名", "身份证号", "职业编码", "等级", name="说明")
    results = _table("姓名", "身份证号", "职业编码", "等级", name="成绩")
    assert pick_table([notes, results], SKILL)[0].name == "成绩"
    with pytest.raises(TableError) as caught:  # both under a title: which one?
        pick_table([notes, _titled("成绩表", "姓名", "身份证号", "职业编码", "等级", name="成绩")], SKILL)
    assert caught.value.code == "file.sheets"


def test_a_header_under_a_title_missing_a_column_is_named_at_its_row() -> None:
    with pytest.raises(TableError) as caught:
        pick_table([_titled("成绩表", "姓名", "身份证号", "等级", name="成绩")], SKILL)
    assert (caught.value.code, caught.value.row) == ("file.header_missing", 2)
    assert "occupation_code" in str(caught.value)
