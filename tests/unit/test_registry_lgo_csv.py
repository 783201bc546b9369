"""Reading DLA's LGO file: every bad row named with its line, good rows folded per LGO."""
import csv
import io

import pytest

from lgo_assess.registry.lgo_csv import HEADER, decode, parse_lgo_csv
from lgo_assess.registry.reference import GeoIndex

GEO = GeoIndex.build(
    provinces=[("11", "สมุทรปราการ"), ("20", "ชลบุรี")],
    districts=[("1101", "11", "เมืองสมุทรปราการ"), ("1103", "11", "บางพลี"),
               ("2004", "20", "บางละมุง")],
    subdistricts=[("110101", "1101", "ปากน้ำ"), ("110301", "1103", "บางพลีใหญ่"),
                  ("110302", "1103", "บางแก้ว"), ("200402", "2004", "หนองปรือ")])


def row(**changes) -> list[str]:
    base = {"province": "สมุทรปราการ", "district": "บางพลี", "subdistrict": "บางพลีใหญ่",
            "code": "5110301", "type": "เทศบาลตำบล", "name": "เทศบาลตำบลบางพลี",
            "address": "99", "moo": "3", "postal": "10540", "area": "12.5", "lat": "13.6",
            "long": "100.7", "website": "www.bangphli.go.th"}
    base.update(changes)
    return list(base.values())


def csv_bytes(rows, encoding="utf-8", header=HEADER) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def kinds(parsed) -> list[tuple[int, str]]:
    return [(e.line, e.kind) for e in parsed.errors]


def test_rows_fold_into_one_record_per_lgo():
    parsed = parse_lgo_csv(csv_bytes([
        row(),
        row(subdistrict="บางแก้ว", area="", lat="", long=""),
        row(subdistrict="บางแก้ว"),              # a second row for the same area (a village)
        row(code="6110101", type="อบต.", name="อบต.ปากน้ำ", district="เมืองสมุทรปราการ",
            subdistrict="ปากน้ำ", area="", lat="", long="", website=""),
    ]), GEO)
    assert parsed.ok and parsed.rows == 4 and parsed.encoding == "utf-8"
    first, second = parsed.records
    assert (first.code, first.lgo_type, first.name_th) == ("5110301", "subdistrict_municipality",
                                                           "เทศบาลตำบลบางพลี")
    assert first.subdistrict_codes == ["110301", "110302"] and first.district_code == "1103"
    assert (first.area_sq_km, first.latitude, first.longitude) == (12.5, 13.6, 100.7)
    assert first.rows == 3 and first.first_line == 2
    assert second.lgo_type == "sao" and second.area_sq_km is None and second.latitude is None
    assert second.website is None


def test_quoted_commas_escaped_quotes_and_newlines_inside_fields():
    raw = csv_bytes([row(website="www,tlpm.go.th", address='12/3, "ซอยหนึ่ง"\nถนนสอง'),
                     row(code="bad")])
    assert b'"www,tlpm.go.th"' in raw and b'""' in raw
    parsed = parse_lgo_csv(raw, GEO)
    # the first record spans lines 2–3, so the bad row is on line 4
    assert kinds(parsed) == [(4, "code")]
    parsed = parse_lgo_csv(csv_bytes([row(website="www,tlpm.go.th",
                                          address='12/3, "ซอยหนึ่ง"')]), GEO)
    assert parsed.records[0].website == "www,tlpm.go.th"
    assert parsed.records[0].address == '12/3, "ซอยหนึ่ง"'


