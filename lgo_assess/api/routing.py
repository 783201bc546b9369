"""The API blueprint, the parameters its operations share, and pagination.

Every resource module (``*_endpoints.py``) registers its operations on ``api``; ``views.py``
imports them all and is the module ``create_app`` registers.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lgo_assess.api.openapi import Api, Param, define, ref
from lgo_assess.core.db import db
from lgo_assess.extensions import csrf
from lgo_assess.registry.models import LgoType

PREFIX = "/api/v1"
MAX_PER_PAGE = 100

bp = Blueprint("api", __name__, url_prefix=PREFIX, template_folder="templates")
# Tokens, not cookies: no CSRF token to check. Writes refuse the session cookie (auth.py), so a
# forged cross-site request carries no credential the API accepts.
csrf.exempt(bp)

CODE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}"

PATH_PARAMETERS = {p.name: p for p in (
    Param("dla_code", "string", _l("The LGO's DLA code."), location="path",
          pattern=r"[0-9A-Za-z]{1,10}", max_length=10, example="7000001"),
    Param("province_code", "string", _l("The province's DOPA code, two digits."),
          location="path", pattern=r"[0-9]{2}", max_length=2, example="10"),
    Param("standard_code", "string", _l("The standard's code, e.g. GGL."), location="path",
          pattern=CODE, max_length=20, example="GGL"),
    Param("edition_code", "string", _l("The edition's code, e.g. 2569."), location="path",
          pattern=CODE, max_length=20, example="2569"),
    Param("criterion_code", "string", _l("The criterion's code within the edition, e.g. 1.1."),
          location="path", pattern=CODE, max_length=20, example="1.1"),
    Param("cycle_id", "integer", _l("The cycle's id."), location="path", example=1),
    Param("assessment_id", "integer", _l("The assessment's id."), location="path", example=1),
    Param("evidence_id", "integer", _l("The evidence item's id in the LGO's library."),
          location="path", example=1),
    Param("serial", "string", _l("The certificate's serial number, e.g. GGL-2569-000042."),
          location="path", pattern=r"[A-Za-z0-9-]{1,32}", max_length=32,
          example="GGL-2569-000042"),
    Param("kpi_id", "string", _l("The KPI's id in the plan, e.g. SI3-G1-K1."),
          location="path", pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", max_length=20,
          example="SI3-G1-K1"),
)}

api = Api(bp, PATH_PARAMETERS)

REGISTRY = api.tag("registry", _l("Registry"),
                   _l("Regions, provinces and LGOs, with each LGO's type by fiscal year."))
CRITERIA = api.tag("criteria", _l("Standards and criteria"),
                   _l("Standards, their published editions and each edition's criteria tree."))
CYCLES = api.tag("cycles", _l("Cycles"),
                 _l("Assessment cycles: one edition opened for one fiscal year."))
ASSESSMENTS = api.tag("assessments", _l("Assessments"),
                      _l("Self-assessments in the caller's scope; the LGO's answers and "
                         "evidence links; assessors' own scores."))
CERTIFICATES = api.tag("certificates", _l("Certificates"),
                       _l("Issued certificates and their status today."))
KPIS = api.tag("kpis", _l("KPIs"),
               _l("The plan's KPIs, by fiscal year and scope, with their targets."))
META = api.tag("meta", _l("This document"), _l("The OpenAPI document and its readable page."))


# -- Parameters the operations share -----------------------------------------------------------

PAGE = Param("page", "integer", _l("The page, from 1."), maximum=100_000, default=1)
PER_PAGE = Param("per_page", "integer",
                 _l("Items per page, at most %(n)s.", n=MAX_PER_PAGE), maximum=MAX_PER_PAGE,
                 default=25)
PAGINATION = (PAGE, PER_PAGE)

FISCAL_YEAR = Param("fiscal_year", "integer",
                    _l("A fiscal year in the Buddhist era (B.E.), e.g. 2569."),
                    minimum=2500, maximum=2700, example=2569)
PROVINCE = Param("province", "string", _l("A province's DOPA code, e.g. 10 (Bangkok)."),
                 pattern=r"[0-9]{2}", max_length=2, example="10")
LGO_TYPE = Param("type", "string", _l("An LGO type."), enum=tuple(t.value for t in LgoType),
                 example="sao")
STANDARD = Param("standard", "string", _l("A standard's code, e.g. GGL."), pattern=CODE,
                 max_length=20, example="GGL")
LGO = Param("lgo", "string", _l("An LGO's DLA code."), pattern=r"[0-9A-Za-z]{1,10}",
            max_length=10)


# -- Pagination ---------------------------------------------------------------------------------

def page_of(name: str, item: dict) -> dict:
    """The schema of one page of ``item``s, registered as ``<name>Page``."""
    link = {"type": ["string", "null"], "description": "The URL of that page, or null."}
    return define(f"{name}Page", {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "next", "prev"],
        "properties": {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 1},
            "next": link,
            "prev": link,
        },
    })


def _page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)


def paginated(statement, query: dict, serialize, *, rows: bool = False):
    """One page of ``statement``'s results as JSON, with ``next``/``prev`` in the body and in a
    ``Link`` header (RFC 8288). ``rows``: the statement selects several columns, and
    ``serialize`` receives each row."""
    page, per_page = query["page"], query["per_page"]
    total = db.session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery())).scalar_one()
    pages = max(1, -(-total // per_page))
    result = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page))
    items = [serialize(row) for row in (result.all() if rows else result.unique().scalars())]
    next_url = _page_url(page + 1) if page < pages else None
    prev_url = _page_url(min(page - 1, pages)) if page > 1 else None
    response = jsonify({"items": items, "page": page, "per_page": per_page, "total": total,
                        "pages": pages, "next": next_url, "prev": prev_url})
    links = [f'<{url}>; rel="{rel}"' for rel, url in
             (("next", next_url), ("prev", prev_url), ("first", _page_url(1)),
              ("last", _page_url(pages))) if url]
    response.headers["Link"] = ", ".join(links)
    return response


__all__ = ["ASSESSMENTS", "CERTIFICATES", "CRITERIA", "CYCLES", "FISCAL_YEAR", "KPIS", "LGO",
           "LGO_TYPE", "META", "PAGINATION", "PROVINCE", "REGISTRY", "STANDARD", "api", "bp",
           "page_of", "paginated", "ref"]
