"""Normalising Thai names and reading and writing LGO names."""
import pytest

from lgo_assess.registry.names import (lgo_name_en, lgo_name_th, normalise, renamed_for_type,
                                       search_terms, split_lgo_name, strip_prefix,
                                       DISTRICT_PREFIXES)


def test_normalise_removes_what_a_reader_cannot_see():
    assert normalise("  บาง\u200bพลี \t ใหญ่ ") == "บางพลี ใหญ่"
    assert normalise("\ufeffกำแพงเพชร") == "กำแพงเพชร"
    assert normalise("ก\u0e4d\u0e32แพงเพชร") == "กำแพงเพชร"
    assert normalise(None) == ""


def test_strip_prefix_takes_one_administrative_prefix():
    assert strip_prefix("อำเภอเมืองเชียงใหม่", DISTRICT_PREFIXES) == "เมืองเชียงใหม่"
    assert strip_prefix("อ. สันทราย", DISTRICT_PREFIXES) == "สันทราย"
    assert strip_prefix("อำเภอ", DISTRICT_PREFIXES) == "อำเภอ"


@pytest.mark.parametrize("name, expected", [
    ("อบต.บางพลีใหญ่", ("sao", "บางพลีใหญ่")),
    ("องค์การบริหารส่วนตำบลบางพลีใหญ่", ("sao", "บางพลีใหญ่")),
    ("เทศบาลตำบลบางพลี", ("subdistrict_municipality", "บางพลี")),
    ("ทม. บ้านบึง", ("town_municipality", "บ้านบึง")),
    ("เทศบาลนครเชียงใหม่", ("city_municipality", "เชียงใหม่")),
    ("องค์การบริหารส่วนจังหวัดตาก", ("pao", "ตาก")),
    ("เมืองพัทยา", (None, "เมืองพัทยา")),
    ("บางพลี", (None, "บางพลี")),
])
def test_split_lgo_name(name, expected):
    assert split_lgo_name(name) == expected
    assert search_terms(name) == expected


def test_names_of_each_type():
    assert lgo_name_th("sao", "บางพลีใหญ่") == "อบต.บางพลีใหญ่"
    assert lgo_name_en("sao", "Bang Phli Yai") == "Tambon Bang Phli Yai SAO"
    assert lgo_name_th("subdistrict_municipality", "บางพลี") == "เทศบาลตำบลบางพลี"
    assert lgo_name_en("town_municipality", "Ban Bueng") == "Ban Bueng Town Municipality"
    assert lgo_name_th("pattaya", "") == "เมืองพัทยา"
    assert lgo_name_en("bangkok", "") == "Bangkok Metropolitan Administration"


def test_an_upgrade_renames_the_prefix_and_keeps_the_place():
    assert renamed_for_type("อบต.บางพลีใหญ่", "Tambon Bang Phli Yai SAO",
                            "subdistrict_municipality") == (
        "เทศบาลตำบลบางพลีใหญ่", "Bang Phli Yai Subdistrict Municipality")
    assert renamed_for_type("เทศบาลตำบลบ้านบึง", "Ban Bueng Subdistrict Municipality",
                            "town_municipality") == ("เทศบาลเมืองบ้านบึง",
                                                     "Ban Bueng Town Municipality")
    # a name without a known prefix is kept as it is
    assert renamed_for_type("เมืองพัทยา", "Pattaya City", "city_municipality") == (
        "เมืองพัทยา", "Pattaya City")
