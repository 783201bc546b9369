"""Reading a file of historical results: dates in B.E. or C.E. (a year above 2400 is B.E.),
Thai digits and month names, times in Bangkok unless an offset is given; headers in Thai or
English in any order; CSV in UTF-8 or Windows-874 with any common delimiter; problems of the file
itself named by line and column."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from lgo_assess.certification.history_file import (COLUMNS, CellError, certificate_number,
                                                   column_of, fiscal_year_value, moment_value,
                                                   read_table)

BANGKOK = timezone(timedelta(hours=7))


@pytest.mark.parametrize("text, calendar, expected", [
    ("2567-10-01", None, date(2024, 10, 1)),
    ("2024-10-01", None, date(2024, 10, 1)),
    ("1/10/2567", None, date(2024, 10, 1)),
    ("01-10-2024", "CE", date(2024, 10, 1)),
    ("๑/๑๐/๒๕๖๗", None, date(2024, 10, 1)),
    ("1 ต.ค. 2567", None, date(2024, 10, 1)),
    ("1 ต.ค. พ.ศ. 2567", None, date(2024, 10, 1)),
    ("1 ตุลาคม 2567", "BE", date(2024, 10, 1)),
    ("1 October 2024", None, date(2024, 10, 1)),
    ("1 Oct 2024 CE", None, date(2024, 10, 1)),
    ("29/2/2567", None, date(2024, 2, 29)),             # B.E. 2567 is the leap year 2024
])
def test_dates_in_every_accepted_form(text, calendar, expected):
    moment = moment_value(text, calendar)
    assert moment.day == expected and moment.at is None


def test_a_time_is_bangkok_time_unless_an_offset_says_otherwise():
    after_midnight = moment_value("2024-09-30T17:05:00Z", None)
    assert after_midnight.day == date(2024, 10, 1)
    assert after_midnight.utc() == datetime(2024, 9, 30, 17, 5, tzinfo=timezone.utc)
    local = moment_value("30/9/2567 23:59", None)
    assert local.day == date(2024, 9, 30) and local.at.utcoffset() == timedelta(hours=7)
    assert moment_value("1.10.2567 00.05 น.", None).day == date(2024, 10, 1)
    # a day alone starts at midnight in Bangkok
    assert moment_value("15/1/2569", None).utc() == datetime(2026, 1, 14, 17, 0,
                                                             tzinfo=timezone.utc)


def test_spreadsheet_date_cells():
    assert moment_value(datetime(2024, 10, 1), None).day == date(2024, 10, 1)
    assert moment_value(datetime(2567, 10, 1), "CE").day == date(2024, 10, 1)  # typed as B.E.
    assert moment_value(date(2024, 10, 1), "BE").day == date(2024, 10, 1)
    assert moment_value(datetime(2024, 10, 1, 0, 5), None).at == datetime(
        2024, 10, 1, 0, 5, tzinfo=BANGKOK)                   # a time in the cell: Bangkok
    assert moment_value(None, None) is None and moment_value("-", None) is None


@pytest.mark.parametrize("text, calendar, code", [
    ("1/10/67", None, "date_format"),
    ("tomorrow", None, "date_format"),
    ("1 Foo 2567", None, "date_format"),
    ("31/2/2567", None, "date_invalid"),
    ("29/2/2566", None, "date_invalid"),
    ("2024-10-01", "BE", "calendar_conflict_be"),
    ("2567-10-01", "CE", "calendar_conflict_ce"),
    ("1 ต.ค. พ.ศ. 2567", "CE", "calendar_conflict_ce"),
    ("1/10/2300", None, "year_implausible"),
    ("2024-10-01 25:00", None, "date_invalid"),
])
def test_bad_dates_are_named(text, calendar, code):
    with pytest.raises(CellError) as error:
        moment_value(text, calendar)
    assert error.value.code == code


def test_fiscal_years_and_numbers():
    assert fiscal_year_value("2565") == fiscal_year_value(2565.0) == 2565
    assert fiscal_year_value("๒๕๖๕") == fiscal_year_value("2022") == 2565
    assert fiscal_year_value("ปีงบประมาณ 2565") == 2565
    for bad, code in (("สองพัน", "fiscal_year_format"), ("", "required"),
                      ("65", "fiscal_year_format")):
        with pytest.raises(CellError) as error:
            fiscal_year_value(bad)
        assert error.value.code == code
    assert certificate_number("  gg-๑๒  /2565 ") == "GG-12 /2565"


def test_headers_in_thai_english_both_or_keys():
    for column in COLUMNS:
        for header in (column.th, column.en, column.header, column.key, column.en.upper(),
                       f"{column.en} / {column.th}"):
            assert column_of(header) == column.key, header
    assert column_of("Colour") is None and column_of("LGO code / Standard code") is None


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def test_a_csv_in_windows_874_with_semicolons_and_comment_and_blank_rows():
    text = ("ปีงบประมาณ;รหัส อปท.;เลขที่ใบรับรอง;รหัสมาตรฐาน;ระดับผลการประเมิน;"
            "วันที่ออกใบรับรอง\r\n"
            "#ตัวอย่าง;1;2;;;\r\n"
            ";;;;;\r\n"
            "2565;5100101;ก 1;GGL;ดี;1 ก.ค. 2565\r\n")
    table = read_table(_csv(text, "cp874"))
    assert table.problems == []
    assert table.rows == [(4, {"fiscal_year": "2565", "lgo_code": "5100101",
                               "certificate_number": "ก 1", "standard_code": "GGL",
                               "result_level": "ดี", "issued_on": "1 ก.ค. 2565"})]


def test_a_quoted_cell_over_two_lines_keeps_the_next_row_s_line_number():
    header = ",".join(c.header for c in COLUMNS if c.required)
    text = header + '\n1,GGL,2565,ดี,1/7/2565,"A\nB"\n2,GGL,2565,ดี,1/7/2565,C\n'
    assert [line for line, _cells in read_table(_csv(text)).rows] == [2, 4]


def test_header_problems_are_named_with_their_column():
    text = "LGO code,LGO code,Colour,Fiscal year\n1,1,x,2565\n"
    codes = {(p.line, p.column, p.code) for p in read_table(_csv(text)).problems}
    assert (1, "LGO code", "duplicate_column") in codes
    assert (1, "Colour", "unknown_column") in codes
    assert (1, "รหัสมาตรฐาน / Standard code", "missing_column") in codes


def test_a_value_under_no_header_is_refused():
    header = ",".join(c.header for c in COLUMNS)
    table = read_table(_csv(header + ",\n" + "1," * len(COLUMNS) + "stray\n"))
    assert [(p.line, p.code) for p in table.problems] == [(2, "value_without_header")]


def test_files_that_are_not_tables():
    assert [p.code for p in read_table(b"").problems] == ["file_empty"]
    assert [p.code for p in read_table(b"\xff\xfe\x00\x00").problems] == ["file_format"]
    assert [p.code for p in read_table(b"\x81\xff\x80 bad").problems] == ["file_encoding"]
