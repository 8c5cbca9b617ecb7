"""Reading the spreadsheets issuers already keep: CSV (UTF-8, UTF-8 with BOM, GB18030, UTF-16) and XLSX.

Pure: bytes in, :class:`Table` out. Every way a file can be unusable is a :class:`TableError` with a
bilingual message (empty file, binary data, undecodable text, an .xls or password-protected workbook, a
damaged workbook, formula cells, an XLSX zip bomb, a long number that Excel already rounded, a CSV cell past
the csv module's limit), so an upload never turns into a 500 or a silently wrong record. Hidden rows and
columns are kept and listed (:attr:`Table.hidden`, :attr:`Table.hidden_columns`), and so are hidden sheets
(:attr:`Table.hidden_sheet`): what they mean is the caller's to say."""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Final

import msgspec

from registry.errors import RegistryError
from registry.xlsx import column_letters, scan, sheets

#: An XLSX may not expand past this many bytes, nor any member by more than this ratio (zip bombs). A full
#: 100,000-row results sheet expands to ~20 MB; at 512 MB a 20 MB upload could cost ~2 minutes of CPU.
MAX_XLSX_EXPANDED: Final = 100 * 1024 * 1024
MAX_XLSX_RATIO: Final = 200
#: The compound-file signature: an Excel 97-2003 workbook (.xls, WPS .et), or an XLSX encrypted by an open password.
OLE2: Final = bytes.fromhex("D0CF11E0A1B11AE1")
#: The start of every PDF file.
PDF: Final = b"%PDF-"
#: Rows above the header that may be a title (``2025年第一批电工成绩表``, merged over the columns) or a line such
#: as ``填报单位：…``: issuers keep them in the sheets they print. Past this many, the header is not searched for.
TITLE_ROWS: Final = 3
#: Hidden rows a refusal names; the count says how many more.
_HIDDEN_SHOWN: Final = 10
#: A number as Excel shows (and a CSV export saves) it in scientific notation: ``4.30102E+17``.
_SCIENTIFIC: Final = re.compile(r"\d(?:\.\d+)?[eE]\+\d+")
#: A number marked as text for Excel: ``="430102…"`` (what systems export so that Excel keeps the digits), or
#: one leading apostrophe (ASCII, full-width, or the ‘ ’ a Chinese input method types for it).
_TEXT_MARK: Final = re.compile('="(.*)"|[\'\u2018\u2019\uff07](.*)', re.DOTALL)
#: Floats beyond 2**53 cannot hold every integer: an ID number typed as a number has lost digits.
_EXACT_FLOAT_LIMIT: Final = 2**53


