"""KPI pages: the national dashboard for DLA executives, one KPI in detail, a province's
dashboard for its officers, an LGO's own results over the years, the list of LGOs behind every
number, CSV/XLSX exports of every table, the executive report as a Thai PDF, entry of manual
KPI values (DLA approvers) and of targets (DLA administrators). Open data lives in
``open_data``, on the same blueprint."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import (Blueprint, Response, abort, current_app, flash, g, get_template_attribute,
                   redirect, render_template, request, send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from lgo_assess.core.db import db
from lgo_assess.core.errors import NotFound
from lgo_assess.core.i18n import current_language
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, login_required_only, require
from lgo_assess.core.thaidate import fiscal_year as fiscal_year_of, today_bangkok
from lgo_assess.kpi import charts, engine, export, policies, queries, rollup, services, summary
from lgo_assess.kpi.forms import DrilldownForm, FiscalYearForm, KpiValueForm, targets_form_class
from lgo_assess.kpi.models import KpiValue
from lgo_assess.kpi.rollup import Scope
from lgo_assess.registry.models import Lgo, LgoType, Province

bp = Blueprint("kpi", __name__, template_folder="templates")

add_nav_entry(_l("KPIs"), "kpi.national", order=70, permission=Permission.VIEW_NATIONAL_KPIS)
add_nav_entry(_l("Province dashboard"), "kpi.province_index", order=71,
              permission=Permission.VIEW_PROVINCE)
add_nav_entry(_l("Open data"), "kpi.open_data", order=90)

BREAKDOWN_KINDS = ("admin4", "geo6", "type", "province")
KIND_TITLES = {"admin4": _l("By region (4 administrative regions)"),
               "geo6": _l("By region (6 geographic regions)"),
               "type": _l("By LGO type"), "province": _l("By province")}
SUBSET_TITLES = {"certified": _l("LGOs counted (certified)"),
                 "not_certified": _l("LGOs not certified"),
                 "population": _l("All LGOs of the population")}


def _me():
    return current_user._get_current_object()


def _fy() -> int:
    asked = request.args.get("fy", type=int)
    if asked in summary.YEARS:
        return asked
    current = fiscal_year_of(today_bangkok())
    return min(max(current, summary.FIRST_YEAR), summary.LAST_YEAR)


def _format() -> str:
    return "xlsx" if request.args.get("format") == "xlsx" else "csv"


# -- Labels ---------------------------------------------------------------------------------------

def type_title(code: str) -> str:
    try:
        return LgoType(code).title
    except ValueError:
        return code


def scope_title(scope: Scope, geo: engine.Geography) -> str:
    if scope.kind == rollup.NATION:
        return _("Whole country")
    if scope.kind == "type":
        return type_title(scope.code)
    return geo.scope_name(scope, current_language())


def kpi_name(kpi) -> str:
    return kpi.name_en if current_language() == "en" and kpi.name_en else kpi.name_th


def value_text(value, kpi) -> str:
    if value is None:
        return "–"
    if kpi.unit == "percent":
        return f"{value:,.1f}%"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _unit(kpi) -> str:
    return "%" if kpi.unit == "percent" else kpi.unit


@bp.app_template_filter("kpi_value")
def kpi_value_filter(value, kpi) -> str:
    return value_text(value, kpi)


@bp.app_context_processor
def kpi_helpers():
    return {"kpi_name": kpi_name, "type_title": type_title}


def drill_url(kpi_id: str, fy: int, scope: Scope | str = rollup.NATION,
              subset: str = "certified", **extra) -> str:
    """The drill-down's address (built once per KPI and request: a dashboard has hundreds)."""
    key = scope.key if isinstance(scope, Scope) else scope
    bases = g.setdefault("kpi_drill_bases", {})
    base = bases.get(kpi_id)
    if base is None:
        base = bases[kpi_id] = url_for("kpi.drilldown", kpi_id=kpi_id)
    return base + "?" + urlencode({"fy": fy, "scope": key, "subset": subset, **extra})


# -- Tables shared by pages, the exports and the report -------------------------------------------

def national_table(board: engine.Board) -> export.Table:
    rows = []
    for row in board.rows:
        rows.append([row.kpi.id, kpi_name(row.kpi), _("Computed") if row.is_computed
                     else _("Entered"), row.value, row.target,
                     None if row.met is None else (_("Met") if row.met else _("Not met")),
                     row.numerator, row.denominator, row.source_text or ""])
    return export.Table("national", _("KPIs of the plan, fiscal year %(fy)s",
                                      fy=board.fiscal_year),
                        [_("KPI"), _("Name"), _("Source"), _("Value"), _("Target"), _("Result"),
                         _("LGOs counted"), _("LGOs in the population"), _("Data source")],
                        rows)


