"""The demo registry: three provinces and Bangkok, a few real districts and subdistricts each
(DOPA codes and names written out by hand), and LGOs of every type.

The geography is real. The LGOs carry real names, but their DLA codes (shaped like DLA's:
type digit, province, district, sequence), type histories and area tags are demo values, not
DLA's registry: in particular the FY 2567 upgrade of Pong Yaeng is there to show a type history.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lgo_assess.core.audit import record
from lgo_assess.core.db import db
from lgo_assess.registry.models import (AreaTag, District, Lgo, LgoType, LgoTypePeriod, Province,
                                        Region, RegionScheme, Subdistrict)

FIRST_FY = 2561  # the plan's first fiscal year: every demo LGO exists from then

# (scheme, code): (Thai name, English name), as in registry/data/regions.yaml
REGIONS = {
    ("admin4", "north"): ("ภาคเหนือ", "North"),
    ("admin4", "northeast"): ("ภาคตะวันออกเฉียงเหนือ", "Northeast"),
    ("admin4", "central"): ("ภาคกลาง", "Central"),
    ("geo6", "north"): ("ภาคเหนือ", "North"),
    ("geo6", "northeast"): ("ภาคตะวันออกเฉียงเหนือ", "Northeast"),
    ("geo6", "central"): ("ภาคกลาง", "Central"),
    ("geo6", "east"): ("ภาคตะวันออก", "East"),
}

# code, Thai, English, admin4 region, geo6 region
PROVINCES = (
    ("10", "กรุงเทพมหานคร", "Bangkok", "central", "central"),
    ("20", "ชลบุรี", "Chon Buri", "central", "east"),
    ("40", "ขอนแก่น", "Khon Kaen", "northeast", "northeast"),
    ("50", "เชียงใหม่", "Chiang Mai", "north", "north"),
)

# code, Thai, English (the province is the first two digits)
DISTRICTS = (
    ("1001", "พระนคร", "Phra Nakhon"),
    ("2001", "เมืองชลบุรี", "Mueang Chon Buri"),
    ("2004", "บางละมุง", "Bang Lamung"),
    ("2007", "ศรีราชา", "Si Racha"),
    ("4001", "เมืองขอนแก่น", "Mueang Khon Kaen"),
    ("4010", "บ้านไผ่", "Ban Phai"),
    ("5001", "เมืองเชียงใหม่", "Mueang Chiang Mai"),
    ("5007", "แม่ริม", "Mae Rim"),
    ("5014", "สันทราย", "San Sai"),
)

# code, Thai, English, postal code (the district is the first four digits)
SUBDISTRICTS = (
    ("100106", "เสาชิงช้า", "Sao Chingcha", "10200"),
    ("100107", "บวรนิเวศ", "Bowon Niwet", "10200"),
    ("200101", "บางปลาสร้อย", "Bang Pla Soi", "20000"),
    ("200104", "แสนสุข", "Saen Suk", "20000"),
    ("200117", "อ่างศิลา", "Ang Sila", "20000"),
    ("200401", "บางละมุง", "Bang Lamung", "20150"),
    ("200402", "หนองปรือ", "Nong Prue", "20150"),
    ("200403", "หนองปลาไหล", "Nong Pla Lai", "20150"),
    ("200408", "นาเกลือ", "Na Kluea", "20150"),
    ("200701", "ศรีราชา", "Si Racha", "20110"),
    ("200707", "บางพระ", "Bang Phra", "20110"),
    ("400101", "ในเมือง", "Nai Mueang", "40000"),
    ("400110", "บ้านค้อ", "Ban Kho", "40000"),
    ("400114", "ศิลา", "Sila", "40000"),
    ("401001", "บ้านไผ่", "Ban Phai", "40110"),
    ("401002", "ในเมือง", "Nai Mueang", "40110"),
    ("500101", "ศรีภูมิ", "Si Phum", "50200"),
    ("500102", "พระสิงห์", "Phra Sing", "50200"),
    ("500103", "หายยา", "Hai Ya", "50100"),
    ("500104", "ช้างม่อย", "Chang Moi", "50300"),
    ("500105", "ช้างคลาน", "Chang Khlan", "50100"),
    ("500106", "วัดเกต", "Wat Ket", "50000"),
    ("500108", "สุเทพ", "Su Thep", "50200"),
    ("500701", "ริมใต้", "Rim Tai", "50180"),
    ("500708", "โป่งแยง", "Pong Yaeng", "50180"),
    ("501401", "สันทรายหลวง", "San Sai Luang", "50210"),
    ("501408", "หนองหาร", "Nong Han", "50290"),
)

# code: (Thai, English), as in registry/data/area_tags.yaml
AREA_TAGS = {
    "urban": ("พื้นที่เขตเมือง", "Urban area"),
    "international_tourism": ("พื้นที่ท่องเที่ยวระดับนานาชาติ", "International tourism area"),
}


@dataclass(frozen=True)
class DemoLgo:
    dla_code: str
    name_th: str
    name_en: str
    province: str
    district: str | None
    types: tuple[tuple[LgoType, int, int | None], ...]   # (type, from FY, to FY)
    subdistricts: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def postal_code(self) -> str | None:
        codes = {row[0]: row[3] for row in SUBDISTRICTS}
        return codes.get(self.subdistricts[0]) if self.subdistricts else None


def _since(lgo_type: LgoType) -> tuple[tuple[LgoType, int, None]]:
    return ((lgo_type, FIRST_FY, None),)


LGOS = (
    # Chiang Mai
    DemoLgo("2500101", "องค์การบริหารส่วนจังหวัดเชียงใหม่",
            "Chiang Mai Provincial Administrative Organisation", "50", "5001", _since(LgoType.PAO)),
    DemoLgo("3500101", "เทศบาลนครเชียงใหม่", "Chiang Mai City Municipality", "50", "5001",
            _since(LgoType.CITY_MUNICIPALITY),
            ("500101", "500102", "500103", "500104", "500105", "500106"),
            ("urban", "international_tourism")),
    DemoLgo("4501401", "เทศบาลเมืองแม่โจ้", "Mae Jo Town Municipality", "50", "5014",
            _since(LgoType.TOWN_MUNICIPALITY), ("501408",)),
    DemoLgo("5500101", "เทศบาลตำบลสุเทพ", "Su Thep Subdistrict Municipality", "50", "5001",
            _since(LgoType.SUBDISTRICT_MUNICIPALITY), ("500108",)),
    DemoLgo("5500701", "เทศบาลตำบลโป่งแยง", "Pong Yaeng Subdistrict Municipality", "50", "5007",
            ((LgoType.SAO, FIRST_FY, 2566), (LgoType.SUBDISTRICT_MUNICIPALITY, 2567, None)),
            ("500708",)),
    # Khon Kaen
    DemoLgo("2400101", "องค์การบริหารส่วนจังหวัดขอนแก่น",
            "Khon Kaen Provincial Administrative Organisation", "40", "4001", _since(LgoType.PAO)),
    DemoLgo("3400101", "เทศบาลนครขอนแก่น", "Khon Kaen City Municipality", "40", "4001",
            _since(LgoType.CITY_MUNICIPALITY), ("400101",), ("urban",)),
    DemoLgo("4401001", "เทศบาลเมืองบ้านไผ่", "Ban Phai Town Municipality", "40", "4010",
            _since(LgoType.TOWN_MUNICIPALITY), ("401001", "401002")),
    DemoLgo("6400101", "องค์การบริหารส่วนตำบลบ้านค้อ",
            "Ban Kho Subdistrict Administrative Organisation", "40", "4001",
            _since(LgoType.SAO), ("400110",)),
    # Chon Buri
    DemoLgo("2200101", "องค์การบริหารส่วนจังหวัดชลบุรี",
            "Chon Buri Provincial Administrative Organisation", "20", "2001", _since(LgoType.PAO)),
    DemoLgo("1200401", "เมืองพัทยา", "Pattaya City", "20", "2004", _since(LgoType.PATTAYA),
            ("200402", "200408"), ("urban", "international_tourism")),
    DemoLgo("4200101", "เทศบาลเมืองแสนสุข", "Saen Suk Town Municipality", "20", "2001",
            _since(LgoType.TOWN_MUNICIPALITY), ("200104",), ("urban",)),
    DemoLgo("5200701", "เทศบาลตำบลบางพระ", "Bang Phra Subdistrict Municipality", "20", "2007",
            _since(LgoType.SUBDISTRICT_MUNICIPALITY), ("200707",)),
    DemoLgo("6200401", "องค์การบริหารส่วนตำบลหนองปลาไหล",
            "Nong Pla Lai Subdistrict Administrative Organisation", "20", "2004",
            _since(LgoType.SAO), ("200403",)),
    # Bangkok
    DemoLgo("1100101", "กรุงเทพมหานคร", "Bangkok Metropolitan Administration", "10", "1001",
            _since(LgoType.BANGKOK), ("100106",), ("urban", "international_tourism")),
)


def _existing(model, key: str, values) -> dict:
    column = getattr(model, key)
    return {getattr(obj, key): obj for obj in db.session.execute(
        select(model).where(column.in_(list(values)))).scalars()}


def _ensure(model, key: str, rows: dict[str, dict]) -> tuple[dict, int]:
    """The rows of ``model`` whose ``key`` is in ``rows``, creating the missing ones from the
    values given; returns them by key, and how many were created."""
    found = _existing(model, key, rows)
    missing = [value for value in rows if value not in found]
    for value in missing:
        found[value] = model(**{key: value}, **rows[value])
        db.session.add(found[value])
    return found, len(missing)


def _ensure_regions() -> tuple[dict, int]:
    found = {(region.scheme.value, region.code): region
             for region in db.session.execute(select(Region)).scalars()}
    missing = [key for key in REGIONS if key not in found]
    for scheme, code in missing:
        name_th, name_en = REGIONS[scheme, code]
        found[scheme, code] = Region(scheme=RegionScheme(scheme), code=code, name_th=name_th,
                                     name_en=name_en)
        db.session.add(found[scheme, code])
    return found, len(missing)


def load(ctx) -> int:
    with db.session.no_autoflush:
        regions, new_regions = _ensure_regions()
        provinces, new_provinces = _ensure(Province, "code", {
            code: {"name_th": th, "name_en": en, "admin_region": regions["admin4", admin4],
                   "geo_region": regions["geo6", geo6]}
            for code, th, en, admin4, geo6 in PROVINCES})
        districts, new_districts = _ensure(District, "code", {
            code: {"name_th": th, "name_en": en, "province": provinces[code[:2]]}
            for code, th, en in DISTRICTS})
        subdistricts, new_subdistricts = _ensure(Subdistrict, "code", {
            code: {"name_th": th, "name_en": en, "postal_code": postal_code,
                   "district": districts[code[:4]]}
            for code, th, en, postal_code in SUBDISTRICTS})
        tags, new_tags = _ensure(AreaTag, "code", {code: {"name_th": th, "name_en": en}
                                                   for code, (th, en) in AREA_TAGS.items()})
        existing_lgos = _existing(Lgo, "dla_code", [demo.dla_code for demo in LGOS])
        new_lgos = [demo for demo in LGOS if demo.dla_code not in existing_lgos]
        for demo in new_lgos:
            db.session.add(Lgo(
                dla_code=demo.dla_code, name_th=demo.name_th, name_en=demo.name_en,
                province=provinces[demo.province],
                district=districts[demo.district] if demo.district else None,
                postal_code=demo.postal_code,
                subdistricts=[subdistricts[code] for code in demo.subdistricts],
                area_tags=[tags[code] for code in demo.tags],
                type_periods=[LgoTypePeriod(lgo_type=t, from_fy=start, to_fy=end)
                              for t, start, end in demo.types]))
    db.session.flush()
    created = (new_regions + new_provinces + new_districts + new_subdistricts + new_tags
               + len(new_lgos))
    if created:
        record(None, "demo.registry_loaded", None, rows=created)
    return created
