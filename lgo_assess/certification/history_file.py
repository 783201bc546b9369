"""Reading a file of historical certification results (CSV or XLSX) and writing its template.

Pure: no Flask, no database. This module turns the bytes into rows of typed values; problems
are reported as ``CellError`` codes with their parameters (``history.py`` words them in the
reader's language and checks the rows against the registry and the criteria).

The format, for DLA staff (the template's second sheet says the same):

- one header row, then one row per certificate; a header may be the Thai name, the English
  name, both as in the template (``รหัส อปท. / LGO code``) or the key (``lgo_code``); columns
  may come in any order; an unknown column refuses the file (a misspelt optional column would
  otherwise be lost without a word);
- blank rows, and rows whose first cell starts with ``#`` (the template's example), are skipped;
- Thai digits are read as Arabic digits everywhere;
- a date may be a spreadsheet date cell, ``2567-10-01``, ``1/10/2567`` (day first) or
  ``1 ต.ค. 2567`` / ``1 ตุลาคม 2567`` / ``1 October 2024``, optionally followed by a time
  (``00:05``, Bangkok time unless it ends with ``Z`` or an offset such as ``+07:00``);
- a year above 2400 is B.E., otherwise C.E.; the optional calendar column (``พ.ศ.``/``B.E.``
  or ``ค.ศ.``/``C.E.``) must agree with every year written as text in its row;
- the fiscal year is its B.E. year (a C.E. year is read as the fiscal year ending in it).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
BE_THRESHOLD = 2400                      # a year above this is B.E.
CE_RANGE = (1990, 2100)                  # plausible C.E. years of a certificate's dates
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_TEXT = {"certificate_number": 64, "superseded_by": 64, "revocation_reason": 2000,
            "lgo_code": 10, "standard_code": 10, "edition": 20, "result_level": 200}
EMPTY_MARKS = {"", "-", "–", "—"}
_ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Column:
    key: str
    th: str
    en: str
    required: bool
    help_th: str
    help_en: str

    @property
    def header(self) -> str:
        """As the template writes it."""
        return f"{self.th} / {self.en}"


COLUMNS = (
    Column("lgo_code", "รหัส อปท.", "LGO code", True,
           "รหัส อปท. 7 หลักของกรมส่งเสริมการปกครองท้องถิ่น ตามทะเบียน",
           "The LGO's 7-digit DLA code, as in the registry."),
    Column("standard_code", "รหัสมาตรฐาน", "Standard code", True,
           "รหัสมาตรฐาน เช่น GGL", "The standard's code, e.g. GGL."),
    Column("edition", "ฉบับเกณฑ์", "Edition", False,
           "ฉบับของเกณฑ์ (ถ้าทราบ) ถ้าว่างจะใช้ฉบับที่ใช้ในปีงบประมาณนั้นหรือฉบับที่ใกล้ที่สุด",
           "The criteria edition, if known; if empty, the edition of that fiscal year or the "
           "nearest one."),
    Column("fiscal_year", "ปีงบประมาณ", "Fiscal year", True,
           "ปีงบประมาณ (พ.ศ.) ที่ได้รับการรับรอง เช่น 2565",
           "The fiscal year (B.E.) of the result, e.g. 2565."),
    Column("result_level", "ระดับผลการประเมิน", "Result level", True,
           "ระดับผลการประเมิน: รหัสหรือชื่อระดับตามเกณฑ์ฉบับนั้น เช่น good หรือ ดี",
           "The result level: its code or its name in that edition, e.g. good or ดี."),
    Column("issued_on", "วันที่ออกใบรับรอง", "Issue date", True,
           "วันที่ออกใบรับรอง ต้องอยู่ในปีงบประมาณนั้น (1 ต.ค. – 30 ก.ย.)",
           "The day the certificate was issued; it must fall in that fiscal year "
           "(1 Oct – 30 Sep)."),
    Column("valid_until", "มีผลถึงวันที่", "Valid until", False,
           "วันสุดท้ายที่ใบรับรองมีผล ถ้าว่างจะคำนวณจากอายุใบรับรองของเกณฑ์ฉบับนั้น",
           "The last day the certificate is valid; if empty, computed from the edition's "
           "certificate validity."),
    Column("certificate_number", "เลขที่ใบรับรอง", "Certificate number", True,
           "เลขที่ใบรับรองตามที่พิมพ์ในขณะนั้น (ไม่ซ้ำกัน)",
           "The certificate's number as printed then (unique)."),
    Column("revoked_on", "วันที่เพิกถอน", "Revocation date", False,
           "วันที่เพิกถอนใบรับรอง (ถ้ามี)", "The day the certificate was revoked, if it was."),
    Column("revocation_reason", "เหตุผลการเพิกถอน", "Revocation reason", False,
           "เหตุผลการเพิกถอน (ต้องมีเมื่อมีวันที่เพิกถอน)",
           "Why it was revoked (required with a revocation date)."),
    Column("superseded_by", "ถูกแทนที่โดยใบรับรองเลขที่", "Superseded by", False,
           "เลขที่ใบรับรองที่ออกแทนฉบับนี้ (ถ้ามี) ต้องอยู่ในไฟล์เดียวกันหรือนำเข้าไว้แล้ว",
           "The number of the certificate that replaced this one, if any: in this file or "
           "imported before."),
    Column("calendar", "ปฏิทิน", "Calendar", False,
           "พ.ศ. หรือ ค.ศ. สำหรับวันที่ในแถวนี้ที่เขียนเป็นข้อความ ถ้าว่าง: ปีที่มากกว่า 2400 "
           "เป็น พ.ศ.",
           "B.E. or C.E., for the dates of this row written as text; if empty, a year above "
           "2400 is B.E."),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

EXAMPLE_ROW = ("#5100101", "GGL", "", "2566", "ดี", "15/7/2566", "", "GGL-2566-000123", "", "",
               "", "พ.ศ.")


class CellError(ValueError):
    """A problem with one value: ``code`` names it, ``params`` fill its message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Problem:
    """Where the file is wrong: a line (1 = the header; 0 = the whole file), the column as the
    file names it ("" for the whole row) and what is wrong (a code and its parameters)."""

    line: int
    column: str
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class Table:
    """The file's header and data rows, each row with its line number (cells by column key)."""

    format: str                                   # "csv" | "xlsx"
    headers: dict[str, str]                       # column key → the header as written
    rows: list[tuple[int, dict[str, object]]]
    problems: list[Problem]