class TableError(RegistryError):
    """The file cannot be read as a table; ``row``/``column`` locate the problem when there is one."""

    def __init__(self, code: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.row = row
        self.column = column


class Row(msgspec.Struct, frozen=True):
    """One data row: its number as the user sees it in the file (header = row 1) and its cells."""

    number: int
    cells: tuple[str, ...]


class Unreadable(msgspec.Struct, frozen=True):
    """An XLSX cell whose value is not there to read: ``file.number_precision`` (a long number Excel kept as
    a number, its last digits lost) or ``file.error_value`` (an error value such as ``#N/A``, ``value``)."""

    row: int
    index: int
    code: str
    value: str = ""


class Table(msgspec.Struct, frozen=True):
    name: str  # sheet name, or "" for a CSV
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    #: Numbers of the sheet's hidden rows (XLSX): the reader keeps them, a caller decides what they mean.
    hidden: tuple[int, ...] = ()
    #: The sheet's hidden columns as ``(first, last)`` cell indices, both included (XLSX).
    hidden_columns: tuple[tuple[int, int], ...] = ()
    #: The sheet itself is hidden (XLSX): no tab shows it.
    hidden_sheet: bool = False
    #: Cells whose value is not there to read (XLSX), in sheet order: they matter only in a column the caller
    #: reads (:func:`refuse_unreadable`).
    unreadable: tuple[Unreadable, ...] = ()


def read_tables(data: bytes, filename: str, *, max_rows: int | None = None) -> list[Table]:
    """Every table of the file: one for a CSV, one per non-empty sheet for an XLSX.

    Raises :class:`TableError` for an empty, binary, undecodable or unsafe file, or past ``max_rows``.
    """
    if not data.strip():
        raise TableError("file.empty", "文件为空 / the file is empty")
    if data[:8] == OLE2:
        raise _old_workbook(data)
    if data[:5] == PDF:  # a scan or a printout of the sheet: say what it is, not "no recognisable header"
        raise TableError(
            "file.pdf",
            "这是 PDF 文件，不是成绩表：请上传 XLSX 或 CSV 格式的成绩文件 / this is a PDF file, not a results table: "
            "upload the results as XLSX or CSV",
        )
    if data[:4] == b"PK\x03\x04":
        if not filename.lower().endswith((".xlsx", ".xlsm")):
            raise TableError("file.type", f"{filename} 是压缩文件，不是 CSV / {filename} is a zip file, not CSV")
        return _read_xlsx(data, max_rows=max_rows)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise TableError("file.type", "不是有效的 XLSX 文件 / not a valid XLSX file (expected an .xlsx workbook)")
    return [_read_csv(data, max_rows=max_rows)]


def binary_data() -> TableError:
    """The refusal of bytes that are no text (a NUL, or control characters that decoded)."""
    return TableError("file.binary", "文件是二进制数据，不是 CSV 文本 / the file is binary data, not CSV text")


def undecodable() -> TableError:
    """The refusal of bytes that decode in none of the encodings read."""
    return TableError(
        "file.encoding",
        "无法识别文件编码（应为 UTF-8、GB18030 或 UTF-16）/ cannot decode the file (expected UTF-8, GB18030 or "
        "UTF-16 text)",
    )


def damaged_utf16() -> TableError:
    """The refusal of a file that starts as UTF-16 and does not decode so."""
    return TableError("file.encoding", "UTF-16 文本已损坏，无法解码 / the UTF-16 text is damaged and cannot be decoded")


def _old_workbook(data: bytes) -> TableError:
    """Why a compound file cannot be read, whatever its name says: an XLSX saved with an open password is
    encrypted inside one (its ``EncryptedPackage`` stream); anything else there is the old binary format."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return TableError(
            "file.encrypted",
            "工作簿设有打开密码，请取消密码后另存为 XLSX 再上传 / the workbook is protected by a password; remove "
            "the password, save it as XLSX and upload it again",
        )
    return TableError(
        "file.xls",
        "这是旧版 Excel 97-2003（.xls）工作簿，请另存为 Excel 工作簿（.xlsx）或 CSV 再上传 / this is an old Excel "
        "97-2003 (.xls) workbook; save it as an Excel workbook (.xlsx) or CSV and upload it again",
    )


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-16 (Excel's "Unicode text", with or without BOM), UTF-8 (with or without BOM),
    else GB18030; binary data is refused.

    A NUL anywhere (not only in the sampled start) refuses the file: no text encoding we read has one once
    decoded, and PostgreSQL cannot store it.
    """
    if looks_utf16(data):
        return _decode_utf16(data)
    if b"\x00" in data:
        raise binary_data()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if looks_binary(text):
            break
        return text
    raise undecodable()


def utf16_encoding(start: bytes) -> str:
    """The codec of a file :func:`looks_utf16` says is UTF-16, from its first bytes: Excel and WPS save "Unicode
    text" (tab-separated) as UTF-16 little-endian with a BOM; without one, the side of the byte pairs where
    ASCII's zero bytes fall says the byte order."""
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    return "utf-16-le" if start[1:4096:2].count(0) > start[0:4096:2].count(0) else "utf-16-be"


def _decode_utf16(data: bytes) -> str:
    try:
        text = data.decode(utf16_encoding(data))
    except UnicodeDecodeError:
        raise damaged_utf16() from None
    if "\x00" in text or looks_binary(text):
        raise binary_data()
    return text.removeprefix("\ufeff")


def looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark, or without one NULs on one side of the byte pairs only: ASCII characters
    (digits, commas, line breaks) have a zero high byte, binary data has zeros at random."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    sample = data[:4096]
    half = len(sample) // 2
    if half < 8:
        return False
    fewer, more = sorted((sample[0::2].count(0), sample[1::2].count(0)))
    return more > half * 0.3 and fewer < half * 0.02


def looks_binary(text: str) -> bool:
    """Control characters (other than line breaks and tabs) in more than 1 % of the first 4,096 characters:
    binary data that happened to decode, not a table."""
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > max(2, len(sample) // 100)


def _read_csv(data: bytes, *, max_rows: int | None) -> Table:
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(io.StringIO(text)))
    starts = [1]  # the line the record being read starts on: a quoted cell may run over many

    def records() -> Iterator[tuple[int, list[str]]]:
        for number, record in enumerate(reader, start=1):
            yield number, record
            starts[0] = reader.line_num + 1

    try:
        return _table("", records(), max_rows=max_rows)
    except csv.Error as exc:
        raise csv_failure(exc, start=starts[0], line=reader.line_num) from None


def csv_delimiter(lines: Iterable[str]) -> str:
    """Tab for Excel's "Unicode text" export (and a pasted sheet), else comma. The first line holding either
    decides: a title typed above the header holds neither and would otherwise make a tab-separated file one
    column wide; a title row exported with the sheet ends in the separators of its empty cells. Only the lines
    a title and its header can take are looked at (:data:`TITLE_ROWS` + 1 with text)."""
    with_text = (line for line in lines if line.strip())
    for line in itertools.islice(with_text, TITLE_ROWS + 1):
        if "\t" in line or "," in line:
            return "\t" if "\t" in line and "," not in line else ","
    return ","


def csv_failure(exc: csv.Error, *, start: int, line: int) -> TableError:
    """What the csv module's error means for the issuer: a cell past its limit (an unclosed quote swallowing
    the rest of the file) names the line its record ``start`` s on; anything else the ``line`` reached."""
    if "field larger than field limit" in str(exc):
        limit = f"{csv.field_size_limit():,}"
        return TableError(
            "file.cell_too_long",
            f"从第 {start} 行起的记录有单元格超过 {limit} 个字符（可能是引号未闭合）/ the record starting on line "
            f"{start} has a cell longer than {limit} characters (an unclosed quote?)",
            row=start,
        )
    return TableError("file.csv", f"CSV 格式错误 / malformed CSV: {exc}", row=line)


def header_below_title(rows: Iterator[Row], names_a_column: Callable[[tuple[str, ...]], bool]) -> Row | None:
    """The header under a title, when the first non-empty row names no column: the first of the next
    :data:`TITLE_ROWS` rows that ``names_a_column`` (the rows up to it are taken from ``rows``), else None."""
    for row in itertools.islice(rows, TITLE_ROWS):
        if names_a_column(row.cells):
            return row
    return None


def refuse_hidden(table: Table) -> None:
    """Hidden data rows refuse the file: a sheet filtered down to the candidates who passed (the certificates
    still valid) still holds the others, and importing what the issuer did not see (or silently dropping it)
    would both be wrong. Raises :class:`TableError` ``file.hidden_rows`` naming them."""
    hidden = sorted(set(table.hidden) & {row.number for row in table.rows})
    if hidden:
        shown = "、".join(str(n) for n in hidden[:_HIDDEN_SHOWN]) + ("…" if len(hidden) > _HIDDEN_SHOWN else "")
        rows_are = "row {} is" if len(hidden) == 1 else "rows {} are"
        raise TableError(
            "file.hidden_rows",
            f"工作表 {table.name} 的第 {shown} 行被隐藏（共 {len(hidden)} 行，可能是筛选），请取消隐藏或删除这些行后"
            f"再上传 / {rows_are.format(shown.replace('、', ', '))} hidden in sheet {table.name!r} ({len(hidden)} in "
            "all, a filter?); unhide or delete them, then upload again",
            row=hidden[0],
        )


def refuse_hidden_columns(table: Table, used: Mapping[int, str]) -> None:
    """A hidden column the import reads refuses the file, as hidden rows do: the reviewer and the issuer
    checked the sheet as it showed, and a hidden 等级 or 身份证号 column (an older copy kept out of sight, say)
    would be stored unseen. ``used`` maps the cell index of each column read to its header as written; a
    hidden column nothing reads (notes, working) is harmless. Raises :class:`TableError`
    ``file.hidden_columns`` naming the first one by letter and header."""
    hidden = [(at, header) for at, header in sorted(used.items()) if any(a <= at <= b for a, b in table.hidden_columns)]
    if hidden:
        at, header = hidden[0]
        letter = column_letters(at)
        named = "、".join(f"{column_letters(i)}（{h}）" for i, h in hidden)
        more = f" (and {len(hidden) - 1} more)" if len(hidden) > 1 else ""
        raise TableError(
            "file.hidden_columns",
            f"工作表 {table.name} 的 {named} 列被隐藏，请取消隐藏、核对后再上传 / column {letter} ({header!r}) of "
            f"sheet {table.name!r} is hidden{more}; unhide and check it, then upload again",
            column=letter,
        )


def refuse_unreadable(table: Table, used: Mapping[int, str]) -> None:
    """A cell whose value is not there to read (:attr:`Table.unreadable`) refuses the file when its column is
    read: a long ID number Excel kept as a number lost its last digits (``file.number_precision``), and an
    error value pasted with the values of a look-up (``file.error_value``: ``#N/A``) would be read as an
    empty cell — in 证件类型 a resident ID card, in 考核日期 the form's date. In a column nothing reads (a
    准考证号, notes) neither is kept, and neither refuses the file. ``used`` maps the cell index of each
    column read to its header as written. Raises :class:`TableError` naming the first such cell."""
    for cell in table.unreadable:
        if cell.index not in used:
            continue
        where, header = f"{column_letters(cell.index)}{cell.row}", display_header(used[cell.index])
        if cell.code == "file.number_precision":
            message = (
                f"单元格 {where}（{header}）的长号码以数字保存已丢失精度，请设为文本格式 / cell {where} ({header}): a "
                "long number stored as a number lost digits; format the column as text"
            )
        else:
            message = (
                f"单元格 {where}（{header}）是 Excel 错误值 {cell.value}，请改为正确的值后再上传 / cell {where} "
                f"({header}) holds the Excel error {cell.value}; replace it with the right value, then upload again"
            )
        raise TableError(cell.code, message, row=cell.row, column=column_letters(cell.index))


def display_header(text: str) -> str:
    """A header as messages show it: every run of whitespace (the line break of a two-line template header
    ``姓名\nname``) one space."""
    return " ".join(text.split())


def without_invisibles(text: str) -> str:
    """A number copied from a web page or a chat keeps its zero-width characters (U+200B, U+FEFF …, Unicode
    format characters): invisible, and no part of it."""
    if text.isascii():  # no format character is ASCII: the common cell costs one C call
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def without_text_mark(text: str) -> str:
    """``text`` without the mark that makes Excel keep a number as text (:data:`_TEXT_MARK`): the mark is no
    part of the number, and the number is what the cell shows. A closing quote after an apostrophe goes too
    (‘430102…’). Only one mark is taken off: ``''430102…`` is not a number."""
    if not text.startswith(("=", "'", "\u2018", "\u2019", "\uff07")):  # the common cell: no regex
        return text
    found = _TEXT_MARK.fullmatch(text)
    if found is None:
        return text
    if found.group(1) is not None:
        return found.group(1).strip()
    return found.group(2).removesuffix("\u2019").removesuffix("\u2018").strip()


def in_scientific_notation(text: str) -> bool:
    """Whether a number cell is what Excel showed (and a CSV export saved) as ``4.30102E+17``: its digits are
    lost, the column must be formatted as text."""
    if text.isascii() and "E" not in text and "e" not in text:  # the common cell: no NFKC, no match
        return False
    return _SCIENTIFIC.fullmatch(unicodedata.normalize("NFKC", text).strip()) is not None


def rounded_by_excel(number: str) -> bool:
    """Whether an ID number whose check character is wrong (``number`` normalised) looks saved from a number
    column: Excel keeps 15 digits of a number, so the last three read 000."""
    return number.endswith("000")


def _table(name: str, rows: Iterator[tuple[int, list[str]]], *, max_rows: int | None) -> Table:
    header: tuple[str, ...] | None = None
    body: list[Row] = []
    for number, raw in rows:
        cells = tuple(cell.strip() for cell in raw)
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        if max_rows is not None and len(body) >= max_rows:
            raise TableError("file.too_many_rows", f"行数超过上限 {max_rows} / more than {max_rows} rows")
        body.append(Row(number, cells))
    if header is None:
        raise TableError("file.empty", "文件没有表头 / the file has no header row")
    return Table(name, header, tuple(body))


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TableError("file.type", "不是有效的 XLSX 文件 / not a valid XLSX file") from None
    expanded = 0
    for member in archive.infolist():
        expanded += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if expanded > MAX_XLSX_EXPANDED or (member.file_size > 1_000_000 and ratio > MAX_XLSX_RATIO):
            mb = f"{MAX_XLSX_EXPANDED / 1024 / 1024:g}"
            raise TableError(
                "file.zip_bomb",
                f"XLSX 解压后过大（上限 {mb} MB，或疑似压缩炸弹）/ the XLSX expands too much (past {mb} MB, or a "
                "zip bomb); refused",
            )


def _read_xlsx(data: bytes, *, max_rows: int | None) -> list[Table]:
    _check_zip(data)
    try:
        formula, date_cell, hidden, hidden_columns, errors = scan(data)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise TableError("file.type", "不是有效的 XLSX 文件 / not a valid XLSX file") from None
    if date_cell is not None:
        column, row = date_cell
        raise TableError(
            "file.corrupt",
            f"XLSX 文件已损坏：单元格 {column}{row} 标为日期却不是日期 / the XLSX is damaged: cell {column}{row} is "
            "typed as a date but holds none; save it again from Excel or WPS",
            row=row,
            column=column,
        )
    if formula is not None:
        column, row = formula
        raise TableError(
            "file.formula",
            f"单元格 {column}{row} 含公式，请粘贴为数值 / cell {column}{row} holds a formula; paste values instead",
            row=row or None,
            column=column,
        )
    tables = []
    try:
        for name, rows, hidden_sheet in sheets(data):
            try:
                lost: list[Unreadable] = []
                table = _table(name, _sheet_rows(rows, lost), max_rows=max_rows)
                errors_in = (Unreadable(row, at, "file.error_value", value) for row, at, value in errors.get(name, ()))
                found = {
                    "hidden": hidden.get(name, ()),
                    "hidden_columns": hidden_columns.get(name, ()),
                    "hidden_sheet": hidden_sheet,
                    "unreadable": tuple(sorted((*lost, *errors_in), key=lambda cell: (cell.row, cell.index))),
                }
                tables.append(msgspec.structs.replace(table, **found))
            except TableError as exc:
                if exc.code != "file.empty":
                    raise
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types (and Rust panics) for a broken file
        raise TableError(
            "file.corrupt",
            f"XLSX 文件已损坏，无法读取 / the XLSX is damaged and cannot be read ({type(exc).__name__}); save it "
            "again from Excel or WPS",
        ) from None
    if not tables:
        raise TableError("file.empty", "工作簿没有数据 / the workbook has no data")
    return tables


def _sheet_rows(rows: list[list[object]], lost: list[Unreadable]) -> Iterator[tuple[int, list[str]]]:
    """Each row's cells as text; the long numbers that lost digits are added to ``lost``."""
    for number, row in enumerate(rows, start=1):
        yield number, [_cell_text(value, number, column, lost) for column, value in enumerate(row)]


def _cell_text(value: object, row: int, index: int, lost: list[Unreadable]) -> str:
    if isinstance(value, str) and value.startswith("="):
        column = column_letters(index)
        raise TableError(
            "file.formula",
            f"单元格 {column}{row} 含公式，请粘贴为数值 / cell {column}{row} holds a formula; paste values instead",
            row=row,
            column=column,
        )
    if isinstance(value, float) and value.is_integer() and abs(value) >= _EXACT_FLOAT_LIMIT:
        lost.append(Unreadable(row, index, "file.number_precision"))
    return _plain_text(value)


def _plain_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
