"""Reference data read from files: the regions and seed area tags in this package's ``data/``,
and DOPA's geography (provinces, districts, subdistricts as JSON at a path given at run time).

Pure: no Flask, no database. Every loader collects all problems before it raises.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lgo_assess.registry.names import (DISTRICT_PREFIXES, MUEANG, PROVINCE_PREFIXES,
                                       SUBDISTRICT_PREFIXES, normalise, strip_prefix)

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_FILE = DATA_DIR / "regions.yaml"
AREA_TAGS_FILE = DATA_DIR / "area_tags.yaml"
GEOGRAPHY_FILES = ("provinces.json", "districts.json", "subdistricts.json")
AREA_TAG_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class ReferenceDataError(ValueError):
    """A reference file is missing or wrong; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class RegionDef:
    scheme: str
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class RegionMap:
    regions: tuple[RegionDef, ...]
    # province code → {scheme: region code}
    province_regions: dict[str, dict[str, str]]

    def schemes(self) -> list[str]:
        return sorted({r.scheme for r in self.regions})


@dataclass(frozen=True)
class AreaTagDef:
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class GeoProvince:
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class GeoDistrict:
    code: str
    province_code: str
    name_th: str
    name_en: str

    @property
    def is_mueang(self) -> bool:
        """Amphoe Mueang (the capital district) always carries the code PP01."""
        return self.code.endswith("01")


@dataclass(frozen=True)
class GeoSubdistrict:
    code: str
    district_code: str
    name_th: str
    name_en: str
    postal_code: str | None

    @property
    def province_code(self) -> str:
        return self.code[:2]


@dataclass
class Geography:
    provinces: list[GeoProvince]
    districts: list[GeoDistrict]
    subdistricts: list[GeoSubdistrict]

    def counts(self) -> dict[str, int]:
        return {"provinces": len(self.provinces), "districts": len(self.districts),
                "subdistricts": len(self.subdistricts)}