def breakdown_rows(board: engine.Board, kind: str) -> list[tuple[Scope, list[engine.Row]]]:
    """Per scope of one kind, the row of every computed KPI."""
    computed = [k for k in board.kpis if k.is_computed]
    if kind == "province":
        parts = rollup.split(board.cells, board.geography.places, "province")
        year_targets = engine.targets([board.fiscal_year])
        return [(Scope("province", code), [
            engine.computed_row(k, board.specs[k.id], parts[code], {}, Scope("province", code),
                                board.fiscal_year, year_targets, prefiltered=True)
            for k in computed]) for code in sorted(parts)]
    by_kpi = board.breakdown.get(kind, {})
    scopes = board.scopes(kind)
    return [(scope, [by_kpi[k.id][i] for k in computed]) for i, scope in enumerate(scopes)]


def breakdown_table(board: engine.Board, kind: str) -> export.Table:
    computed = [k for k in board.kpis if k.is_computed]
    header = [_("Area")] + [h for k in computed for h in (
        f"{k.id} {_('value')}", f"{k.id} {_('counted')}", f"{k.id} {_('population')}")]
    rows = []
    for scope, cells in breakdown_rows(board, kind):
        line = [scope_title(scope, board.geography)]
        for row in cells:
            line += [row.value, row.numerator, row.denominator]
        rows.append(line)
    return export.Table(kind, str(KIND_TITLES[kind]) + f" · {board.fiscal_year}", header, rows)


def trend_table(board: engine.Board) -> export.Table:
    header = [_("KPI"), _("Name")] + [str(fy) for fy in summary.YEARS] + \
        [f"{_('Target')} {fy}" for fy in summary.YEARS]
    rows = []
    for kpi in board.kpis:
        trend = board.trend[kpi.id]
        rows.append([kpi.id, kpi_name(kpi)] + [r.value for r in trend] + [r.target for r in trend])
    return export.Table("trend", _("Trend over the plan's fiscal years"), header, rows)


def cycles_table(stats, fy: int) -> export.Table:
    rows = [[s.standard_code, s.edition_code, s.due.isoformat(), s.population, s.started,
             s.submitted, s.submission_rate, s.on_time, s.on_time_rate, s.extensions,
             s.average_percent] for s in stats]
    return export.Table("cycles", _("Cycles of fiscal year %(fy)s", fy=fy),
                        [_("Standard"), _("Edition"), _("Deadline"), _("LGOs expected"),
                         _("Started"), _("Submitted"), _("Submission rate (%)"),
                         _("On time"), _("On-time rate (%)"), _("Extensions"),
                         _("Average self-assessed score (%)")], rows)


def in_app_context(body):
    """Run a streamed body inside an application context of its own (the database session
    lives there), pushed only once the server starts reading it and popped when it ends. Every
    text the body needs from the request (language, host) is worked out before."""
    app = current_app._get_current_object()

    def generate():
        with app.app_context():
            yield from body
    return generate()