def test_every_kind_of_bad_row_is_named_with_its_line():
    parsed = parse_lgo_csv(csv_bytes([
        row(),                                               # 2 good
        row(province="เมืองลับแล"),                           # 3
        row(district="บางพลีน้อย"),                           # 4
        row(subdistrict="ปากน้ำ"),                            # 5 exists, but in another district
        row(type="สุขาภิบาล"),                                # 6
        row(code="51103"),                                   # 7
        row(code="5110302", name=""),                        # 8
        row(area="สิบสอง"),                                   # 9
        row(lat="13.6", long=""),                            # 10
        row(lat="100.7", long="13.6"),                       # 11 swapped
        row(postal="1054"),                                  # 12
        row(name="เทศบาลตำบลบางพลีใหม่"),                      # 13 same code, other name
        row(type="อบต."),                                    # 14 same code, other type
        row(province="ชลบุรี", district="บางละมุง", subdistrict="หนองปรือ"),  # 15 other province
        row()[:12],                                          # 16 a field short
        row(website="x" * 301),                              # 17
    ]), GEO)
    assert kinds(parsed) == [
        (3, "province"), (4, "district"), (5, "subdistrict"), (6, "type"), (7, "code"),
        (8, "name"), (9, "number"), (10, "number"), (11, "number"), (12, "postal_code"),
        (13, "conflict"), (14, "conflict"), (15, "conflict"), (16, "fields"), (17, "length")]
    messages = {e.line: str(e) for e in parsed.errors}
    assert messages[3] == "line 3: unknown province 'เมืองลับแล'"
    assert "LAT and LONG look swapped" in messages[11]
    assert "different name here than on line 2" in messages[13]
    assert "different province" in messages[15]


def test_one_row_can_have_several_problems():
    parsed = parse_lgo_csv(csv_bytes([row(district="ไม่มี", type="?", lat="x")]), GEO)
    assert kinds(parsed) == [(2, "district"), (2, "type"), (2, "number")]


def test_a_wrong_header_refuses_the_file_at_line_1():
    header = list(HEADER)
    header[12] = "เว็บไซต์ของอปท"    # the corrected spelling is not DLA's
    parsed = parse_lgo_csv(csv_bytes([row()], header=header), GEO)
    assert kinds(parsed) == [(1, "header")]
    assert "column 13 is 'เว็บไซต์ของอปท', expected 'เว็ปไซต์ของอปท'" in parsed.errors[0].message
    assert kinds(parse_lgo_csv(b"", GEO)) == [(1, "header")]
    assert kinds(parse_lgo_csv(csv_bytes([]), GEO)) == [(2, "fields")]


@pytest.mark.parametrize("encoding, name", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                            ("cp874", "cp874")])
def test_utf8_with_or_without_bom_and_windows_874(encoding, name):
    parsed = parse_lgo_csv(csv_bytes([row()], encoding), GEO)
    assert parsed.ok and parsed.encoding == name
    assert parsed.records[0].name_th == "เทศบาลตำบลบางพลี"


def test_bytes_that_are_no_thai_text_are_refused():
    text, encoding = decode(b"\xff\xfe\xfd")
    assert text is None and encoding == "unknown"
    assert kinds(parse_lgo_csv(b"\xff\xfe\xfd", GEO)) == [(0, "encoding")]


def test_empty_marks_zero_coordinates_thai_digits_and_blank_lines():
    raw = csv_bytes([row(area="-", lat="0", long="0", postal="๑๐๕๔๐", moo="")]) + b"\r\n\r\n"
    parsed = parse_lgo_csv(raw, GEO)
    assert parsed.ok and parsed.rows == 1
    record = parsed.records[0]
    assert record.area_sq_km is None and record.latitude is None and record.longitude is None
    assert record.postal_code == "10540" and record.moo is None
    assert parse_lgo_csv(csv_bytes([row(area="1,234.5")]), GEO).records[0].area_sq_km == 1234.5


def test_a_pao_spanning_districts_sits_in_none():
    parsed = parse_lgo_csv(csv_bytes([
        row(code="2110100", type="อบจ.", name="องค์การบริหารส่วนจังหวัดสมุทรปราการ"),
        row(code="2110100", type="อบจ.", name="องค์การบริหารส่วนจังหวัดสมุทรปราการ",
            district="เมืองสมุทรปราการ", subdistrict="ปากน้ำ")]), GEO)
    assert parsed.ok and parsed.records[0].district_code is None
    assert parsed.records[0].subdistrict_codes == ["110301", "110101"]
