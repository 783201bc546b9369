"""The KPI demo step: the plan's catalogue, targets for the computed KPIs, manual values with
sources, and past fiscal years of certificates decided through the certification services, so
the dashboards' trends show something; a second load changes nothing."""
from sqlalchemy import func, select

from lgo_assess.certification.models import Certificate, Decision
from lgo_assess.core.db import db
from lgo_assess.demo import kpi as demo
from lgo_assess.kpi import engine
from lgo_assess.kpi.models import Kpi, KpiLgoStandardYear, KpiTarget, KpiValue


def _counts() -> dict:
    return {model.__tablename__: db.session.execute(
        select(func.count()).select_from(model)).scalar()
        for model in (Kpi, KpiTarget, KpiValue, Decision, Certificate, KpiLgoStandardYear)}


def test_the_demo_spans_several_fiscal_years_and_loads_once(app):
    app.config["DEMO_KPI_HISTORY"] = True
    try:
        first = app.test_cli_runner().invoke(args=["demo", "load"])
        assert first.exit_code == 0, first.output
        counts = _counts()
        again = app.test_cli_runner().invoke(args=["demo", "load"])
        assert "demo kpi: already loaded" in again.output, again.output
        assert _counts() == counts
    finally:
        app.config["DEMO_KPI_HISTORY"] = False
    assert counts["kpis"] == 48
    assert counts["kpi_targets"] == 5 * len(demo.TARGETS)
    years = set(db.session.execute(select(Certificate.fiscal_year)).scalars())
    assert set(demo.HISTORY_YEARS) <= years, "certificates of every past fiscal year"
    with app.test_request_context():
        trend = [r.value for r in engine.board(2568).trend["SI3-G1-K1"]]
        by_year = dict(zip(range(2561, 2571), trend))
        assert by_year[2563] < by_year[2565] < by_year[2568], by_year   # adoption grows
        satisfaction = engine.figure_for("SI4-G1-K1", 2567)
        assert satisfaction.value == 82.6 and "สถิติ" in satisfaction.source_text
        assert engine.figure_for("SI3-G1-K1", 2568).target == 60.0
