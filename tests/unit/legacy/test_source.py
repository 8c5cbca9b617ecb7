"""Reading a legacy file as a stream (``issuer/legacy/source.py``): the encodings and separators uploads
accept, NDJSON, the size bound of JSON arrays, and every unreadable file as a :class:`TableError`."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from issuer.legacy import source
from issuer.legacy.records import Column
from issuer.legacy.source import LegacyFile
from registry.i18n import split_bilingual
from registry.tabular import TableError
from tests.integration.legacy.files import HEADER, csv_bytes, skill_rows


def _rows(data: bytes, name: str = "legacy.csv") -> list[tuple[int, tuple[str, ...]]]:
    opened = LegacyFile.from_bytes(data, name).open()
    return [(row.number, row.cells) for row in opened.rows]


def test_gb18030_tabs_blank_lines_and_a_quoted_line_break_read_as_uploads_do() -> None:
    rows = skill_rows(2)
    rows[1][8] = "湖南省\n职业技能鉴定中心"
    text = csv_bytes(rows).decode().replace("\r\n\r\n", "\r\n")
    data = ("\r\n" + text.replace(",", "\t") + "\r\n\t\t\r\n").encode("gb18030")
    read = _rows(data)
    assert [number for number, _ in read] == [3, 4]  # as the user counts them: a blank line, then the header
    assert read[1][1][8] == "湖南省\n职业技能鉴定中心"
    assert read[0][1][2] == "学员0000001"


def test_a_utf8_bom_is_not_part_of_the_first_header() -> None:
    opened = LegacyFile.from_bytes(b"\xef\xbb\xbf" + csv_bytes(skill_rows(1)), "legacy.csv").open()
    assert opened.index[Column.NUMBER] == 0


def test_each_pass_reads_the_file_again(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(csv_bytes(skill_rows(3)))
    legacy = LegacyFile.from_path(path)
    assert len(list(legacy.open().rows)) == len(list(legacy.open().rows)) == 3
    assert legacy.at_least(3)
    assert not legacy.at_least(10)


def test_ndjson_takes_the_first_objects_keys_as_columns() -> None:
    keys = ("number", "kind", "name", "id_number", "subject_code", "institution", "issued_on")
    first = dict.fromkeys(keys, "a")
    data = f'{_json(first)}\n\n{{"number": "b", "unknown": 1, "level": 3}}\n'.encode()
    opened = LegacyFile.from_bytes(data, "legacy.jsonl").open()
    rows = list(opened.rows)
    assert [row.number for row in rows] == [1, 3]
    assert rows[1].cells[0] == "b"
    assert rows[1].cells[1] == ""


def _json(item: dict[str, str]) -> str:
    import json

    return json.dumps(item)


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        pytest.param(b"", "legacy.csv", "file.empty", id="empty"),
        pytest.param(
            "证书编号\r\n".encode("utf-16") + b"\x00\xd8a\x00", "legacy.csv", "file.encoding", id="utf-16-damaged"
        ),
        pytest.param("证书编号\r\n\x00".encode("utf-16"), "legacy.csv", "file.binary", id="utf-16-nul"),
        pytest.param(csv_bytes(skill_rows(1)) + b"\x00", "legacy.csv", "file.binary", id="nul-at-the-end"),
        pytest.param(b"\xfd\xfe\xff" * 10, "legacy.csv", "file.encoding", id="undecodable"),
        pytest.param(b"a,b\r\n1,2\r\n", "legacy.csv", "file.header_missing", id="columns"),
        pytest.param(csv_bytes([], HEADER), "legacy.csv", "file.no_rows", id="no-rows"),
        pytest.param(b'{"number": 1}\nnot json\n', "legacy.ndjson", "file.header_missing", id="ndjson-columns"),
        pytest.param(b"[1, 2]", "legacy.json", "file.json", id="json-not-objects"),
    ],
)
def test_an_unreadable_file_is_a_table_error(data: bytes, name: str, code: str) -> None:
    with pytest.raises(TableError) as caught:
        list(LegacyFile.from_bytes(data, name).open().rows)
    assert caught.value.code == code
    assert split_bilingual(str(caught.value)) is not None


def test_a_broken_ndjson_line_names_its_line() -> None:
    keys = ("number", "kind", "name", "id_number", "subject_code", "institution", "issued_on")
    data = (_json(dict.fromkeys(keys, "a")) + "\n{broken\n").encode()
    with pytest.raises(TableError) as caught:
        list(LegacyFile.from_bytes(data, "legacy.ndjson").open().rows)
    assert (caught.value.code, caught.value.row) == ("file.json", 2)


def test_a_json_array_past_its_bound_asks_for_ndjson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_JSON_BYTES", 100)
    with pytest.raises(TableError) as caught:
        LegacyFile.from_bytes(b"[" + b'{"a": "b"},' * 20 + b"{}]", "legacy.json").open()
    assert caught.value.code == "file.too_large"
    assert "NDJSON" in str(caught.value)


@pytest.mark.parametrize(
    ("lead", "separator", "end", "encoding"),
    [
        ("", ",", "\r\n", "utf-8"),
        ("\ufeff\r\n  \r\n", "\t", "\n", "utf-8"),  # a BOM, blank lines before the header, tabs
        (",,\r\n", ",", "\r\n", "gb18030"),  # a line of empty cells before the header
    ],
)
def test_a_csv_without_quotes_is_cut_in_pieces_that_read_as_its_rows(
    lead: str, separator: str, end: str, encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "_BLOCK", 5)  # blocks of the encoding check that split a \r\n
    rows = skill_rows(7)
    rows[2][8] = " 湖南省职业技能鉴定中心 "  # cells are stripped either way
    text = csv_bytes(rows).decode().replace(",", separator).replace("\r\n", end)
    lines = text.split(end)
    lines.insert(4, "")  # a blank line and one of empty cells among the rows: skipped, but counted
    lines.insert(6, separator * 3)
    data = (lead + end.join(lines).rstrip(end)).encode(encoding)  # no line break after the last row
    opened = LegacyFile.from_bytes(data, "legacy.csv").open()
    assert opened.pieces is not None
    pieces = list(opened.pieces(3))
    assert [p.lines for p in pieces] == [3, 3, 3]
    assert [(r.number, r.cells) for p in pieces for r in p.rows()] == [(r.number, r.cells) for r in opened.rows]


def test_a_csv_with_quotes_is_read_by_the_importer_whole() -> None:
    rows = skill_rows(2)
    rows[1][8] = "湖南省,职业技能鉴定中心"  # written quoted
    assert LegacyFile.from_bytes(csv_bytes(rows), "legacy.csv").open().pieces is None


def test_a_csv_with_a_lone_carriage_return_is_read_by_the_importer_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "_BLOCK", 5)
    data = csv_bytes(skill_rows(3))
    assert LegacyFile.from_bytes(data, "legacy.csv").open().pieces is not None
    for broken in (data.replace(b"\r\n", b"\r", 2), data.rstrip(b"\n")):  # old Mac line ends; a \r last
        assert LegacyFile.from_bytes(broken, "legacy.csv").open().pieces is None


def test_a_csv_without_quotes_under_a_title_goes_to_the_workers_from_below_its_header() -> None:
    """The lines cut for the workers (``Piece``) start after the header found under the title and a blank
    line, numbered as the file's lines; a title was file.header_missing."""
    data = "\r\n台账,,,\r\n\r\n".encode() + csv_bytes(skill_rows(3))
    opened = LegacyFile.from_bytes(data, "legacy.csv").open()
    assert opened.pieces is not None
    pieces = list(opened.pieces(2))
    assert [(piece.first, piece.lines) for piece in pieces] == [(5, 2), (7, 1)]
    rows = [row for piece in pieces for row in piece.rows()]
    assert [(row.number, row.cells[2]) for row in rows] == [(5, "学员0000001"), (6, "学员0000002"), (7, "学员0000003")]


