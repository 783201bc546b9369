"""The plan's KPIs: the catalogue, and one KPI's figure for a fiscal year and scope (computed
from certificates, or entered by DLA), with its target — the same numbers as the dashboards
(``kpi.engine.figure_for``), seen with the same rights (``kpi.policies``)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lgo_assess.api.openapi import Param, define
from lgo_assess.api.registry_endpoints import current_fiscal_year
from lgo_assess.api.routing import FISCAL_YEAR, KPIS, PAGINATION, api, page_of, paginated
from lgo_assess.core.db import db
from lgo_assess.core.errors import Forbidden, NotFound
from lgo_assess.core.security import login_required_only
from lgo_assess.kpi import engine, policies
from lgo_assess.kpi.models import Kpi
from lgo_assess.kpi.rollup import NATION, Scope
from lgo_assess.registry.models import Province

STRING = {"type": "string"}
NUMBER_OR_NULL = {"type": ["number", "null"]}

KPI = define("Kpi", {
    "type": "object",
    "required": ["id", "plan_code", "name_th", "name_en", "unit", "direction", "source",
                 "standard_code"],
    "properties": {
        "id": {**STRING, "description": "The plan's id, e.g. SI3-G1-K1."},
        "plan_code": STRING, "name_th": STRING, "name_en": STRING,
        "unit": STRING,
        "direction": {"type": "string", "enum": ["up", "down"],
                      "description": "Whether a higher value is better (up)."},
        "source": {"type": "string", "enum": ["computed", "manual"]},
        "standard_code": {"type": ["string", "null"],
                          "description": "The standard a computed KPI counts certificates of."},
    },
})
KPI_VALUE = define("KpiValue", {
    "type": "object",
    "required": ["kpi", "fiscal_year", "scope", "value", "numerator", "denominator", "target",
                 "met", "source_text"],
    "properties": {
        "kpi": KPI,
        "fiscal_year": {"type": "integer"},
        "scope": STRING,
        "value": {**NUMBER_OR_NULL, "description": "Null when there is nothing to count yet "
                                                   "(or, for a manual KPI, nothing entered)."},
        "numerator": {"type": ["integer", "null"]},
        "denominator": {"type": ["integer", "null"]},
        "target": NUMBER_OR_NULL,
        "met": {"type": ["boolean", "null"]},
        "source_text": {"type": ["string", "null"],
                        "description": "Where an entered value comes from."},
    },
})

SCOPE = Param("scope", "string",
              _l("Where the figure is for: nation (the default), admin4:<region>, "
                 "geo6:<region>, province:<DOPA code> or type:<LGO type>."),
              pattern=r"nation|(admin4|geo6|province|type):[A-Za-z0-9_]{1,30}", max_length=40,
              default=NATION, example="province:10")


def kpi_json(kpi: Kpi) -> dict:
    return {"id": kpi.id, "plan_code": kpi.plan_code, "name_th": kpi.name_th,
            "name_en": kpi.name_en, "unit": kpi.unit, "direction": kpi.direction,
            "source": kpi.source, "standard_code": kpi.standard_code}


def _check_scope(scope: Scope) -> None:
    """National, regional and type figures for those who see national KPIs; a province's for
    its officers too."""
    user = current_user._get_current_object()
    if scope.kind == "province":
        province_id = db.session.execute(
            select(Province.id).where(Province.code == scope.code)).scalar()
        if province_id is None:
            raise NotFound()
        allowed = policies.can_view_province(user, province_id)
    else:
        allowed = policies.can_view_national(user)
    if not allowed:
        raise Forbidden(_l("Your roles do not let you see KPIs for this scope."))


@api.operation("GET", "/kpis", summary=_l("The plan's KPIs"), tag=KPIS, query=PAGINATION,
               response=page_of("Kpi", KPI))
@login_required_only
def list_kpis(query):
    return paginated(select(Kpi).order_by(Kpi.position, Kpi.id), query, kpi_json)


@api.operation("GET", "/kpis/<kpi_id>", summary=_l("One KPI's figure for a year and scope"),
               tag=KPIS,
               description=_l("A computed KPI counts LGOs holding a valid certificate on 30 "
                              "September of the fiscal year among those active that year (the "
                              "registry as it stood then); a manual one gives the value DLA "
                              "entered. Provincial officers see their province's figures; DLA "
                              "every scope."),
               query=(FISCAL_YEAR, SCOPE), response=KPI_VALUE, errors=(403,),
               example_query={"fiscal_year": 2569, "scope": "province:10"})
@login_required_only
def show_kpi(kpi_id: str, query):
    if db.session.get(Kpi, kpi_id) is None:
        raise NotFound()
    scope = Scope.parse(query["scope"])
    _check_scope(scope)
    fiscal_year = query["fiscal_year"] or current_fiscal_year()
    row = engine.figure_for(kpi_id, fiscal_year, scope.key)
    return jsonify({"kpi": kpi_json(row.kpi), "fiscal_year": fiscal_year, "scope": scope.key,
                    "value": row.value, "numerator": row.numerator,
                    "denominator": row.denominator, "target": row.target, "met": row.met,
                    "source_text": row.source_text})
