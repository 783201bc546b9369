"""A synthetic national registry of LGOs, for tests, demos and benchmarks.

It has the real type mix of DLA's 2023 list (76 PAO, 30 city, 195 town, 2,247 subdistrict
municipalities, 5,300 SAO, Pattaya and Bangkok = 7,850), every LGO named after a real place from
DOPA's geography and sitting in that place's district. Which district gets which municipality, the
area tags and the upgrade history are invented but plausible, and the same seed always gives the
same registry (``random.Random(seed)``, inputs in code order). Pure: no Flask, no database.

How the pieces are placed:
- one PAO per province except Bangkok, named after the province, covering all its subdistricts;
- cities and towns go to the districts that score highest on a "populousness" proxy (subdistricts
  in the district and the province, Amphoe Mueang weighted up), Amphoe Mueang first: every Mueang
  district without a city gets a town;
- every other district gets one subdistrict municipality named after the district; the rest are
  spread in proportion to the number of subdistricts;
- each municipality has a home subdistrict; every subdistrict that is no municipality's home gets
  an SAO, and the remaining SAOs cover the rest of a municipality's home subdistrict (a split
  tambon, as in real life: "เทศบาลตำบลX" and "อบต.X" side by side);
- a few hundred of today's subdistrict municipalities were SAOs until an upgrade in FY 2563–2568.

DLA codes are 7 digits, ``T DDDD SS``: type digit (1 special, 2 PAO, 3 city, 4 town,
5 subdistrict municipality, 6 SAO), DOPA district code, sequence in that district.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from lgo_assess.registry.names import lgo_name_en, lgo_name_th
from lgo_assess.registry.reference import Geography, GeoDistrict, GeoSubdistrict

PAO = "pao"
CITY = "city_municipality"
TOWN = "town_municipality"
SUBDISTRICT_MUNICIPALITY = "subdistrict_municipality"
SAO = "sao"
BANGKOK = "bangkok"
PATTAYA = "pattaya"

TARGETS = {PAO: 76, CITY: 30, TOWN: 195, SUBDISTRICT_MUNICIPALITY: 2247, SAO: 5300,
           PATTAYA: 1, BANGKOK: 1}
TOTAL = sum(TARGETS.values())  # 7,850
SINCE_FY = 2550           # every synthetic LGO exists from this fiscal year (before the plan's 2561)
UPGRADE_YEARS = (2563, 2568)
UPGRADES = 300            # SAOs upgraded to subdistrict municipalities within UPGRADE_YEARS
MAX_CITIES_PER_PROVINCE = 2
TYPE_DIGIT = {BANGKOK: "1", PATTAYA: "1", PAO: "2", CITY: "3", TOWN: "4",
              SUBDISTRICT_MUNICIPALITY: "5", SAO: "6"}

BANGKOK_CODE = "10"
PATTAYA_DISTRICT = "2004"                       # บางละมุง, Chon Buri
PATTAYA_SUBDISTRICTS = ("200402", "200408")     # หนองปรือ, นาเกลือ

# Provinces on an international border: Myanmar, Laos, Cambodia, Malaysia (31).
BORDER_PROVINCES = frozenset({
    "50", "57", "58", "63", "70", "71", "76", "77", "85", "86",            # Myanmar
    "34", "37", "38", "42", "43", "48", "49", "53", "55", "56", "65",      # Laos
    "22", "23", "27", "31", "32", "33",                                    # Cambodia
    "90", "91", "95", "96",                                                # Malaysia
})
BORDER_DISTRICT_SHARE = 0.3   # besides the SEZ districts, a share of each border province's

# The ten border special economic zones and their districts.
SEZ_DISTRICTS = frozenset({
    "6304", "6306", "6307",          # Tak: แม่ระมาด แม่สอด พบพระ
    "4901", "4903", "4906",          # Mukdahan: เมืองมุกดาหาร ดอนตาล หว้านใหญ่
    "2702", "2703", "2706",          # Sa Kaeo: คลองหาด ตาพระยา อรัญประเทศ
    "2302",                          # Trat: คลองใหญ่
    "9010",                          # Songkhla: สะเดา
    "4301", "4314",                  # Nong Khai: เมืองหนองคาย สระใคร
    "9602", "9604", "9608", "9610",  # Narathiwat: ตากใบ ยี่งอ แว้ง สุไหงโก-ลก
    "5703", "5708", "5709",          # Chiang Rai: เชียงของ เชียงแสน แม่สาย
    "4801", "4803",                  # Nakhon Phanom: เมืองนครพนม ท่าอุเทน
    "7101",                          # Kanchanaburi: เมืองกาญจนบุรี
})

# International tourism: the whole of Phuket, and these districts.
TOURISM_PROVINCES = frozenset({"83"})
TOURISM_DISTRICTS = frozenset({
    "2004", "2008", "2009",          # Chon Buri: บางละมุง (Pattaya) เกาะสีชัง สัตหีบ
    "5001", "5007", "5015",          # Chiang Mai: เมืองเชียงใหม่ แม่ริม หางดง
    "5701", "5708",                  # Chiang Rai: เมืองเชียงราย เชียงแสน
    "5803",                          # Mae Hong Son: ปาย
    "8101", "8103", "8105",          # Krabi: เมืองกระบี่ เกาะลันตา อ่าวลึก
    "8202", "8205", "8208",          # Phang Nga: เกาะยาว ตะกั่วป่า ท้ายเหมือง
    "8404", "8405",                  # Surat Thani: เกาะสมุย เกาะพะงัน
    "7707", "7604",                  # หัวหิน ชะอำ
    "2306", "2307",                  # Trat: เกาะกูด เกาะช้าง
    "1401", "6401", "6405",          # Ayutthaya, Sukhothai: old capitals
})

# Islands: whole island districts, Phuket, and island subdistricts elsewhere.
ISLAND_PROVINCES = frozenset({"83"})
ISLAND_DISTRICTS = frozenset({"2008", "2306", "2307", "8103", "8202", "8404", "8405"})
ISLAND_SUBDISTRICTS = frozenset({
    "120608", "230601", "810802", "820108", "820508", "820603", "840503", "850109", "900106",
    "910106", "920213", "920411",
})

# Provinces with the highest poverty in NESDC's reports: a development-inequality area.
INEQUALITY_PROVINCES = frozenset({"94", "58", "96", "46", "63", "31", "48", "37", "95", "33"})
INEQUALITY_SHARE = 0.5


@dataclass
class SynthLgo:
    code: str
    lgo_type: str
    name_th: str
    name_en: str
    province_code: str
    district_code: str | None
    subdistrict_codes: list[str]
    postal_code: str | None
    periods: list[tuple[str, int, int | None]] = field(default_factory=list)
    area_tags: set[str] = field(default_factory=set)
    home: str | None = None   # the subdistrict it is named after / sits in

    def type_in(self, fiscal_year: int) -> str | None:
        for lgo_type, from_fy, to_fy in self.periods:
            if from_fy <= fiscal_year and (to_fy is None or fiscal_year <= to_fy):
                return lgo_type
        return None


@dataclass
class _Municipality:
    lgo_type: str
    district: GeoDistrict
    home: GeoSubdistrict | None = None
    named_after_district: bool = False
    covers: list[GeoSubdistrict] = field(default_factory=list)


def synthesize(geography: Geography, seed: int = 0) -> list[SynthLgo]:
    """The national registry for ``geography`` (DOPA's 77 provinces), ordered by code."""
    rng = random.Random(seed)  # noqa: S311 -- seeded synthetic demo registry, not security
    provinces = {p.code: p for p in geography.provinces}
    if BANGKOK_CODE not in provinces or len(provinces) != TARGETS[PAO] + 1:
        raise ValueError("synthesize needs the whole national geography (77 provinces)")
    districts = [d for d in geography.districts if d.province_code != BANGKOK_CODE]
    subs_of: dict[str, list[GeoSubdistrict]] = {d.code: [] for d in geography.districts}
    for s in geography.subdistricts:
        subs_of[s.district_code].append(s)
    province_size: dict[str, int] = {}
    for d in districts:
        province_size[d.province_code] = province_size.get(d.province_code, 0) + len(subs_of[d.code])

    score = {d.code: (len(subs_of[d.code]) + 2) * (2 if d.is_mueang else 1)
             * province_size[d.province_code] ** 0.5 * rng.uniform(0.75, 1.33)
             for d in districts}
    ranked = sorted(districts, key=lambda d: (-score[d.code], d.code))
    by_district: dict[str, list[_Municipality]] = {d.code: [] for d in districts}

    def capacity(d: GeoDistrict) -> int:
        reserved = len(PATTAYA_SUBDISTRICTS) if d.code == PATTAYA_DISTRICT else 0
        return len(subs_of[d.code]) - reserved - len(by_district[d.code])

    # Cities: the highest-scoring districts, at most two in a province.
    cities_in: dict[str, int] = {}
    for d in ranked:
        if sum(cities_in.values()) == TARGETS[CITY]:
            break
        if cities_in.get(d.province_code, 0) < MAX_CITIES_PER_PROVINCE and capacity(d) > 0:
            by_district[d.code].append(_Municipality(CITY, d))
            cities_in[d.province_code] = cities_in.get(d.province_code, 0) + 1
    # Towns: every Amphoe Mueang without a city, then by score.
    towns = 0
    for d in [d for d in districts if d.is_mueang] + ranked:
        if towns == TARGETS[TOWN]:
            break
        if not by_district[d.code] and capacity(d) > 0:
            by_district[d.code].append(_Municipality(TOWN, d))
            towns += 1
    # Subdistrict municipalities: one in every district still without a municipality, named
    # after the district; the rest spread by the number of subdistricts.
    placed = 0
    for d in districts:
        if not by_district[d.code] and capacity(d) > 0:
            by_district[d.code].append(_Municipality(SUBDISTRICT_MUNICIPALITY, d,
                                                     named_after_district=True))
            placed += 1
    pool = [d for d in districts if capacity(d) > 1]
    weights = [float(capacity(d) - 1) for d in pool]
    while placed < TARGETS[SUBDISTRICT_MUNICIPALITY]:
        index = rng.choices(range(len(pool)), weights)[0]
        d = pool[index]
        by_district[d.code].append(_Municipality(SUBDISTRICT_MUNICIPALITY, d))
        placed += 1
        # Leave at least one subdistrict per district to an SAO.
        weights[index] = float(max(capacity(d) - 1, 0))

    # Homes: a big municipality takes the district's first subdistrict (the town centre in DOPA's
    # order), the others a random free one; cities and towns also cover their neighbours.
    homes: set[str] = set(PATTAYA_SUBDISTRICTS)
    for d in districts:
        subs = subs_of[d.code]
        free = [s for s in subs if s.code not in homes]
        rng.shuffle(free)
        for m in by_district[d.code]:
            if m.lgo_type in (CITY, TOWN) or m.named_after_district:
                pick = next((s for s in subs if s.code not in homes), None)
                if m.named_after_district:  # prefer the subdistrict that shares its name
                    pick = next((s for s in subs if s.code not in homes
                                 and s.name_th == d.name_th), pick)
            else:
                pick = next(s for s in free if s.code not in homes)
            m.home = pick
            homes.add(pick.code)
            extra = {CITY: 2, TOWN: 1}.get(m.lgo_type, 0)
            neighbours = [s for s in subs if s.code != pick.code][:extra]
            m.covers = [pick] + neighbours

    lgos: list[SynthLgo] = []
    sequence: dict[tuple[str, str], int] = {}

    def code_for(lgo_type: str, district_code: str) -> str:
        key = (TYPE_DIGIT[lgo_type], district_code)
        sequence[key] = sequence.get(key, 0) + 1
        return f"{key[0]}{district_code}{sequence[key]:02d}"

    def add(lgo_type, place_th, place_en, province_code, district_code, covers, home=None,
            code=None) -> SynthLgo:
        lgo = SynthLgo(
            code=code or code_for(lgo_type, district_code), lgo_type=lgo_type,
            name_th=lgo_name_th(lgo_type, place_th), name_en=lgo_name_en(lgo_type, place_en),
            province_code=province_code, district_code=district_code,
            subdistrict_codes=sorted(s.code for s in covers),
            postal_code=home.postal_code if home else None,
            periods=[(lgo_type, SINCE_FY, None)], home=home.code if home else None)
        lgos.append(lgo)
        return lgo

    bangkok_subs = [s for d in geography.districts if d.province_code == BANGKOK_CODE
                    for s in subs_of[d.code]]
    add(BANGKOK, "", "", BANGKOK_CODE, None, bangkok_subs, code=f"1{BANGKOK_CODE}0100")
    subs = {s.code: s for s in geography.subdistricts}
    pattaya_home = subs[PATTAYA_SUBDISTRICTS[0]]
    add(PATTAYA, "", "", "20", PATTAYA_DISTRICT, [subs[c] for c in PATTAYA_SUBDISTRICTS],
        home=pattaya_home)
    for p in geography.provinces:
        if p.code == BANGKOK_CODE:
            continue
        covers = [s for d in districts if d.province_code == p.code for s in subs_of[d.code]]
        add(PAO, p.name_th, p.name_en, p.code, None, covers, code=f"2{p.code}0100",
            home=next((s for s in covers if s.district_code.endswith("01")), covers[0]))

    municipality_homes: list[tuple[_Municipality, SynthLgo]] = []
    for d in districts:
        province = provinces[d.province_code]
        used_names: set[str] = set()
        for m in by_district[d.code]:
            if m.lgo_type in (CITY, TOWN) and d.is_mueang:
                place_th, place_en = province.name_th, province.name_en
            elif m.lgo_type in (CITY, TOWN) or m.named_after_district:
                place_th, place_en = d.name_th, d.name_en
            else:
                place_th, place_en = m.home.name_th, m.home.name_en
            if place_th in used_names:
                place_th, place_en = m.home.name_th, m.home.name_en
            used_names.add(place_th)
            lgo = add(m.lgo_type, place_th, place_en, d.province_code, d.code, m.covers,
                      home=m.home)
            municipality_homes.append((m, lgo))
        for s in subs_of[d.code]:
            if s.code not in homes:
                add(SAO, s.name_th, s.name_en, d.province_code, d.code, [s], home=s)

    # Split subdistricts: SAOs covering the rest of a municipality's home subdistrict.
    splits_needed = TARGETS[SAO] - sum(1 for lgo in lgos if lgo.lgo_type == SAO)
    candidates = [(m, lgo) for m, lgo in municipality_homes if m.lgo_type != CITY]
    if not 0 <= splits_needed <= len(candidates):
        raise ValueError(f"the geography cannot hold {TARGETS[SAO]} SAOs")
    for m, _lgo in sorted(rng.sample(candidates, splits_needed), key=lambda pair: pair[0].home.code):
        s = m.home
        add(SAO, s.name_th, s.name_en, s.province_code, s.district_code, [s], home=s)

    # History: some of today's subdistrict municipalities were SAOs until FY 2563–2568.
    upgradable = sorted((lgo for m, lgo in municipality_homes
                         if m.lgo_type == SUBDISTRICT_MUNICIPALITY and not m.named_after_district),
                        key=lambda lgo: lgo.code)
    for lgo in rng.sample(upgradable, min(UPGRADES, len(upgradable))):
        year = rng.randint(*UPGRADE_YEARS)
        lgo.periods = [(SAO, SINCE_FY, year - 1), (SUBDISTRICT_MUNICIPALITY, year, None)]

    _tag(lgos, districts, rng)
    lgos.sort(key=lambda lgo: lgo.code)
    _check(lgos)
    return lgos


def _tag(lgos: list[SynthLgo], districts: list[GeoDistrict], rng: random.Random) -> None:
    border_districts = set(d for d in SEZ_DISTRICTS if d[:2] in BORDER_PROVINCES)
    for d in districts:
        if d.province_code in BORDER_PROVINCES and rng.random() < BORDER_DISTRICT_SHARE:
            border_districts.add(d.code)
    sez_provinces = {code[:2] for code in SEZ_DISTRICTS}
    tourism_provinces = TOURISM_PROVINCES | {code[:2] for code in TOURISM_DISTRICTS}
    for lgo in sorted(lgos, key=lambda lgo: lgo.code):
        p, d = lgo.province_code, lgo.district_code
        if lgo.lgo_type == PAO:
            if p in BORDER_PROVINCES:
                lgo.area_tags.add("border")
            if p in sez_provinces:
                lgo.area_tags.add("special_economic_zone")
            if p in tourism_provinces:
                lgo.area_tags.add("international_tourism")
            if p in INEQUALITY_PROVINCES:
                lgo.area_tags.add("development_inequality")
            if p in ISLAND_PROVINCES:
                lgo.area_tags.add("island")
            continue
        if d in border_districts:
            lgo.area_tags.add("border")
        if d in SEZ_DISTRICTS:
            lgo.area_tags.add("special_economic_zone")
        if p in TOURISM_PROVINCES or d in TOURISM_DISTRICTS or lgo.lgo_type == PATTAYA:
            lgo.area_tags.add("international_tourism")
        if p in ISLAND_PROVINCES or d in ISLAND_DISTRICTS or lgo.home in ISLAND_SUBDISTRICTS:
            lgo.area_tags.add("island")
        if lgo.lgo_type in (CITY, TOWN, BANGKOK, PATTAYA) or (
                lgo.lgo_type == SUBDISTRICT_MUNICIPALITY and d and d.endswith("01")):
            lgo.area_tags.add("urban")
        if (p in INEQUALITY_PROVINCES and lgo.lgo_type in (SAO, SUBDISTRICT_MUNICIPALITY)
                and rng.random() < INEQUALITY_SHARE):
            lgo.area_tags.add("development_inequality")


def _check(lgos: list[SynthLgo]) -> None:
    counts: dict[str, int] = {}
    for lgo in lgos:
        counts[lgo.lgo_type] = counts.get(lgo.lgo_type, 0) + 1
    if counts != TARGETS:
        raise AssertionError(f"synthesized type mix {counts} differs from {TARGETS}")
    codes = [lgo.code for lgo in lgos]
    if len(set(codes)) != len(codes) or any(len(c) != 7 or not c.isdigit() for c in codes):
        raise AssertionError("synthesized DLA codes are not unique 7-digit codes")
