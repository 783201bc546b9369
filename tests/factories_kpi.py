"""Factories for KPI tests: KPIs of the TST fixture standard, certificates issued on any day
(through the certification services, on a cycle of the certificate's fiscal year) and regions."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from lgo_assess.assessments.models import Cycle
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import fiscal_year as fiscal_year_of
from lgo_assess.kpi.models import Kpi
from lgo_assess.registry.models import Region
from tests.factories_assessments import make_published_edition
from tests.factories_certification import make_approver, make_decision, make_recommended_assessment

ALL_TYPES = ["pao", "city_municipality", "town_municipality", "subdistrict_municipality", "sao",
             "bangkok", "pattaya"]


def make_kpi(kpi_id: str = "T-1", *, formula_type: str = "share_certified",
             standard: str = "TST", min_level: str | None = None, lgo_types=ALL_TYPES,
             source: str = "computed", unit: str | None = None, position: int = 1,
             direction: str = "up") -> Kpi:
    formula = None
    if source == "computed":
        formula = {"type": formula_type, "standard": standard,
                   "population": {"lgo_types": list(lgo_types)}}
        if min_level:
            formula["min_result_level"] = min_level
    unit = unit or ("percent" if formula_type == "share_certified" else "count")
    kpi = Kpi(id=kpi_id, plan_code="test", position=position, strategic_issue="SI9",
              goal="SI9-G1", name_th=f"ตัวชี้วัดทดสอบ {kpi_id}", name_en=f"Test KPI {kpi_id}",
              kind="pct-pass" if unit == "percent" else "count", unit=unit,
              direction=direction, source=source, plan_line=1, formula=formula)
    db.session.add(kpi)
    db.session.flush()
    return kpi


def cycle_for(fiscal_year: int, edition=None) -> Cycle:
    """A cycle of the TST edition for any fiscal year (a row, as history would be loaded: the
    edition itself serves 2569 only). Its window holds the assessment factories' day."""
    edition = edition or make_published_edition()
    found = db.session.execute(select(Cycle).where(
        Cycle.edition_id == edition.id, Cycle.fiscal_year == fiscal_year)).scalar()
    if found:
        return found
    cycle = Cycle(edition_id=edition.id, fiscal_year=fiscal_year, opens_on=date(2025, 11, 1),
                  self_assessment_due=date(2026, 3, 31), review_due=date(2026, 6, 30),
                  decision_due=date(2026, 8, 31))
    db.session.add(cycle)
    db.session.flush()
    return cycle


def certify(lgo, issued_on: date, *, level: str = "good", fiscal_year: int | None = None,
            approver=None):
    """A certificate for ``lgo`` issued on ``issued_on`` through ``certification.services``
    (decision and signed certificate), valid for the edition's 36 months."""
    cycle = cycle_for(fiscal_year or fiscal_year_of(issued_on))
    assessment = make_recommended_assessment(lgo, cycle, level=level)
    decision = make_decision(assessment, approver=approver or make_approver(), today=issued_on)
    return decision.current_certificate


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def make_region_of(scheme: str, code: str, name_th: str | None = None) -> Region:
    found = db.session.execute(select(Region).where(Region.scheme == scheme,
                                                    Region.code == code)).scalar()
    if found:
        return found
    region = Region(scheme=scheme, code=code, name_th=name_th or f"ภาค{code}",
                    name_en=f"Region {code}")
    db.session.add(region)
    db.session.flush()
    return region
