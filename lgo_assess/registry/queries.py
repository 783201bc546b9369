"""Reading the registry: the directory search and the loaders the views use. Nothing here
writes."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lgo_assess.core.db import db
from lgo_assess.core.errors import NotFound
from lgo_assess.registry.models import (AreaTag, Lgo, LgoType, LgoTypePeriod, Province, Region,
                                        RegionScheme, Subdistrict)
from lgo_assess.registry.names import normalise, search_terms

PAGE_SIZE = 50
# Directory order: the bigger LGO first within a province.
TYPE_ORDER = {LgoType.BANGKOK: 0, LgoType.PATTAYA: 1, LgoType.PAO: 2,
              LgoType.CITY_MUNICIPALITY: 3, LgoType.TOWN_MUNICIPALITY: 4,
              LgoType.SUBDISTRICT_MUNICIPALITY: 5, LgoType.SAO: 6}


@dataclass
class DirectoryPage:
    rows: list[tuple[Lgo, LgoType]]   # each LGO with its type in the fiscal year
    total: int
    page: int
    pages: int
    fiscal_year: int


def get_lgo(dla_code: str) -> Lgo:
    """One LGO by DLA code, with what its profile shows, in a fixed number of queries."""
    lgo = db.session.execute(
        select(Lgo).where(Lgo.dla_code == dla_code).options(
            joinedload(Lgo.province).joinedload(Province.admin_region),
            joinedload(Lgo.province).joinedload(Province.geo_region),
            joinedload(Lgo.district),
            selectinload(Lgo.type_periods),
            selectinload(Lgo.area_tags),
            selectinload(Lgo.subdistricts).joinedload(Subdistrict.district))
    ).unique().scalar_one_or_none()
    if lgo is None:
        raise NotFound()
    return lgo


def all_area_tags() -> list[AreaTag]:
    return list(db.session.execute(select(AreaTag).order_by(AreaTag.code)).scalars())


def area_tag_usage() -> list[tuple[AreaTag, int]]:
    """Every tag with the number of active LGOs carrying it."""
    from lgo_assess.registry.models import lgo_area_tags
    counts = dict(db.session.execute(
        select(lgo_area_tags.c.area_tag_id, func.count())
        .join(Lgo, Lgo.id == lgo_area_tags.c.lgo_id).where(Lgo.is_active)
        .group_by(lgo_area_tags.c.area_tag_id)).all())
    return [(tag, counts.get(tag.id, 0)) for tag in all_area_tags()]


def provinces() -> list[Province]:
    return list(db.session.execute(select(Province).order_by(Province.code)).scalars())


def regions() -> list[Region]:
    return list(db.session.execute(
        select(Region).order_by(Region.scheme, Region.id)).scalars())


def search_directory(*, query: str = "", region: str = "", province: str = "",
                     lgo_type: str = "", fiscal_year: int, page: int = 1,
                     page_size: int = PAGE_SIZE) -> DirectoryPage:
    """LGOs that existed in ``fiscal_year``, filtered, with their type in that year.

    ``query`` matches part of the Thai or English name or the DLA code; a Thai type prefix in
    it ("ทต.บางพลี", "องค์การบริหารส่วนตำบล…") also filters by that type. ``region`` is
    ``<scheme>:<code>`` in either scheme ("admin4:central", "geo6:east"); ``province`` a DOPA
    code; ``lgo_type`` an ``LgoType`` value. Three queries whatever the page size."""
    period = LgoTypePeriod
    statement = (select(Lgo, period.lgo_type)
                 .join(period, period.lgo_id == Lgo.id)
                 .join(Province, Province.id == Lgo.province_id)
                 .where(period.from_fy <= fiscal_year,
                        period.to_fy.is_(None) | (period.to_fy >= fiscal_year)))
    query = normalise(query)
    if query:
        implied_type, core = search_terms(query)
        conditions = [Lgo.name_en.icontains(query, autoescape=True),
                      Lgo.dla_code == query]
        if core:
            conditions.append(Lgo.name_th.contains(core, autoescape=True))
        statement = statement.where(db.or_(*conditions))
        if implied_type and not lgo_type:
            lgo_type = implied_type
    if lgo_type:
        try:
            statement = statement.where(period.lgo_type == LgoType(lgo_type))
        except ValueError:
            pass  # an unknown type in the URL filters nothing
    if province:
        statement = statement.where(Province.code == province)
    if region and ":" in region:
        scheme, code = region.split(":", 1)
        try:
            column = (Province.admin_region_id if RegionScheme(scheme) == RegionScheme.ADMINISTRATIVE
                      else Province.geo_region_id)
            region_id = select(Region.id).where(Region.scheme == RegionScheme(scheme),
                                                Region.code == code).scalar_subquery()
            statement = statement.where(column == region_id)
        except ValueError:
            pass
    total = db.session.execute(
        select(func.count()).select_from(statement.subquery())).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    type_rank = case({t: rank for t, rank in TYPE_ORDER.items()}, value=period.lgo_type)
    rows = db.session.execute(
        statement.options(contains_eager(Lgo.province), joinedload(Lgo.district))
        .order_by(Province.code, type_rank, Lgo.name_th, Lgo.dla_code)
        .limit(page_size).offset((page - 1) * page_size)).all()
    return DirectoryPage([(lgo, lgo_type_) for lgo, lgo_type_ in rows], total, page, pages,
                         fiscal_year)
