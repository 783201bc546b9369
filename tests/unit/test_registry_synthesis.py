"""The synthetic national registry: the real type mix, real places, deterministic by seed."""
from collections import Counter

import pytest

from lgo_assess.registry.reference import load_geography
from lgo_assess.registry.synthesis import (SINCE_FY, SEZ_DISTRICTS, TARGETS, TYPE_DIGIT,
                                           synthesize)
from tests.conftest import GEOGRAPHY_DIR


@pytest.fixture(scope="module")
def geography():
    return load_geography(GEOGRAPHY_DIR)


@pytest.fixture(scope="module")
def registry(geography):
    return synthesize(geography, seed=7)


def test_the_type_mix_is_dla_s(registry):
    assert Counter(lgo.lgo_type for lgo in registry) == {
        "pao": 76, "city_municipality": 30, "town_municipality": 195,
        "subdistrict_municipality": 2247, "sao": 5300, "pattaya": 1, "bangkok": 1}
    assert len(registry) == sum(TARGETS.values()) == 7850


def test_the_same_seed_gives_the_same_registry(geography, registry):
    again = synthesize(geography, seed=7)
    assert [(l.code, l.name_th, l.name_en, l.subdistrict_codes, l.periods, l.area_tags)
            for l in again] == [(l.code, l.name_th, l.name_en, l.subdistrict_codes, l.periods,
                                 l.area_tags) for l in registry]
    other = synthesize(geography, seed=8)
    assert [l.name_th for l in other] != [l.name_th for l in registry]


def test_codes_are_unique_seven_digits_starting_with_the_type(registry):
    codes = [lgo.code for lgo in registry]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 7 and c.isdigit() for c in codes)
    assert all(lgo.code[0] == TYPE_DIGIT[lgo.lgo_type] for lgo in registry)
    assert all(lgo.code[1:5] == lgo.district_code for lgo in registry if lgo.district_code)


def test_one_pao_per_province_except_bangkok(geography, registry):
    paos = {lgo.province_code: lgo for lgo in registry if lgo.lgo_type == "pao"}
    assert set(paos) == {p.code for p in geography.provinces} - {"10"}
    assert paos["50"].name_th == "องค์การบริหารส่วนจังหวัดเชียงใหม่"
    assert paos["50"].name_en == "Chiang Mai Provincial Administrative Organisation"
    bangkok = [lgo for lgo in registry if lgo.lgo_type == "bangkok"]
    assert len(bangkok) == 1 and bangkok[0].province_code == "10"
    assert len(bangkok[0].subdistrict_codes) == 180
    pattaya = next(lgo for lgo in registry if lgo.lgo_type == "pattaya")
    assert (pattaya.name_th, pattaya.province_code, pattaya.district_code) == (
        "เมืองพัทยา", "20", "2004")


def test_every_lgo_is_named_after_a_real_place_where_it_sits(geography, registry):
    subdistricts = {s.code: s for s in geography.subdistricts}
    districts = {d.code: d for d in geography.districts}
    for lgo in registry:
        if lgo.lgo_type in ("pao", "bangkok"):
            assert all(code.startswith(lgo.province_code) for code in lgo.subdistrict_codes)
            continue
        assert all(subdistricts[c].district_code == lgo.district_code
                   for c in lgo.subdistrict_codes), lgo
        home = subdistricts[lgo.home]
        if lgo.lgo_type == "sao":
            assert lgo.name_th == f"อบต.{home.name_th}"
            assert lgo.name_en == f"Tambon {home.name_en} SAO"
        elif lgo.lgo_type == "subdistrict_municipality":
            district = districts[lgo.district_code]
            assert lgo.name_th in (f"เทศบาลตำบล{home.name_th}", f"เทศบาลตำบล{district.name_th}")


def test_every_subdistrict_outside_bangkok_has_a_local_lgo(geography, registry):
    covered = {code for lgo in registry if lgo.lgo_type not in ("pao", "bangkok")
               for code in lgo.subdistrict_codes}
    outside_bangkok = {s.code for s in geography.subdistricts if s.province_code != "10"}
    assert covered == outside_bangkok


def test_cities_and_towns_go_to_amphoe_mueang_first(registry):
    big = {lgo.district_code for lgo in registry
           if lgo.lgo_type in ("city_municipality", "town_municipality")}
    mueang = {lgo.province_code + "01" for lgo in registry if lgo.lgo_type == "pao"}
    assert mueang <= big


def test_a_few_hundred_saos_were_upgraded_in_fy_2563_to_2568(registry):
    upgraded = [lgo for lgo in registry if len(lgo.periods) > 1]
    assert 200 <= len(upgraded) <= 400
    for lgo in upgraded:
        (old, since, until), (new, year, end) = lgo.periods
        assert (old, new, since, end) == ("sao", "subdistrict_municipality", SINCE_FY, None)
        assert 2563 <= year <= 2568 and until == year - 1
        assert lgo.type_in(year - 1) == "sao" and lgo.type_in(year) == new
        assert lgo.type_in(SINCE_FY - 1) is None
    before = Counter(lgo.type_in(2562) for lgo in registry)
    assert before["sao"] == 5300 + len(upgraded)
    assert before["subdistrict_municipality"] == 2247 - len(upgraded)


def test_area_tags_are_plausible(registry):
    tagged = {tag: {lgo.province_code for lgo in registry if tag in lgo.area_tags}
              for tag in ("border", "island", "international_tourism",
                          "special_economic_zone", "urban", "development_inequality")}
    assert all(tagged.values()), "every seed tag is used"
    phuket = [lgo for lgo in registry if lgo.province_code == "83"]
    assert all({"island", "international_tourism"} <= lgo.area_tags for lgo in phuket)
    assert tagged["special_economic_zone"] == {code[:2] for code in SEZ_DISTRICTS}
    assert {"63", "49", "27", "23", "90", "43", "96", "57", "48", "71"} == tagged[
        "special_economic_zone"]
    assert "border" not in next(l for l in registry if l.lgo_type == "pao"
                                and l.province_code == "40").area_tags      # Khon Kaen
    assert all("urban" in lgo.area_tags for lgo in registry
               if lgo.lgo_type in ("city_municipality", "town_municipality"))
    assert not any("island" in lgo.area_tags for lgo in registry if lgo.district_code == "5203")