def _send(tables: list[export.Table], name: str):
    if _format() == "xlsx":
        body, mimetype, suffix = export.xlsx_stream(tables), export.XLSX_TYPE, "xlsx"
    else:
        body, mimetype, suffix = export.csv_stream(tables[0]), export.CSV_TYPE, "csv"
    response = Response(in_app_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{suffix}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- The national dashboard -----------------------------------------------------------------------

@dataclass(frozen=True)
class Charts:
    overview: object
    trends: dict


def national_charts(board: engine.Board) -> Charts:
    computed = [r for r in board.rows if r.is_computed]
    overview = charts.bar_chart(
        "kpi-overview", _("Computed KPIs, fiscal year %(fy)s: actual and target",
                          fy=board.fiscal_year),
        [charts.Bar(r.kpi.id, r.value, r.target, drill_url(r.kpi.id, board.fiscal_year),
                    value_text(r.value, r.kpi)) for r in computed],
        unit="%", target_label=_("target"))
    trends = {}
    for kpi in board.kpis:
        if not kpi.is_computed:
            continue
        trends[kpi.id] = charts.line_chart(
            f"kpi-trend-{kpi.id}", _("%(kpi)s over the plan's fiscal years", kpi=kpi.id),
            [charts.Point(str(r.fiscal_year), r.value, r.target,
                          drill_url(kpi.id, r.fiscal_year), value_text(r.value, kpi))
             for r in board.trend[kpi.id]], unit=_unit(kpi), target_label=_("target"))
    return Charts(overview, trends)


@bp.get("/kpi/")
@require(Permission.VIEW_NATIONAL_KPIS)
def national():
    fy = _fy()
    board = engine.board(fy)
    form = FiscalYearForm(request.args, meta={"csrf": False})
    form.fy.data = str(fy)
    breakdowns = {kind: breakdown_rows(board, kind) for kind in ("admin4", "geo6", "type")}
    return render_template(
        "kpi/national.html", board=board, fy=fy, form=form, charts=national_charts(board),
        breakdowns=breakdowns, kind_titles=KIND_TITLES, scope_title=scope_title,
        years=summary.YEARS,
        drill_url=drill_url, value_text=value_text, cycles=queries.cycle_stats(fy),
        can_enter=policies.can_enter_values(_me()), can_target=policies.can_set_targets(_me()))


@bp.get("/kpi/export")
@require(Permission.VIEW_NATIONAL_KPIS)
def national_export():
    fy = _fy()
    board = engine.board(fy)
    makers = {"national": lambda: national_table(board), "trend": lambda: trend_table(board),
              "cycles": lambda: cycles_table(queries.cycle_stats(fy), fy),
              **{kind: (lambda k=kind: breakdown_table(board, k)) for kind in BREAKDOWN_KINDS}}
    wanted = request.args.get("table", "national")
    if wanted == "all" and _format() == "xlsx":
        tables = [make() for make in makers.values()]
    elif wanted in makers:
        tables = [makers[wanted]()]
    else:
        raise NotFound()
    return _send(tables, f"kpi-{fy}-{wanted}")


@bp.get("/kpi/<kpi_id>")
@require(Permission.VIEW_NATIONAL_KPIS)
def show(kpi_id: str):
    kpi = services.get_kpi(kpi_id)
    fy = _fy()
    board = engine.board(fy)
    form = FiscalYearForm(request.args, meta={"csrf": False})
    form.fy.data = str(fy)
    national_row = next(r for r in board.rows if r.kpi.id == kpi.id)
    trend = board.trend[kpi.id]
    trend_chart = charts.line_chart(
        f"kpi-trend-{kpi.id}", _("%(kpi)s over the plan's fiscal years", kpi=kpi.id),
        [charts.Point(str(r.fiscal_year), r.value, r.target,
                      drill_url(kpi.id, r.fiscal_year) if kpi.is_computed else None,
                      value_text(r.value, kpi)) for r in trend],
        unit=_unit(kpi), target_label=_("target"))
    breakdowns, breakdown_charts = {}, {}
    if kpi.is_computed:
        index = [k.id for k in board.kpis if k.is_computed].index(kpi.id)
        for kind in BREAKDOWN_KINDS:
            rows = [(scope, cells[index]) for scope, cells in breakdown_rows(board, kind)]
            breakdowns[kind] = rows
            if kind != "province":
                breakdown_charts[kind] = charts.bar_chart(
                    f"kpi-{kind}-{kpi.id}", f"{kpi.id} · {KIND_TITLES[kind]} · {fy}",
                    [charts.Bar(scope_title(scope, board.geography), row.value, row.target,
                                drill_url(kpi.id, fy, scope), value_text(row.value, kpi))
                     for scope, row in rows], unit=_unit(kpi), target_label=_("target"))
    return render_template(
        "kpi/show.html", kpi=kpi, fy=fy, form=form, row=national_row, trend=trend,
        trend_chart=trend_chart, breakdowns=breakdowns, breakdown_charts=breakdown_charts,
        kind_titles=KIND_TITLES, geo=board.geography, scope_title=scope_title,
        drill_url=drill_url, can_enter=policies.can_enter_values(_me()))


# -- Drill-down -----------------------------------------------------------------------------------

def _drill_args(kpi):
    fy = _fy()
    try:
        scope = Scope.parse(request.args.get("scope"))
    except ValueError:
        raise NotFound() from None
    subset = request.args.get("subset", "certified")
    if subset not in engine.SUBSETS:
        subset = "certified"
    lgo_type = request.args.get("type") or None
    if lgo_type and lgo_type not in engine.LGO_TYPES:
        lgo_type = None
    geo = engine.geography()
    if not policies.can_view_national(_me()):
        province = geo.province_by_code(scope.code) if scope.kind == "province" else None
        if province is None or not policies.can_view_province(_me(), province.id):
            abort(403)
    return fy, scope, subset, lgo_type, geo


def _computed_kpi(kpi_id: str):
    kpi = services.get_kpi(kpi_id)
    if not kpi.is_computed:
        raise NotFound(_l("%(kpi)s is entered, not computed: no LGOs stand behind it.",
                          kpi=kpi.id))
    return kpi


def drill_table(kpi, fy, scope, subset, lgo_type, geo, result) -> export.Table:
    labels = queries.level_labels()
    english = current_language() == "en"
    rows = []
    for line in result.lines:
        province = geo.provinces.get(line.province_id)
        label = labels.get((kpi.standard_code, line.result_level_code or ""))
        rows.append([line.dla_code, line.name_en if english and line.name_en else line.name_th,
                     (province.name_en if english else province.name_th) if province else "",
                     type_title(line.lgo_type),
                     (label[1] if english else label[0]) if label else
                     (line.result_level_code or ""), line.certificate_serial or ""])
    title = f"{kpi.id} · {fy} · {scope_title(scope, geo)} · {SUBSET_TITLES[subset]}"
    if lgo_type:
        title += f" · {type_title(lgo_type)}"
    return export.Table("lgos", title, [_("DLA code"), _("LGO"), _("Province"), _("LGO type"),
                                        _("Result level"), _("Certificate no.")], rows)


@bp.get("/kpi/<kpi_id>/lgos")
@require(Permission.VIEW_NATIONAL_KPIS, Permission.VIEW_PROVINCE)
def drilldown(kpi_id: str):
    kpi = _computed_kpi(kpi_id)
    fy, scope, subset, lgo_type, geo = _drill_args(kpi)
    result = engine.lgos_behind(kpi, fy, scope, subset, lgo_type=lgo_type,
                                page=request.args.get("page", 1, type=int), geo=geo)
    figure = engine.figure_for(kpi.id, fy, scope.key)
    national_viewer = policies.can_view_national(_me())
    scopes = [(scope.key, scope_title(scope, geo))]
    if national_viewer:
        scopes = [(rollup.NATION, _("Whole country"))] + [
            (s.key, f"{KIND_TITLES[s.kind]}: {scope_title(s, geo)}")
            for kind in ("admin4", "geo6", "province")
            for s in sorted({Scope(kind, c) for c in _codes(geo, kind)},
                            key=lambda s: (scope_title(s, geo), s.key))]  # same names: by code
    form = DrilldownForm(request.args, meta={"csrf": False}, scopes=scopes,
                         types=[(t, type_title(t)) for t in engine.LGO_TYPES])
    form.fy.data, form.scope.data, form.subset.data = str(fy), scope.key, subset
    form.type.data = lgo_type or ""
    arguments = {"fy": fy, "scope": scope.key, "subset": subset}
    if lgo_type:
        arguments["type"] = lgo_type
    return render_template(
        "kpi/drilldown.html", kpi=kpi, fy=fy, scope=scope, subset=subset, lgo_type=lgo_type,
        result=result, figure=figure, form=form, geo=geo, arguments=arguments,
        table=drill_table(kpi, fy, scope, subset, lgo_type, geo, result),
        scope_label=scope_title(scope, geo), subset_title=SUBSET_TITLES[subset])


def _codes(geo: engine.Geography, kind: str) -> set[str]:
    attribute = {"admin4": "admin4", "geo6": "geo6", "province": "code"}[kind]
    return {getattr(p, attribute) for p in geo.provinces.values() if getattr(p, attribute)}


@bp.get("/kpi/<kpi_id>/lgos/export")
@require(Permission.VIEW_NATIONAL_KPIS, Permission.VIEW_PROVINCE)
def drilldown_export(kpi_id: str):
    kpi = _computed_kpi(kpi_id)
    fy, scope, subset, lgo_type, geo = _drill_args(kpi)
    result = engine.lgos_behind(kpi, fy, scope, subset, lgo_type=lgo_type, page=None, geo=geo)
    table = drill_table(kpi, fy, scope, subset, lgo_type, geo, result)
    return _send([table], f"{kpi.id}-{fy}-{subset}")


# -- A province -----------------------------------------------------------------------------------

@bp.get("/kpi/province/")
@require(Permission.VIEW_PROVINCE)
def province_index():
    own = policies.province_ids(_me())
    if len(own) == 1 and not policies.can_view_national(_me()):
        province = db.session.get(Province, next(iter(own)))
        return redirect(url_for("kpi.province", province_code=province.code))
    provinces = db.session.query(Province).order_by(Province.name_th).all()
    if not policies.can_view_national(_me()):
        provinces = [p for p in provinces if p.id in own]
    return render_template("kpi/province_index.html", provinces=provinces)


def _province_for(province_code: str) -> Province:
    province = db.session.query(Province).filter_by(code=province_code).one_or_none()
    if province is None:
        raise NotFound()
    if not policies.can_view_province(_me(), province.id):
        abort(403)
    return province


def province_board(province: Province, fy: int):
    scope = Scope("province", province.code)
    computed = engine.kpis(computed_only=True)
    spec_of = engine.specs(computed)
    geo = engine.geography()
    cells = engine.cells(fy, province_id=province.id)
    # Only the targets a province's figure can take (engine.target_for): its own, the nation's.
    all_targets = engine.targets(summary.YEARS, [scope.key, rollup.NATION])
    rows = [engine.computed_row(k, spec_of[k.id], cells, geo.places, scope, fy, all_targets)
            for k in computed]
    by_year = engine.year_cells(summary.YEARS, province_id=province.id)
    trend = {k.id: [engine.computed_row(k, spec_of[k.id], by_year[y], geo.places, scope, y,
                                        all_targets) for y in summary.YEARS] for k in computed}
    return scope, rows, trend, geo


def province_tables(province, fy, rows, lgos, standards, stats) -> list[export.Table]:
    labels = queries.level_labels()
    english = current_language() == "en"
    kpi_rows = [[r.kpi.id, kpi_name(r.kpi), r.value, r.target, r.numerator, r.denominator]
                for r in rows]
    lgo_rows = []
    for lgo in lgos:
        line = [lgo.dla_code, lgo.name_en if english and lgo.name_en else lgo.name_th,
                type_title(lgo.lgo_type)]
        for code in standards:
            cell = lgo.cells.get(code)
            label = labels.get((code, cell.level_code or "")) if cell else None
            line += [(label[1] if english else label[0]) if label else "",
                     _status_title(cell.assessment_status) if cell and
                     cell.assessment_status else ""]
        lgo_rows.append(line)
    name = province.name_en if english else province.name_th
    return [
        export.Table("kpis", _("KPIs of %(area)s, fiscal year %(fy)s", area=name, fy=fy),
                     [_("KPI"), _("Name"), _("Value"), _("Target"), _("LGOs counted"),
                      _("LGOs in the population")], kpi_rows),
        export.Table("lgos", _("LGOs of %(area)s by standard, fiscal year %(fy)s", area=name,
                               fy=fy),
                     [_("DLA code"), _("LGO"), _("LGO type")] +
                     [h for code in standards for h in (
                         f"{code} {_('certified level')}", f"{code} {_('assessment')}")],
                     lgo_rows),
        cycles_table(stats, fy)]


def once_per_page(function):
    """``function`` remembered per argument for one page: a table of hundreds of LGOs looks each
    translated title up once per value, not once per cell."""
    memo: dict = {}

    def get(value):
        if value not in memo:
            memo[value] = function(value)
        return memo[value]
    return get


def lgo_table_rows(lgos: list[queries.ProvinceLgo], standards: list[str], labels: dict,
                   english: bool) -> list[tuple[str, str, str, Markup]]:
    """(link, name, type title, its cells' HTML) per LGO of the province page.

    The table has a cell per LGO and standard (1,555 for the largest province) but few distinct
    ones (a level, a status, a progress: 165 in the current year, fewer in closed ones), so each
    distinct cell is rendered once by the ``lgo_cell`` macro and reused: printed one by one,
    Jinja took ~25 µs a cell, the page's largest cost."""
    render_cell = get_template_attribute("kpi/_macros.html", "lgo_cell")
    marker = 2_147_483_647            # url_for once, not per LGO (~20 µs each)
    head, _marker, tail = url_for("kpi.lgo", lgo_id=marker).partition(str(marker))
    types = once_per_page(type_title)
    statuses = once_per_page(_status_title)
    shown: dict[tuple, Markup] = {}
    rows = []
    for lgo in lgos:
        cells = []
        for code in standards:
            cell = lgo.cells.get(code)
            key = (code, None) if cell is None else (
                code, cell.level_code, cell.assessment_status, cell.answered, cell.applicable)
            html = shown.get(key)
            if html is None:
                level = status = progress = None
                if cell is not None and cell.level_code:
                    label = labels.get((code, cell.level_code))
                    level = (label[1] if english else label[0]) if label else cell.level_code
                if cell is not None and cell.assessment_status:
                    status = cell.assessment_status
                    progress = f"{cell.answered}/{cell.applicable}" if cell.applicable else None
                html = shown[key] = render_cell(code, cell is not None, level, status,
                                                statuses(status) if status else "", progress)
            cells.append(html)
        rows.append((f"{head}{lgo.lgo_id}{tail}",
                     lgo.name_en if english and lgo.name_en else lgo.name_th,
                     types(lgo.lgo_type), Markup("\n    ").join(cells)))
    return rows


def _status_title(status: str | None) -> str:
    from lgo_assess.assessments.states import AssessmentStatus
    try:
        return AssessmentStatus(status).title
    except ValueError:
        return status or ""


@bp.get("/kpi/province/<province_code>")
@require(Permission.VIEW_PROVINCE)
def province(province_code: str):
    province = _province_for(province_code)
    fy = _fy()
    scope, rows, trend, geo = province_board(province, fy)
    lgos, standards = queries.province_lgos(province.id, fy)
    stats = queries.cycle_stats(fy, province_id=province.id)
    form = FiscalYearForm(request.args, meta={"csrf": False})
    form.fy.data = str(fy)
    overview = charts.bar_chart(
        "province-overview", _("%(area)s, fiscal year %(fy)s: actual and target",
                               area=scope_title(scope, geo), fy=fy),
        [charts.Bar(r.kpi.id, r.value, r.target, drill_url(r.kpi.id, fy, scope),
                    value_text(r.value, r.kpi)) for r in rows], target_label=_("target"))
    trend_charts = {k: charts.line_chart(
        f"province-trend-{k}", _("%(kpi)s over the plan's fiscal years", kpi=k),
        [charts.Point(str(r.fiscal_year), r.value, r.target,
                      drill_url(k, r.fiscal_year, scope), value_text(r.value, r.kpi))
         for r in points], unit=_unit(points[0].kpi), target_label=_("target"))
        for k, points in trend.items()}
    return render_template(
        "kpi/province.html", province=province, fy=fy, form=form, scope=scope, rows=rows,
        trend=trend, overview=overview, trend_charts=trend_charts,
        lgo_rows=lgo_table_rows(lgos, standards, queries.level_labels(),
                                current_language() == "en"),
        standards=standards, stats=stats, standard_names=queries.standard_names(),
        drill_url=drill_url, today=today_bangkok())


@bp.get("/kpi/province/<province_code>/export")
@require(Permission.VIEW_PROVINCE)
def province_export(province_code: str):
    province = _province_for(province_code)
    fy = _fy()
    _scope, rows, _trend, _geo = province_board(province, fy)
    lgos, standards = queries.province_lgos(province.id, fy)
    tables = province_tables(province, fy, rows, lgos, standards,
                             queries.cycle_stats(fy, province_id=province.id))
    wanted = request.args.get("table", "lgos")
    if not (wanted == "all" and _format() == "xlsx"):
        tables = [t for t in tables if t.name == wanted] or [tables[1]]
    return _send(tables, f"province-{province.code}-{fy}-{wanted}")


# -- One LGO --------------------------------------------------------------------------------------

def _lgo_for(lgo_id: int) -> Lgo:
    lgo = db.session.get(Lgo, lgo_id)
    if lgo is None:
        raise NotFound()
    if not policies.can_view_lgo(_me(), lgo):
        abort(403)
    return lgo


def lgo_tables(lgo: Lgo):
    english = current_language() == "en"
    labels = queries.level_labels()
    history = queries.lgo_certified_years(lgo.id)
    years = engine.lgo_years(lgo.id)
    standards = sorted(set(history) | set(queries.standard_names()))
    year_rows = []
    for fy in summary.YEARS:
        line = [fy, type_title(years[fy]) if fy in years else _("not active")]
        for code in standards:
            held = history.get(code, {}).get(fy)
            label = labels.get((code, held[0])) if held else None
            line.append((label[1] if english else label[0]) if label else
                        (held[0] if held else ""))
        year_rows.append(line)
    today = today_bangkok()
    certificate_rows = [[c.serial, c.standard_code, c.fiscal_year,
                         (lambda lb: (lb[1] if english else lb[0]) if lb else
                          c.result_level_code)(labels.get((c.standard_code,
                                                           c.result_level_code))),
                         c.issued_on.isoformat(), c.valid_until.isoformat(),
                         c.status_on(today).title] for c in queries.lgo_certificates(lgo.id)]
    assessment_rows = [[fy, code, edition, _status_title(getattr(status, "value", status)),
                        score, result or "",
                        submitted.date().isoformat() if submitted else ""]
                       for fy, code, edition, status, score, result, submitted
                       in queries.lgo_assessments(lgo.id)]
    name = lgo.name_en if english and lgo.name_en else lgo.name_th
    return standards, [
        export.Table("years", _("%(lgo)s: certified level on 30 September of each year",
                                lgo=name), [_("Fiscal year"), _("LGO type")] + standards,
                     year_rows),
        export.Table("certificates", _("%(lgo)s: certificates", lgo=name),
                     [_("Certificate no."), _("Standard"), _("Fiscal year"), _("Result level"),
                      _("Issued on"), _("Valid until"), _("Status today")], certificate_rows),
        export.Table("assessments", _("%(lgo)s: assessments", lgo=name),
                     [_("Fiscal year"), _("Standard"), _("Edition"), _("Status"),
                      _("Self-assessed score (%)"), _("Self-assessed level"), _("Submitted on")],
                     assessment_rows)]


@bp.get("/kpi/lgo/<int:lgo_id>")
@login_required_only
def lgo(lgo_id: int):
    lgo = _lgo_for(lgo_id)
    standards, tables = lgo_tables(lgo)
    history = queries.lgo_certified_years(lgo.id)
    chart = charts.bar_chart(
        "lgo-standards", _("Years certified per standard, fiscal years %(a)s–%(b)s",
                           a=summary.FIRST_YEAR, b=summary.LAST_YEAR),
        [charts.Bar(code, float(len(history.get(code, {}))), None, None,
                    _("%(n)s of %(total)s years", n=len(history.get(code, {})),
                      total=len(summary.YEARS))) for code in standards],
        unit="years")
    return render_template("kpi/lgo.html", lgo=lgo, tables=tables, chart=chart,
                           standards=standards)


@bp.get("/kpi/lgo/<int:lgo_id>/export")
@login_required_only
def lgo_export(lgo_id: int):
    lgo = _lgo_for(lgo_id)
    _standards, tables = lgo_tables(lgo)
    wanted = request.args.get("table", "years")
    if not (wanted == "all" and _format() == "xlsx"):
        tables = [t for t in tables if t.name == wanted] or [tables[0]]
    return _send(tables, f"lgo-{lgo.dla_code}-{wanted}")


# -- Cycles ---------------------------------------------------------------------------------------

@bp.get("/kpi/cycles/<int:cycle_id>")
@require(Permission.VIEW_NATIONAL_KPIS)
def cycle(cycle_id: int):
    from lgo_assess.assessments.models import Cycle
    row = db.session.get(Cycle, cycle_id)
    if row is None:
        raise NotFound()
    stats = queries.cycle_stats(row.fiscal_year, cycle_id=row.id)
    sections = queries.section_averages(row.id)
    titles = {s.code: (s.title_th, s.title_en) for s in row.edition.sections}
    chart = charts.bar_chart(
        "cycle-sections", _("Average self-assessed score per section"),
        [charts.Bar(code, percent, None, None, f"{percent:.1f}%")
         for code, (percent, _n) in sections.items()])
    return render_template("kpi/cycle.html", cycle=row, stats=stats[0] if stats else None,
                           sections=sections, titles=titles, chart=chart)


# -- Manual values and targets --------------------------------------------------------------------

@bp.get("/kpi/values")
@require(Permission.ENTER_KPI_VALUES)
def values():
    fy = _fy()
    manual = [k for k in engine.kpis() if not k.is_computed]
    entered = engine.manual_values([fy], [rollup.NATION])
    form = FiscalYearForm(request.args, meta={"csrf": False})
    form.fy.data = str(fy)
    return render_template("kpi/values.html", fy=fy, kpis=manual, entered=entered, form=form,
                           targets=engine.targets([fy], [rollup.NATION]))


@bp.route("/kpi/<kpi_id>/values/<int:fy>", methods=["GET", "POST"])
@require(Permission.ENTER_KPI_VALUES)
def edit_value(kpi_id: str, fy: int):
    kpi = services.get_kpi(kpi_id)
    if kpi.is_computed or fy not in summary.YEARS:
        raise NotFound()
    current = engine.manual_values([fy], [rollup.NATION]).get((kpi.id, fy, rollup.NATION))
    form = KpiValueForm(obj=current)
    if form.validate_on_submit():
        upload = None
        if form.file.data and getattr(form.file.data, "filename", ""):
            upload = services.UploadedFile(form.file.data.stream, form.file.data.filename)
        services.enter_value(kpi, fy, float(form.value.data), form.source_text.data,
                             upload=upload, actor=_me())
        db.session.commit()
        flash(_("%(kpi)s for fiscal year %(fy)s is saved.", kpi=kpi.id, fy=fy), "success")
        return redirect(url_for("kpi.values", fy=fy))
    return render_template("kpi/edit_value.html", kpi=kpi, fy=fy, form=form, current=current)


@bp.get("/kpi/<kpi_id>/values/<int:fy>/file")
@require(Permission.VIEW_NATIONAL_KPIS, Permission.ENTER_KPI_VALUES)
def value_file(kpi_id: str, fy: int):
    row = db.session.query(KpiValue).filter_by(kpi_id=kpi_id, fiscal_year=fy,
                                               scope=rollup.NATION).one_or_none()
    if row is None or not row.file_sha256:
        raise NotFound()
    path = services.file_store().path_for(row.file_sha256)
    if not path.is_file():
        raise NotFound()
    response = send_file(path, mimetype=row.file_type, as_attachment=True,
                         download_name="kpi-source", max_age=None)
    response.headers["Content-Disposition"] = (
        "attachment; filename=\"kpi-source\"; filename*=UTF-8''" + quote(row.file_name, safe=""))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/kpi/targets", methods=["GET", "POST"])
@require(Permission.MANAGE_CRITERIA)
def targets():
    fy = _fy() if request.method == "GET" else request.form.get("fy", type=int)
    if fy not in summary.YEARS:
        raise NotFound()
    all_kpis = engine.kpis()
    current = engine.targets([fy], [rollup.NATION])
    form = targets_form_class(all_kpis)(data={
        f"t_{i}": current.get((k.id, fy, rollup.NATION)) for i, k in enumerate(all_kpis)})
    if form.validate_on_submit():
        changed = 0
        for index, kpi in enumerate(all_kpis):
            value = getattr(form, f"t_{index}").data
            value = None if value is None else float(value)
            if value != current.get((kpi.id, fy, rollup.NATION)):
                services.set_target(kpi, fy, value, actor=_me())
                changed += 1
        db.session.commit()
        flash(_("Targets for fiscal year %(fy)s saved (%(n)s changed).", fy=fy, n=changed),
              "success")
        return redirect(url_for("kpi.targets", fy=fy))
    fy_form = FiscalYearForm(request.args, meta={"csrf": False})
    fy_form.fy.data = str(fy)
    return render_template("kpi/targets.html", fy=fy, form=form, kpis=list(enumerate(all_kpis)),
                           fy_form=fy_form)


# -- The executive report -------------------------------------------------------------------------

def report_data(board: engine.Board, cycles) -> "report.ReportData":
    """Every text of the executive report, translated (the renderer is pure)."""
    from lgo_assess.core.thaidate import format_date
    from lgo_assess.kpi import report
    fy, geo, language = board.fiscal_year, board.geography, current_language()
    computed = [r for r in board.rows if r.is_computed]
    manual = [r for r in board.rows if not r.is_computed]
    with_target = [r for r in board.rows if r.met is not None]
    summary_lines = [
        _("The plan has %(n)s KPIs: %(c)s are computed by the platform from certificates valid "
          "on 30 September %(y)s, the other %(m)s are entered by DLA with their sources.",
          n=len(board.rows), c=len(computed), m=len(manual), y=fy),
        _("%(met)s of the %(n)s KPIs with a target for fiscal year %(fy)s meet it; %(entered)s "
          "of %(m)s entered KPIs have a value.", met=sum(1 for r in with_target if r.met),
          n=len(with_target), fy=fy, entered=sum(1 for r in manual if r.value is not None),
          m=len(manual))]
    for r in computed:
        summary_lines.append(_("%(kpi)s: %(value)s (%(n)s of %(d)s LGOs), target %(target)s.",
                               kpi=r.kpi.id, value=value_text(r.value, r.kpi),
                               n=f"{r.numerator:,}", d=f"{r.denominator:,}",
                               target=value_text(r.target, r.kpi)))

    def result(r) -> str:
        return "–" if r.met is None else (_("Met") if r.met else _("Not met"))

    kpi_table = report.ReportTable(
        _("Computed KPIs"), [_("KPI"), _("Name"), _("Value"), _("Target"), _("Result"),
                             _("LGOs counted")],
        [[r.kpi.id, kpi_name(r.kpi), value_text(r.value, r.kpi),
          value_text(r.target, r.kpi), result(r), f"{r.numerator:,}/{r.denominator:,}"]
         for r in computed], [26, None, 18, 20, 18, 30])
    tables = [kpi_table]
    for kind in ("admin4", "geo6", "type"):
        rows = breakdown_rows(board, kind)
        if not rows or not computed:
            continue
        tables.append(report.ReportTable(
            f"{KIND_TITLES[kind]}", [_("Area")] + [r.kpi.id for r in computed],
            [[scope_title(scope, geo)] + [value_text(r.value, r.kpi) for r in cells]
             for scope, cells in rows]))
    tables.append(report.ReportTable(
        _("KPIs entered by DLA"), [_("KPI"), _("Name"), _("Value"), _("Target"),
                                   _("Data source")],
        [[r.kpi.id, kpi_name(r.kpi), value_text(r.value, r.kpi), value_text(r.target, r.kpi),
          r.source_text or _("Not entered yet")] for r in manual], [28, None, 20, 20, 45]))
    if cycles:
        tables.append(report.ReportTable(
            _("Assessment cycles of %(fy)s", fy=fy),
            [_("Standard"), _("Deadline"), _("LGOs expected"), _("Submitted"),
             _("Submission rate"), _("On-time rate")],
            [[f"{s.standard_code} {s.edition_code}", format_date(s.due, language, short=True),
              f"{s.population:,}", f"{s.submitted:,}",
              "–" if s.submission_rate is None else f"{s.submission_rate:.1f}%",
              "–" if s.on_time_rate is None else f"{s.on_time_rate:.1f}%"] for s in cycles]))
    percent = [k for k in board.kpis if k.is_computed and k.unit == "percent"]
    return report.ReportData(
        language=language,
        title=_("Executive report: KPIs of DLA's strategic direction"),
        subtitle=_("Fiscal year %(fy)s (B.E. 2561–2570 plan)", fy=fy),
        produced=_("Produced on %(day)s from the platform's data at that moment.",
                   day=format_date(today_bangkok(), language)),
        summary=summary_lines, page_label=_("Page"),
        bars_title=_("Computed KPIs, fiscal year %(fy)s: actual and target (gold line)", fy=fy),
        bars=[report.BarItem(r.kpi.id, r.value, r.target, value_text(r.value, r.kpi))
              for r in computed if r.kpi.unit == "percent"],
        trend_title=_("Trend over the plan's fiscal years"),
        trend_years=[str(y) for y in summary.YEARS],
        trend=[report.Series(k.id, [r.value for r in board.trend[k.id]]) for k in percent],
        tables=tables,
        footer=_("Computed KPIs count LGOs active in the fiscal year (their type that year) "
                 "holding a certificate valid on 30 September, Bangkok time; revoked and "
                 "superseded certificates count until the day that happened."))


@bp.get("/kpi/report-<int:fy>.pdf")
@require(Permission.VIEW_NATIONAL_KPIS)
def report_pdf(fy: int):
    from lgo_assess.kpi import report
    if fy not in summary.YEARS:
        raise NotFound()
    pdf = report.render(report_data(engine.board(fy), queries.cycle_stats(fy)))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="kpi-report-{fy}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


from lgo_assess.kpi import open_data  # noqa: E402,F401  (its routes join this blueprint)
