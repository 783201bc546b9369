"""Assessments for the route × role matrix: a cycle open today (so saving and starting really
answer) and the assessment of the LGO a request is about, made on first use."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lgo_assess.assessments import services
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.registry.models import Lgo

# Its own edition and fiscal year, so no other scene's cycle of TST 2569 (with other dates)
# stands in its way.
MATRIX_FISCAL_YEAR = 2571


def tst_edition_for(fiscal_year: int):
    """The TST fixture edition copied for ``fiscal_year``, imported and published once."""
    from lgo_assess.criteria import services as criteria_services
    from lgo_assess.criteria.loader import load_text
    from lgo_assess.criteria.models import EditionStatus
    from tests.factories_assessments import TST_EDITION
    text = TST_EDITION.read_text(encoding="utf-8").replace(
        'code: "2569"', f'code: "{fiscal_year}"', 1).replace(
        "fiscal_years: [2569]", f"fiscal_years: [{fiscal_year}]", 1)
    loaded = load_text(text, f"TST/{fiscal_year}.yaml")
    assert not loaded.problems, loaded.problems
    row = criteria_services.import_edition(loaded).edition
    if row.status == EditionStatus.DRAFT:
        criteria_services.publish_edition(row)
    return row


def open_cycle_today(fiscal_year: int = MATRIX_FISCAL_YEAR) -> Cycle:
    """The TST edition of ``fiscal_year``, in a cycle whose self-assessment period runs now."""
    edition = tst_edition_for(fiscal_year)
    found = db.session.execute(select(Cycle).where(
        Cycle.edition_id == edition.id, Cycle.fiscal_year == fiscal_year)).scalar_one_or_none()
    if found is not None:
        return found
    today = today_bangkok()
    return services.open_cycle(edition, fiscal_year, opens_on=today - timedelta(days=30),
                               self_assessment_due=today + timedelta(days=60),
                               review_due=today + timedelta(days=120),
                               decision_due=today + timedelta(days=180), actor=None)


def cycle_id(place) -> int:
    return open_cycle_today().id


def assessment_id(place) -> int:
    cycle = open_cycle_today()
    found = db.session.execute(select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.lgo_id == place.lgo_id)).scalar()
    if found is not None:
        return found
    return services.start_assessment(cycle, db.session.get(Lgo, place.lgo_id), actor=None).id
