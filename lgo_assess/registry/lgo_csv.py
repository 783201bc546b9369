"""Reading DLA's open-data list of LGOs, dataset "ชื่อและที่ตั้งองค์กรปกครองส่วนท้องถิ่น"
(``dlads_05_01``).

The file has one row per LGO × area it covers (about 82,600 rows for 7,849 LGOs: an LGO repeats
on many rows, and a subdistrict can repeat for the same LGO), no Bangkok, no English, no district
codes: places are given by Thai name. This module decodes the bytes (UTF-8 with or without BOM,
else Windows-874/TIS-620), checks every row and folds the rows into one record per LGO. It
collects every problem with its line number instead of stopping at the first, so a clerk can fix
a file in one pass. Pure: no Flask, no database; places are looked up through a ``GeoIndex``.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from lgo_assess.registry.names import normalise
from lgo_assess.registry.reference import GeoIndex

HEADER = ("จังหวัด", "อำเภอ", "ตำบล", "รหัส อปท.", "ประเภท อปท.", "อปท.",
          "ที่ตั้งสำนักงานเลขที่", "หมู่ที่", "รหัสไปรษณีย์", "ขนาดพื้นที่", "LAT", "LONG",
          "เว็ปไซต์ของอปท")  # sic: DLA's own spelling of the last column

# DLA's type labels → stored LgoType values. The long forms are accepted too.
TYPE_LABELS = {
    "อบจ.": "pao",
    "องค์การบริหารส่วนจังหวัด": "pao",
    "เทศบาลนคร": "city_municipality",
    "เทศบาลเมือง": "town_municipality",
    "เทศบาลตำบล": "subdistrict_municipality",
    "อบต.": "sao",
    "องค์การบริหารส่วนตำบล": "sao",
    "ท้องถิ่นรูปแบบพิเศษ": "pattaya",  # the only special-form LGO in the file is Pattaya City
    "เมืองพัทยา": "pattaya",
}
CODE = re.compile(r"^\d{7}$")          # e.g. 6110604: type digit, DOPA district, sequence
POSTAL_CODE = re.compile(r"^\d{5}$")
THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
EMPTY_MARKS = {"", "-", "–", "—"}
MAX_LENGTH = {"name": 200, "address": 300, "moo": 20, "website": 300}
# A box around Thailand (5.6–20.5 °N, 97.3–105.7 °E) with a margin.
LAT_RANGE = (5.0, 21.0)
LONG_RANGE = (97.0, 106.0)
_ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


@dataclass(frozen=True)
class RowError:
    line: int     # the file's line where the record starts (the header is line 1)
    kind: str     # header, encoding, fields, province, district, subdistrict, type, code,
                  # name, number, postal_code, length, conflict
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class LgoRecord:
    """One LGO as the file describes it, folded from all its rows."""

    code: str
    lgo_type: str
    name_th: str
    province_code: str
    first_line: int
    subdistrict_codes: list[str] = field(default_factory=list)
    district_counts: Counter = field(default_factory=Counter)
    address: str | None = None
    moo: str | None = None
    postal_code: str | None = None
    area_sq_km: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None
    rows: int = 0

    @property
    def district_code(self) -> str | None:
        """The district the LGO sits in: the only one its rows name; for an LGO spanning several,
        the one most rows name (first named wins a tie); none for a PAO spanning a province."""
        if not self.district_counts:
            return None
        if len(self.district_counts) > 1 and self.lgo_type == "pao":
            return None
        return self.district_counts.most_common(1)[0][0]


@dataclass
class ParsedFile:
    records: list[LgoRecord]
    rows: int
    errors: list[RowError]
    encoding: str

    @property
    def ok(self) -> bool:
        return not self.errors


def decode(raw: bytes) -> tuple[str | None, str]:
    """(text, encoding): strict UTF-8 (a BOM is dropped), else strict Windows-874."""
    try:
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        return raw.decode("utf-8-sig"), encoding
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp874"), "cp874"
    except UnicodeDecodeError:
        return None, "unknown"


def _text(value: str) -> str | None:
    value = normalise(value)
    return None if value in EMPTY_MARKS else value


def _float(value: str, *, thousands: bool = False) -> float:
    value = value.translate(_ARABIC_DIGITS)
    if thousands and THOUSANDS.match(value):
        value = value.replace(",", "")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


class _Checks:
    """Collects the problems of one part of a row as (kind, message) pairs. Parts repeat across
    rows (an LGO's details on each of its rows, a place on the rows of every LGO there), so each
    distinct part is checked once and its problems are reported on every row that has it."""

    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def fail(self, kind: str, message: str) -> None:
        self.problems.append((kind, message))


class _Place(_Checks):
    def __init__(self, geo: GeoIndex, province: str, district: str, subdistrict: str):
        super().__init__()
        self.province_code, self.district_code, self.subdistrict_code = self._place(
            geo, province, district, subdistrict)

    def _place(self, geo: GeoIndex, province: str, district: str, subdistrict: str):
        province_code = geo.province(province)
        if province_code is None:
            self.fail("province", f"unknown province {normalise(province)!r}")
            return None, None, None
        district_code = geo.district(province_code, district)
        if district_code is None:
            self.fail("district", f"unknown district {normalise(district)!r} in province "
                                  f"{normalise(province)}")
            return province_code, None, None
        subdistrict_code = geo.subdistrict(district_code, subdistrict)
        if subdistrict_code is None:
            self.fail("subdistrict", f"unknown subdistrict {normalise(subdistrict)!r} in "
                                     f"district {normalise(district)}, {normalise(province)}")
        return province_code, district_code, subdistrict_code


class _Details(_Checks):
    """The LGO's own columns: code, type, name, address, postcode, area, coordinates, website."""

    def __init__(self, cells: tuple[str, ...]):
        super().__init__()
        (code, type_label, name, address, moo, postal, area, lat, long_, website) = cells
        self.code = self._code(code)
        self.lgo_type = self._type(type_label)
        self.name_th = self._name(name)
        self.address = self._limited(address, "address", "address")
        self.moo = self._limited(moo, "moo", "หมู่ที่ (moo)")
        self.website = self._limited(website, "website", "website")
        self.postal_code = self._postal(postal)
        self.area_sq_km = self._area(area)
        self.latitude, self.longitude = self._coordinates(lat, long_)

    def _code(self, value: str) -> str | None:
        code = normalise(value).translate(_ARABIC_DIGITS)
        if not CODE.match(code):
            self.fail("code", f"bad LGO code {value!r}: expected 7 digits")
            return None
        return code

    def _type(self, value: str) -> str | None:
        lgo_type = TYPE_LABELS.get(normalise(value))
        if lgo_type is None:
            self.fail("type", f"unknown LGO type {value!r} (expected one of "
                              "อบจ., เทศบาลนคร, เทศบาลเมือง, เทศบาลตำบล, อบต., ท้องถิ่นรูปแบบพิเศษ)")
        return lgo_type

    def _name(self, value: str) -> str | None:
        name = _text(value)
        if not name:
            self.fail("name", "the LGO name (อปท.) is empty")
            return None
        if len(name) > MAX_LENGTH["name"]:
            self.fail("length", f"the LGO name is longer than {MAX_LENGTH['name']} characters")
            return None
        return name

    def _limited(self, value: str, key: str, label: str) -> str | None:
        text = _text(value)
        if text and len(text) > MAX_LENGTH[key]:
            self.fail("length", f"the {label} is longer than {MAX_LENGTH[key]} characters")
            return None
        return text

    def _postal(self, value: str) -> str | None:
        text = _text(value)
        if text is None:
            return None
        text = text.translate(_ARABIC_DIGITS)
        if not POSTAL_CODE.match(text):
            self.fail("postal_code", f"bad postal code {value!r}: expected 5 digits")
            return None
        return text

    def _area(self, value: str) -> float | None:
        text = _text(value)
        if text is None:
            return None
        try:
            area = _float(text, thousands=True)
        except ValueError:
            self.fail("number", f"bad number {value!r} in ขนาดพื้นที่ (area)")
            return None
        if area < 0:
            self.fail("number", f"negative area {value!r}")
            return None
        return area

    def _coordinates(self, lat: str, long_: str) -> tuple[float | None, float | None]:
        lat_text, long_text = _text(lat), _text(long_)
        if lat_text is None and long_text is None:
            return None, None
        if lat_text is None or long_text is None:
            self.fail("number", "give both LAT and LONG or neither")
            return None, None
        try:
            latitude = _float(lat_text)
        except ValueError:
            self.fail("number", f"bad number {lat!r} in LAT")
            return None, None
        try:
            longitude = _float(long_text)
        except ValueError:
            self.fail("number", f"bad number {long_!r} in LONG")
            return None, None
        if latitude == 0 and longitude == 0:
            return None, None  # some exports write 0/0 for "unknown": keep it empty
        if not (LAT_RANGE[0] <= latitude <= LAT_RANGE[1]
                and LONG_RANGE[0] <= longitude <= LONG_RANGE[1]):
            swapped = (LAT_RANGE[0] <= longitude <= LAT_RANGE[1]
                       and LONG_RANGE[0] <= latitude <= LONG_RANGE[1])
            hint = " (LAT and LONG look swapped)" if swapped else ""
            self.fail("number", f"coordinates {lat_text}, {long_text} lie outside "
                                f"Thailand{hint}")
            return None, None
        return latitude, longitude


_FOLDED_FIELDS = ("address", "moo", "postal_code", "area_sq_km", "latitude", "longitude",
                  "website")


def _fold(records: dict[str, LgoRecord], line: int, place: _Place, row: _Details,
          errors: list[RowError]) -> None:
    record = records.get(row.code)
    if record is None:
        record = LgoRecord(code=row.code, lgo_type=row.lgo_type, name_th=row.name_th,
                           province_code=place.province_code, first_line=line)
        records[row.code] = record
    else:
        for label, mine, theirs in (("type", row.lgo_type, record.lgo_type),
                                    ("name", row.name_th, record.name_th),
                                    ("province", place.province_code, record.province_code)):
            if mine != theirs:
                errors.append(RowError(line, "conflict",
                                       f"LGO code {row.code} has a different {label} here than "
                                       f"on line {record.first_line}"))
                return
    record.rows += 1
    record.district_counts[place.district_code] += 1
    if place.subdistrict_code not in record.subdistrict_codes:
        record.subdistrict_codes.append(place.subdistrict_code)
    for name in _FOLDED_FIELDS:  # the first row that gives a value wins
        if getattr(record, name) is None and getattr(row, name) is not None:
            setattr(record, name, getattr(row, name))


def parse_lgo_csv(raw: bytes, geo: GeoIndex) -> ParsedFile:
    """Check every row of a DLA LGO file and fold the good ones into one record per LGO.
    The result's ``errors`` lists every problem; a caller must refuse the file if any."""
    text, encoding = decode(raw)
    if text is None:
        return ParsedFile([], 0, [RowError(0, "encoding", "the file is neither UTF-8 nor "
                                                          "Windows-874 (TIS-620) text")], encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[RowError] = []
    records: dict[str, LgoRecord] = {}
    places: dict[tuple, _Place] = {}
    checked: dict[tuple, _Details] = {}
    rows = 0
    try:
        header = next(reader, None)
    except csv.Error as error:
        return ParsedFile([], 0, [RowError(1, "header", f"unreadable header: {error}")], encoding)
    if header is None:
        return ParsedFile([], 0, [RowError(1, "header", "the file is empty")], encoding)
    header = [normalise(cell) for cell in header]
    if tuple(header) != HEADER:
        wrong = [f"column {i + 1} is {got!r}, expected {want!r}"
                 for i, (got, want) in enumerate(zip(header, HEADER)) if got != want]
        if len(header) != len(HEADER):
            wrong.append(f"{len(header)} columns, expected {len(HEADER)}")
        return ParsedFile([], 0, [RowError(1, "header", "wrong header: " + "; ".join(wrong)
                                           + ". Expected: " + ",".join(HEADER))], encoding)
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(start, "fields", f"unreadable CSV: {error}"))
            break
        last_line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue  # blank line
        rows += 1
        if len(cells) != len(HEADER):
            errors.append(RowError(start, "fields",
                                   f"{len(cells)} fields, expected {len(HEADER)}"))
            continue
        place_key, details_key = tuple(cells[:3]), tuple(cells[3:])
        place = places.get(place_key)
        if place is None:
            place = places[place_key] = _Place(geo, *place_key)
        details = checked.get(details_key)
        if details is None:
            details = checked[details_key] = _Details(details_key)
        if place.problems or details.problems:
            errors.extend(RowError(start, kind, message)
                          for kind, message in place.problems + details.problems)
        else:
            _fold(records, start, place, details, errors)
    if rows == 0 and not errors:
        errors.append(RowError(2, "fields", "the file has a header but no rows"))
    return ParsedFile(list(records.values()), rows, errors, encoding)
