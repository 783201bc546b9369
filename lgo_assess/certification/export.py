"""CSV for spreadsheets. Pure: no Flask.

Excel opens a CSV as UTF-8 only when it starts with a byte-order mark (without it Thai turns to
mojibake). A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) would
be run as a formula, so such a cell gets a leading apostrophe (OWASP's CSV-injection advice):
the register is public and LGO names are data others typed.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """UTF-8 CSV with a BOM, every cell escaped."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")
