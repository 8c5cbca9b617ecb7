"""Reading a legacy file as a stream of rows, so a million-row file costs the memory of one chunk.

- **CSV** (UTF-8 with or without BOM, else GB18030, or Excel's UTF-16 "Unicode text"; comma or tab): read line
  by line. The encoding is settled first by one pass over the bytes (incremental decoders, C speed); the same
  checks as an upload's apply (NUL bytes, binary data, a cell past the csv module's limit), and the header may
  sit under up to three title rows (``registry.tabular.TITLE_ROWS``).
- **NDJSON** (``.ndjson``, ``.jsonl``): one JSON object per line, read line by line; the first object's keys
  are the columns (later objects' values are taken by those keys, a key the first object lacks is ignored).
- **JSON** (``.json``): an array of objects, read whole: at most :data:`MAX_JSON_BYTES` (use NDJSON beyond).
- **XLSX**: read whole by calamine (its reader builds the sheet in memory; it cannot iterate a sheet from the
  file), bounded by the upload rules' expanded-size limit (``registry.tabular.MAX_XLSX_EXPANDED``, 100 MB:
  roughly 400,000 rows of this layout); larger registers go in as CSV or NDJSON. Read as an upload reads it
  (merged cells filled down, a header under a title); hidden rows refuse it.
- An .xls or a password-protected workbook is named so whatever the file's name (``file.xls``,
  ``file.encrypted``).

Each :meth:`LegacyFile.open` starts the stream again (the import reads a file twice: check, then store).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final

import msgspec

from issuer.legacy.records import Column, map_header, missing_columns_message
from registry.tabular import (
    OLE2,
    PDF,
    TITLE_ROWS,
    Row,
    Table,
    TableError,
    binary_data,
    csv_delimiter,
    csv_failure,
    damaged_utf16,
    header_below_title,
    looks_binary,
    looks_utf16,
    read_tables,
    refuse_hidden,
    refuse_hidden_columns,
    refuse_unreadable,
    undecodable,
    utf16_encoding,
)

MAX_ROWS: Final = 2_000_000
#: A ``.json`` array is decoded whole; past this size the file must be NDJSON (one object per line).
MAX_JSON_BYTES: Final = 64 * 1024 * 1024
_BLOCK: Final = 1 << 20
_SOURCE_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_NDJSON: Final = (".ndjson", ".jsonl")
_XLSX: Final = (".xlsx", ".xlsm", ".xls")


def check_source(source: str) -> str:
    """The source system's name (a profile's free formats are declared per source): 1–64 of ``A–Z a–z 0–9 - _ .``.

    Raises :class:`TableError` ``legacy.source`` (422 at the API)."""
    if not 1 <= len(source) <= 64 or not set(source) <= _SOURCE_CHARS:
        raise TableError(
            "legacy.source",
            "来源名称应为1–64个字母、数字、-、_ 或 . / the source must be 1–64 letters, digits, '-', '_' or '.'",
        )
    return source


class Piece(msgspec.Struct, frozen=True, array_like=True):
    """Lines of a CSV file without quotes, as bytes, cut at line ends by the importer and split into rows where
    they are checked (a worker process): reading, decoding and cutting cells was a third of the importer's time
    (issue 13)."""

    first: int  # the file's row number of the first line (header = row 1, as Row.number)
    lines: int
    data: bytes
    encoding: str
    delimiter: str

    def rows(self) -> list[Row]:
        """The non-blank rows, as :meth:`LegacyFile.open`'s ``csv`` reading makes them (without quotes, a line
        is a record and its cells are what lies between delimiters)."""
        lines = self.data.decode(self.encoding).split("\n")
        if lines[-1] == "":
            lines.pop()
        found = []
        delimiter, strip = self.delimiter, str.strip
        for number, line in enumerate(lines, start=self.first):
            cells = tuple(map(strip, line.split(delimiter)))
            if any(cells):
                found.append(Row(number, cells))
        return found


class Rows:
    """One pass over a legacy file: its header as written, the column positions, and the data rows — or, for a
    CSV without quotes, ``pieces``: the same rows as :class:`Piece` s of at most ``size`` lines."""

    def __init__(
        self,
        header: tuple[str, ...],
        index: dict[Column, int],
        rows: Iterator[Row],
        pieces: Callable[[int], Iterator[Piece]] | None = None,
    ) -> None:
        self.header, self.index, self.rows, self.pieces = header, index, rows, pieces


def _mapped(header: tuple[str, ...], row: int = 1) -> dict[Column, int]:
    index, lacking = map_header(header)
    if lacking:
        raise TableError("file.header_missing", missing_columns_message(lacking), row=row)
    return index


def _names_a_column(cells: tuple[str, ...]) -> bool:
    return bool(map_header(cells)[0])


def _first_row(rows: Iterator[Row]) -> tuple[Row, Iterator[Row]]:
    """The first data row and the whole stream again (a file without one is refused)."""
    first = next(rows, None)
    if first is None:
        raise TableError("file.no_rows", "文件没有数据行 / the file has no data rows")

    def again() -> Iterator[Row]:
        yield first
        yield from rows

    return first, again()


def _counted(rows: Iterator[Row]) -> Iterator[Row]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise TableError("file.too_many_rows", f"行数超过上限 {MAX_ROWS} / more than {MAX_ROWS} rows")
        yield row


class LegacyFile:
    """A legacy file that can be read more than once: from a path (the CLI) or from bytes (an upload)."""

    def __init__(self, opener: Callable[[], IO[bytes]], file_name: str) -> None:
        self._opener, self.file_name = opener, file_name
        self._encoding: str | None = None
        #: The CSV's header line and separator, as the last :meth:`_csv` found them (for :meth:`_pieces`).
        self._header_line, self._delimiter = 1, ","
        #: Whether the CSV has no quote and no line break but ``\n`` and ``\r\n`` (so a line is a record).
        self._plain = False
        self._lower = file_name.lower()

    @classmethod
    def from_bytes(cls, data: bytes, file_name: str) -> LegacyFile:
        return cls(lambda: io.BytesIO(data), file_name)

    @classmethod
    def from_path(cls, path: Path) -> LegacyFile:
        return cls(lambda: path.open("rb"), path.name)

    def at_least(self, rows: int) -> bool:
        """Whether the file has ``rows`` lines or more (a cheap count of line breaks; for a workbook or a JSON
        array, of its size at 100 bytes a row)."""
        lines = 0
        with self._opener() as handle:
            if self._lower.endswith((*_XLSX, ".json")):
                return len(handle.read(rows * 100 + 1)) > rows * 100
            while block := handle.read(_BLOCK):
                lines += block.count(b"\n")
                if lines > rows:
                    return True
        return False

    def open(self) -> Rows:
        """A new pass over the rows. Raises :class:`TableError` for an unreadable file, one without data rows,
        a missing required column, or (while iterating) a malformed line."""
        with self._opener() as handle:
            start = handle.read(4096)
        if not start.strip():
            raise TableError("file.empty", "文件为空 / the file is empty")
        if start[:8] == OLE2:  # an .xls or a password-protected workbook, whatever its name
            return self._xlsx()
        if start[:5] == PDF:  # a printout or a scan of the register: docs/legacy.md's file.pdf, not file.binary
            raise TableError(
                "file.pdf",
                "这是 PDF 文件，不是证书登记表：请上传 CSV、XLSX、NDJSON 或 JSON 格式的历史证书文件 / this is a PDF "
                "file, not a certificate register: upload the legacy certificates as CSV, XLSX, NDJSON or JSON",
            )
        if self._lower.endswith(".json"):
            return self._json()
        if self._lower.endswith(_NDJSON):
            return self._ndjson()
        if start[:4] == b"PK\x03\x04" or self._lower.endswith(_XLSX):
            return self._xlsx()
        return self._csv(start)

    def _read_all(self, limit: int | None = None) -> bytes:
        with self._opener() as handle:
            data = handle.read(-1 if limit is None else limit + 1)
        if limit is not None and len(data) > limit:
            mb = limit // (1024 * 1024)
            raise TableError(
                "file.too_large",
                f"JSON 数组文件超过 {mb} MB，请改用 NDJSON（每行一个对象）/ a JSON array file is larger than {mb} MB: "
                "use NDJSON (one object per line, .ndjson)",
            )
        return data

    def _xlsx(self) -> Rows:
        tables = read_tables(self._read_all(), self.file_name, max_rows=MAX_ROWS)
        return _best_table([_below_title(table) for table in tables])

    def _json(self) -> Rows:
        data = self._read_all(MAX_JSON_BYTES)
        try:
            items = msgspec.json.decode(data, type=list[dict[str, Any]])
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise TableError(
                "file.json", f"JSON 格式错误，应为对象数组 / the JSON is not an array of objects: {exc}"
            ) from None
        del data
        header: list[str] = []
        for item in items:
            header.extend(key for key in item if key not in header)
        keys = tuple(header)
        rows = (Row(number, _cells(item, keys)) for number, item in enumerate(items, start=1))
        return _best_table([Table(name="", header=keys, rows=tuple(rows))])

    def _ndjson(self) -> Rows:
        lines = self._json_lines()
        first = next(lines, None)
        if first is None:
            raise TableError("file.no_rows", "文件没有数据行 / the file has no data rows")
        keys = tuple(first[1])
        index = _mapped(keys)

        def rows() -> Iterator[Row]:
            yield Row(first[0], _cells(first[1], keys))
            for number, item in lines:
                yield Row(number, _cells(item, keys))

        return Rows(keys, index, _counted(rows()))

    def _json_lines(self) -> Iterator[tuple[int, dict[str, Any]]]:
        decoder = msgspec.json.Decoder(dict[str, Any])
        with self._opener() as handle:
            for number, raw in enumerate(handle, start=1):
                # Notepad's "UTF-8 with BOM": the BOM begins the file, it is no character of its first line
                line = raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw
                if not line.strip():
                    continue
                try:
                    yield number, decoder.decode(line)
                except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                    raise _json_line_error(number, line, exc) from None

    def _csv(self, start: bytes) -> Rows:
        encoding = self._encoding or self._settle_encoding(start)
        self._encoding = encoding
        data = (Row(number, cells) for number, cells in self._csv_lines(encoding) if any(cells))
        header = next(data, None)
        if header is None:
            raise TableError("file.empty", "文件没有表头 / the file has no header row")
        if not _names_a_column(header.cells):
            header = header_below_title(data, _names_a_column) or header
        index = _mapped(header.cells, header.number)
        self._header_line = header.number
        _, rows = _first_row(data)
        pieces = (lambda size: self._pieces(encoding, size)) if self._plain else None
        return Rows(header.cells, index, _counted(rows), pieces)

    def _pieces(self, encoding: str, size: int) -> Iterator[Piece]:
        """The lines after the header in pieces of ``size`` lines (only for a file that is ``_plain``: without
        quotes, the header's record number as :meth:`_csv` found it is its line number)."""
        body = "utf-8" if encoding == "utf-8-sig" else encoding  # a BOM begins the file, not a line
        number, delimiter = self._header_line, self._delimiter
        with self._opener() as raw:
            next(itertools.islice(raw, number, number), None)  # skip up to the header (titles above it too)
            while lines := list(itertools.islice(raw, size)):
                yield Piece(number + 1, len(lines), b"".join(lines), body, delimiter)
                number += len(lines)

    def _csv_lines(self, encoding: str) -> Iterator[tuple[int, tuple[str, ...]]]:
        with self._opener() as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            leading: list[str] = []  # the lines that say the separator: up to the first holding one
            with_text = 0
            while line := text.readline():
                leading.append(line)
                with_text += bool(line.strip())
                if "\t" in line or "," in line or with_text > TITLE_ROWS:
                    break
            self._delimiter = delimiter = csv_delimiter(leading)
            reader = csv.reader(_chain(leading, text), delimiter=delimiter)
            start = 1  # the line the record being read starts on: a quoted cell may run over many
            try:
                for number, cells in enumerate(reader, start=1):
                    yield number, tuple(cell.strip() for cell in cells)
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise csv_failure(exc, start=start, line=reader.line_num) from None

    def _settle_encoding(self, start: bytes) -> str:
        """UTF-16 (Excel's "Unicode text"), else UTF-8 (BOM or not) if every byte decodes so, else GB18030;
        NULs and binary data refused — the checks of :func:`registry.tabular.decode_text`, over the whole stream
        a block at a time."""
        if looks_utf16(start):
            return self._settle_utf16(utf16_encoding(start))
        for encoding in ("utf-8-sig", "gb18030"):
            decoder = codecs.getincrementaldecoder(encoding)()
            sample = ""
            plain, carried = True, False  # carried: the block before ended with \r
            try:
                with self._opener() as handle:
                    while block := handle.read(_BLOCK):
                        # a quote may hold a line break, a lone \r ends a line: then rows are cut by csv here
                        lone = block.count(b"\r") - block.count(b"\r\n") - block.endswith(b"\r")
                        plain = plain and b'"' not in block and not lone and not (carried and block[:1] != b"\n")
                        carried = block.endswith(b"\r")
                        if b"\x00" in block:
                            raise binary_data()
                        text = decoder.decode(block)
                        if len(sample) < 4096:
                            sample += text[: 4096 - len(sample)]
                    decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            if looks_binary(sample):
                break
            self._plain = plain and not carried
            return encoding
        raise undecodable()

    def _settle_utf16(self, encoding: str) -> str:
        """``encoding`` if the whole stream decodes so to text without NULs; its lines are cut by ``csv`` in the
        importer (two bytes a character: no line is a run of bytes ending in ``\\n``)."""
        decoder = codecs.getincrementaldecoder(encoding)()
        sample = ""
        try:
            with self._opener() as handle:
                while block := handle.read(_BLOCK):
                    text = decoder.decode(block)
                    if "\x00" in text:
                        raise binary_data()
                    if len(sample) < 4096:
                        sample += text[: 4096 - len(sample)]
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise damaged_utf16() from None
        if looks_binary(sample):
            raise binary_data()
        self._plain = False
        return encoding


def _json_line_error(number: int, line: bytes, exc: Exception) -> TableError:
    """Why line ``number`` of an NDJSON file is no JSON object: bytes that are not UTF-8 (a file saved as
    GB18030 or UTF-16) are said to be so, not "invalid character (byte 0)"."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return TableError(
            "file.encoding",
            f"第{number}行不是 UTF-8 文本：NDJSON 文件须以 UTF-8 保存 / line {number} is not UTF-8 text: save the "
            "NDJSON file as UTF-8",
            row=number,
        )
    return TableError(
        "file.json", f"第{number}行不是 JSON 对象 / line {number} is not a JSON object: {exc}", row=number
    )


def _chain(first: list[str], rest: IO[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _cells(item: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("" if item.get(key) is None else str(item.get(key)) for key in keys)


def _below_title(table: Table) -> Table:
    """A sheet whose first row names no column, from the header found under its title rows (if any)."""
    if _names_a_column(table.header):
        return table
    rows = iter(table.rows)
    header = header_below_title(rows, _names_a_column)
    return table if header is None else msgspec.structs.replace(table, header=header.cells, rows=tuple(rows))


def _best_table(tables: list[Table]) -> Rows:
    """The first table whose header has every required column (an XLSX may hold other sheets); hidden rows,
    and hidden columns or unreadable cells (a long number that lost digits, ``#N/A``) it reads, refuse it."""
    missing: list[Column] | None = None
    for table in tables:
        index, lacking = map_header(table.header)
        if not lacking:
            if not table.rows:
                raise TableError("file.no_rows", "文件没有数据行 / the file has no data rows")
            refuse_hidden(table)
            used = {at: table.header[at] for at in index.values()}
            refuse_hidden_columns(table, used)
            refuse_unreadable(table, used)
            return Rows(table.header, index, iter(table.rows))
        if missing is None or len(lacking) < len(missing):
            missing = lacking
    raise TableError("file.header_missing", missing_columns_message(missing or []), row=1)
