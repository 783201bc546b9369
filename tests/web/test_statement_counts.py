"""N+1 guards for the list pages that grow on deadline day: the SQL statements a page sends must
not grow with the rows it lists. Each test renders the page over a small and a large set (10 and
100 assessments) and compares the counts (``before_cursor_execute`` on the engine the test
session uses). The workspace (criteria: test_workspace_queries.py) and the KPI dashboards (LGOs:
test_kpi_pages.py) have their own."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.security import Role
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.review.models import Assignment, AssignmentRole
from tests.factories import make_district, make_lgo, make_province, make_user
from tests.factories_assessments import make_assessment
from tests.factories_certification import make_recommended_assessment, tst_cycle
from tests.factories_review import make_assessor

SMALL, LARGE = 10, 100


class StatementCounter:
    def __init__(self):
        self.engine, self.statements = db.session.get_bind().engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)


def statements_of(client, url: str) -> list[str]:
    assert client.get(url).status_code == 200          # warm caches (editions, templates)
    with StatementCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter.statements


SLACK = 2  # the ORM may refresh an expired row or two depending on what earlier tests left in
           # the identity map; an N+1 over 90 more rows adds 90 statements or more


def assert_same_count(small: list[str], large: list[str], what: str) -> None:
    assert len(large) <= len(small) + SLACK, (
        f"{what}: {len(small)} statements for {SMALL} rows but {len(large)} for {LARGE}; "
        f"repeated: {_most_repeated(large)}")


def _most_repeated(statements: list[str]) -> str:
    counts: dict[str, int] = {}
    for statement in statements:
        counts[statement] = counts.get(statement, 0) + 1
    statement, times = max(counts.items(), key=lambda item: item[1])
    return f"{times}× {' '.join(statement.split())[:300]}"


def test_the_decision_queue_does_not_query_per_assessment(client, login_as, app_ctx):
    """The approver's queue: per row the recommendation, who recommended it, the assessors'
    scores (divergence flags) and everyone who scored it (may this approver decide it)."""
    province = make_province()
    assessors = [make_user(Role.ASSESSOR) for _ in range(4)]
    login_as(Role.DLA_APPROVER, locale="en")

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            make_recommended_assessment(
                level=("good", "pass", None)[i % 3], computed="pass" if i % 4 == 0 else None,
                scorers=assessors[:2 + i % 3], lead=assessors[i % 4], divergent=i % 2 == 0,
                province=province)
        db.session.commit()

    add(SMALL, 0)
    small = statements_of(client, "/certification/")
    add(LARGE - SMALL, SMALL)
    large = statements_of(client, "/certification/")
    assert_same_count(small, large, "decision queue")


def _submitted(province, n: int) -> None:
    cycle = tst_cycle()
    for _ in range(n):
        assessment = make_assessment(make_lgo(province=province), cycle)
        executive = make_user(Role.LGO_EXECUTIVE, lgo=assessment.lgo)
        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_at, assessment.submitted_by_id = utcnow(), executive.id
    db.session.commit()


def test_the_screening_queue_does_not_query_per_assessment(client, login_as, app_ctx):
    """The provincial officer's queue: completeness, answered and applicable counts and the
    LGO's own deadline for every submitted assessment of the province."""
    province = make_province()
    login_as(Role.PROVINCIAL_OFFICER, province=province, locale="en")
    _submitted(province, SMALL)
    small = statements_of(client, "/review/screening")
    _submitted(province, LARGE - SMALL)
    large = statements_of(client, "/review/screening")
    assert_same_count(small, large, "screening queue")


def _in_review_with(assessor, province, cycle, officer) -> None:
    """A new LGO's assessment, submitted and in review, with ``assessor`` as its lead."""
    assessment = make_assessment(make_lgo(province=province), cycle)
    executive = make_user(Role.LGO_EXECUTIVE, lgo=assessment.lgo)
    assessment.status = AssessmentStatus.IN_REVIEW
    assessment.submitted_at, assessment.submitted_by_id = utcnow(), executive.id
    db.session.add(Assignment(assessment_id=assessment.id, assessor_id=assessor.id,
                              role=AssignmentRole.LEAD, assigned_by_id=officer.id,
                              due_on=today_bangkok() + timedelta(days=10)))


def test_the_assessors_list_does_not_query_per_assignment(client, login_as, app_ctx):
    """An assessor's own list of assessments to score."""
    province = make_province()
    assessor = login_as(Role.ASSESSOR, locale="en")
    officer = make_user(Role.PROVINCIAL_OFFICER, province=province)
    cycle = tst_cycle()

    def assign(n: int) -> None:
        for _ in range(n):
            _in_review_with(assessor, province, cycle, officer)
        db.session.commit()

    assign(SMALL)
    small = statements_of(client, "/review/mine")
    assign(LARGE - SMALL)
    large = statements_of(client, "/review/mine")
    assert_same_count(small, large, "assessor's list")


def test_the_assessors_workload_does_not_query_per_assessor(client, login_as, app_ctx):
    """The officer's list of assessors with where each works and their open reviews."""
    province = make_province()
    district = make_district(province)
    officer = login_as(Role.PROVINCIAL_OFFICER, province=province, locale="en")
    cycle = tst_cycle()

    def add(n: int) -> None:
        for _ in range(n):
            _in_review_with(make_assessor(district), province, cycle, officer)
        db.session.commit()

    add(SMALL)
    small = statements_of(client, "/review/assessors")
    add(LARGE - SMALL)
    large = statements_of(client, "/review/assessors")
    assert_same_count(small, large, "assessors' workload")


def test_the_province_dashboard_does_not_query_per_assessed_lgo(client, login_as, app_ctx):
    """The province's LGOs by standard and status, once they have assessments (the KPI test
    counts LGOs that have none)."""
    province = make_province()
    login_as(Role.PROVINCIAL_OFFICER, province=province, locale="en")
    cycle = tst_cycle()

    lgos = []

    def assess(n: int) -> None:
        for _ in range(n):
            lgos.append(make_assessment(make_lgo(province=province), cycle).lgo)
        db.session.commit()

    url = f"/kpi/province/{province.code}?fy=2569"
    assess(SMALL)
    small = statements_of(client, url)
    assess(LARGE - SMALL)
    large = statements_of(client, url)
    page = client.get(url).get_data(as_text=True)
    assert all(lgo.name_en in page or lgo.name_th in page for lgo in lgos), \
        "the province page no longer lists its LGOs: this count would prove nothing"
    assert_same_count(small, large, "province dashboard")
