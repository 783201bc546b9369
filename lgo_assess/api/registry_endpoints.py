"""Registry reads: regions, provinces and LGOs, with each LGO's type in a fiscal year."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lgo_assess.api.openapi import Param, define, nullable
from lgo_assess.api.routing import (FISCAL_YEAR, LGO_TYPE, PAGINATION, PROVINCE, REGISTRY, api,
                                    page_of, paginated)
from lgo_assess.core.db import db
from lgo_assess.core.errors import NotFound
from lgo_assess.core.security import login_required_only
from lgo_assess.core.thaidate import fiscal_year as fiscal_year_of
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.registry.models import (Lgo, LgoType, LgoTypePeriod, Province, Region,
                                        RegionScheme)

STRING = {"type": "string"}
CODE_OR_NULL = {"type": ["string", "null"]}
TYPES = [t.value for t in LgoType]

REGION = define("Region", {
    "type": "object", "required": ["scheme", "code", "name_th", "name_en"],
    "properties": {"scheme": {"type": "string", "enum": [s.value for s in RegionScheme]},
                   "code": STRING, "name_th": STRING, "name_en": STRING},
})
PROVINCE_SCHEMA = define("Province", {
    "type": "object",
    "required": ["code", "name_th", "name_en", "admin_region", "geo_region"],
    "properties": {"code": STRING, "name_th": STRING, "name_en": STRING,
                   "admin_region": CODE_OR_NULL, "geo_region": CODE_OR_NULL},
})
LGO_SUMMARY = define("LgoSummary", {
    "type": "object",
    "required": ["dla_code", "name_th", "name_en", "province_code", "district_code",
                 "fiscal_year", "type", "is_active"],
    "properties": {
        "dla_code": STRING, "name_th": STRING, "name_en": CODE_OR_NULL,
        "province_code": STRING, "district_code": CODE_OR_NULL,
        "fiscal_year": {"type": "integer", "description": "The year ``type`` is for."},
        "type": nullable({"type": "string", "enum": TYPES}),
        "is_active": {"type": "boolean"},
    },
})
LGO_DETAIL = define("Lgo", {
    "allOf": [LGO_SUMMARY, {
        "type": "object",
        "required": ["type_periods", "area_tags", "subdistricts", "active_until_fy"],
        "properties": {
            "type_periods": {"type": "array", "items": {
                "type": "object", "required": ["type", "from_fy", "to_fy"],
                "properties": {"type": {"type": "string", "enum": TYPES},
                               "from_fy": {"type": "integer"},
                               "to_fy": {"type": ["integer", "null"]}}}},
            "area_tags": {"type": "array", "items": STRING},
            "subdistricts": {"type": "array", "items": STRING},
            "active_until_fy": {"type": ["integer", "null"]},
            "address": CODE_OR_NULL, "postal_code": CODE_OR_NULL, "website": CODE_OR_NULL,
            "latitude": {"type": ["number", "null"]}, "longitude": {"type": ["number", "null"]},
        }}],
})

SCHEME = Param("scheme", "string", _l("Only the regions of one scheme: admin4 (DLA's four) or "
                                      "geo6 (the six geographic regions)."),
               enum=tuple(s.value for s in RegionScheme))
REGION_PARAM = Param("region", "string",
                     _l("Only provinces of one region, as <scheme>:<code>, e.g. admin4:central."),
                     pattern=r"(admin4|geo6):[A-Za-z0-9_-]{1,20}", max_length=30,
                     example="admin4:central")
TEXT = Param("q", "string", _l("Part of the Thai or English name, or the DLA code."),
             pattern=r"[^\x00-\x1f]{1,100}", max_length=100)


def current_fiscal_year() -> int:
    return fiscal_year_of(today_bangkok())


def region_json(region: Region) -> dict:
    return {"scheme": str(region.scheme), "code": region.code, "name_th": region.name_th,
            "name_en": region.name_en}


def province_json(province: Province) -> dict:
    return {"code": province.code, "name_th": province.name_th, "name_en": province.name_en,
            "admin_region": province.admin_region.code if province.admin_region else None,
            "geo_region": province.geo_region.code if province.geo_region else None}


def lgo_json(lgo: Lgo, fiscal_year: int, lgo_type: LgoType | None) -> dict:
    return {"dla_code": lgo.dla_code, "name_th": lgo.name_th, "name_en": lgo.name_en,
            "province_code": lgo.province.code,
            "district_code": lgo.district.code if lgo.district else None,
            "fiscal_year": fiscal_year, "type": str(lgo_type) if lgo_type else None,
            "is_active": lgo.is_active_in(fiscal_year) if lgo_type else False}


@api.operation("GET", "/regions", summary=_l("Regions"), tag=REGISTRY,
               query=(SCHEME, *PAGINATION), response=page_of("Region", REGION),
               example_query={"scheme": "admin4"})
@login_required_only
def list_regions(query):
    statement = select(Region).order_by(Region.scheme, Region.code)
    if query["scheme"]:
        statement = statement.where(Region.scheme == RegionScheme(query["scheme"]))
    return paginated(statement, query, region_json)


def _provinces():
    return select(Province).options(joinedload(Province.admin_region),
                                    joinedload(Province.geo_region))


@api.operation("GET", "/provinces", summary=_l("Provinces"), tag=REGISTRY,
               query=(REGION_PARAM, *PAGINATION), response=page_of("Province", PROVINCE_SCHEMA),
               example_query={"region": "admin4:central", "per_page": 100})
@login_required_only
def list_provinces(query):
    statement = _provinces().order_by(Province.code)
    if query["region"]:
        scheme, code = query["region"].split(":", 1)
        region_ids = select(Region.id).where(Region.scheme == RegionScheme(scheme),
                                             Region.code == code)
        column = (Province.admin_region_id if scheme == RegionScheme.ADMINISTRATIVE
                  else Province.geo_region_id)
        statement = statement.where(column.in_(region_ids))
    return paginated(statement, query, province_json)


@api.operation("GET", "/provinces/<province_code>", summary=_l("One province"), tag=REGISTRY,
               response=PROVINCE_SCHEMA)
@login_required_only
def show_province(province_code: str):
    province = db.session.execute(
        _provinces().where(Province.code == province_code)).unique().scalar_one_or_none()
    if province is None:
        raise NotFound()
    return jsonify(province_json(province))


@api.operation("GET", "/lgos", summary=_l("LGOs that existed in a fiscal year"), tag=REGISTRY,
               description=_l("Each LGO with its type in that year (``fiscal_year``, this fiscal "
                              "year by default): an SAO upgraded to a municipality in 2567 is "
                              "listed as an SAO for 2566 and as a municipality from 2567."),
               query=(FISCAL_YEAR, PROVINCE, LGO_TYPE, TEXT, *PAGINATION),
               response=page_of("Lgo", LGO_SUMMARY),
               example_query={"fiscal_year": 2569, "province": "10", "type": "sao"})
@login_required_only
def list_lgos(query):
    fiscal_year = query["fiscal_year"] or current_fiscal_year()
    period = LgoTypePeriod
    statement = (select(Lgo, period.lgo_type)
                 .join(period, period.lgo_id == Lgo.id)
                 .join(Province, Province.id == Lgo.province_id)
                 .where(period.from_fy <= fiscal_year,
                        period.to_fy.is_(None) | (period.to_fy >= fiscal_year))
                 .options(contains_eager(Lgo.province), joinedload(Lgo.district),
                          selectinload(Lgo.type_periods))
                 .order_by(Province.code, Lgo.dla_code))
    if query["province"]:
        statement = statement.where(Province.code == query["province"])
    if query["type"]:
        statement = statement.where(period.lgo_type == LgoType(query["type"]))
    if query["q"]:
        text = query["q"].strip()
        statement = statement.where(db.or_(Lgo.name_th.contains(text, autoescape=True),
                                           Lgo.name_en.icontains(text, autoescape=True),
                                           Lgo.dla_code == text))
    return paginated(statement, query, lambda row: lgo_json(row[0], fiscal_year, row[1]),
                     rows=True)


@api.operation("GET", "/lgos/<dla_code>", summary=_l("One LGO"), tag=REGISTRY,
               description=_l("``type`` is the LGO's type in ``fiscal_year`` (this fiscal year "
                              "by default), null if it did not exist then; ``type_periods`` is "
                              "its whole history."),
               query=(FISCAL_YEAR,), response=LGO_DETAIL, example_query={"fiscal_year": 2566})
@login_required_only
def show_lgo(dla_code: str, query):
    lgo = db.session.execute(select(Lgo).where(Lgo.dla_code == dla_code).options(
        joinedload(Lgo.province), joinedload(Lgo.district), selectinload(Lgo.type_periods),
        selectinload(Lgo.area_tags), selectinload(Lgo.subdistricts))).unique().scalar_one_or_none()
    if lgo is None:
        raise NotFound()
    fiscal_year = query["fiscal_year"] or current_fiscal_year()
    body = lgo_json(lgo, fiscal_year, lgo.type_in(fiscal_year))
    body.update({
        "type_periods": [{"type": str(p.lgo_type), "from_fy": p.from_fy, "to_fy": p.to_fy}
                         for p in lgo.type_periods],
        "area_tags": sorted(lgo.area_tag_codes),
        "subdistricts": [s.code for s in lgo.subdistricts],
        "active_until_fy": lgo.active_until_fy,
        "address": lgo.address, "postal_code": lgo.postal_code, "website": lgo.website,
        "latitude": lgo.latitude, "longitude": lgo.longitude,
    })
    return jsonify(body)
