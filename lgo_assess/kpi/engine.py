"""The KPI engine: computed KPIs from the live summary, manual KPIs from entered values, targets,
trends and the LGOs behind every number.

Every figure is a GROUP BY over the summary (``kpi_lgo_years`` joined to
``kpi_lgo_standard_years``), summed up to the scope asked for by ``rollup``: the statement count
does not grow with the number of LGOs, and no Python loop runs over LGOs.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from lgo_assess.certification.models import Certificate
from lgo_assess.core.db import db
from lgo_assess.criteria.models import Standard, StandardEdition
from lgo_assess.kpi import rollup, summary
from lgo_assess.kpi.models import (POPULATION, Kpi, KpiCell, KpiLgoStandardYear, KpiLgoYear,
                                   KpiTarget, KpiValue)
from lgo_assess.kpi.rollup import Cells, Figure, Place, Scope, Spec
from lgo_assess.registry.models import Lgo, LgoType, Province, Region

YEARS = summary.YEARS
LGO_TYPES = tuple(t.value for t in LgoType)


# -- Catalogue and geography ----------------------------------------------------------------------

def kpis(*, computed_only: bool = False) -> list[Kpi]:
    query = select(Kpi).order_by(Kpi.position)
    if computed_only:
        query = query.where(Kpi.source == "computed")
    return list(db.session.execute(query).scalars())


def kpi_or_none(kpi_id: str) -> Kpi | None:
    return db.session.get(Kpi, kpi_id)


@dataclass(frozen=True)
class ProvinceInfo:
    id: int
    code: str
    name_th: str
    name_en: str
    admin4: str | None
    geo6: str | None


@dataclass(frozen=True)
class Geography:
    provinces: dict[int, ProvinceInfo]
    regions: dict[tuple[str, str], tuple[str, str]]     # (scheme, code) → (name_th, name_en)

    @cached_property
    def places(self) -> dict[int, Place]:
        """Computed once per Geography: pages read it once per figure (55 on a province's)."""
        return {p.id: Place(p.id, p.code, p.admin4, p.geo6) for p in self.provinces.values()}

    def province_by_code(self, code: str) -> ProvinceInfo | None:
        return next((p for p in self.provinces.values() if p.code == code), None)

    def scope_name(self, scope: Scope, language: str) -> str:
        """The scope's name in ``language`` (nation and types are named by the caller)."""
        if scope.kind in ("admin4", "geo6"):
            th, en = self.regions.get((scope.kind, scope.code), (scope.code, scope.code))
            return en if language == "en" and en else th
        if scope.kind == "province":
            province = self.province_by_code(scope.code)
            if province is None:
                return scope.code
            return province.name_en if language == "en" and province.name_en else \
                province.name_th
        return scope.code


def geography() -> Geography:
    admin, geo = aliased(Region), aliased(Region)
    provinces = {}
    for row in db.session.execute(
            select(Province.id, Province.code, Province.name_th, Province.name_en,
                   admin.code, geo.code)
            .outerjoin(admin, admin.id == Province.admin_region_id)
            .outerjoin(geo, geo.id == Province.geo_region_id)):
        provinces[row[0]] = ProvinceInfo(*row)
    regions = {(getattr(s, "value", s), c): (th, en) for s, c, th, en in db.session.execute(
        select(Region.scheme, Region.code, Region.name_th, Region.name_en))}
    return Geography(provinces, regions)


# -- Formulas -------------------------------------------------------------------------------------

def _standard_levels() -> dict[str, list[tuple[str, ...]]]:
    """Result level codes of every edition, per standard, newest edition first."""
    rows = db.session.execute(
        select(StandardEdition.id, Standard.code)
        .join(Standard, Standard.id == StandardEdition.standard_id)
        .order_by(Standard.code, StandardEdition.first_fiscal_year.desc())).all()
    levels = summary.edition_levels(db.session.connection(), [r[0] for r in rows])
    by_standard: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for edition_id, code in rows:
        by_standard[code].append(levels[edition_id])
    return by_standard


def threshold(levels: list[tuple[str, ...]], min_level: str | None) -> int:
    """The level position a certificate needs: that of ``min_level`` in the newest edition that
    has it (editions of one standard keep their levels in the same order); 1 when no minimum."""
    if not min_level:
        return 1
    for edition_levels in levels:
        if min_level in edition_levels:
            return edition_levels.index(min_level) + 1
    return 1


def specs(computed: list[Kpi]) -> dict[str, Spec]:
    levels = _standard_levels()
    out = {}
    for kpi in computed:
        formula = kpi.formula or {}
        standard = formula.get("standard")
        out[kpi.id] = Spec(kpi.id, formula.get("type") == "share_certified", standard,
                           frozenset((formula.get("population") or {}).get("lgo_types")
                                     or LGO_TYPES),
                           threshold(levels.get(standard, []), formula.get("min_result_level")))
    return out


# -- Cells ----------------------------------------------------------------------------------------

def cells(fiscal_year: int, *, province_id: int | None = None) -> Cells:
    """Counts of one fiscal year by (province, LGO type): one statement on ``kpi_cells``."""
    summary.ensure_fresh(db.session)
    c = KpiCell
    query = select(c.province_id, c.lgo_type, c.standard_code, c.level_position, c.lgo_count) \
        .where(c.fiscal_year == fiscal_year)
    if province_id is not None:
        query = query.where(c.province_id == province_id)
    result = Cells()
    for province, lgo_type, standard, position, n in db.session.connection().execute(query).all():
        if standard == POPULATION:
            result.population[(province, lgo_type)] = n
        else:
            result.certified[(province, lgo_type, standard)][position] = n
    return result


def year_cells(years=YEARS, *, province_id: int | None = None) -> dict[int, Cells]:
    """Counts of several fiscal years by LGO type (provinces folded into one, or only the
    province given), for trends: one statement."""
    summary.ensure_fresh(db.session)
    c = KpiCell
    group = (c.fiscal_year, c.lgo_type, c.standard_code, c.level_position)
    query = select(*group, func.sum(c.lgo_count)).where(c.fiscal_year.in_(list(years)))
    if province_id is not None:
        query = query.where(c.province_id == province_id)
    out = {fy: Cells() for fy in years}
    key = province_id or 0
    for fy, lgo_type, standard, position, n in db.session.connection().execute(
            query.group_by(*group)).all():
        if standard == POPULATION:
            out[fy].population[(key, lgo_type)] = int(n)
        else:
            out[fy].certified[(key, lgo_type, standard)][position] = int(n)
    return out


# -- Targets and manual values --------------------------------------------------------------------

def targets(fiscal_years, scope_keys=None) -> dict[tuple[str, int, str], float]:
    query = select(KpiTarget.kpi_id, KpiTarget.fiscal_year, KpiTarget.scope, KpiTarget.value) \
        .where(KpiTarget.fiscal_year.in_(list(fiscal_years)))
    if scope_keys is not None:
        query = query.where(KpiTarget.scope.in_(list(scope_keys)))
    return {(k, fy, sc): v for k, fy, sc, v in db.session.execute(query)}


def manual_values(fiscal_years, scope_keys=None) -> dict[tuple[str, int, str], KpiValue]:
    query = select(KpiValue).where(KpiValue.fiscal_year.in_(list(fiscal_years)))
    if scope_keys is not None:
        query = query.where(KpiValue.scope.in_(list(scope_keys)))
    return {(v.kpi_id, v.fiscal_year, v.scope): v for v in db.session.execute(query).scalars()}


def target_for(all_targets: dict, kpi: Kpi, fiscal_year: int, scope: Scope) -> float | None:
    """The scope's own target, else, for a percentage, the national one (a share to reach
    applies in every region and province; a count target is national only)."""
    own = all_targets.get((kpi.id, fiscal_year, scope.key))
    if own is None and kpi.is_percent and scope.kind != rollup.NATION:
        return all_targets.get((kpi.id, fiscal_year, rollup.NATION))
    return own


# -- Rows for a dashboard -------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One KPI in one scope and year: the figure, target and whether it is met."""

    kpi: Kpi
    scope: Scope
    fiscal_year: int
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    target: float | None = None
    source_text: str | None = None

    @property
    def met(self) -> bool | None:
        return rollup.target_met(self.value, self.target, self.kpi.direction)

    @property
    def is_computed(self) -> bool:
        return self.numerator is not None


def computed_row(kpi: Kpi, spec: Spec, year_cells_: Cells, places, scope: Scope,
                 fiscal_year: int, all_targets: dict, *, prefiltered: bool = False) -> Row:
    """``prefiltered``: the cells are already the scope's own (``rollup.split``)."""
    fig: Figure = rollup.figure(year_cells_, places, spec,
                                Scope(rollup.NATION) if prefiltered else scope)
    return Row(kpi, scope, fiscal_year, fig.value, fig.numerator, fig.denominator,
               target_for(all_targets, kpi, fiscal_year, scope))


def manual_row(kpi: Kpi, scope: Scope, fiscal_year: int, values: dict, all_targets: dict) -> Row:
    entered = values.get((kpi.id, fiscal_year, scope.key))
    return Row(kpi, scope, fiscal_year, entered.value if entered else None,
               target=target_for(all_targets, kpi, fiscal_year, scope),
               source_text=entered.source_text if entered else None)


@dataclass
class Board:
    """Everything the national dashboard shows for one fiscal year."""

    fiscal_year: int
    kpis: list[Kpi]
    specs: dict[str, Spec]
    geography: Geography
    cells: Cells
    rows: list[Row]                                   # every KPI, national
    breakdown: dict[str, dict[str, list[Row]]]        # kind → kpi id → rows per scope
    trend: dict[str, list[Row]]                       # kpi id → rows per plan year
    breakdown_scopes: dict[str, list[Scope]]          # kind → the scopes of ``breakdown``

    def scopes(self, kind: str) -> list[Scope]:
        if kind in self.breakdown_scopes:
            return self.breakdown_scopes[kind]
        return [Scope(kind, code) for code in sorted(
            rollup.split(self.cells, self.geography.places, kind))]


def board(fiscal_year: int, *, kinds=("admin4", "geo6", "type"),
          trend_years=YEARS) -> Board:
    """The national dashboard: every KPI of the plan for ``fiscal_year`` with its target, the
    computed ones by region (both schemes) and LGO type, and the trend over the plan's years.
    A fixed number of statements whatever the number of LGOs."""
    all_kpis = kpis()
    computed = [k for k in all_kpis if k.is_computed]
    spec_of = specs(computed)
    geo = geography()
    places = geo.places
    now = cells(fiscal_year)
    all_targets = targets(trend_years)
    values = manual_values(trend_years, [rollup.NATION])
    nation = Scope(rollup.NATION)
    rows = [computed_row(k, spec_of[k.id], now, places, nation, fiscal_year, all_targets)
            if k.is_computed else manual_row(k, nation, fiscal_year, values, all_targets)
            for k in all_kpis]
    breakdown: dict[str, dict[str, list[Row]]] = {}
    breakdown_scopes: dict[str, list[Scope]] = {}
    for kind in kinds:
        parts = rollup.split(now, places, kind)
        scopes = breakdown_scopes[kind] = [Scope(kind, code) for code in sorted(parts)]
        breakdown[kind] = {k.id: [computed_row(k, spec_of[k.id], parts[scope.code], {}, scope,
                                               fiscal_year, all_targets, prefiltered=True)
                                  for scope in scopes] for k in computed}
    by_year = year_cells(trend_years)
    trend = {}
    for k in all_kpis:
        if k.is_computed:
            trend[k.id] = [computed_row(k, spec_of[k.id], by_year[fy], {}, nation, fy,
                                        all_targets) for fy in trend_years]
        else:
            trend[k.id] = [manual_row(k, nation, fy, values, all_targets) for fy in trend_years]
    return Board(fiscal_year, all_kpis, spec_of, geo, now, rows, breakdown, trend,
                 breakdown_scopes)


def figure_for(kpi_id: str, fiscal_year: int, scope_key: str = rollup.NATION) -> Row:
    """One KPI in one scope and year (what the tests and the API ask for)."""
    kpi = db.session.get(Kpi, kpi_id)
    if kpi is None:
        raise KeyError(kpi_id)
    scope = Scope.parse(scope_key)
    all_targets = targets([fiscal_year], [scope.key, rollup.NATION])
    if not kpi.is_computed:
        return manual_row(kpi, scope, fiscal_year, manual_values([fiscal_year], [scope.key]),
                          all_targets)
    province = None
    geo = geography()
    if scope.kind == "province":
        info = geo.province_by_code(scope.code)
        province = info.id if info else -1
    return computed_row(kpi, specs([kpi])[kpi.id], cells(fiscal_year, province_id=province),
                        geo.places, scope, fiscal_year, all_targets)


# -- Drill-down: the LGOs behind a number ---------------------------------------------------------

SUBSETS = ("certified", "not_certified", "population")


@dataclass(frozen=True)
class LgoLine:
    lgo_id: int
    dla_code: str
    name_th: str
    name_en: str | None
    province_id: int
    lgo_type: str
    level_position: int | None
    certificate_serial: str | None
    result_level_code: str | None


@dataclass
class LgoList:
    lines: list[LgoLine]
    total: int
    page: int
    pages: int


def _scope_filter(scope: Scope, geo: Geography):
    y = KpiLgoYear
    if scope.kind == rollup.NATION:
        return None
    if scope.kind == "type":
        return y.lgo_type == scope.code
    ids = [p.id for p in geo.provinces.values()
           if {"admin4": p.admin4, "geo6": p.geo6, "province": p.code}[scope.kind] == scope.code]
    return y.province_id.in_(ids or [-1])


def lgos_behind(kpi: Kpi, fiscal_year: int, scope: Scope, subset: str = "certified", *,
                lgo_type: str | None = None, page: int | None = 1, per_page: int = 100,
                geo: Geography | None = None) -> LgoList:
    """The LGOs counted by a computed KPI's figure: ``certified`` (the numerator),
    ``not_certified`` or the whole ``population`` (the denominator). Two statements per page
    (count and rows); ``page=None`` returns every line (exports)."""
    summary.ensure_fresh(db.session)
    geo = geo or geography()
    spec = specs([kpi])[kpi.id]
    y, s = KpiLgoYear, KpiLgoStandardYear
    joined = and_(s.lgo_id == y.lgo_id, s.fiscal_year == y.fiscal_year,
                  s.standard_code == spec.standard, s.level_position >= spec.threshold)
    where = [y.fiscal_year == fiscal_year, y.lgo_type.in_(sorted(spec.lgo_types))]
    extra = _scope_filter(scope, geo)
    if extra is not None:
        where.append(extra)
    if lgo_type:
        where.append(y.lgo_type == lgo_type)
    if subset == "certified":
        where.append(s.lgo_id.is_not(None))
    elif subset == "not_certified":
        where.append(s.lgo_id.is_(None))
    base = select(y.lgo_id).outerjoin(s, joined).where(*where)
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    query = (select(Lgo.id, Lgo.dla_code, Lgo.name_th, Lgo.name_en, y.province_id, y.lgo_type,
                    s.level_position, Certificate.serial, Certificate.result_level_code)
             .select_from(y).join(Lgo, Lgo.id == y.lgo_id).outerjoin(s, joined)
             .outerjoin(Certificate, Certificate.id == s.certificate_id)
             .where(*where).order_by(y.province_id, Lgo.dla_code))
    pages = max(1, -(-total // per_page))
    if page is not None:
        page = min(max(1, page), pages)
        query = query.limit(per_page).offset((page - 1) * per_page)
    lines = [LgoLine(*row) for row in db.session.execute(query)]
    return LgoList(lines, total, page or 1, pages if page is not None else 1)


# -- One LGO over the years -----------------------------------------------------------------------

def lgo_history(lgo_id: int) -> dict[str, dict[int, int]]:
    """Standard → fiscal year → level position of the LGO's best valid certificate on 30 Sep."""
    summary.ensure_fresh(db.session)
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for standard, fy, position in db.session.execute(
            select(KpiLgoStandardYear.standard_code, KpiLgoStandardYear.fiscal_year,
                   KpiLgoStandardYear.level_position)
            .where(KpiLgoStandardYear.lgo_id == lgo_id)):
        out[standard][fy] = position
    return dict(out)


def lgo_years(lgo_id: int) -> dict[int, str]:
    """Fiscal year → the LGO's type that year, for the years it was active."""
    summary.ensure_fresh(db.session)
    return dict(db.session.execute(
        select(KpiLgoYear.fiscal_year, KpiLgoYear.lgo_type)
        .where(KpiLgoYear.lgo_id == lgo_id)).all())