# -- Cells ---------------------------------------------------------------------------------------

def normalise_text(value) -> str:
    """Text as compared: NFC, Thai digits as Arabic, single spaces, trimmed."""
    if value is None:
        return ""
    if isinstance(value, str) and value.isascii():          # the common case, made cheap
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).translate(_ARABIC_DIGITS)
    return _SPACES.sub(" ", text.replace("\u200b", "")).strip()


def text_value(value) -> str | None:
    text = normalise_text(value)
    return None if text in EMPTY_MARKS else text


def certificate_number(value) -> str | None:
    """A certificate number as stored and compared: normalised and upper-case."""
    text = text_value(value)
    return text.upper() if text else None


CALENDARS = {"พ.ศ.": "BE", "พศ": "BE", "พ.ศ": "BE", "be": "BE", "b.e.": "BE", "b.e": "BE",
             "buddhist": "BE",
             "ค.ศ.": "CE", "คศ": "CE", "ค.ศ": "CE", "ce": "CE", "c.e.": "CE", "c.e": "CE",
             "ad": "CE", "a.d.": "CE", "gregorian": "CE"}


def calendar_value(value) -> str | None:
    """``BE``, ``CE`` or None (not given)."""
    text = text_value(value)
    if text is None:
        return None
    found = CALENDARS.get(text.casefold().replace(" ", ""))
    if found is None:
        raise CellError("calendar_value", value=text)
    return found


def year_ce(year: int, calendar: str | None) -> int:
    """The C.E. year of a year written in a file: above 2400 it is B.E.; the calendar column,
    when given, must agree."""
    is_be = year > BE_THRESHOLD
    if calendar == "BE" and not is_be:
        raise CellError("calendar_conflict_be", year=year)
    if calendar == "CE" and is_be:
        raise CellError("calendar_conflict_ce", year=year)
    ce = year - BE_OFFSET if is_be else year
    if not CE_RANGE[0] <= ce <= CE_RANGE[1]:
        raise CellError("year_implausible", year=year)
    return ce