def _read_yaml(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise ReferenceDataError(str(path), [str(error)]) from error
    if not isinstance(data, dict):
        raise ReferenceDataError(str(path), ["the file holds no mapping"])
    return data


def load_regions(path: Path = REGIONS_FILE) -> RegionMap:
    data = _read_yaml(path)
    problems: list[str] = []
    regions: list[RegionDef] = []
    known: dict[str, set[str]] = {}
    for scheme, spec in (data.get("schemes") or {}).items():
        known[scheme] = set()
        for code, names in (spec.get("regions") or {}).items():
            if not names or not names.get("name_th") or not names.get("name_en"):
                problems.append(f"region {scheme}/{code} needs name_th and name_en")
                continue
            known[scheme].add(code)
            regions.append(RegionDef(scheme, code, names["name_th"], names["name_en"]))
    if not known:
        problems.append("no region schemes")
    schemes = list(known)
    assignments: dict[str, dict[str, str]] = {}
    for province_code, pair in (data.get("provinces") or {}).items():
        province_code = str(province_code)
        if not isinstance(pair, list) or len(pair) != len(schemes):
            problems.append(f"province {province_code}: give one region per scheme "
                            f"({', '.join(schemes)})")
            continue
        assignments[province_code] = {}
        for scheme, region_code in zip(schemes, pair):
            if region_code not in known[scheme]:
                problems.append(f"province {province_code}: unknown {scheme} region "
                                f"{region_code!r}")
            assignments[province_code][scheme] = region_code
    if problems:
        raise ReferenceDataError(str(path), problems)
    return RegionMap(tuple(regions), assignments)


def load_area_tags(path: Path = AREA_TAGS_FILE) -> list[AreaTagDef]:
    data = _read_yaml(path)
    problems: list[str] = []
    tags: list[AreaTagDef] = []
    for code, names in (data.get("area_tags") or {}).items():
        if not AREA_TAG_CODE.match(str(code)):
            problems.append(f"area tag code {code!r} must be lower-case letters, digits and _")
        elif not names or not names.get("name_th") or not names.get("name_en"):
            problems.append(f"area tag {code} needs name_th and name_en")
        else:
            tags.append(AreaTagDef(str(code), names["name_th"], names["name_en"]))
    if problems:
        raise ReferenceDataError(str(path), problems)
    return tags


def _load_json_list(path: Path, problems: list[str]) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        problems.append(f"{path.name} not found in {path.parent}")
        return []
    except (OSError, ValueError) as error:
        problems.append(f"{path.name}: {error}")
        return []
    if not isinstance(data, list):
        problems.append(f"{path.name}: expected a JSON list")
        return []
    return data


def _code(value, width: int) -> str:
    text = str(value).strip()
    if not text.isdigit() or len(text) != width:
        raise ValueError(f"{value!r} is not a {width}-digit code")
    return text


def _postal(value) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    return text.zfill(5) if text.isdigit() and len(text) <= 5 else None


def load_geography(directory: Path | str) -> Geography:
    """Read provinces.json, districts.json and subdistricts.json (keys ``provinceCode``,
    ``districtCode``, ``subdistrictCode``, ``*NameTh``, ``*NameEn``, ``postalCode``) and check
    that codes are well formed, unique and nest (a district's code starts with its province's)."""
    directory = Path(directory)
    problems: list[str] = []
    if not directory.is_dir():
        raise ReferenceDataError(str(directory), ["not a directory"])
    raw = {name: _load_json_list(directory / name, problems) for name in GEOGRAPHY_FILES}
    provinces: list[GeoProvince] = []
    districts: list[GeoDistrict] = []
    subdistricts: list[GeoSubdistrict] = []

    def build(name, items, make):
        seen: set[str] = set()
        for index, item in enumerate(items):
            try:
                obj = make(item)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                problems.append(f"{name} item {index}: {error}")
                continue
            if obj.code in seen:
                problems.append(f"{name} item {index}: code {obj.code} appears twice")
                continue
            seen.add(obj.code)
            yield obj

    def need(item, key):
        value = normalise(item[key])
        if not value:
            raise ValueError(f"{key} is empty")
        return value

    provinces = list(build("provinces.json", raw["provinces.json"], lambda i: GeoProvince(
        _code(i["provinceCode"], 2), need(i, "provinceNameTh"), need(i, "provinceNameEn"))))
    districts = list(build("districts.json", raw["districts.json"], lambda i: GeoDistrict(
        _code(i["districtCode"], 4), _code(i["provinceCode"], 2), need(i, "districtNameTh"),
        need(i, "districtNameEn"))))
    subdistricts = list(build("subdistricts.json", raw["subdistricts.json"],
                              lambda i: GeoSubdistrict(
                                  _code(i["subdistrictCode"], 6), _code(i["districtCode"], 4),
                                  need(i, "subdistrictNameTh"), need(i, "subdistrictNameEn"),
                                  _postal(i.get("postalCode")))))
    province_codes = {p.code for p in provinces}
    district_codes = {d.code for d in districts}
    for d in districts:
        if d.province_code not in province_codes or not d.code.startswith(d.province_code):
            problems.append(f"district {d.code}: province {d.province_code} does not hold it")
    for s in subdistricts:
        if s.district_code not in district_codes or not s.code.startswith(s.district_code):
            problems.append(f"subdistrict {s.code}: district {s.district_code} does not hold it")
    if problems:
        raise ReferenceDataError(str(directory), problems)
    provinces.sort(key=lambda p: p.code)
    districts.sort(key=lambda d: d.code)
    subdistricts.sort(key=lambda s: s.code)
    return Geography(provinces, districts, subdistricts)


def check_regions_cover(region_map: RegionMap, province_codes: list[str]) -> list[str]:
    """Problems if a province of the geography has no region. (A geography of a few provinces,
    for a demo or a test, is fine.)"""
    return [f"province {code} has no region in regions.yaml"
            for code in province_codes if code not in region_map.province_regions]


@dataclass
class GeoIndex:
    """Looks places up by Thai name, the way a DLA file writes them. Built from code/name/parent
    triples, so it serves both the files and the database."""

    provinces: dict[str, str] = field(default_factory=dict)              # name → code
    districts: dict[tuple[str, str], str] = field(default_factory=dict)  # (province, name) → code
    subdistricts: dict[tuple[str, str], str] = field(default_factory=dict)
    mueang: dict[str, str] = field(default_factory=dict)                 # province → district

    @classmethod
    def build(cls, provinces, districts, subdistricts) -> "GeoIndex":
        """``provinces``: (code, name_th); ``districts``: (code, province_code, name_th);
        ``subdistricts``: (code, district_code, name_th)."""
        index = cls()
        for code, name in provinces:
            index.provinces[normalise(name)] = code
        for code, province_code, name in districts:
            index.districts[(province_code, normalise(name))] = code
            if code.endswith("01"):
                index.mueang[province_code] = code
        for code, district_code, name in subdistricts:
            index.subdistricts[(district_code, normalise(name))] = code
        return index

    @classmethod
    def from_geography(cls, geography: Geography) -> "GeoIndex":
        return cls.build([(p.code, p.name_th) for p in geography.provinces],
                         [(d.code, d.province_code, d.name_th) for d in geography.districts],
                         [(s.code, s.district_code, s.name_th) for s in geography.subdistricts])

    @staticmethod
    def _find(table: dict, key_of, name: str, prefixes: tuple[str, ...]) -> str | None:
        exact = normalise(name)
        found = table.get(key_of(exact))
        if found is None:
            found = table.get(key_of(strip_prefix(exact, prefixes)))
        return found

    def province(self, name: str) -> str | None:
        return self._find(self.provinces, lambda n: n, name, PROVINCE_PREFIXES)

    def district(self, province_code: str, name: str) -> str | None:
        found = self._find(self.districts, lambda n: (province_code, n), name, DISTRICT_PREFIXES)
        if found is None and strip_prefix(name, DISTRICT_PREFIXES) == MUEANG:
            found = self.mueang.get(province_code)  # "อ.เมือง" for Amphoe Mueang <province>
        return found

    def subdistrict(self, district_code: str, name: str) -> str | None:
        return self._find(self.subdistricts, lambda n: (district_code, n), name,
                          SUBDISTRICT_PREFIXES)
