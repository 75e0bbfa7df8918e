"""Reading a roster file (CSV in UTF-8 or GBK, or XLSX) from a temporary file, row by row, never whole.

The first pass (`normalise`) decodes the upload, checks its header, and writes the rows as plain UTF-8 CSV cells to
a second temporary file, counting enrollment ids on the way (a row whose enrollment id appears twice in the file is
bad: which of the two was meant?) and gathering the national IDs (the import locks them all before its first batch).
The second pass (`rows`) reads that file back. Memory holds a row at a time plus the enrollment and national ids,
never the file.

File-level problems (not text, wrong encoding, missing or unknown columns) raise `InvalidInput`: nothing is read.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Iterator

from tuoyu.errors import InvalidInput
from tuoyu.roster_file import COLUMNS, REQUIRED, column_of

XLSX_MAGIC = b"PK\x03\x04"
# What `encoding=` accepts. GBK and GB2312 files are read as GB18030, their superset.
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "gbk": "gb18030",
             "gb2312": "gb18030", "gb18030": "gb18030", "cp936": "gb18030"}


@dataclass
class Normalised:
    """The roster as UTF-8 CSV (row number, then the cells in COLUMNS order) in a temporary file."""
    file: IO[str]
    format: str
    encoding: str | None
    rows: int = 0
    first_row_of: dict[str, int] = field(default_factory=dict)
    repeated: dict[str, list[int]] = field(default_factory=dict)
    national_ids: set[str] = field(default_factory=set)  # as written (cells), valid or not

    def cells(self) -> Iterator[tuple[int, dict[str, str]]]:
        self.file.seek(0)
        for record in csv.reader(self.file):
            yield int(record[0]), dict(zip(COLUMNS, record[1:]))

    def close(self) -> None:
        self.file.close()


def _header(raw: list) -> list[str | None]:
    if not raw or all(_text(c) == "" for c in raw):
        raise InvalidInput("file", "the first row must be the header naming the columns: " + ", ".join(COLUMNS))
    columns: list[str | None] = []
    for cell in raw:
        name = _text(cell)
        if name == "":
            columns.append(None)
            continue
        column = column_of(name)
        if column is None:
            raise InvalidInput(name, f"unknown column {name!r}; the columns are {', '.join(COLUMNS)}")
        if column in columns:
            raise InvalidInput(column, "the column appears twice in the header")
        columns.append(column)
    for column in REQUIRED:
        if column not in columns:
            raise InvalidInput(column, "missing column: the header must name " + ", ".join(REQUIRED)
                               + " (and may name national_id, care, end)")
    return columns


def _text(value) -> str:
    """A cell as text: dates as ISO, whole numbers without '.0', strings stripped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _write(out: Normalised, writer, row_number: int, columns: list[str | None], raw) -> None:
    cells = {c: _text(v) for c, v in zip(columns, raw) if c is not None}
    if not any(cells.values()):
        return  # a blank line
    out.rows += 1
    writer.writerow([row_number] + [cells.get(c, "") for c in COLUMNS])
    enrollment = cells.get("enrollment")
    if enrollment:
        first = out.first_row_of.setdefault(enrollment, row_number)
        if first != row_number:
            out.repeated.setdefault(enrollment, [first]).append(row_number)
    if cells.get("national_id"):
        out.national_ids.add(cells["national_id"])


def _from_csv(source: IO[bytes], encoding: str, out: Normalised) -> None:
    writer = csv.writer(out.file)
    text = io.TextIOWrapper(source, encoding=encoding, errors="strict", newline="")
    try:
        reader = csv.reader(text)
        columns = None
        for raw in reader:
            if columns is None:
                columns = _header(raw)
                continue
            _write(out, writer, reader.line_num, columns, raw)
        if columns is None:
            raise InvalidInput("file", "the file is empty: the first row must be the header")
    except csv.Error as exc:
        raise InvalidInput("file", f"not a CSV file this service can read ({exc})") from None
    finally:
        text.detach()


def _from_xlsx(source: IO[bytes], out: Normalised) -> None:
    from openpyxl import load_workbook
    writer = csv.writer(out.file)
    # A damaged workbook can fail anywhere in zipfile, zlib, the XML parser or openpyxl, on opening or on any row
    # (read-only mode reads the sheet lazily): whatever it raises, the file is what is wrong.
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:
        raise InvalidInput("file", f"not an XLSX workbook this service can read ({exc})") from None
    try:
        sheet = book.worksheets[0]
        columns = None
        for number, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
            if columns is None:
                if all(_text(c) == "" for c in raw):
                    continue
                columns = _header(list(raw))
                continue
            _write(out, writer, number, columns, raw)
        if columns is None:
            raise InvalidInput("file", "the first sheet is empty: its first row must be the header")
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput("file", f"the XLSX workbook is damaged ({exc})") from None
    finally:
        book.close()


def normalise(source: IO[bytes], encoding: str | None) -> Normalised:
    """Decode and check the upload (CSV or XLSX), copying its rows to a UTF-8 temporary file."""
    source.seek(0)
    magic = source.read(4)
    source.seek(0)
    if magic == XLSX_MAGIC:
        out = Normalised(tempfile.TemporaryFile("w+", encoding="utf-8", newline=""), "xlsx", None)
        _from_xlsx(source, out)
        return out
    if encoding is not None:
        codec = ENCODINGS.get(encoding.lower())
        if codec is None:
            raise InvalidInput("encoding", f"{encoding!r} is not one of utf-8, gbk, gb18030")
        candidates = [(encoding.lower(), codec)]
    else:
        candidates = [("utf-8", "utf-8-sig"), ("gbk", "gb18030")]
    for name, codec in candidates:
        out = Normalised(tempfile.TemporaryFile("w+", encoding="utf-8", newline=""), "csv", name)
        source.seek(0)
        try:
            _from_csv(source, codec, out)
            return out
        except UnicodeDecodeError as exc:
            out.close()
            failure = exc
        except BaseException:
            out.close()
            raise
    if encoding is not None:
        raise InvalidInput("encoding", f"the file is not {encoding} text ({failure.reason} at some byte); "
                                       "leave encoding out to detect UTF-8 or GBK")
    raise InvalidInput("file", "the file is neither UTF-8 nor GBK text (a UTF-16 'Unicode text' export, "
                               "say): save it as CSV UTF-8, CSV GBK or XLSX")
