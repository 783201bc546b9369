"""The demo's cycles and assessments: a cycle open today for every shipped standard, one LGO
half-way through its self-assessment and one that has submitted (its province's officer told);
loading again changes nothing."""
from datetime import timedelta

from sqlalchemy import func, select

from lgo_assess.assessments.models import Assessment, Cycle, Response
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.criteria.models import EditionStatus, StandardEdition
from lgo_assess.demo import assessments as demo
from lgo_assess.notifications.models import Notification, OutboxMessage


def _assessment(dla_code: str) -> Assessment:
    """The LGO's assessment in the demo standard's cycle (later steps add others)."""
    return db.session.execute(select(Assessment).where(
        Assessment.lgo.has(dla_code=dla_code),
        Assessment.edition.has(StandardEdition.standard.has(code=demo.DEMO_STANDARD)))
    ).scalar_one()


def _counts() -> dict:
    return {model.__tablename__: db.session.execute(
        select(func.count()).select_from(model)).scalar()
        for model in (Cycle, Assessment, Response, Notification, OutboxMessage, AuditEvent)}


def test_demo_cycles_and_assessments_loaded_twice(app):
    """One test, since a load takes seconds: what the first load makes, and that a second
    changes nothing."""
    first = app.test_cli_runner().invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "demo assessments:" in first.output and "already loaded" not in first.output.split(
        "demo assessments:")[1]
    check_cycles()
    check_assessments()
    before = _counts()
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "demo assessments: already loaded" in again.output
    assert _counts() == before


def check_cycles():
    published = db.session.execute(select(StandardEdition).where(
        StandardEdition.status == EditionStatus.PUBLISHED)).scalars().all()
    cycles = db.session.execute(select(Cycle)).scalars().all()
    assert len(published) >= 5
    assert {c.edition.standard.code for c in cycles} == {e.standard.code for e in published}
    today = today_bangkok()
    for cycle in cycles:
        assert cycle.fiscal_year in cycle.edition.fiscal_years
        assert cycle.opens_on < today < cycle.self_assessment_due < cycle.review_due
        assert cycle.review_due < cycle.decision_due


def check_assessments():
    half = _assessment(demo.ASSESSMENTS[0].lgo)
    done = _assessment(demo.ASSESSMENTS[1].lgo)
    assert half.status == AssessmentStatus.DRAFT
    answered = [r for r in half.responses if r.is_answered]
    assert 0.4 * half.applicable_count <= len(answered) <= 0.6 * half.applicable_count
    assert all(r.narrative for r in answered)
    assert done.status == AssessmentStatus.SUBMITTED
    assert done.submitted_by.email == "executive.bankho@demo.example"
    assert done.answered_count == done.applicable_count > 0
    officer_told = db.session.execute(select(Notification).where(
        Notification.kind == "assessment.submitted",
        Notification.user.has(email="officer.khonkaen@demo.example"))).scalars().all()
    assert done.id in {n.params["assessment_id"] for n in officer_told}


def test_the_cycle_year_is_the_latest_served_up_to_today():
    class Edition:
        fiscal_years = [2568, 2569]
    late_november_2026 = today_bangkok().replace(year=2026, month=11, day=27)
    assert demo.cycle_year(Edition(), late_november_2026) == 2569
    Edition.fiscal_years = [2571]
    assert demo.cycle_year(Edition(), late_november_2026) == 2571
    assert demo.cycle_year(Edition(), late_november_2026 + timedelta(days=3 * 365)) == 2571
