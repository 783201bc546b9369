"""KPIs for the route × role matrix, made on first use: a computed one (of the TST fixture
standard) and a manual one."""
from __future__ import annotations

from lgo_assess.core.db import db
from lgo_assess.kpi.models import Kpi

COMPUTED, MANUAL = "SCN-C", "SCN-M"


def _ensure(kpi_id: str, computed: bool) -> str:
    if db.session.get(Kpi, kpi_id) is None:
        formula = {"type": "share_certified", "standard": "TST",
                   "population": {"lgo_types": ["sao", "pao"]}} if computed else None
        db.session.add(Kpi(id=kpi_id, plan_code="test", position=1 if computed else 2,
                           strategic_issue="SI9", goal="SI9-G1", name_th="ตัวชี้วัดฉาก",
                           name_en="Scene KPI", kind="pct-pass", unit="percent",
                           direction="up", source="computed" if computed else "manual",
                           plan_line=1, formula=formula))
        db.session.flush()
    return kpi_id


def kpi_id(scene, place) -> str:
    return _ensure(COMPUTED, True)


def manual_kpi_id(scene, place) -> str:
    return _ensure(MANUAL, False)