def fiscal_year_value(value) -> int:
    """A fiscal year as its B.E. year (``2565``; the C.E. ``2022`` is the same year)."""
    text = text_value(value)
    if text is None:
        raise CellError("required")
    match = re.fullmatch(r"(?:ปีงบประมาณ|ปีงบ|fy|พ\.ศ\.)?\s*(\d{4})", text, re.IGNORECASE)
    if not match:
        raise CellError("fiscal_year_format", value=text)
    year = int(match.group(1))
    return year if year > BE_THRESHOLD else year_ce(year, None) + BE_OFFSET


_MONTHS = {}
for _index, _names in enumerate(zip(
        ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
         "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"),
        ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.",
         "ธ.ค."),
        ("january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december")), start=1):
    for _name in _names:
        _MONTHS[_name] = _index
        _MONTHS[_name.replace(".", "")] = _index
        if _name.isascii():
            _MONTHS[_name[:3]] = _index
_MONTHS["sept"] = 9

_TIME = r"(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:\.\d+)?)?\s*(?:น\.)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME)
_ERA = re.compile(r"(พ\.\s?ศ\.?|ค\.\s?ศ\.?|(?<![^\s\d])(?:B\.?E|C\.?E|A\.?D)\.?(?=\s|\d|$))",
                  re.IGNORECASE)
_WORDS = re.compile(r"(\d{1,2})\s*([^\d\s]+)\s*(\d{4})" + _TIME, re.IGNORECASE)


@dataclass(frozen=True)
class Moment:
    """A day in Bangkok, and the exact moment when the file gave a time."""

    day: date
    at: datetime | None = None

    def utc(self) -> datetime:
        """The moment (UTC); a day alone is its first instant in Bangkok."""
        if self.at is not None:
            return self.at.astimezone(timezone.utc)
        return datetime.combine(self.day, time(0), BANGKOK).astimezone(timezone.utc)


def _offset(text: str | None):
    if not text:
        return BANGKOK
    if text.upper() == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _moment(year: int, month: int, day: int, hour, minute, second, zone,
            calendar: str | None) -> Moment:
    try:
        calendar_day = date(year_ce(year, calendar), month, day)
    except ValueError as error:
        if isinstance(error, CellError):
            raise
        raise CellError("date_invalid", value=f"{day}/{month}/{year}") from None
    if hour is None:
        return Moment(calendar_day)
    try:
        local = datetime.combine(calendar_day, time(int(hour), int(minute), int(second or 0)),
                                 _offset(zone))
    except ValueError:
        raise CellError("date_invalid", value=f"{hour}:{minute}") from None
    bangkok = local.astimezone(BANGKOK)
    return Moment(bangkok.date(), bangkok)


def moment_value(value, calendar: str | None) -> Moment | None:
    """A date (and time) from a cell; None when the cell is empty."""
    if isinstance(value, datetime):
        # A spreadsheet's date cell is a true date (the calendar column is about text); a
        # year above 2400 means a B.E. date typed into a C.E. spreadsheet.
        year = value.year - BE_OFFSET if value.year > BE_THRESHOLD else value.year
        try:
            local = value.replace(year=year, tzinfo=value.tzinfo or BANGKOK)
        except ValueError:
            raise CellError("date_invalid", value=value.date().isoformat()) from None
        if not CE_RANGE[0] <= year <= CE_RANGE[1]:
            raise CellError("year_implausible", year=value.year)
        if local.time() == time(0) and value.tzinfo is None:
            return Moment(local.date())
        bangkok = local.astimezone(BANGKOK)
        return Moment(bangkok.date(), bangkok)
    if isinstance(value, date):
        return moment_value(datetime.combine(value, time(0)), calendar)
    text = text_value(value)
    if text is None:
        return None
    era = _ERA.search(text)
    if era:                              # "1 ต.ค. พ.ศ. 2567", "1 October 2024 CE"
        written = "BE" if era.group(1).upper().startswith(("พ", "B")) else "CE"
        if calendar and calendar != written:
            raise CellError("calendar_conflict_" + calendar.lower(),
                            year=int(re.search(r"\d{4}", text).group()) if
                            re.search(r"\d{4}", text) else 0)
        calendar = written
        text = _SPACES.sub(" ", text[:era.start()] + " " + text[era.end():]).strip()
    match = _ISO.fullmatch(text)
    if match:
        y, m, d, hh, mm, ss, zone = match.groups()
        return _moment(int(y), int(m), int(d), hh, mm, ss, zone, calendar)
    match = _DMY.fullmatch(text)
    if match:
        d, m, y, hh, mm, ss, zone = match.groups()
        return _moment(int(y), int(m), int(d), hh, mm, ss, zone, calendar)
    match = _WORDS.fullmatch(text)
    if match:
        d, month_name, y, hh, mm, ss, zone = match.groups()
        month = _MONTHS.get(month_name.casefold()) or _MONTHS.get(
            month_name.casefold().replace(".", ""))
        if month is None:
            raise CellError("date_format", value=text)
        return _moment(int(y), month, int(d), hh, mm, ss, zone, calendar)
    raise CellError("date_format", value=text)


# -- The file -------------------------------------------------------------------------------------

def _header_key(text: str) -> str:
    return _SPACES.sub(" ", normalise_text(text).casefold())


def _aliases() -> dict[str, str]:
    out = {}
    for column in COLUMNS:
        for name in (column.key, column.th, column.en, column.header,
                     f"{column.en} / {column.th}", f"{column.th} ({column.en})"):
            out[_header_key(name)] = column.key
    return out


ALIASES = _aliases()


def column_of(header: str) -> str | None:
    """The column key a header names, or None."""
    key = _header_key(header)
    if key in ALIASES:
        return ALIASES[key]
    parts = {ALIASES.get(part.strip()) for part in key.split(" / ")}
    if len(parts) == 1 and None not in parts:
        return parts.pop()
    return None


def detect_format(raw: bytes) -> str | None:
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    if raw.startswith(b"\xd0\xcf\x11\xe0") or b"\x00" in raw[:4096]:
        return None              # the old binary .xls, or some other binary file
    return "csv"


def decode_csv(raw: bytes) -> str | None:
    """Strict UTF-8 (a BOM is dropped), else strict Windows-874 (TIS-620)."""
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_lines(raw: bytes) -> tuple[list[tuple[int, list]], list[Problem]]:
    text = decode_csv(raw)
    if text is None:
        return [], [Problem(0, "", "file_encoding")]
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines, start = [], 1
    try:
        for row in reader:
            lines.append((start, row))
            start = reader.line_num + 1
            if len(lines) > MAX_ROWS + 1:
                return lines, [Problem(0, "", "too_many_rows", {"max": MAX_ROWS})]
    except csv.Error as error:
        return lines, [Problem(reader.line_num, "", "csv_syntax", {"why": str(error)})]
    return lines, []


def _xlsx_lines(raw: bytes) -> tuple[list[tuple[int, list]], list[Problem]]:
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 -- any unreadable workbook is the user's file
        return [], [Problem(0, "", "xlsx_unreadable", {"why": type(error).__name__})]
    try:
        sheet = workbook.worksheets[0]
        lines = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            lines.append((number, list(row)))
            if len(lines) > MAX_ROWS + 1:
                return lines, [Problem(0, "", "too_many_rows", {"max": MAX_ROWS})]
        return lines, []
    finally:
        workbook.close()


def _blank(cells) -> bool:
    """Only empty cells (normalised already)."""
    return all(c in EMPTY_MARKS for c in cells if not isinstance(c, (date, datetime)))


def read_table(raw: bytes) -> Table:
    """The file's rows by column key. Problems of the file itself (format, encoding, header)
    are in ``problems``; the values are checked later, row by row."""
    if not raw:
        return Table("", {}, [], [Problem(0, "", "file_empty")])
    if len(raw) > MAX_BYTES:
        return Table("", {}, [], [Problem(0, "", "file_too_big",
                                          {"max": MAX_BYTES // (1024 * 1024)})])
    kind = detect_format(raw)
    if kind is None:
        return Table("", {}, [], [Problem(0, "", "file_format")])
    lines, problems = _xlsx_lines(raw) if kind == "xlsx" else _csv_lines(raw)
    if problems:
        return Table(kind, {}, [], problems)
    lines = [(n, [c if isinstance(c, (date, datetime)) else normalise_text(c) for c in cells])
             for n, cells in lines]                     # each cell normalised once, here
    lines = [(n, cells) for n, cells in lines if not _blank(cells)]
    if not lines:
        return Table(kind, {}, [], [Problem(0, "", "file_empty")])
    header_line, header = lines[0]
    header = [c if isinstance(c, str) else normalise_text(c) for c in header]
    keys: list[str | None] = []
    headers: dict[str, str] = {}
    for position, name in enumerate(header):
        key = column_of(name) if name else None
        if name and key is None:
            problems.append(Problem(header_line, name, "unknown_column"))
        elif key in headers:
            problems.append(Problem(header_line, name, "duplicate_column",
                                    {"other": headers[key]}))
            key = None
        elif key:
            headers[key] = name
        keys.append(key)
    for column in COLUMNS:
        if column.required and column.key not in headers:
            problems.append(Problem(header_line, column.header, "missing_column"))
    rows = []
    for number, cells in lines[1:]:
        first = next((c for c in cells if c), "")
        if isinstance(first, str) and first.startswith("#"):
            continue
        values: dict[str, object] = {}
        for position, cell in enumerate(cells):
            key = keys[position] if position < len(keys) else None
            if key is not None:
                values[key] = cell
            elif not _blank([cell]):
                if not (header[position] if position < len(header) else ""):
                    problems.append(Problem(number, "", "value_without_header",
                                            {"position": position + 1}))
        rows.append((number, values))
    if not rows and not problems:
        problems.append(Problem(0, "", "no_rows"))
    return Table(kind, headers, rows, problems)


# -- The template ---------------------------------------------------------------------------------

def template_csv() -> bytes:
    """The template as CSV: UTF-8 with a BOM (so Excel shows Thai), the header and the example
    row (skipped on import: its first cell starts with ``#``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    writer.writerow(EXAMPLE_ROW)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The template as XLSX: the header and the example row on the first sheet (every cell text,
    so a spreadsheet keeps codes and B.E. dates as written), and a second sheet that explains
    each column in Thai and English."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "history"
    sheet.append([c.header for c in COLUMNS])
    sheet.append(list(EXAMPLE_ROW))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(16, len(column.header) + 2)
        for row in (1, 2, *range(3, 1001)):
            sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet("คำอธิบาย (notes)")
    notes.append(["คอลัมน์ / Column", "จำเป็น / Required", "คำอธิบาย", "Description"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.header, "✓" if column.required else "", column.help_th,
                      column.help_en])
    for line_th, line_en in (
            ("แถวแรกเป็นหัวตาราง หนึ่งแถวต่อใบรับรองหนึ่งฉบับ แถวที่ขึ้นต้นด้วย # จะถูกข้าม "
             "(เช่น แถวตัวอย่าง)",
             "The first row is the header; one row per certificate; rows starting with # are "
             "skipped (such as the example)."),
            ("วันที่: 2567-10-01, 1/10/2567 หรือ 1 ต.ค. 2567 อาจตามด้วยเวลา (เวลากรุงเทพฯ) "
             "ปีที่มากกว่า 2400 เป็น พ.ศ. ใช้เลขไทยได้",
             "Dates: 2567-10-01, 1/10/2567 or 1 Oct 2024, optionally with a time (Bangkok "
             "time); a year above 2400 is B.E.; Thai digits are accepted."),
            ("ถ้ามีข้อผิดพลาดแม้แต่แถวเดียว ระบบจะไม่นำเข้าทั้งไฟล์ และแจ้งทุกแถวที่ผิด "
             "การนำเข้าไฟล์เดิมซ้ำจะไม่เปลี่ยนแปลงข้อมูล",
             "A file with any bad row is refused whole, every bad row named; importing the same "
             "file again changes nothing.")):
        notes.append([])
        notes.append(["", "", line_th, line_en])
    for letter, width in (("A", 34), ("B", 14), ("C", 70), ("D", 70)):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
