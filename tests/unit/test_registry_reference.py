"""Regions, seed area tags and the DOPA geography as read from files (no database)."""
import json
from collections import Counter

import pytest

from lgo_assess.registry.reference import (GeoIndex, ReferenceDataError, check_regions_cover,
                                           load_area_tags, load_geography, load_regions)
from tests.conftest import GEOGRAPHY_DIR


@pytest.fixture(scope="module")
def geography():
    return load_geography(GEOGRAPHY_DIR)


@pytest.fixture(scope="module")
def regions():
    return load_regions()


def _members(regions, scheme: str) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for province, assigned in regions.province_regions.items():
        members.setdefault(assigned[scheme], set()).add(province)
    return members


def test_the_shared_geography_has_77_provinces_928_districts_7436_subdistricts(geography):
    raw = {name: len(json.loads((GEOGRAPHY_DIR / f"{name}.json").read_text(encoding="utf-8")))
           for name in ("provinces", "districts", "subdistricts")}
    assert raw == {"provinces": 77, "districts": 928, "subdistricts": 7436}
    assert geography.counts() == raw
    assert geography.provinces[0].code == "10" and geography.subdistricts[0].code == "100101"
    assert all(s.postal_code is None or len(s.postal_code) == 5 for s in geography.subdistricts)


def test_every_province_has_one_region_in_each_scheme(geography, regions):
    assert check_regions_cover(regions, [p.code for p in geography.provinces]) == []
    assert set(regions.province_regions) == {p.code for p in geography.provinces}
    assert all(set(a) == {"admin4", "geo6"} for a in regions.province_regions.values())


def test_region_sizes_follow_nso_and_the_royal_institute(regions):
    admin = {code: len(members) for code, members in _members(regions, "admin4").items()}
    geo = {code: len(members) for code, members in _members(regions, "geo6").items()}
    assert admin == {"north": 17, "northeast": 20, "central": 26, "south": 14}
    assert geo == {"north": 9, "northeast": 20, "central": 22, "east": 7, "west": 5, "south": 14}


def test_east_and_west_of_the_six_region_scheme(regions):
    geo = _members(regions, "geo6")
    # Tak, Kanchanaburi, Ratchaburi, Phetchaburi, Prachuap Khiri Khan
    assert geo["west"] == {"63", "71", "70", "76", "77"}
    # Chanthaburi, Chachoengsao, Chon Buri, Trat, Prachin Buri, Rayong, Sa Kaeo
    assert geo["east"] == {"22", "24", "20", "23", "25", "21", "27"}
    admin = regions.province_regions
    assert admin["10"] == {"admin4": "central", "geo6": "central"}     # Bangkok
    assert admin["63"] == {"admin4": "north", "geo6": "west"}          # Tak
    assert admin["60"] == {"admin4": "north", "geo6": "central"}       # Nakhon Sawan
    assert admin["20"] == {"admin4": "central", "geo6": "east"}        # Chon Buri


def test_regions_have_thai_and_english_names(regions):
    names = {(r.scheme, r.code): (r.name_th, r.name_en) for r in regions.regions}
    assert len(names) == 10
    assert names[("admin4", "northeast")] == ("ภาคตะวันออกเฉียงเหนือ", "Northeast")
    assert names[("geo6", "west")] == ("ภาคตะวันตก", "West")


def test_the_seed_area_tags(tmp_path):
    tags = {t.code: t for t in load_area_tags()}
    assert set(tags) == {"special_economic_zone", "international_tourism", "border",
                         "development_inequality", "urban", "island"}
    assert all(t.name_th and t.name_en for t in tags.values())
    bad = tmp_path / "tags.yaml"
    bad.write_text("area_tags:\n  Bad-Code: {name_th: x, name_en: y}\n  ok_code: {name_th: x}\n",
                   encoding="utf-8")
    with pytest.raises(ReferenceDataError) as refused:
        load_area_tags(bad)
    assert len(refused.value.problems) == 2


def test_a_broken_region_file_names_every_problem(tmp_path):
    path = tmp_path / "regions.yaml"
    path.write_text("""
schemes:
  admin4: {regions: {north: {name_th: เหนือ, name_en: North}}}
  geo6: {regions: {west: {name_th: ตะวันตก}}}
provinces:
  "50": [north, north]
  "63": [north]
""", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as refused:
        load_regions(path)
    problems = " | ".join(refused.value.problems)
    assert "geo6/west needs name_th and name_en" in problems
    assert "province 50: unknown geo6 region 'north'" in problems
    assert "province 63: give one region per scheme" in problems


def test_a_broken_geography_names_every_problem(tmp_path):
    (tmp_path / "provinces.json").write_text(json.dumps([
        {"provinceCode": 10, "provinceNameTh": "กรุงเทพมหานคร", "provinceNameEn": "Bangkok"},
        {"provinceCode": 10, "provinceNameTh": "ซ้ำ", "provinceNameEn": "Twice"},
        {"provinceCode": "1x", "provinceNameTh": "ผิด", "provinceNameEn": "Bad"}]),
        encoding="utf-8")
    (tmp_path / "districts.json").write_text(json.dumps([
        {"provinceCode": 11, "districtCode": 1101, "districtNameTh": "ก", "districtNameEn": "A"}]),
        encoding="utf-8")
    with pytest.raises(ReferenceDataError) as refused:
        load_geography(tmp_path)
    problems = " | ".join(refused.value.problems)
    assert "code 10 appears twice" in problems
    assert "'1x' is not a 2-digit code" in problems
    assert "district 1101: province 11 does not hold it" in problems
    assert "subdistricts.json not found" in problems


def test_places_are_found_by_thai_name_with_or_without_prefixes(geography):
    index = GeoIndex.from_geography(geography)
    assert index.province("สมุทรปราการ") == index.province("จังหวัดสมุทรปราการ") == "11"
    assert index.province(" จ.สมุทรปราการ ") == "11"
    assert index.district("11", "อำเภอบางพลี") == index.district("11", "บางพลี") == "1103"
    assert index.district("11", "อ.เมือง") == "1101"          # Amphoe Mueang Samut Prakan
    assert index.district("10", "เขตพระนคร") == "1001"
    assert index.subdistrict("1103", "ตำบลบางพลีใหญ่") == "110301"
    assert index.subdistrict("1001", "แขวงพระบรมมหาราชวัง") == "100101"
    # a subdistrict whose real name has dots, and one that needs SARA AM composed
    assert index.subdistrict("8504", "จ.ป.ร.") == "850406"
    assert index.province("อ\u0e4d\u0e32นาจเจริญ") == "37"
    assert index.province("สมุทร\u200bปราการ") == "11"
    assert index.district("11", "บางพลีX") is None
    assert index.subdistrict("1101", "บางพลีใหญ่") is None      # exists, but in another district


def test_district_codes_ending_01_are_amphoe_mueang(geography):
    mueang = [d for d in geography.districts if d.is_mueang and d.province_code != "10"]
    assert len(mueang) == 76
    names = Counter(d.name_th.startswith("เมือง") for d in mueang)
    assert names[True] == 75   # and Phra Nakhon Si Ayutthaya, the capital district of Ayutthaya
