"""Cycle figures for the dashboards: LGOs expected, started, submitted, submitted on time by
each LGO's own deadline (an extension moves it; the day ends at midnight Bangkok time), the
average self-assessed score, and the average score per section over each assessment's latest
submission."""
from datetime import date

import pytest

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import AssessmentSnapshot
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db
from lgo_assess.kpi import queries
from tests.factories import make_lgo, make_province, make_user
from tests.factories_assessments import make_assessment, make_cycle
from tests.factories_kpi import utc


def _submit(assessment, at, score, user):
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at, assessment.submitted_by_id = at, user.id
    assessment.self_score_percent = score


def _snapshot(assessment, sections):
    db.session.add(AssessmentSnapshot(assessment_id=assessment.id, kind="submission",
                                      payload={"score": {"sections": sections}},
                                      payload_sha256="0" * 64))
    db.session.flush()


@pytest.fixture
def cycle(app_ctx):
    province = make_province()
    cycle = make_cycle()                           # TST 2569, self-assessment due 31 Mar 2026
    lgos = [make_lgo(province=province) for _ in range(5)]
    user = make_user()
    a, b, c, d = (make_assessment(lgo, cycle) for lgo in lgos[:4])
    assessments.extend_deadline(cycle, lgos[2], date(2026, 4, 15), "น้ำท่วม", actor=None)
    _submit(a, utc(2026, 3, 31, 16, 59), 80.0, user)      # 23:59 on the day, Bangkok: on time
    _submit(b, utc(2026, 3, 31, 17, 0), 60.0, user)       # 00:00 on 1 April, Bangkok: late
    _submit(c, utc(2026, 4, 10, 3, 0), 70.0, user)        # late for the cycle, on time for C
    db.session.flush()
    _snapshot(a, {"1": 0.0})                              # an earlier submission of A
    _snapshot(a, {"1": 80.0, "2": 60.0})
    _snapshot(b, {"1": 40.0, "2": None})
    return cycle, province


def test_submission_and_on_time_rates_follow_each_lgos_deadline(cycle):
    row, province = cycle
    (stats,) = queries.cycle_stats(2569, province_id=province.id)
    assert (stats.population, stats.started, stats.submitted, stats.on_time,
            stats.extensions) == (5, 4, 3, 2, 1)
    assert stats.submission_rate == pytest.approx(60.0)
    assert stats.on_time_rate == pytest.approx(200 / 3)
    assert stats.average_percent == pytest.approx(70.0)
    assert stats.by_status == {"draft": 1, "submitted": 3}


def test_section_averages_read_each_assessments_latest_submission(cycle):
    row, province = cycle
    assert queries.section_averages(row.id, province_id=province.id) == {
        "1": (pytest.approx(60.0), 2), "2": (pytest.approx(60.0), 1)}
