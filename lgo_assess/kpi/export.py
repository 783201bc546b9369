"""Tables as CSV and XLSX, streamed. Pure: no Flask.

- CSV is UTF-8 with a byte-order mark (Excel shows Thai only then) and is yielded row by row,
  so the national list of LGOs starts flowing at once and never holds the whole file in memory.
- XLSX is written by openpyxl in write-only mode (rows go straight to the file, never held as
  cells) into a temporary file that is then yielded in chunks.
- A text cell starting with ``=``, ``+``, ``-`` or ``@`` (or tab, carriage return) gets a
  leading apostrophe, so a spreadsheet never runs it as a formula (OWASP CSV injection). Numbers
  stay numbers.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass
from typing import Iterable, Iterator

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    name: str                      # file and sheet name (ASCII)
    title: str                     # shown above the header in XLSX
    header: list[str]
    rows: Iterable[list]


def escape_cell(value):
    """A text cell that would start a formula gets a leading apostrophe; others pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_text(value) -> str:
    value = escape_cell(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def csv_stream(table: Table) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    buffer.write(BOM)
    writer.writerow([_csv_text(cell) for cell in table.header])
    yield flush()
    pending = 0
    for row in table.rows:
        writer.writerow([_csv_text(cell) for cell in row])
        pending += 1
        if pending >= 500:
            yield flush()
            pending = 0
    yield flush()


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base[:28]}_{n}"
        n += 1
    used.add(candidate)
    return candidate


def xlsx_stream(tables: list[Table]) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.name, used))
        title = WriteOnlyCell(sheet, value=escape_cell(table.title))
        title.font = Font(bold=True, size=13)
        sheet.append([title])
        header = []
        for text in table.header:
            cell = WriteOnlyCell(sheet, value=escape_cell(text))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([escape_cell(cell) for cell in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk
