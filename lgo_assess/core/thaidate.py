"""Thai dates: Buddhist-era years, Thai month names, the Thai fiscal year (1 Oct – 30 Sep).

Pure Python, no Flask. Dates stay Gregorian everywhere; only display adds 543. The fiscal year is
named by its B.E. year and computed from the Asia/Bangkok calendar date, so 30 Sep 20:00 UTC is
already 1 Oct, the next fiscal year, in Thailand.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543

MONTHS_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
             "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
MONTHS_TH_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                   "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
MONTHS_EN_SHORT = tuple(m[:3] for m in MONTHS_EN)

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def bangkok_date(moment: datetime | date) -> date:
    """The calendar date in Bangkok of an aware datetime (a plain date is returned as it is)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware moment")
        return moment.astimezone(BANGKOK).date()
    return moment


def today_bangkok(now: datetime | None = None) -> date:
    return bangkok_date(now or datetime.now(timezone.utc))


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    return be - BE_OFFSET


def fiscal_year(moment: datetime | date) -> int:
    """The Thai fiscal year (B.E.) that a moment falls in: FY 2569 runs 1 Oct 2025 – 30 Sep 2026."""
    d = bangkok_date(moment)
    return d.year + BE_OFFSET + (1 if d.month >= 10 else 0)


def fiscal_year_range(fy_be: int) -> tuple[date, date]:
    """First and last day of a fiscal year named by its B.E. year."""
    end_ce = fy_be - BE_OFFSET
    return date(end_ce - 1, 10, 1), date(end_ce, 9, 30)


def fiscal_year_end(fy_be: int) -> date:
    return fiscal_year_range(fy_be)[1]


def to_thai_digits(text: str) -> str:
    return text.translate(THAI_DIGITS)


def to_arabic_digits(text: str) -> str:
    return text.translate(ARABIC_DIGITS)


def format_date(d: date | datetime | None, locale: str = "th", *, short: bool = False,
                thai_digits: bool = False) -> str:
    """``1 ตุลาคม 2568`` in Thai, ``1 October 2568 BE`` in English; never a C.E. year in Thai."""
    if d is None:
        return ""
    d = bangkok_date(d) if isinstance(d, datetime) else d
    if locale.startswith("th"):
        month = (MONTHS_TH_SHORT if short else MONTHS_TH)[d.month - 1]
        text = f"{d.day} {month} {be_year(d.year)}"
        return to_thai_digits(text) if thai_digits else text
    month = (MONTHS_EN_SHORT if short else MONTHS_EN)[d.month - 1]
    return f"{d.day} {month} {be_year(d.year)} BE"


def format_datetime(moment: datetime | None, locale: str = "th") -> str:
    """A UTC moment shown in Bangkok time: ``1 ต.ค. 2568 03:00``."""
    if moment is None:
        return ""
    local = moment.astimezone(BANGKOK)
    return f"{format_date(local.date(), locale, short=True)} {local:%H:%M}"


def format_fiscal_year(fy_be: int, locale: str = "th") -> str:
    if locale.startswith("th"):
        return f"ปีงบประมาณ {fy_be}"
    return f"FY {fy_be} BE"
