from datetime import date, datetime, timezone

import pytest

from lgo_assess.core import thaidate


@pytest.mark.parametrize("moment, expected", [
    (date(2025, 9, 30), 2568),
    (date(2025, 10, 1), 2569),
    (date(2026, 9, 30), 2569),
    (date(2024, 2, 29), 2567),
    # 30 Sep 16:59 UTC is 23:59 in Bangkok: still the old fiscal year
    (datetime(2025, 9, 30, 16, 59, tzinfo=timezone.utc), 2568),
    # 30 Sep 17:00 UTC is already 1 Oct 00:00 in Bangkok: the new fiscal year
    (datetime(2025, 9, 30, 17, 0, tzinfo=timezone.utc), 2569),
])
def test_fiscal_year_turns_on_1_october_bangkok_time(moment, expected):
    assert thaidate.fiscal_year(moment) == expected


def test_fiscal_year_range_is_1_october_to_30_september():
    assert thaidate.fiscal_year_range(2569) == (date(2025, 10, 1), date(2026, 9, 30))
    assert thaidate.fiscal_year_end(2561) == date(2018, 9, 30)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        thaidate.fiscal_year(datetime(2025, 9, 30, 20, 0))


def test_thai_date_uses_buddhist_era_and_thai_month_names():
    assert thaidate.format_date(date(2025, 10, 1), "th") == "1 ตุลาคม 2568"
    assert thaidate.format_date(date(2025, 10, 1), "th", short=True) == "1 ต.ค. 2568"
    assert thaidate.format_date(date(2025, 10, 1), "en") == "1 October 2568 BE"


def test_29_february_is_shown_without_converting_the_date():
    # 2024 is a leap year but 2567 (as a C.E. number) would not be: the date stays Gregorian.
    assert thaidate.format_date(date(2024, 2, 29), "th") == "29 กุมภาพันธ์ 2567"
    assert thaidate.format_date(date(2024, 2, 29), "th", thai_digits=True) == "๒๙ กุมภาพันธ์ ๒๕๖๗"


def test_datetime_is_shown_in_bangkok_time():
    moment = datetime(2025, 9, 30, 20, 0, tzinfo=timezone.utc)
    assert thaidate.format_datetime(moment, "th") == "1 ต.ค. 2568 03:00"


def test_digits_convert_both_ways():
    assert thaidate.to_thai_digits("2568") == "๒๕๖๘"
    assert thaidate.to_arabic_digits("๒๕๖๘") == "2568"