def test_excels_unicode_text_is_read_without_its_byte_order_mark_by_csv() -> None:
    text = "\t".join(HEADER) + "\r\n" + "\t".join(skill_rows(1)[0]) + "\r\n"
    opened = LegacyFile.from_bytes(text.encode("utf-16-le"), "legacy.txt").open()
    assert opened.pieces is None  # two bytes a character: its lines are cut by csv
    assert [(row.number, row.cells[2]) for row in opened.rows] == [(2, "学员0000001")]


@pytest.mark.parametrize("plain", [True, False])
def test_a_title_without_separators_above_a_tab_separated_header_does_not_make_it_one_column(plain: bool) -> None:
    """The title holds neither a tab nor a comma: the header's tabs decide (it was read as one wide column and
    refused as file.header_missing), in the importer's pass and in the workers' pieces alike."""
    rows = skill_rows(2)
    if not plain:
        rows[1][8] = "湖南省\n职业技能鉴定中心"  # quoted: the importer reads it whole
    text = "2020 年发证台账\r\n" + csv_bytes(rows).decode().replace(",", "\t")
    opened = LegacyFile.from_bytes(text.encode(), "legacy.txt").open()
    assert [(row.number, row.cells[2]) for row in opened.rows] == [(3, "学员0000001"), (4, "学员0000002")]
    assert (opened.pieces is not None) is plain
    if opened.pieces is not None:
        assert [row.cells[2] for piece in opened.pieces(5) for row in piece.rows()] == ["学员0000001", "学员0000002"]


def test_an_ndjson_file_with_a_bom_is_read_and_one_not_in_utf8_says_so() -> None:
    """Notepad's "UTF-8 with BOM" was refused as 'line 1 is not a JSON object: invalid character (byte 0)',
    and so was a file saved as GB18030, which says nothing of the encoding."""
    keys = ("number", "kind", "name", "id_number", "subject_code", "institution", "issued_on")
    line = json.dumps(dict.fromkeys(keys, "证书"), ensure_ascii=False) + "\n"
    rows = list(LegacyFile.from_bytes(codecs.BOM_UTF8 + line.encode(), "legacy.ndjson").open().rows)
    assert [(row.number, row.cells[0]) for row in rows] == [(1, "证书")]

    with pytest.raises(TableError) as caught:
        list(LegacyFile.from_bytes((line + line).encode("gb18030"), "legacy.ndjson").open().rows)
    assert (caught.value.code, caught.value.row) == ("file.encoding", 1)
    assert split_bilingual(str(caught.value)) == (
        "第1行不是 UTF-8 文本：NDJSON 文件须以 UTF-8 保存",
        "line 1 is not UTF-8 text: save the NDJSON file as UTF-8",
    )
